"""Where in a bank's TOML text a key sits, for problems an author can jump to (file:line).

``tomllib`` keeps no positions, so ``SourceLines`` scans the raw text once, apart from the rules
in ``banks.schema`` that ask it for lines.
"""

from __future__ import annotations

import re


class SourceLines:
    """Line numbers of keys in raw TOML text.

    ``tomllib`` keeps no positions, so this scans the text once: keys before the first table header
    are top-level, and each ``[[questions]]`` header opens the block for the next question. It is
    deliberately approximate (it only tracks multi-line strings, not every TOML form); when a key
    cannot be found, callers fall back to the block header, then to no line at all.
    """

    _HEADER = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
    _KEY = re.compile(r"""\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*[.=]""")

    def __init__(self, text: str | None = None) -> None:
        self._top: dict[str, int] = {}
        self._blocks: list[tuple[int, dict[str, int]]] = []
        if text:
            self._scan(text)

    def top(self, key: str) -> int | None:
        return self._top.get(key)

    def question(self, index: int, key: str | None = None) -> int | None:
        """Line of ``key`` in the question at 0-based ``index``, else of its header."""
        if index >= len(self._blocks):
            return self._top.get("questions")  # inline array, or no text to scan
        header, keys = self._blocks[index]
        return keys.get(key, header) if key else header

    def _scan(self, text: str) -> None:
        section: dict[str, int] | None = self._top
        open_quote: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if open_quote is None:
                header = self._HEADER.match(line)
                key = None if header else self._KEY.match(line)
                if header:
                    section = self._enter(header[1] == "[[", header[2], number)
                elif key and section is not None:
                    section.setdefault(next(g for g in key.groups() if g), number)
            open_quote = _after_multiline_quotes(line, open_quote)

    def _enter(self, is_array: bool, name: str, number: int) -> dict[str, int] | None:
        head, _, rest = name.partition(".")
        head = head.strip().strip("\"'")
        if head == "questions" and is_array and not rest:
            self._blocks.append((number, {}))
            return self._blocks[-1][1]
        if head == "questions" and rest and self._blocks:
            # [questions.x] inside a question: report it as that question's field "x".
            self._blocks[-1][1].setdefault(rest.split(".")[0].strip().strip("\"'"), number)
        else:
            self._top.setdefault(head, number)
        return None  # keys inside other tables belong to no field we check


def _after_multiline_quotes(line: str, open_quote: str | None) -> str | None:
    """Whether a multi-line string is still open after ``line`` (and which delimiter closes it)."""
    position = 0
    while True:
        if open_quote is not None:
            end = line.find(open_quote, position)
            if end < 0:
                return open_quote
            open_quote, position = None, end + 3
            continue
        starts = [(line.find(q, position), q) for q in ('"""', "'''")]
        found = [(start, q) for start, q in starts if start >= 0]
        if not found:
            return None
        start, open_quote = min(found)
        position = start + 3
