"""Follow-up questions on short answers, in scripted rooms that opt in: the rule and the flow
(pure), then a real aiortc candidate speaking espeak-ng speech into the room: a full answer gets
no follow-up, a short one exactly one, asked aloud and answered as its own take, which gets a
transcript and shows in the review and review.md; a room without the option asks none."""

from __future__ import annotations

import asyncio
from html import unescape
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mockroom.keys import STORE
from mockroom.scripted.config import FlowConfig, FlowQuestion, config_from_room
from mockroom.scripted.effects import AnswerClosed, AnswerOpened, Say
from mockroom.scripted.flow import ScriptedFlow
from mockroom.scripted.followup import (
    FOLLOW_UP_LEAD,
    follow_up_window_ms,
    is_short_answer,
    pick_follow_up,
)
from mockroom.scripted.records import FOLLOW_UP_KIND
from mockroom.speech.transcripts import TRANSCRIPTS
from support.http import auth
from support.scripted_peer import Candidate, scripted_room
from support.speech import (
    FIXTURES,
    RECOGNITION_WAIT_S,
    PlantedRecognizer,
    review,
    silence,
    speech_samples,
    upload_take,
    webm_opus,
)
from support.ws import joined

Q1 = FlowQuestion("q1", "Tell me about a project.", 0, 60_000, follow_up="What was your part?")
BARE = FlowQuestion("q2", "Why this role?", 0, 60_000)  # a bank question with no follow-ups


def answered(questions: tuple[FlowQuestion, ...] = (Q1, BARE)) -> ScriptedFlow:
    """A flow whose first answer has just ended (Done, 5 s in)."""
    flow = ScriptedFlow(FlowConfig(questions, retakes=1), lambda text: 1000)
    flow.consent(0)
    flow.start(0)
    flow.tick(1000)  # intro said
    flow.tick(2000)  # question said; no think time: the answer opens
    assert flow.phase == "answer"
    flow.done(7000)
    assert flow.phase == "after_answer"
    return flow


def test_the_short_answer_rule() -> None:
    window = 60_000
    assert is_short_answer(19_000, window, "done")  # under a third, ended by the candidate
    assert is_short_answer(19_000, window, "silence")  # ... or by their silence
    assert not is_short_answer(20_000, window, "done")  # a third is not short
    assert not is_short_answer(5_000, window, "timeout")  # the clock ran out: never short
    assert not is_short_answer(5_000, window, "stop")
    assert not is_short_answer(0, window, "done")  # nothing said: no answer to probe
    assert follow_up_window_ms(120_000) == 40_000
    assert follow_up_window_ms(45_000) == 20_000  # at least 20 s ...
    assert follow_up_window_ms(10_000) == 10_000  # ... never more than the question's own
    picks = {pick_follow_up(("a", "b", "c"), f"room{i}", "q1") for i in range(30)}
    assert picks == {"a", "b", "c"}  # rooms differ; one room always asks the same
    assert pick_follow_up(("a", "b"), "r", "q") == pick_follow_up(("a", "b"), "r", "q")
    assert pick_follow_up((), "r", "q") is None


def test_the_follow_up_is_its_own_take_and_never_asked_twice() -> None:
    flow = answered()
    assert flow.can_follow_up and flow.retakes_left == 1
    effects = flow.ask_follow_up(7000)
    assert effects == [Say((FOLLOW_UP_LEAD, "What was your part?"))]
    state = flow.public(7500)
    assert state["phase"] == "think" and state["follow_up"] is True and state["take"] == 2
    assert state["question"]["text"] == "What was your part?" and state["question"]["id"] == "q1"
    effects = flow.tick(9000)  # said: the follow-up's window opens at once, a shorter one
    assert [e for e in effects if isinstance(e, AnswerOpened)] == [
        AnswerOpened("q1", 2, 9000, 20_000)
    ]
    closed = flow.done(12_000)
    assert closed[0] == AnswerClosed("q1", 2, 12_000, "done", follow_up=True)
    assert flow.phase == "after_answer" and flow.public(12_000)["follow_up"] is False
    assert flow.retakes_left == 1  # the follow-up used no retake
    assert not flow.can_follow_up and flow.ask_follow_up(12_000) == []  # never twice
    flow.retake(12_000)  # a retake answers the question itself, take 3
    assert flow.question == Q1 and flow.take == 3 and flow.retakes_left == 0
    flow.done(13_000)
    assert flow.ask_follow_up(13_000) == []  # a short retake is not followed up either
    # The next question has no follow-ups in the bank: none is asked.
    flow.next(13_000)
    flow.tick(15_000)
    flow.tick(16_000)
    flow.done(17_000)
    assert flow.phase == "after_answer" and not flow.can_follow_up
    assert flow.ask_follow_up(17_000) == []


