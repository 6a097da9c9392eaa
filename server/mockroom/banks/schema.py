"""The question-bank schema: field rules, limits, and where in the TOML a problem sits.

Kept apart from ``banks/model.py`` so that module stays a short read (dataclasses and loading API).
This one turns an untrusted table -- parsed TOML or a bank stored with a room -- into checked plain
values plus a list of every problem found, so an author fixes a file in one pass instead of one
error at a time. ``question_banks/README.md`` documents the same rules for authors: keep the two
in step.

One table of rules per field, next to the README it mirrors; finding a key's line in the raw
text is ``banks.source_lines``.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .source_lines import SourceLines

# What a question practises; question_banks/README.md says what each kind means.
# fmt: off
QUESTION_KINDS: frozenset[str] = frozenset({
    "intro", "behavioral", "situational", "technical", "coding", "design", "screening",
    "logistics", "salary", "motivation", "discovery", "reverse", "closing",
})
# fmt: on
REALISMS = frozenset({"video", "phone"})

# Ranges for the timers, in seconds. Zero think time is allowed (a live follow-up is answered at
# once); answers need at least 10 s, and 30 min covers a coding exercise.
THINK_RANGE = (0, 600)
ANSWER_RANGE = (10, 1800)
DEFAULT_THINK_SECONDS = 30
DEFAULT_ANSWER_SECONDS = 120
MAX_QUESTIONS = 200

# Text limits keep cards readable on a phone screen and keep a pasted bank small in the store.
MAX_ID = 64
MAX_TITLE = 80
MAX_FIELD = 60
MAX_DESCRIPTION = 1000
MAX_TEXT = 1000
MAX_NOTE = 500  # one follow-up or hint
MAX_RUBRIC_ITEM = 200
MAX_TAG = 40
MAX_LIST = 10  # follow_ups, hints, tags
MAX_RUBRIC = 8

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_SLUG_RULE = (
    "must be a slug: lowercase letters, digits and hyphens, "
    "starting and ending with a letter or digit (e.g. 'conflict-with-teammate')"
)


@dataclass(frozen=True)
class BankProblem:
    """One thing wrong with a bank, precise enough to fix without reading the validator."""

    source: str  # file path, or a name the caller chose (e.g. "upload")
    line: int | None  # 1-based line in the TOML, when it can be found
    where: str  # e.g. "questions[3] (id 'salary-range').answer_seconds"; "" for the whole file
    message: str  # plain language, says what is expected

    def __str__(self) -> str:
        head = self.source if self.line is None else f"{self.source}:{self.line}"
        return ": ".join(part for part in (head, self.where, self.message) if part)


def _kind_of(value: object) -> str:
    """The TOML (or JSON) name of a value's type, for "got ..." in messages."""
    if value is None:
        return "null"
    names: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "a boolean"),  # before int: bool is an int in Python, not in TOML
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "an array"),
        (dict, "a table"),
        ((datetime.date, datetime.time), "a date/time"),
    ]
    return next((name for kind, name in names if isinstance(value, kind)), type(value).__name__)


def _guess(value: str, allowed: Sequence[str]) -> str:
    """ "; did you mean 'x'?" for near misses such as 'answer_secs' or British 'behavioural'."""
    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.75)
    return f"; did you mean '{close[0]}'?" if close else ""


