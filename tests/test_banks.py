"""Question banks: the shipped banks, the validator's messages, and the stored-dict round trip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mockroom.banks.model import (
    MAX_BANK_BYTES,
    QUESTION_KINDS,
    Bank,
    BankError,
    BankProblem,
    bank_from_dict,
    bank_to_dict,
    check_paths,
    default_banks_dir,
    load_bank,
    load_banks,
    parse_bank,
)

SHIPPED = {
    "async-one-way",
    "behavioral",
    "freelance-discovery",
    "recruiter-phone-screen",
    "reverse-interview",
    "software-engineering",
}

GOOD = """\
id = "sample"
title = "Sample bank"
think_seconds = 20
answer_seconds = 90

[[questions]]
id = "first"
kind = "behavioral"
text = "Tell me about a time you changed your mind."
hints = ["Names the evidence that changed it."]
rubric = ["Clear situation", "Own actions"]

[[questions]]
id = "second"
kind = "coding"
text = '''
Write a function that reverses a list.
answer_seconds = 5 here is prose inside a string, not a field.
'''
answer_seconds = 600
tags = ["lists"]
"""


def problems(text: str, source: str = "t.toml") -> list[BankProblem]:
    with pytest.raises(BankError) as caught:
        parse_bank(text, source)
    return caught.value.problems


def only_problem(text: str, source: str = "t.toml") -> BankProblem:
    found = problems(text, source)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def load_error(path: Path) -> str:
    with pytest.raises(BankError) as caught:
        load_bank(path)
    return str(caught.value)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing ``needle``, so tests survive edits to samples."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


# --- the shipped banks -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> dict[str, Bank]:
    return load_banks(default_banks_dir())


def test_shipped_banks_load_and_are_substantial(shipped: dict[str, Bank]) -> None:
    assert set(shipped) == SHIPPED
    assert list(shipped) == sorted(shipped)
    for bank in shipped.values():
        assert len(bank.questions) >= 12, bank.id
        for question in bank.questions:
            assert question.kind in QUESTION_KINDS
            assert question.hints, f"{bank.id}/{question.id} has no hints"
            assert question.follow_ups, f"{bank.id}/{question.id} has no follow-ups"
            assert 3 <= len(question.rubric) <= 5, f"{bank.id}/{question.id} rubric size"


def test_shipped_banks_carry_their_format(shipped: dict[str, Bank]) -> None:
    assert shipped["recruiter-phone-screen"].realism == "phone"
    assert {q.kind for q in shipped["recruiter-phone-screen"].questions} >= {
        "salary",
        "logistics",
        "motivation",
        "closing",
    }
    engineering = shipped["software-engineering"]
    assert engineering.code_pad
    coding = [q for q in engineering.questions if q.kind == "coding"]
    assert len(coding) >= 2
    assert all(q.answer_seconds > engineering.answer_seconds for q in coding)
    one_way = shipped["async-one-way"]
    assert all(q.think_seconds <= 30 for q in one_way.questions)
    assert all(60 <= q.answer_seconds <= 120 for q in one_way.questions)
    assert all(q.kind == "reverse" for q in shipped["reverse-interview"].questions)


def test_shipped_banks_pass_check_paths() -> None:
    assert check_paths([default_banks_dir()]) == []


def test_readme_example_is_a_valid_bank() -> None:
    readme = (default_banks_dir() / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    bank = parse_bank(example, "README.md")
    assert bank.id == "customer-support"
    assert [q.answer_seconds for q in bank.questions] == [150, 120]


def test_default_banks_dir_is_the_repository_folder() -> None:
    assert default_banks_dir() == Path(__file__).resolve().parent.parent / "question_banks"


# --- parsing a good bank -----------------------------------------------------------------------


def test_defaults_and_inheritance() -> None:
    bank = parse_bank(GOOD)
    assert (bank.field, bank.description, bank.code_pad, bank.realism) == (
        "General",
        "",
        False,
        "video",
    )
    first, second = bank.questions
    assert (first.think_seconds, first.answer_seconds) == (20, 90)  # from the bank
    assert (second.think_seconds, second.answer_seconds) == (20, 600)  # own answer time
    assert first.follow_ups == () and first.tags == ()
    assert first.rubric == ("Clear situation", "Own actions")
    # Multi-line strings lose their edge newlines and keep the inner one.
    assert second.text.startswith("Write a function") and second.text.endswith("not a field.")


def test_byte_order_mark_is_accepted() -> None:
    assert parse_bank("\ufeff" + GOOD).id == "sample"


def test_round_trip_through_json(shipped: dict[str, Bank]) -> None:
    for bank in [parse_bank(GOOD), *shipped.values()]:
        stored = json.loads(json.dumps(bank_to_dict(bank)))
        assert bank_from_dict(stored) == bank
    data = bank_to_dict(parse_bank(GOOD))
    assert data["questions"][0]["think_seconds"] == 20  # defaults are written out
    assert data["questions"][1]["tags"] == ["lists"]


def test_bank_from_dict_checks_stored_data() -> None:
    data = bank_to_dict(parse_bank(GOOD))
    data["questions"][0]["answer_seconds"] = 5
    with pytest.raises(BankError) as caught:
        bank_from_dict(data)
    assert str(caught.value) == (
        "<stored bank>: questions[1] (id 'first').answer_seconds: "
        "must be an integer between 10 and 1800 (got 5)"
    )


# --- problems, with file, line and field -------------------------------------------------------


def test_unknown_top_level_field() -> None:
    text = GOOD.replace("answer_seconds = 90", "answer_secs = 90")
    problem = only_problem(text, "behavioral.toml")
    assert (problem.line, problem.where) == (line_of(text, "answer_secs"), "answer_secs")
    assert "unknown field; did you mean 'answer_seconds'?" in problem.message
    assert "Allowed fields: id, title, field, description, think_seconds" in problem.message
    assert str(problem).startswith(f"behavioral.toml:{problem.line}: answer_secs: unknown field")


def test_unknown_field_in_question() -> None:
    text = GOOD.replace('tags = ["lists"]', 'tags = ["lists"]\nscore = 3')
    problem = only_problem(text)
    assert problem.line == line_of(text, "score = 3")
    assert problem.where == "questions[2] (id 'second').score"
    assert problem.message.startswith("unknown field. Allowed fields: id, text, kind,")


def test_unknown_table_is_reported_at_its_header() -> None:
    text = GOOD + "\n[meta]\nauthor = 'me'\n"
    problem = only_problem(text)
    assert (problem.line, problem.where) == (line_of(text, "[meta]"), "meta")


def test_missing_required_fields() -> None:
    text = GOOD.replace('title = "Sample bank"\n', "").replace(
        'kind = "coding"\n', ""
    )  # no title; second question has no kind
    found = problems(text)
    assert [(p.line, p.where) for p in found] == [
        (None, "title"),
        (line_of(text, "[[questions]]", 2), "questions[2] (id 'second').kind"),
    ]
    assert found[1].message == "is required but missing (add kind = ...)"


def test_wrong_types() -> None:
    text = (
        GOOD.replace("answer_seconds = 600", 'answer_seconds = "600"')
        .replace('hints = ["Names', 'hints = "Names')
        .replace('evidence that changed it."]', 'evidence that changed it."')
        .replace("think_seconds = 20", "think_seconds = true")
    )
    found = {p.where: p for p in problems(text, "x.toml")}
    assert str(found["think_seconds"]) == (
        f"x.toml:{line_of(text, 'think_seconds')}: think_seconds: "
        "must be an integer between 0 and 600 (got a boolean)"
    )
    hints = found["questions[1] (id 'first').hints"]
    assert hints.message == "must be an array of strings (got a string)"
    assert hints.line == line_of(text, "hints =")
    seconds = found["questions[2] (id 'second').answer_seconds"]
    assert seconds.message == "must be an integer between 10 and 1800 (got a string)"
    assert seconds.line == line_of(text, 'answer_seconds = "600"')


def test_duplicate_question_id() -> None:
    text = GOOD.replace('id = "second"', 'id = "first"')
    problem = only_problem(text)
    assert problem.line == line_of(text, 'id = "first"', 2)
    assert problem.where == "questions[2] (id 'first').id"
    assert "'first' is already the id of questions[1]" in problem.message


def test_seconds_out_of_range() -> None:
    text = GOOD.replace("answer_seconds = 600", "answer_seconds = 3600")
    problem = only_problem(text, "behavioral.toml")
    assert str(problem) == (
        f"behavioral.toml:{line_of(text, 'answer_seconds = 3600')}: "
        "questions[2] (id 'second').answer_seconds: "
        "must be an integer between 10 and 1800 (got 3600)"
    )


def test_invalid_toml_gives_line_and_column() -> None:
    text = GOOD.replace('kind = "coding"', "kind = coding")
    problem = only_problem(text, "broken.toml")
    assert problem.line == line_of(text, "kind = coding")
    assert str(problem) == f"broken.toml:{problem.line}: not valid TOML: Invalid value (column 8)"
    unterminated = only_problem('id = "x"\ntitle = "open')
    assert unterminated.line == 2 and unterminated.message.startswith("not valid TOML:")


def test_oversized_input_is_refused_before_parsing() -> None:
    text = GOOD + "#" * MAX_BANK_BYTES
    problem = only_problem(text, "upload")
    assert problem.line is None
    assert problem.message == (
        f"is {len(text)} bytes; a bank may be at most {MAX_BANK_BYTES} bytes (256 KiB): split it"
    )


def test_oversized_text_fields() -> None:
    text = GOOD.replace("Tell me about a time you changed your mind.", "x" * 1001)
    text = text.replace("Clear situation", "y" * 201)
    found = problems(text, "long.toml")
    assert str(found[0]).startswith(f"long.toml:{line_of(text, 'xxxx')}: questions[1] (id 'first')")
    assert [(p.where, p.message, p.line) for p in found] == [
        (
            "questions[1] (id 'first').text",
            "is 1001 characters long; the limit is 1000",
            line_of(text, "xxxx"),
        ),
        (
            "questions[1] (id 'first').rubric[1]",
            "is 201 characters long; the limit is 200",
            line_of(text, "rubric ="),
        ),
    ]


def test_values_checked_against_their_rules() -> None:
    text = (
        GOOD.replace('id = "first"', 'id = "First Question"')
        .replace('kind = "coding"', 'kind = "trivia"')
        .replace('tags = ["lists"]', 'tags = ["lists", ""]')
        .replace('title = "Sample bank"', 'title = "  "\nrealism = "audio"')
    )
    found = {p.where: p.message for p in problems(text)}
    assert found["title"] == "must not be empty"
    assert found["realism"] == "must be one of: phone, video; got 'audio'"
    assert found["questions[1] (id 'First Question').id"].startswith("must be a slug:")
    assert found["questions[2] (id 'second').kind"].startswith(
        "must be one of: behavioral, closing,"
    )
    assert found["questions[2] (id 'second').tags[2]"] == "must not be empty"
    assert len(found) == 5


def test_question_count_limits() -> None:
    empty = 'id = "x"\ntitle = "X"\nquestions = []\n'
    assert only_problem(empty).message == "must hold at least one question"
    as_table = 'id = "x"\ntitle = "X"\n[questions]\nid = "a"\n'
    problem = only_problem(as_table)
    assert problem.line == 3
    assert problem.message.startswith("must be an array of tables")
    block = '[[questions]]\nid = "q{n}"\nkind = "intro"\ntext = "Hello?"\n'
    many = 'id = "x"\ntitle = "X"\n' + "".join(block.format(n=n) for n in range(201))
    assert only_problem(many).message == "has 201 questions; the limit is 200"


def test_every_problem_is_reported_at_once() -> None:
    text = GOOD.replace("think_seconds = 20", "think_seconds = 900").replace(
        'text = "Tell me', 'txt = "Tell me'
    )
    with pytest.raises(BankError) as caught:
        parse_bank(text, "many.toml")
    error = caught.value
    assert len(error.problems) == 3  # bad default, unknown 'txt', missing 'text'
    assert str(error).splitlines() == [str(p) for p in error.problems]
    assert str(error).splitlines()[0].startswith("many.toml:3: think_seconds: must be")


# --- files and directories ---------------------------------------------------------------------


def test_load_bank_requires_id_to_match_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(BankError) as caught:
        load_bank(path)
    assert str(caught.value) == (
        f"{path}:1: id: must match the file name: expected 'other', got 'sample'"
    )


def test_load_bank_refuses_big_and_non_utf8_files(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_BANK_BYTES + 10))
    assert load_error(big) == (
        f"{big}: is {MAX_BANK_BYTES + 10} bytes; "
        "a bank may be at most 262144 bytes (256 KiB): split it"
    )
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'id = "latin"\ntitle = "Caf\xe9"\n')
    assert (
        load_error(latin)
        == f"{latin}: is not UTF-8 text (invalid byte at offset 25); save it as UTF-8"
    )


def test_check_paths_reports_only_the_broken_file(tmp_path: Path) -> None:
    shutil.copy(default_banks_dir() / "behavioral.toml", tmp_path)
    (tmp_path / "sample.toml").write_text(GOOD.replace("answer_seconds = 90", "answer_seconds = 9"))
    found = check_paths([tmp_path])
    assert [str(p) for p in found] == [
        f"{tmp_path / 'sample.toml'}:4: answer_seconds: "
        "must be an integer between 10 and 1800 (got 9)"
    ]
    # load_banks refuses the directory for the same reason.
    with pytest.raises(BankError) as caught:
        load_banks(tmp_path)
    assert caught.value.problems == found


def test_check_paths_files_missing_paths_and_duplicate_ids(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "empty").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "sample.toml").write_text(GOOD)
    found = check_paths(
        [
            tmp_path / "a",
            tmp_path / "a" / "sample.toml",  # named twice: checked once
            tmp_path / "b" / "sample.toml",
            tmp_path / "empty",
            tmp_path / "missing.toml",
        ]
    )
    assert [str(p) for p in found] == [
        f"{tmp_path / 'empty'}: contains no *.toml bank files",
        f"{tmp_path / 'missing.toml'}: no such file or directory",
        f"{tmp_path / 'b' / 'sample.toml'}: id: 'sample' is also the id of "
        f"{tmp_path / 'a' / 'sample.toml'}; bank ids must be unique",
    ]