def test_a_reload_during_the_follow_up_resumes_at_the_choice_not_asking_again() -> None:
    flow = answered()
    flow.ask_follow_up(7000)
    flow.tick(9000)  # answering the follow-up when the page reloads
    again = ScriptedFlow(flow.config, lambda text: 1000)
    again.restore(flow.snapshot())
    assert again.resume is not None and again.resume["answered"] is True
    assert again.resume["interrupted"] is False and again.take == 2
    again.start(20_000)
    assert again.phase == "after_answer" and not again.can_follow_up


async def test_rooms_opt_in_to_follow_ups_from_their_bank(client: Any) -> None:
    store = client.app[STORE]
    on = await scripted_room(client, question_count=7, follow_up_short_answers=True)
    off = await scripted_room(client, question_count=7)
    bank = {q["id"]: q["follow_ups"] for q in store.get_room(on["room_id"]).bank["questions"]}
    asked = config_from_room(store.get_room(on["room_id"])).questions
    assert asked and all(q.follow_up in bank[q.id] for q in asked)
    assert all(
        q.follow_up is None for q in config_from_room(store.get_room(off["room_id"])).questions
    )


async def test_the_follow_up_option_names_itself_when_wrong(client: Any) -> None:
    for value in ("yes", 1, None, [True]):
        resp = await client.post(
            "/api/rooms",
            json={"mode": "scripted", "bank": "behavioral", "follow_up_short_answers": value},
        )
        assert resp.status == 400, value
        assert "follow_up_short_answers" in (await resp.json())["message"]


# The real room ------------------------------------------------------------------------------

SHORT = "We shipped it early."


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    """espeak-ng answers at 48 kHz: a full one (about 9 s of talk), short ones (about 2 s)."""
    tmp = tmp_path_factory.mktemp("followup")
    out = {}
    for name, text in (("full", FIXTURES[0]), ("short", SHORT), ("part", "I wrote the plan.")):
        (tmp / name).mkdir()
        out[name] = speech_samples(tmp / name, [text])
    return out


async def _start(client: Any, room: dict[str, Any]) -> tuple[Any, Candidate]:
    ws = await joined(client, room, "candidate")
    cand = Candidate(ws, video=False)
    await cand.next_message("scripted-state")
    await cand.negotiate()
    await cand.wait_state(peer="connected")
    await cand.action("consent")
    await cand.action("start")
    return ws, cand


async def _answer(cand: Candidate, samples: np.ndarray, **want: Any) -> dict[str, Any]:
    """Speak into the open window; the first state after it closes (turn-taking ends it)."""
    opened = await cand.wait_state(phase="answer", recording=True, timeout=60, **want)
    cand.voice.play([samples.tobytes()])
    while True:
        state = (await cand.next_message("scripted-state", 60))["state"]
        if state["phase"] != "answer" or state["take"] != opened["take"]:
            return dict(state)