class _Checker:
    """Collects problems while checking one bank; each check returns None when it reported one."""

    def __init__(self, source: str, lines: SourceLines) -> None:
        self.source = source
        self.lines = lines
        self.problems: list[BankProblem] = []

    def report(self, line: int | None, where: str, message: str) -> None:
        self.problems.append(BankProblem(self.source, line, where, message))

    def unknown_fields(
        self, table: Mapping[str, Any], allowed: Sequence[str], prefix: str, line: LineOf
    ) -> None:
        for key in table:
            if key not in allowed:
                guess = _guess(key, allowed) or "."
                self.report(
                    line(key),
                    prefix + key,
                    f"unknown field{guess} Allowed fields: {', '.join(allowed)}",
                )

    def text(
        self,
        value: object,
        where: str,
        line: int | None,
        max_len: int,
        slug: bool = False,
        choices: frozenset[str] | None = None,
        allow_empty: bool = False,
    ) -> str | None:
        if not isinstance(value, str):
            self.report(line, where, f"must be a string (got {_kind_of(value)})")
            return None
        value = value.strip()  # multi-line TOML strings carry stray newlines
        if choices is not None and value not in choices:
            message = f"must be one of: {', '.join(sorted(choices))}; got '{value}'"
            self.report(line, where, message + _guess(value, sorted(choices)))
        elif not value and not allow_empty:
            self.report(line, where, "must not be empty")
        elif len(value) > max_len:
            self.report(line, where, f"is {len(value)} characters long; the limit is {max_len}")
        elif slug and not _SLUG.fullmatch(value):
            self.report(line, where, f"{_SLUG_RULE}; got '{value}'")
        else:
            return value
        return None

    def integer(
        self, value: object, where: str, line: int | None, bounds: tuple[int, int]
    ) -> int | None:
        low, high = bounds
        expected = f"must be an integer between {low} and {high}"
        if isinstance(value, bool) or not isinstance(value, int):
            self.report(line, where, f"{expected} (got {_kind_of(value)})")
        elif not low <= value <= high:
            self.report(line, where, f"{expected} (got {value})")
        else:
            return value
        return None

    def boolean(self, value: object, where: str, line: int | None) -> bool | None:
        if isinstance(value, bool):
            return value
        self.report(line, where, f"must be true or false (got {_kind_of(value)})")
        return None

    def strings(
        self,
        value: object,
        where: str,
        line: int | None,
        max_items: int,
        max_len: int,
        slug: bool = False,
    ) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self.report(line, where, f"must be an array of strings (got {_kind_of(value)})")
            return None
        if len(value) > max_items:
            self.report(line, where, f"has {len(value)} items; the limit is {max_items}")
            return None
        items = [
            self.text(item, f"{where}[{n}]", line, max_len, slug=slug)
            for n, item in enumerate(value, start=1)
        ]
        checked = tuple(item for item in items if item is not None)
        return checked if len(checked) == len(items) else None


LineOf = Callable[[str], "int | None"]
Rule = Callable[[_Checker, object, str, "int | None"], Any]
REQUIRED = object()  # default marker: the field must be present
INHERIT = object()  # default marker: a question takes the bank's value


def _text(max_len: int, **options: Any) -> Rule:
    return lambda c, value, where, line: c.text(value, where, line, max_len, **options)


def _seconds(bounds: tuple[int, int]) -> Rule:
    return lambda c, value, where, line: c.integer(value, where, line, bounds)


def _strings(max_items: int, max_len: int, slug: bool = False) -> Rule:
    return lambda c, value, where, line: c.strings(value, where, line, max_items, max_len, slug)


def _boolean(c: _Checker, value: object, where: str, line: int | None) -> bool | None:
    return c.boolean(value, where, line)


# Field name -> (rule, default). Order is the order shown in "allowed fields" messages.
BANK_RULES: dict[str, tuple[Rule, object]] = {
    "id": (_text(MAX_ID, slug=True), REQUIRED),
    "title": (_text(MAX_TITLE), REQUIRED),
    "field": (_text(MAX_FIELD), "General"),
    "description": (_text(MAX_DESCRIPTION, allow_empty=True), ""),
    "think_seconds": (_seconds(THINK_RANGE), DEFAULT_THINK_SECONDS),
    "answer_seconds": (_seconds(ANSWER_RANGE), DEFAULT_ANSWER_SECONDS),
    "code_pad": (_boolean, False),
    "realism": (_text(MAX_ID, choices=REALISMS), "video"),
    "questions": (lambda c, value, where, line: value, REQUIRED),  # checked on its own below
}
QUESTION_RULES: dict[str, tuple[Rule, object]] = {
    "id": (_text(MAX_ID, slug=True), REQUIRED),
    "text": (_text(MAX_TEXT), REQUIRED),
    "kind": (_text(MAX_ID, choices=QUESTION_KINDS), REQUIRED),
    "think_seconds": (_seconds(THINK_RANGE), INHERIT),
    "answer_seconds": (_seconds(ANSWER_RANGE), INHERIT),
    "follow_ups": (_strings(MAX_LIST, MAX_NOTE), ()),
    "hints": (_strings(MAX_LIST, MAX_NOTE), ()),
    "rubric": (_strings(MAX_RUBRIC, MAX_RUBRIC_ITEM), ()),
    "tags": (_strings(MAX_LIST, MAX_TAG, slug=True), ()),
}


