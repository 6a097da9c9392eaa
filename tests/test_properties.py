"""Property-based tests (hypothesis) of the parsers that face strangers.

Each parser either returns a checked value or raises its own documented error; nothing else
(no KeyError, RecursionError, UnicodeEncodeError...) may escape, whatever the input. Valid input
round-trips.
"""

from __future__ import annotations

import contextlib
import json
import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockroom.banks.model import BankError, bank_from_dict, bank_to_dict, parse_bank
from mockroom.banks.schema import QUESTION_KINDS
from mockroom.errors import MockRoomError, UserError
from mockroom.jsonbody import MAX_DEPTH, InvalidJson, TooDeep, parse_json
from mockroom.notes import codec
from mockroom.rooms.request import ALLOWED_FIELDS, MAX_TITLE, RoomRequest, parse_room_request
from mockroom.signaling import protocol

# No example database (no .hypothesis/ folder in the checkout); no deadline on a busy machine;
# derandomized so `make test` is repeatable (3,000 random examples each passed when written).
PROPERTY = settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


# JSON, as every body and frame is read --------------------------------------------------------


@PROPERTY
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_parse_json_raises_only_invalid_json(raw: str | bytes) -> None:
    try:
        parse_json(raw)
    except InvalidJson as exc:
        assert exc.message and exc.status == 400
    except UnicodeEncodeError:
        raise AssertionError("lone surrogate in a str escaped the parser") from None


@PROPERTY
@given(json_values)
def test_parse_json_round_trips_what_it_accepts(value: Any) -> None:
    text = json.dumps(value)
    try:
        parsed = parse_json(text)
    except InvalidJson as exc:
        # Only lone surrogates (st.text makes them) and deep nesting are refused.
        assert "surrogate" in exc.message or isinstance(exc, TooDeep)
        return
    assert parsed == value


@PROPERTY
@given(st.integers(min_value=0, max_value=60_000), st.sampled_from(["[", '{"a":']))
def test_nesting_is_refused_past_the_limit_at_any_depth(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    raw = opener * depth + "1" + closer * depth
    if depth <= MAX_DEPTH:
        assert parse_json(raw) is not None
    else:
        try:
            parse_json(raw)
        except TooDeep:
            return
        raise AssertionError(f"depth {depth} accepted")


# the signaling parser ----------------------------------------------------------------------------

frame_fields = st.sampled_from(
    ["type", "version", "token", "name", "to", "data", "t", "action", "sdp", "candidate", "id"]
)
frame_types = st.sampled_from(sorted(protocol.CLIENT_MESSAGES)) | st.text(max_size=10)
frames = st.dictionaries(frame_fields, json_values, max_size=6).flatmap(
    lambda d: frame_types.map(lambda kind: {**d, "type": kind})
)


@PROPERTY
@given(frames | json_values)
def test_signaling_parser_raises_only_protocol_errors(message: Any) -> None:
    try:
        raw = json.dumps(message)
    except ValueError:  # hypothesis built a float JSON cannot carry
        return
    try:
        parsed = protocol.parse_client_message(raw)
    except MockRoomError as exc:
        assert exc.code and exc.message
        return
    assert parsed["type"] in protocol.CLIENT_MESSAGES
    spec = protocol.CLIENT_MESSAGES[parsed["type"]]
    assert set(parsed) <= set(spec) | {"type", "id"}
    for name, field in spec.items():
        assert name in parsed or not field.required


@PROPERTY
@given(st.text(max_size=200))
def test_signaling_parser_survives_any_text(raw: str) -> None:
    with contextlib.suppress(MockRoomError):
        protocol.parse_client_message(raw)


pings = st.builds(
    lambda t: {"type": "ping", "t": t},
    st.integers() | st.floats(allow_nan=False, allow_infinity=False),
)
states = st.fixed_dictionaries(
    {"type": st.just("state")},
    optional={"audio": st.booleans(), "video": st.booleans(), "name": st.text(max_size=200)},
)
hellos = st.fixed_dictionaries(
    {"type": st.just("hello"), "version": st.integers(0, 3), "token": st.text(max_size=200)},
    optional={"participant_id": st.text(max_size=64), "takeover": st.booleans()},
)
interviews = st.fixed_dictionaries(
    {"type": st.just("interview"), "action": st.sampled_from(sorted(protocol.INTERVIEW_ACTIONS))},
    optional={"question_id": st.text(max_size=100)},
)
candidates = st.builds(
    lambda c, to: {"type": "signal", "to": to, "data": {"candidate": c}},
    st.none() | st.fixed_dictionaries({"candidate": st.text(max_size=100)}),
    st.text(min_size=1, max_size=64),
)


@PROPERTY
@given(pings | states | hellos | interviews | candidates)
def test_valid_frames_round_trip_through_the_parser(message: dict[str, Any]) -> None:
    raw = protocol.encode(message)
    try:
        parsed = protocol.parse_client_message(raw)
    except InvalidJson as exc:
        assert "surrogate" in exc.message  # st.text may produce lone surrogates
        return
    assert parsed == message


# the y-websocket codec ---------------------------------------------------------------------------

uints = st.integers(min_value=0, max_value=2**53)


@PROPERTY
@given(uints)
def test_var_uint_round_trips(value: int) -> None:
    encoded = codec.write_var_uint(value)
    assert codec.read_var_uint(encoded, 0) == (value, len(encoded))


@PROPERTY
@given(st.binary(max_size=200), st.sampled_from(["step1", "step2", "update", "awareness"]))
def test_messages_round_trip(payload: bytes, kind: str) -> None:
    build = {
        "step1": codec.sync_step1,
        "step2": codec.sync_step2,
        "update": codec.update_message,
        "awareness": codec.awareness_message,
    }[kind]
    message = codec.parse(build(payload))
    assert message.payload == payload
    expected_sub = {"step1": 0, "step2": 1, "update": 2, "awareness": -1}[kind]
    assert message.sub == expected_sub


awareness_entries = st.lists(
    st.builds(
        codec.AwarenessEntry,
        uints,
        uints,
        st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40),
    ),
    max_size=5,
)


