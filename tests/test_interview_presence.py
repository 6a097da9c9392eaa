"""The interview service over real sockets: the countdown waits for an absent candidate, a reload
inside the grace period changes nothing, actions are bounded, reports reuse the live interview."""

from __future__ import annotations

import time
from typing import Any

from mockroom.interview.service import INTERVIEWS
from mockroom.keys import SETTINGS, STORE
from support.http import create_room
from support.ws import Recorder, drive, join

GRACE_S = 0.3


async def until(rec: Recorder, check: Any) -> dict[str, Any]:
    """The first interview state that passes `check` (states are broadcast on every change)."""
    while True:
        state: dict[str, Any] = (await rec.next("interview-state"))["state"]
        if check(state):
            return state


async def started_room(client: Any, **options: Any) -> tuple[Any, Recorder, Any, Recorder]:
    client.app[INTERVIEWS].grace_s = GRACE_S
    room = await create_room(client, bank="behavioral", think_seconds=60, **options)
    iv_ws, _ = await join(client, room, "interviewer", name="Ana")
    interviewer = Recorder(iv_ws)
    await interviewer.next("interview-state")
    cand_ws, _ = await join(client, room, "candidate", name="Ben", participant_id="can-ben1")
    candidate = Recorder(cand_ws)
    await candidate.next("interview-state")
    await drive(iv_ws, "start", data={"skip_intro": True})
    await until(candidate, lambda s: s["phase"] == "think")
    return room, interviewer, cand_ws, candidate


async def test_the_countdown_pauses_while_the_candidate_is_gone_and_resumes(client: Any) -> None:
    room, interviewer, cand_ws, _ = await started_room(client)
    await cand_ws.close()
    # First "reconnecting" (the grace period), the countdown still running ...
    state = await until(interviewer, lambda s: s["people"]["candidate"]["reconnecting"])
    assert not state["timer"]["paused"] and state["people"]["candidate"]["name"] == "Ben"
    # ... then "left": the room holds the countdown for them.
    state = await until(interviewer, lambda s: s["timer"]["held"])
    assert state["timer"]["paused"] and state["away"] == ["candidate"]
    assert state["people"]["candidate"] == {
        "name": "Ben",
        "present": False,
        "reconnecting": False,
        "away": True,
    }
    left_ms = state["timer"]["remaining_ms"]
    assert 50_000 < left_ms <= 60_000
    back_ws, _ = await join(client, room, "candidate", name="Ben", participant_id="can-ben1")
    state = await until(interviewer, lambda s: not s["timer"]["paused"])
    assert state["away"] == [] and state["people"]["candidate"]["present"]
    # The time that was left when they went is what they get back.
    assert abs(state["timer"]["deadline"] - (int(time.time() * 1000) + left_ms)) < 2000
    await back_ws.close()
    await interviewer.ws.close()


async def test_a_reload_inside_the_grace_period_does_not_pause(client: Any) -> None:
    room, interviewer, cand_ws, _ = await started_room(client)
    client.app[INTERVIEWS].grace_s = 30  # a reload is far quicker than this
    await cand_ws.close()
    await until(interviewer, lambda s: s["people"]["candidate"]["reconnecting"])
    back_ws, _ = await join(client, room, "candidate", name="Ben", participant_id="can-ben1")
    state = await until(interviewer, lambda s: not s["people"]["candidate"]["reconnecting"])
    assert not state["timer"]["paused"] and state["away"] == []
    kinds = [e.data["type"] for e in await client.app[STORE].events(room["room_id"], "interview")]
    assert "away" not in kinds  # nothing was recorded for a blip
    await back_ws.close()
    await interviewer.ws.close()


async def test_the_interviewer_leaving_does_not_stop_the_candidates_time(client: Any) -> None:
    _, interviewer, _, candidate = await started_room(client)
    await interviewer.ws.close()
    state = await until(candidate, lambda s: s["people"]["interviewer"]["away"])
    assert not state["timer"]["paused"]
    # The candidate sees who left, by name.
    assert state["people"]["interviewer"]["name"] == "Ana"
    await candidate.ws.close()


async def test_a_flood_of_actions_gets_a_clear_error_and_the_log_is_capped(client: Any) -> None:
    room, interviewer, cand_ws, _ = await started_room(client)
    # The log cap: a room at its limit refuses more actions, saying why.
    live = client.app[INTERVIEWS].rooms[room["room_id"]]
    real = list(live.interview.events)
    cap = client.app[SETTINGS].max_events_per_room
    live.interview.events.extend([{"type": "padding"}] * cap)
    await drive(interviewer.ws, "pause")
    refusal = await interviewer.next("error")
    assert refusal["code"] == "event-limit" and "limit" in refusal["message"]
    live.interview.events[:] = real
    # A flood: the first ACTION_BURST pass, then error frames; the socket stays usable.
    for _ in range(60):
        await drive(interviewer.ws, "extend")
    refusal = await interviewer.next("error")
    assert refusal["code"] == "rate-limited" and "wait a moment" in refusal["message"]
    stored = [e.data["type"] for e in await client.app[STORE].events(room["room_id"], "interview")]
    assert 10 <= stored.count("extend") < 60
    await cand_ws.close()
    await interviewer.ws.close()


async def test_a_report_of_a_live_room_does_not_replay_the_log(client: Any) -> None:
    room, interviewer, cand_ws, _ = await started_room(client)
    store = client.app[STORE]
    calls: list[str | None] = []
    events = store.events

    def counting(room_id: str, kind: str | None = None) -> Any:
        calls.append(kind)
        return events(room_id, kind)

    store.events = counting  # type: ignore[method-assign]
    resp = await client.get(
        f"/api/rooms/{room['room_id']}/report.md", params={"token": room["tokens"]["interviewer"]}
    )
    assert resp.status == 200
    assert "interview" not in calls
    store.events = events  # type: ignore[method-assign]
    await cand_ws.close()
    await interviewer.ws.close()