def _check_table(
    c: _Checker,
    table: Mapping[str, Any],
    rules: Mapping[str, tuple[Rule, object]],
    prefix: str,
    line: LineOf,
    header: int | None,
    inherited: Mapping[str, Any],
) -> dict[str, Any]:
    """Check one table against ``rules``; a field that failed is None in the result."""
    c.unknown_fields(table, tuple(rules), prefix, line)
    out: dict[str, Any] = {}
    for name, (rule, default) in rules.items():
        if name in table:
            out[name] = rule(c, table[name], prefix + name, line(name))
        elif default is REQUIRED:
            how = "at least one [[questions]] block" if name == "questions" else f"{name} = ..."
            c.report(header, prefix + name, f"is required but missing (add {how})")
            out[name] = None
        else:
            out[name] = inherited[name] if default is INHERIT else default
    return out


def check_bank(
    data: Mapping[str, Any],
    source: str,
    lines: SourceLines,
    expected_id: str | None = None,
) -> tuple[dict[str, Any] | None, list[BankProblem]]:
    """Check a parsed bank; return its normalised fields (``None`` if any problem) and problems.

    ``expected_id`` is the file stem when loading from disk: shipped banks are found by file name,
    so the id inside must agree with it.
    """
    c = _Checker(source, lines)
    clean = _check_table(c, data, BANK_RULES, "", lines.top, None, {})
    if expected_id is not None and clean["id"] is not None and clean["id"] != expected_id:
        c.report(
            lines.top("id"),
            "id",
            f"must match the file name: expected '{expected_id}', got '{clean['id']}'",
        )
    # An invalid bank default was reported already; check the questions against the stock one.
    stock = {"think_seconds": DEFAULT_THINK_SECONDS, "answer_seconds": DEFAULT_ANSWER_SECONDS}
    inherited = {name: stock[name] if clean[name] is None else clean[name] for name in stock}
    clean["questions"] = _check_questions(c, clean["questions"], inherited)
    # In file order, so an author can work down the file; problems without a line come first.
    problems = sorted(c.problems, key=lambda problem: problem.line or 0)
    return (None if problems else clean), problems


def _check_questions(
    c: _Checker, raw: object, inherited: Mapping[str, Any]
) -> tuple[dict[str, Any], ...]:
    line = c.lines.top("questions")
    if raw is None:
        return ()  # reported as a missing required field
    if not isinstance(raw, list):
        c.report(
            line, "questions", "must be an array of tables: start each question with [[questions]]"
        )
        return ()
    if not raw:
        c.report(line, "questions", "must hold at least one question")
        return ()
    if len(raw) > MAX_QUESTIONS:
        c.report(line, "questions", f"has {len(raw)} questions; the limit is {MAX_QUESTIONS}")
        return ()
    seen: dict[str, int] = {}
    checked = []
    for index, item in enumerate(raw):
        label = f"questions[{index + 1}]"  # counted from 1, like the blocks an author sees
        header = c.lines.question(index)
        if not isinstance(item, dict):
            c.report(header, label, f"must be a table (got {_kind_of(item)})")
            continue
        question = _check_table(
            c,
            item,
            QUESTION_RULES,
            _label(label, item) + ".",
            functools.partial(c.lines.question, index),
            header,
            inherited,
        )
        qid = question["id"]
        if qid in seen:
            c.report(
                c.lines.question(index, "id"),
                _label(label, item) + ".id",
                f"'{qid}' is already the id of questions[{seen[qid] + 1}]; "
                "question ids must be unique within a bank",
            )
        elif qid is not None:
            seen[qid] = index
        checked.append(question)
    return tuple(checked)


def _label(label: str, item: Mapping[str, Any]) -> str:
    """``questions[3] (id 'salary-range')`` when the id is readable: authors search for ids."""
    raw_id = item.get("id")
    if isinstance(raw_id, str) and raw_id.strip():
        return f"{label} (id '{raw_id.strip()[:MAX_ID]}')"
    return label
