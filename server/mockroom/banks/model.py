"""Question banks: what the interviewer asks, how long each answer may take, and how to judge it.

A bank is one TOML file (schema: ``question_banks/README.md``), or a TOML text pasted when a room is
created, or a dict stored with a room. All three go through the same checks in ``banks.schema``, and
every problem found is reported at once, with file, line and field, so an author fixes a bank in one
pass. This module reads files only in the ``load_*``/``check_paths`` functions; the rest is pure.
"""

from __future__ import annotations

import pathlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockroom import resources
from mockroom.banks.schema import QUESTION_KINDS, BankProblem, check_bank
from mockroom.banks.source_lines import SourceLines

__all__ = [
    "MAX_BANK_BYTES",
    "QUESTION_KINDS",
    "Bank",
    "BankError",
    "BankProblem",
    "Question",
    "bank_from_dict",
    "bank_to_dict",
    "check_paths",
    "default_banks_dir",
    "load_bank",
    "load_banks",
    "parse_bank",
]

# Large enough for 200 questions with full hints and rubrics; small enough that a pasted bank
# cannot bloat the room store or stall the event loop while it is parsed.
MAX_BANK_BYTES = 256 * 1024


@dataclass(frozen=True)
class Question:
    id: str  # unique within the bank, a slug such as "conflict-with-teammate"
    text: str  # what the candidate is asked
    kind: str  # one of QUESTION_KINDS
    think_seconds: int  # silent preparation before the answer timer starts (bank default if unset)
    answer_seconds: int  # answer time limit (bank default if unset)
    follow_ups: tuple[str, ...]  # probes the interviewer may ask after the answer
    hints: tuple[str, ...]  # interviewer-only: what a good answer contains
    rubric: tuple[str, ...]  # interviewer-only: items each scored 1-4 in the feedback form
    tags: tuple[str, ...]  # slugs for filtering and picking a subset


@dataclass(frozen=True)
class Bank:
    id: str  # slug; for a bank loaded from disk it equals the file stem
    title: str  # shown in the bank picker
    field: str  # the area it practises, e.g. "Software engineering", "Recruiting"
    description: str  # one paragraph for the picker; may be empty
    think_seconds: int  # default think time for its questions
    answer_seconds: int  # default answer time for its questions
    questions: tuple[Question, ...]  # in the order an interview asks them
    code_pad: bool  # rooms with this bank show the code pad by default
    realism: str  # "video" | "phone"; phone: the candidate sees no question text


