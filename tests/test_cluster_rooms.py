"""What any node answers about a room that lives on another: who is in it, and its deletion.

Two `mockroom serve` nodes on one Redis and one PostgreSQL (tests/support/cluster.py). The room's
home is the node its first socket reached; the HTTP requests go to the other node.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp

from support.cluster import closed_code, cluster_nodes, interview_state, join, next_of, ws_url
from support.cluster_rooms import pg_rows_naming, seat_two
from support.http import auth, make_room
from support.live_server import LiveServer
from support.notes import PyClient
from support.redis import RedisServer


async def people(http: aiohttp.ClientSession, node: LiveServer, room: dict[str, Any]) -> Any:
    resp = await http.get(
        f"{node.url}/api/rooms/{room['room_id']}", headers=auth(room["tokens"]["observer"])
    )
    assert resp.status == 200, await resp.text()
    return sorted((p["role"], p["name"]) for p in (await resp.json())["participants"])


async def test_a_node_that_is_not_the_home_says_who_is_in_the_room(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    with cluster_nodes(tmp_path, redis_server.url, pg_url) as (a, b):
        room = make_room(a.url)
        async with aiohttp.ClientSession() as http:
            interviewer, candidate, _ = await seat_two(http, a, b, room)  # a is home, b relays
            both = [("candidate", "Candidate"), ("interviewer", "Interviewer")]
            assert await people(http, b, room) == both  # b asked a
            assert await people(http, a, room) == both
            await candidate.close()
            await next_of(interviewer, "left")
            assert await people(http, b, room) == [("interviewer", "Interviewer")]

            # A home that cannot answer (frozen) holds the request no longer than the bound.
            os.kill(a.process.pid, signal.SIGSTOP)
            try:
                asked = time.monotonic()
                assert await people(http, b, room) == []
                assert time.monotonic() - asked < 5.0  # ASK_TIMEOUT_S, on a loaded box
            finally:
                os.kill(a.process.pid, signal.SIGCONT)
            assert await people(http, b, room) == [("interviewer", "Interviewer")]
            await interviewer.close()


async def test_a_node_that_is_not_the_home_shows_the_live_scripted_session(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    with cluster_nodes(tmp_path, redis_server.url, pg_url) as (a, b):
        room = make_room(a.url, mode="scripted", media="audio", bank="behavioral", warm_up=False)
        url = f"/api/rooms/{room['room_id']}/scripted"
        async with aiohttp.ClientSession() as http:
            candidate, _ = await join(http, a, room, "candidate")  # a is the home
            for action in ("consent", "start"):
                await candidate.send_json({"type": "scripted", "action": action})
            while (await next_of(candidate, "scripted-state"))["state"]["phase"] == "waiting":
                pass
            for node in (a, b):  # b asks a; from the stored snapshot it would say "waiting"
                resp = await http.get(node.url + url, headers=auth(room["tokens"]["candidate"]))
                assert resp.status == 200, await resp.text()
                state = await resp.json()
                # The live session (it may have moved on meanwhile), not a resume point.
                assert state["phase"] not in ("waiting", "done"), (node, state)
                assert state["resume"] is None and state["consented"] is True
            await candidate.close()


def until_met(state: dict[str, Any], until: str) -> bool:
    if until == "consent":
        return bool(state["recording"]["candidate"])
    return bool(state["phase"] == until)


async def test_deleting_through_a_node_that_is_not_the_home_leaves_nothing(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    with cluster_nodes(tmp_path, redis_server.url, pg_url) as (a, b):
        room = make_room(a.url, bank="behavioral")
        rid, tokens = room["room_id"], room["tokens"]
        async with aiohttp.ClientSession() as http:
            interviewer, candidate, _ = await seat_two(http, a, b, room)  # a is home, b relays

            # Interview events on the home, and a clip uploaded through b (its row, its file).
            async def act(action: str, until: str, **data: Any) -> None:
                """One action, then until both seats see `until` (other states come too)."""
                seat = candidate if action == "recording" else interviewer
                await seat.send_json({"type": "interview", "action": action, "data": data})
                for ws in (interviewer, candidate):
                    while not until_met(await interview_state(ws), until):
                        pass

            await act("recording", "consent", on=True)
            await act("start", "think", skip_intro=True)
            await act("next", "answer", step="phase")  # the candidate answers question 1 now
            clips = f"{b.url}/api/rooms/{rid}/clips"
            opened = await http.post(
                clips,
                json={"question": 1, "take": 1, "mime": "audio/webm"},
                headers=auth(tokens["candidate"]),
            )
            assert opened.status == 201, await opened.text()
            clip_id = (await opened.json())["clip_id"]
            put = await http.put(
                f"{clips}/{clip_id}/chunks/0", data=b"x" * 5000, headers=auth(tokens["candidate"])
            )
            assert put.status == 200, await put.text()
            notes_path = f"/ws/rooms/{rid}/notes/shared"
            at_home = await PyClient.connect(http, ws_url(a, notes_path), tokens["interviewer"])
            relayed = await PyClient.connect(http, ws_url(b, notes_path), tokens["candidate"])
            await asyncio.wait_for(relayed.synced.wait(), 10)
            at_home.text += "typed at the home"
            await relayed.wait_text("typed at the home", timeout=10)
            assert pg_rows_naming(pg_url, rid), "the room should have rows before it is deleted"

            # Keep typing at the home while the deletion goes through the other node: the home
            # stores what arrives until it hears of the deletion, after b deleted the rows.
            async def keep_typing() -> None:
                while at_home.close_code is None:
                    at_home.text += "."
                    await asyncio.sleep(0.002)

            typing = asyncio.create_task(keep_typing())
            await relayed.wait_for(lambda: str(relayed.text).endswith("....."), timeout=10)
            resp = await http.delete(
                f"{b.url}/api/rooms/{rid}", headers=auth(tokens["interviewer"])
            )
            assert resp.status == 200, await resp.text()
            # Every socket of the room is closed as deleted, direct and relayed alike.
            assert await closed_code(interviewer, 10) == 4404
            assert await closed_code(candidate, 10) == 4404
            await asyncio.wait_for(at_home.closed(), 10)
            await asyncio.wait_for(relayed.closed(), 10)
            assert at_home.close_code == 4404 and relayed.close_code == 4404
            await typing
            # Nothing is left in any table, whichever node wrote it.
            assert pg_rows_naming(pg_url, rid) == {}
            assert not (tmp_path / "recordings" / rid).exists()
            for node in (a, b):
                gone = await http.get(
                    f"{node.url}/api/rooms/{rid}", headers=auth(tokens["observer"])
                )
                assert gone.status == 404