@PROPERTY
@given(awareness_entries)
def test_awareness_round_trips(entries: list[codec.AwarenessEntry]) -> None:
    assert codec.parse_awareness(codec.encode_awareness(entries)) == entries


@PROPERTY
@given(st.binary(max_size=300))
def test_codec_raises_only_codec_errors(data: bytes) -> None:
    for parse in (codec.parse, codec.parse_awareness):
        with contextlib.suppress(codec.CodecError):
            parse(data)


@PROPERTY
@given(st.text(max_size=100) | st.integers(0, 30_000).map(nested))
def test_awareness_state_never_raises(state: str) -> None:
    codec.awareness_state(codec.AwarenessEntry(1, 1, state))


# room requests -----------------------------------------------------------------------------------

room_fields = st.sampled_from(sorted(ALLOWED_FIELDS)) | st.text(max_size=12)


@PROPERTY
@given(st.dictionaries(room_fields, json_values, max_size=8) | json_values)
def test_room_requests_are_checked_or_refused_with_a_user_error(data: Any) -> None:
    try:
        spec = parse_room_request(data)
    except UserError as exc:
        assert exc.code == "invalid-room" and exc.message
        return
    assert isinstance(spec, RoomRequest)
    assert 0 < len(spec.title) <= MAX_TITLE
    assert spec.title.isprintable() and spec.title == spec.title.strip()
    assert all(str(key) in data for key in spec.ignored_fields)


@PROPERTY
@given(st.text(max_size=300))
def test_titles_come_out_printable_single_line(title: str) -> None:
    try:
        spec = parse_room_request({"title": title})
    except UserError:
        return
    assert "\r" not in spec.title and "\n" not in spec.title
    assert all(ch.isprintable() for ch in spec.title)


# bank TOML ---------------------------------------------------------------------------------------

slugs = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
words = (
    st.text(
        alphabet=string.ascii_letters + string.digits + " .,?!'-éü语",
        min_size=1,
        max_size=60,
    )
    .map(str.strip)
    .filter(bool)
)


def toml_string(text: str) -> str:
    # A JSON string without non-ASCII escapes is a TOML basic string.
    return json.dumps(text, ensure_ascii=False)


@st.composite
def banks(draw: Any) -> tuple[str, dict[str, Any]]:
    bank_id = draw(slugs)
    title = draw(words)
    questions = []
    for n in range(draw(st.integers(1, 4))):
        questions.append(
            {
                "id": f"q{n}-{draw(slugs)}",
                "text": draw(words),
                "kind": draw(st.sampled_from(sorted(QUESTION_KINDS))),
                "think_seconds": draw(st.integers(0, 600)),
                "rubric": draw(st.lists(words, max_size=3)),
            }
        )
    lines = [f"id = {toml_string(bank_id)}", f"title = {toml_string(title)}"]
    for q in questions:
        lines += [
            "",
            "[[questions]]",
            f"id = {toml_string(q['id'])}",
            f"text = {toml_string(q['text'])}",
            f"kind = {toml_string(q['kind'])}",
            f"think_seconds = {q['think_seconds']}",
            "rubric = [" + ", ".join(toml_string(r) for r in q["rubric"]) + "]",
        ]
    return "\n".join(lines) + "\n", {"id": bank_id, "title": title, "questions": questions}


@PROPERTY
@given(banks())
def test_valid_banks_parse_and_round_trip_through_storage(case: tuple[str, dict[str, Any]]) -> None:
    text, expected = case
    bank = parse_bank(text, "generated")
    assert (bank.id, bank.title) == (expected["id"], expected["title"])
    assert [q.id for q in bank.questions] == [q["id"] for q in expected["questions"]]
    assert [list(q.rubric) for q in bank.questions] == [q["rubric"] for q in expected["questions"]]
    assert bank_from_dict(bank_to_dict(bank)) == bank


@PROPERTY
@given(
    st.text(max_size=400)
    | banks().map(lambda case: case[0])
    | st.integers(0, 20_000).map(lambda n: "x = " + nested(n))
    | st.integers(0, 20_000).map(lambda n: "x = " + "{a=" * n + "1" + "}" * n)
    | st.integers(4000, 6000).map(lambda n: "x = " + "9" * n)
)
def test_bank_toml_raises_only_bank_errors(text: str) -> None:
    try:
        parse_bank(text, "fuzz")
    except BankError as exc:
        assert exc.problems and all(str(problem) for problem in exc.problems)