class BankError(Exception):
    """A bank that cannot be used; ``problems`` lists every reason, ``str()`` one per line."""

    def __init__(self, problems: Sequence[BankProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def parse_bank(text: str, source: str = "<upload>") -> Bank:
    """Parse and check one bank's TOML text; ``source`` names it in problems."""
    return _parse(text, source, expected_id=None)


def load_bank(path: pathlib.Path) -> Bank:
    """Load one bank file; its ``id`` must equal the file stem, which is how rooms refer to it."""
    return _parse(_read(path), str(path), expected_id=path.stem)


def load_banks(directory: pathlib.Path) -> dict[str, Bank]:
    """Load every ``*.toml`` in ``directory``, keyed and sorted by id.

    One broken file fails the whole load (with the problems of every broken file), so a typo in a
    shipped bank shows up at start-up instead of as a bank that silently disappears.
    """
    if not directory.is_dir():
        raise BankError([BankProblem(str(directory), None, "", "is not a directory")])
    banks: dict[str, Bank] = {}
    problems: list[BankProblem] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            bank = load_bank(path)
        except BankError as error:
            problems.extend(error.problems)
        else:
            banks[bank.id] = bank
    if problems:
        raise BankError(problems)
    return dict(sorted(banks.items()))


def check_paths(paths: Sequence[pathlib.Path]) -> list[BankProblem]:
    """Every problem in the given bank files and directories (``*.toml`` inside); ``[]`` if none.

    Backs ``mockroom banks check [PATH ...]``. Bank ids must also be unique across all the paths,
    since a server loading them together could not tell two banks with one id apart.
    """
    problems: list[BankProblem] = []
    files: list[pathlib.Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            files.extend(found)
            if not found:
                problems.append(BankProblem(str(path), None, "", "contains no *.toml bank files"))
        elif path.exists():
            files.append(path)
        else:
            problems.append(BankProblem(str(path), None, "", "no such file or directory"))
    first_file: dict[str, pathlib.Path] = {}
    checked: set[pathlib.Path] = set()
    for path in files:
        if path.resolve() in checked:
            continue  # named twice, e.g. a directory and a file inside it
        checked.add(path.resolve())
        try:
            bank = load_bank(path)
        except BankError as error:
            problems.extend(error.problems)
            continue
        if bank.id in first_file:
            other = first_file[bank.id]
            message = f"'{bank.id}' is also the id of {other}; bank ids must be unique"
            problems.append(BankProblem(str(path), None, "id", message))
        else:
            first_file[bank.id] = path
    return problems


def bank_to_dict(bank: Bank) -> dict[str, Any]:
    """The whole bank as JSON-able data, in the TOML schema's shape, with defaults filled in."""
    return {
        "id": bank.id,
        "title": bank.title,
        "field": bank.field,
        "description": bank.description,
        "think_seconds": bank.think_seconds,
        "answer_seconds": bank.answer_seconds,
        "code_pad": bank.code_pad,
        "realism": bank.realism,
        "questions": [
            {
                "id": question.id,
                "text": question.text,
                "kind": question.kind,
                "think_seconds": question.think_seconds,
                "answer_seconds": question.answer_seconds,
                "follow_ups": list(question.follow_ups),
                "hints": list(question.hints),
                "rubric": list(question.rubric),
                "tags": list(question.tags),
            }
            for question in bank.questions
        ],
    }


def bank_from_dict(data: dict[str, Any]) -> Bank:
    """Rebuild a bank stored with a room; checked like a file, since stored data outlives code."""
    return _build(data, "<stored bank>", SourceLines(), expected_id=None)


def default_banks_dir() -> pathlib.Path:
    """The shipped banks (package data, or the checkout's ``question_banks/``)."""
    return resources.banks_dir()


def _read(path: pathlib.Path) -> str:
    source = str(path)
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_BANK_BYTES + 1)  # never read a huge file just to refuse it
        if len(raw) > MAX_BANK_BYTES:
            raise BankError([_too_big(source, path.stat().st_size)])
        return raw.decode("utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise BankError([BankProblem(source, None, "", f"cannot be read: {reason}")]) from None
    except UnicodeDecodeError as error:
        message = f"is not UTF-8 text (invalid byte at offset {error.start}); save it as UTF-8"
        raise BankError([BankProblem(source, None, "", message)]) from None


def _parse(text: str, source: str, expected_id: str | None) -> Bank:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BANK_BYTES:
        raise BankError([_too_big(source, size)])
    text = text.removeprefix("\ufeff")  # editors on Windows add a BOM, which TOML does not allow
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BankError([_toml_problem(error, text, source)]) from None
    except RecursionError:  # tomllib recurses per nested array or inline table
        message = "not valid TOML for a bank: arrays or tables nest far too deep"
        raise BankError([BankProblem(source, None, "", message)]) from None
    except ValueError as error:  # an integer of thousands of digits
        message = f"not valid TOML for a bank: {str(error).split(':')[0]}"
        raise BankError([BankProblem(source, None, "", message)]) from None
    return _build(data, source, SourceLines(text), expected_id)


def _build(
    data: Mapping[str, Any], source: str, lines: SourceLines, expected_id: str | None
) -> Bank:
    if not isinstance(data, Mapping):
        raise BankError([BankProblem(source, None, "", "must be a table of bank fields")])
    clean, problems = check_bank(data, source, lines, expected_id)
    if clean is None:
        raise BankError(problems)
    questions = tuple(Question(**question) for question in clean["questions"])
    return Bank(**{**clean, "questions": questions})


def _too_big(source: str, size: int) -> BankProblem:
    limit = MAX_BANK_BYTES
    message = (
        f"is {size} bytes; a bank may be at most {limit} bytes ({limit // 1024} KiB): split it"
    )
    return BankProblem(source, None, "", message)


# tomllib puts the position at the end of its message; 3.11 has no lineno attribute to read instead.
_TOML_AT_LINE = re.compile(r" \(at line (\d+), column (\d+)\)$")
_TOML_AT_END = " (at end of document)"


def _toml_problem(error: tomllib.TOMLDecodeError, text: str, source: str) -> BankProblem:
    message = str(error)
    line: int | None = None
    position = _TOML_AT_LINE.search(message)
    if position:
        line = int(position[1])
        message = f"{message[: position.start()]} (column {position[2]})"
    elif message.endswith(_TOML_AT_END):
        line = max(1, len(text.splitlines()))
        message = f"{message.removesuffix(_TOML_AT_END)} (at the end of the file)"
    return BankProblem(source, line, "", f"not valid TOML: {message}")
