"""The interview over the real signaling socket: role-filtered states, timers, persistence."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from mockroom.app import create_app
from mockroom.settings import Settings
from support.banks import secret_strings
from support.http import create_room
from support.ws import Recorder, drive, join, next_of


async def test_candidate_never_receives_hints_and_all_see_one_question(client: Any) -> None:
    room = await create_room(client, bank="behavioral", think_seconds=30, answer_seconds=60)
    iv_ws, iv_welcome = await join(client, room, "interviewer")
    interviewer = Recorder(iv_ws)
    first = await interviewer.next("interview-state")
    assert first["state"]["phase"] == "lobby"
    assert "start" in first["state"]["actions"]
    cand_ws, _ = await join(client, room, "candidate")
    candidate = Recorder(cand_ws)
    obs_ws, _ = await join(client, room, "observer")
    observer = Recorder(obs_ws)
    await candidate.next("interview-state")
    await observer.next("interview-state")

    await drive(iv_ws, "start")  # lobby -> intro
    for rec in (interviewer, candidate, observer):
        assert (await rec.next("interview-state"))["state"]["phase"] == "intro"
    await drive(iv_ws, "start")  # intro -> think, question 1
    states = [
        (await rec.next("interview-state"))["state"] for rec in (interviewer, candidate, observer)
    ]
    assert {s["phase"] for s in states} == {"think"}
    texts = {s["question"]["text"] for s in states}
    assert len(texts) == 1  # everyone sees the same question
    assert states[0]["question"]["hints"]  # the interviewer gets the hints ...
    assert "hints" not in states[1]["question"]  # ... the candidate does not
    deadlines = {s["timer"]["deadline"] for s in states}
    assert len(deadlines) == 1

    # The candidate may not drive; the refusal is an error frame, not a state change.
    await drive(cand_ws, "next")
    refusal = await candidate.next("error")
    assert refusal["code"] == "not-allowed"

    # Walk the whole interview with a swap, then check every frame the candidate received.
    steps = [
        (iv_ws, "extend", {}),
        (iv_ws, "pause", {}),
        (iv_ws, "resume", {}),
        (iv_ws, "next", {}),  # think -> answer
        (cand_ws, "done", {}),  # answer -> follow-ups
        (iv_ws, "request_swap", {}),
        (cand_ws, "confirm_swap", {}),
        (cand_ws, "next", {"data": {"step": "question"}}),  # the candidate link now interviews
        (cand_ws, "wrap_up", {}),
        (cand_ws, "open_feedback", {}),
    ]
    for ws, action, extra in steps:
        # One step at a time: two sockets give no ordering between their frames.
        await drive(ws, action, **extra)
        msg = await interviewer.next("interview-state")
        assert msg["state"]["phase"] != "lobby", action
    final = msg
    assert final["state"]["phase"] == "feedback"
    assert final["state"]["role"] == "candidate"  # the interviewer link now answers
    while True:
        msg = await candidate.next("interview-state")
        if msg["state"]["phase"] == "feedback":
            break
    await drive(obs_ws, "ping")  # not an interview action: refused
    await observer.next("error")
    await drive(obs_ws, "next")
    assert (await observer.next("error"))["code"] == "not-allowed"

    # After the swap the candidate link saw hints for the question it asked; before it, never.
    swap_index = next(
        i for i, raw in enumerate(candidate.frames) if '"swapped":true' in raw.replace(" ", "")
    )
    before_swap = "\n".join(candidate.frames[:swap_index])
    for secret in secret_strings("behavioral"):
        assert json.dumps(secret)[1:-1] not in before_swap
    observed = "\n".join(observer.frames)
    for secret in secret_strings("behavioral"):
        assert json.dumps(secret)[1:-1] not in observed
    assert iv_welcome["role"] == "interviewer"
    for ws in (iv_ws, cand_ws, obs_ws):
        await ws.close()


async def test_timer_expiry_advances_and_reaches_everyone(client: Any) -> None:
    room = await create_room(client, bank="behavioral", think_seconds=1, answer_seconds=10)
    iv_ws, _ = await join(client, room, "interviewer")
    interviewer = Recorder(iv_ws)
    await interviewer.next("interview-state")
    cand_ws, _ = await join(client, room, "candidate")
    candidate = Recorder(cand_ws)
    await candidate.next("interview-state")
    await drive(iv_ws, "start")
    await drive(iv_ws, "start")
    while (await candidate.next("interview-state"))["state"]["phase"] != "think":
        pass
    # Nobody acts: the server's clock moves think -> answer after one second.
    moved = await asyncio.wait_for(candidate.next("interview-state"), 5)
    assert moved["state"]["phase"] == "answer"
    assert moved["state"]["timer"]["duration_ms"] == 10_000
    await iv_ws.close()
    await cand_ws.close()


async def test_state_survives_a_restart_and_reaches_a_late_joiner(
    aiohttp_client: Any, tmp_path: Any
) -> None:
    settings = Settings(data_dir=tmp_path)
    client = await aiohttp_client(create_app(settings))
    room = await create_room(client, bank="recruiter-phone-screen")
    iv_ws, _ = await join(client, room, "interviewer")
    interviewer = Recorder(iv_ws)
    await interviewer.next("interview-state")
    await drive(iv_ws, "start")
    await drive(iv_ws, "start")
    state = None
    while state is None or state["phase"] != "think":
        state = (await interviewer.next("interview-state"))["state"]
    question = state["question"]["text"]
    await iv_ws.close()
    await client.close()

    # A new server on the same data directory: a late candidate sees the same question (the
    # phone-screen bank defaults to phone realism, so the candidate sees the prompt instead).
    client2 = await aiohttp_client(create_app(settings))
    cand_ws, _ = await join(client2, room, "candidate")
    seen = await Recorder(cand_ws).next("interview-state")
    assert seen["state"]["phase"] == "think"
    assert seen["state"]["question"] is None
    assert seen["state"]["prompt"]
    iv2, _ = await join(client2, room, "interviewer")
    again = await Recorder(iv2).next("interview-state")
    assert again["state"]["question"]["text"] == question


async def test_free_conversation_room_has_no_interview(client: Any) -> None:
    room = await create_room(client)
    ws, _ = await join(client, room, "interviewer")
    state = await next_of(ws, "interview-state")
    assert state["state"] is None
    await drive(ws, "start")
    err = await next_of(ws, "error")
    assert err["code"] == "no-bank"
    await drive(ws, "pick")
    assert (await next_of(ws, "error"))["code"] == "no-bank"
    await ws.close()


async def test_start_can_skip_the_introductions(client: Any) -> None:
    room = await create_room(client, bank="behavioral")
    ws, _ = await join(client, room, "interviewer")
    interviewer = Recorder(ws)
    await interviewer.next("interview-state")
    await drive(ws, "start", data={"skip_intro": True})
    state = (await interviewer.next("interview-state"))["state"]
    assert state["phase"] == "think"
    assert state["position"]["number"] == 1
    assert state["question"]["text"]
    await ws.close()
