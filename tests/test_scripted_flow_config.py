"""The scripted flow's config from a stored room (options over the bank, shuffle), and the
warm-up question that comes first and is never recorded; time injected."""

from __future__ import annotations

from mockroom.roles import Media, Mode
from mockroom.scripted.config import (
    STOP_LINE,
    WARM_UP_DONE_LINE,
    WARM_UP_LEAD,
    WARM_UP_TEXT,
    FlowConfig,
    FlowQuestion,
    config_from_room,
)
from mockroom.scripted.flow import Say, ScriptedFlow
from mockroom.storage.interface import RoomRecord
from support.scripted_flow import Q1, Q2, SPEECH_MS, kinds, started


def stored_bank(count: int) -> dict[str, object]:
    """A bank as a room stores it (think 20 s, answer 120 s), with questions q0, q1, ..."""
    questions = [
        {"id": f"q{i}", "text": f"Question {i}?", "kind": "behavioral"} for i in range(count)
    ]
    return {
        "id": "b",
        "title": "B",
        "field": "F",
        "description": "",
        "think_seconds": 20,
        "answer_seconds": 120,
        "code_pad": False,
        "realism": "video",
        "questions": questions,
    }


def test_config_from_room_options_override_bank() -> None:
    bank = stored_bank(6)
    room = RoomRecord(
        "room-a",
        Mode.SCRIPTED,
        Media.AUDIO,
        "T",
        "b",
        bank,
        {"question_count": 3, "think_seconds": 0, "answer_seconds": 15, "retakes": 2},
        0.0,
    )
    config = config_from_room(room)
    assert [q.id for q in config.questions] == ["q0", "q1", "q2"]
    assert {(q.think_ms, q.answer_ms) for q in config.questions} == {(0, 15000)}
    assert config.retakes == 2
    scripted = (Mode.SCRIPTED, Media.AUDIO)
    plain = config_from_room(RoomRecord("room-a", *scripted, "T", "b", bank, {}, 0.0))
    assert plain.questions[0].think_ms == 20000 and plain.retakes == 1
    shuffled = RoomRecord("room-a", *scripted, "T", "b", bank, {"shuffle": True}, 0.0)
    order = [q.id for q in config_from_room(shuffled).questions]
    assert sorted(order) == [f"q{i}" for i in range(6)]
    assert order == [q.id for q in config_from_room(shuffled).questions]  # stable on resume


def with_warm_up() -> ScriptedFlow:
    warm = FlowQuestion("warm-up", WARM_UP_TEXT, think_ms=2000, answer_ms=8000)
    return ScriptedFlow(FlowConfig((Q1, Q2), warm_up=warm), lambda text: SPEECH_MS)


def test_warm_up_comes_first_and_is_never_recorded() -> None:
    flow = started(with_warm_up())
    assert flow.tick(1000) == [Say((WARM_UP_LEAD, WARM_UP_TEXT))]  # after the intro
    state = flow.public(1000)
    assert state["practice"] is True and state["question"]["practice"] is True
    assert state["question"]["id"] == "warm-up" and state["retakes_left"] == 0
    flow.tick(3000)  # the lines were said; think time runs
    assert flow.public(3000)["timer"]["phase"] == "think"
    effects = flow.done(3000)
    assert effects == [Say(())]  # no AnswerOpened: nothing records or measures it
    state = flow.public(3000)
    assert state["phase"] == "answer" and state["recording"] is False
    # Its end (done or timeout) goes on to question 1, take 1, announced as recorded from now.
    assert flow.tick(11_000) == [Say((WARM_UP_DONE_LINE, "First question?"))]
    state = flow.public(11_000)
    assert state["practice"] is False and state["question"]["id"] == "q1" and flow.take == 1
    flow.tick(13_000)
    assert kinds(flow.done(13_000)) == ["Say", "AnswerOpened"]
    assert flow.public(13_000)["recording"] is True


def test_reload_in_warm_up_asks_it_again_and_stop_records_nothing() -> None:
    flow = started(with_warm_up())
    flow.tick(1000)
    again = with_warm_up()
    again.restore(flow.snapshot())
    assert again.public(0)["question"]["id"] == "warm-up"
    assert again.start(0) == [Say((WARM_UP_LEAD, WARM_UP_TEXT))]
    again.tick(2000)
    again.done(2000)
    assert again.stop(2500) == [Say((STOP_LINE,))]  # no AnswerClosed for the warm-up


def test_config_warm_up_on_by_default_and_short() -> None:
    bank = stored_bank(1)
    config = config_from_room(RoomRecord("r", Mode.SCRIPTED, Media.VIDEO, "T", "b", bank, {}, 0.0))
    assert config.warm_up is not None
    assert (config.warm_up.think_ms, config.warm_up.answer_ms) == (5000, 30000)
    assert WARM_UP_TEXT in config.fixed_lines()
    off = RoomRecord("r", Mode.SCRIPTED, Media.VIDEO, "T", "b", bank, {"warm_up": False}, 0.0)
    assert config_from_room(off).warm_up is None