async def test_a_short_answer_gets_exactly_one_follow_up_a_full_one_none(
    aiohttp_client: Any, tmp_path: Path, spoken: dict[str, np.ndarray]
) -> None:
    from mockroom.app import create_app
    from mockroom.settings import Settings

    app = create_app(Settings(data_dir=tmp_path / "d"))
    client = await aiohttp_client(app)
    app[TRANSCRIPTS].recognizer = PlantedRecognizer()  # before the pool starts
    room = await scripted_room(
        client,
        media="audio",
        answer_seconds=20,  # short: under 6.7 s of talk
        end_on_silence_seconds=4,
        follow_up_short_answers=True,
    )
    stored = app[STORE].get_room(room["room_id"])
    assert stored is not None and stored.bank is not None
    bank = {q["id"]: q for q in stored.bank["questions"]}
    ws, cand = await _start(client, room)
    try:
        # Question 1, a full answer: no follow-up, the retake/next choice straight away.
        after = await _answer(cand, spoken["full"])
        assert after["phase"] == "after_answer" and after["take"] == 1, after
        assert after["follow_up"] is False
        first = after["question"]["id"]
        await cand.action("next")
        # Question 2, a short answer: the follow-up is asked at once, as take 2.
        after = await _answer(cand, spoken["short"], take=1)
        second = after["question"]["id"]
        assert second != first
        assert after["phase"] == "think" and after["follow_up"] is True, after
        assert after["take"] == 2 and after["said"] == FOLLOW_UP_LEAD
        asked = after["question"]["text"]
        assert asked in bank[second]["follow_ups"]
        # Its answer is short too: never a second follow-up.
        after = await _answer(cand, spoken["part"], take=2, follow_up=True)
        assert after["phase"] == "after_answer" and after["take"] == 2, after
        assert after["follow_up"] is False and after["question"]["text"] != asked
        assert not [s for s in cand.states if s["follow_up"] and s["take"] != 2]
        await cand.action("next")  # the last question: wrap-up
        await cand.wait_state(phase="done", timeout=60)
    finally:
        await cand.close()
        await ws.close()
    events = app[STORE].events(room["room_id"], FOLLOW_UP_KIND)
    assert [e.data for e in events] == [{"question_id": second, "take": 2, "text": asked}]

    # The browser records every window; upload those takes as its recorder would.
    audio = webm_opus(np.concatenate((silence(0.5), spoken["part"], silence(0.5))))
    clips = [
        await upload_take(client, room, audio, take=take, question_id=qid)
        for qid, take in ((first, 1), (second, 1), (second, 2))
    ]
    await asyncio.wait_for(app[TRANSCRIPTS].idle(), RECOGNITION_WAIT_S)
    data = await review(client, room)
    by_id = {c["clip_id"]: c for q in data["questions"] for c in q["clips"]}
    assert [by_id[c]["follow_up"] for c in clips] == [None, None, asked]
    assert all(by_id[c]["transcript"]["status"] == "done" for c in clips)
    assert by_id[clips[2]]["transcript"]["feedback"]["figures"][0]["key"] == "wpm"
    q2 = next(q for q in data["questions"] if q["id"] == second)
    assert [(f["take"], f["follow_up"]) for f in q2["figures"]] == [(1, None), (2, asked)]
    resp = await client.get(
        f"/api/rooms/{room['room_id']}/review.md", headers=auth(room["tokens"]["candidate"])
    )
    text = await resp.text()
    assert f"- Take 2 (follow-up: “{asked}”): " in text
    assert "#### Transcript, take 2 (follow-up)" in text
    assert "- take 2 (follow-up): Talk time" in text
    token = room["tokens"]["candidate"]
    page = await client.get(f"/rooms/{room['room_id']}/review", params={"token": token})
    html = unescape(await page.text())
    assert html.count('data-testid="follow-up-take"') == 1 and asked in html


async def test_no_follow_up_without_the_option(client: Any, spoken: dict[str, np.ndarray]) -> None:
    room = await scripted_room(
        client, media="audio", question_count=1, answer_seconds=20, end_on_silence_seconds=4
    )
    ws, cand = await _start(client, room)
    try:
        after = await _answer(cand, spoken["short"])
        assert after["phase"] == "after_answer" and after["take"] == 1, after
        assert after["follow_up"] is False
        await cand.action("next")
        await cand.wait_state(phase="done", timeout=60)
    finally:
        await cand.close()
        await ws.close()
    assert not [s for s in cand.states if s["follow_up"]]
    assert client.app[STORE].events(room["room_id"], FOLLOW_UP_KIND) == []
