"""A room re-forms on a fresh node from what its dead node persisted: seats come back under their
own ids, the interview where it was with its countdown untouched, and the seat that is not back
yet "reconnecting" (not gone) for a grace, then away with its countdown held.

The dead node is a first app whose sockets simply stay open and silent: not one leave is
recorded, exactly what kill -9 leaves behind. The second app shares its data directory, as a
restarted process (or a node behind the same database) does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockroom.app import create_app
from mockroom.interview.service import INTERVIEWS
from mockroom.keys import STORE
from mockroom.settings import Settings
from support.http import create_room
from support.ws import Recorder, drive, join


async def until(rec: Recorder, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first interview state that passes `check` (states are broadcast on every change)."""
    while True:
        state: dict[str, Any] = (await rec.next("interview-state"))["state"]
        if check(state):
            return state


async def node_died_mid_question(
    aiohttp_client: Any, tmp_path: Path
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Ana and Ben in think time on a first node; returns (successor, room, state before)."""
    settings = Settings(data_dir=tmp_path / "data")
    first = await aiohttp_client(create_app(settings))
    room = await create_room(first, bank="behavioral", think_seconds=60)
    iv_ws, _ = await join(first, room, "interviewer", name="Ana", participant_id="int-ana1")
    interviewer = Recorder(iv_ws)
    await interviewer.next("interview-state")
    await join(first, room, "candidate", name="Ben", participant_id="can-ben1")
    await drive(iv_ws, "start", data={"skip_intro": True})
    before = await until(interviewer, lambda s: s["phase"] == "think")
    successor = await aiohttp_client(create_app(settings))
    return successor, room, before


async def test_the_room_reforms_where_it_was(aiohttp_client: Any, tmp_path: Path) -> None:
    node, room, before = await node_died_mid_question(aiohttp_client, tmp_path)
    iv_ws, welcome = await join(node, room, "interviewer", name="Ana", participant_id="int-ana1")
    assert welcome["participant_id"] == "int-ana1" and welcome["participants"] == []
    interviewer = Recorder(iv_ws)
    state = (await interviewer.next("interview-state"))["state"]
    # Same question, same phase, the same deadline: the countdown was never reset.
    assert state["phase"] == "think"
    assert state["question"]["id"] == before["question"]["id"]
    assert state["timer"]["deadline"] == before["timer"]["deadline"]
    assert not state["timer"]["paused"]
    # Ben was there when the node died: on his way back, not gone.
    assert state["people"]["candidate"] == {
        "name": "Ben",
        "present": False,
        "reconnecting": True,
        "away": False,
    }
    cand_ws, back = await join(node, room, "candidate", name="Ben", participant_id="can-ben1")
    assert back["participant_id"] == "can-ben1"
    assert [p["id"] for p in back["participants"]] == ["int-ana1"]
    state = await until(interviewer, lambda s: s["people"]["candidate"]["present"])
    assert not state["people"]["candidate"]["reconnecting"] and state["away"] == []
    assert state["timer"]["deadline"] == before["timer"]["deadline"]
    kinds = [e.data["type"] for e in await node.app[STORE].events(room["room_id"], "interview")]
    assert "away" not in kinds and "back" not in kinds  # nothing recorded for the outage
    await cand_ws.close()
    await iv_ws.close()


async def test_a_seat_that_does_not_come_back_is_away_after_the_grace(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    node, room, _ = await node_died_mid_question(aiohttp_client, tmp_path)
    node.app[INTERVIEWS].reform_grace_s = 0.3
    iv_ws, _ = await join(node, room, "interviewer", name="Ana", participant_id="int-ana1")
    interviewer = Recorder(iv_ws)
    state = await until(interviewer, lambda s: s["timer"]["held"])
    assert state["away"] == ["candidate"] and state["people"]["candidate"]["name"] == "Ben"
    assert 50_000 < state["timer"]["remaining_ms"] <= 60_000
    await iv_ws.close()
