"""Several nodes sharing Redis and the database: every link works through every node.

Real engines: a private redis-server (tests/support/redis.py) and `mockroom serve` subprocesses
(tests/support/cluster.py). The room's home is whichever node its first socket reached; a
socket that reaches another node is relayed to the home over Redis.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamTrack
from av import AudioFrame

from mockroom.banks.model import load_bank
from mockroom.settings import Settings
from support.cluster import closed_code, cluster_nodes, join, next_of, ws_url
from support.http import make_room
from support.live_server import free_port
from support.notes import NodeClient, PyClient, node_expect
from support.paths import REPO
from support.redis import RedisServer

BANK = load_bank(Settings().banks_dir / "behavioral.toml")
OFFER = {"description": {"type": "offer", "sdp": "v=0\r\n"}}
ANSWER = {"description": {"type": "answer", "sdp": "v=0\r\n"}}
SECRETS = {text for q in BANK.questions for text in (*q.hints, *q.follow_ups, *q.rubric)}


def leaks(frame: Any) -> set[str]:
    text = json.dumps(frame)
    return {secret for secret in SECRETS if secret in text}


async def test_interviewer_and_candidate_on_different_nodes(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    with cluster_nodes(tmp_path, redis_server.url, pg_url) as (a, b):
        room = make_room(b.url, bank="behavioral")
        async with aiohttp.ClientSession() as http:
            interviewer, welcome_i = await join(http, a, room, "interviewer")  # a is home now
            assert welcome_i["type"] == "welcome"
            candidate, welcome_c = await join(http, b, room, "candidate")  # relayed by b
            assert welcome_c["type"] == "welcome", welcome_c
            assert [p["role"] for p in welcome_c["participants"]] == ["interviewer"]
            joined = await next_of(interviewer, "joined")
            assert joined["participant"]["id"] == welcome_c["participant_id"]
            # Signaling both ways, as an offer and an answer would go.
            offer = {"type": "signal", "to": welcome_i["participant_id"], "data": OFFER}
            await candidate.send_json(offer)
            got = await next_of(interviewer, "signal")
            assert got["from"] == welcome_c["participant_id"] and got["from_role"] == "candidate"
            answer = {"type": "signal", "to": welcome_c["participant_id"], "data": ANSWER}
            await interviewer.send_json(answer)
            assert (await next_of(candidate, "signal"))["data"] == ANSWER
            # One interview state, each seat its own view of it; the relayed candidate gets
            # none of the interviewer's hints, follow-ups or rubric.
            seen: list[Any] = []
            for action in ("start", "begin_question"):
                await interviewer.send_json({"type": "interview", "action": action})
                mine = (await next_of(interviewer, "interview-state"))["state"]
                theirs = (await next_of(candidate, "interview-state"))["state"]
                seen.append(theirs)
                assert mine["phase"] == theirs["phase"]
            assert mine["question"]["id"] == theirs["question"]["id"]
            assert leaks(mine), "the interviewer's view should carry the question's hints"
            assert not leaks(seen), leaks(seen)
            # Errors pass through with their id; close codes too.
            await candidate.send_json({"type": "interview", "action": "next", "id": 7})
            error = await next_of(candidate, "error")
            assert error["id"] == 7
            await candidate.close()
            left = await next_of(interviewer, "left")
            assert left["reason"] == "left"  # the client's 1000 reached the home node
            await interviewer.close()


async def test_refusals_pass_through_a_relay(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    with cluster_nodes(tmp_path, redis_server.url, pg_url) as (a, b):
        room = make_room(a.url)
        async with aiohttp.ClientSession() as http:
            interviewer, _ = await join(http, a, room, "interviewer")
            bad = {**room, "tokens": {"candidate": "x" * 43}}
            ws, frame = await join(http, b, bad, "candidate")
            assert frame["type"] == "error" and frame["fatal"] is True
            await ws.receive()
            assert ws.close_code == 4403
            # Notes refuse another role's private document with the same 4403.
            notes = f"/ws/rooms/{room['room_id']}/notes/private-interviewer"
            refused = await http.ws_connect(
                ws_url(b, notes + f"?token={room['tokens']['candidate']}")
            )
            await refused.receive()
            assert refused.close_code == 4403
            # A browser page of another site is refused before the upgrade, as on one node.
            with pytest.raises(aiohttp.WSServerHandshakeError) as exc:
                await http.ws_connect(
                    ws_url(b, f"/ws/rooms/{room['room_id']}"),
                    headers={"Origin": "https://evil.example"},
                )
            assert exc.value.status == 403
            # A stranger's guess at the relay header is just a header: the socket is relayed
            # as any other (a non-ASCII guess once made the comparison raise).
            guess = {"X-MockRoom-Relay": "sécret"}
            ws_url_b = ws_url(b, f"/ws/rooms/{room['room_id']}")
            guessed = await http.ws_connect(ws_url_b, headers=guess)
            await guessed.send_json(
                {"type": "hello", "version": 1, "token": room["tokens"]["candidate"]}
            )
            assert (await guessed.receive_json(timeout=10))["type"] == "welcome"
            await guessed.close()
            await interviewer.close()


@pytest.mark.node
async def test_notes_typed_through_one_node_converge_through_the_other(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    with cluster_nodes(tmp_path, redis_server.url, pg_url) as (a, b):
        room = make_room(a.url)
        base = f"/ws/rooms/{room['room_id']}/notes"
        node = NodeClient(ws_url(a, base), "shared", room["tokens"]["candidate"])
        try:
            await node_expect(node, lambda e: e["event"] == "synced")
            async with aiohttp.ClientSession() as http:
                py = await PyClient.connect(
                    http, ws_url(b, base) + "/shared", room["tokens"]["interviewer"]
                )
                await asyncio.wait_for(py.synced.wait(), 10)
                node.send(op="insert", index=-1, text="typed on a")
                await py.wait_text("typed on a", timeout=10)
                py.text.insert(0, "b says: ")
                await node_expect(node, lambda e: e.get("text") == "b says: typed on a")
                await py.close()
        finally:
            node.close()


def test_redis_alone_or_unreachable_is_a_clear_error_at_start(tmp_path: Path, pg_url: str) -> None:
    def serve(*flags: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "mockroom", "serve", "--port", str(free_port())]
        command += ["--data-dir", str(tmp_path / "data"), *flags]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO)

    dead = f"redis://127.0.0.1:{free_port()}/0"
    alone = serve("--redis-url", dead)
    assert alone.returncode == 2, alone.stderr
    assert "MOCKROOM_DATABASE_URL" in alone.stderr and "Traceback" not in alone.stderr
    unreachable = serve("--redis-url", dead, "--database-url", pg_url)
    assert unreachable.returncode == 2, unreachable.stderr
    assert "MOCKROOM_REDIS_URL: cannot reach Redis" in unreachable.stderr
    assert "Traceback" not in unreachable.stderr


async def test_a_scripted_room_works_through_a_node_that_is_not_its_home(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    with cluster_nodes(tmp_path, redis_server.url, pg_url) as (a, b):
        options = {"question_count": 1, "think_seconds": 0, "answer_seconds": 10, "warm_up": False}
        room = make_room(a.url, mode="scripted", media="audio", bank="behavioral", **options)
        token = room["tokens"]["candidate"]
        async with aiohttp.ClientSession() as http:
            # The candidate's notes reach a first: a is the room's home.
            notes = await http.ws_connect(
                ws_url(a, f"/ws/rooms/{room['room_id']}/notes/shared?token={token}")
            )
            ws, welcome = await join(http, b, room, "candidate")  # relayed by b
            assert welcome["type"] == "welcome", welcome
            pc = RTCPeerConnection()  # like the browser's: a microphone, host candidates
            pc.addTrack(AudioStreamTrack())
            heard: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()

            @pc.on("track")
            def on_track(track: MediaStreamTrack) -> None:
                if not heard.done():
                    heard.set_result(track)

            try:
                await pc.setLocalDescription(await pc.createOffer())
                await ws.send_json(
                    {"type": "scripted", "action": "offer", "sdp": pc.localDescription.sdp}
                )
                answer = await next_of(ws, "scripted-answer")
                await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
                for action in ("consent", "start"):
                    await ws.send_json({"type": "scripted", "action": action})
                while True:
                    state = (await next_of(ws, "scripted-state", timeout=20))["state"]
                    if state["phase"] == "think":
                        break
                assert state["question"]["index"] == 0
                # The interviewer's voice comes straight from the home's aiortc peer.
                track = await asyncio.wait_for(heard, 20)
                loud = 0.0
                async with asyncio.timeout(20):
                    while loud < 100:
                        frame = await track.recv()
                        assert isinstance(frame, AudioFrame)
                        samples = frame.to_ndarray().astype(np.float32)
                        loud = float(np.sqrt(np.mean(samples**2)))
                assert pc.connectionState == "connected"
            finally:
                await pc.close()
                await ws.close()
                await notes.close()
        assert "'joined'" in a.log() and "'joined'" not in b.log()


async def test_a_link_renewed_or_a_room_deleted_on_one_node_cuts_the_sockets_on_another(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    with cluster_nodes(tmp_path, redis_server.url, pg_url) as (a, b):
        room = make_room(a.url)
        rid, tokens = room["room_id"], room["tokens"]
        bearer = {"Authorization": f"Bearer {tokens['interviewer']}"}
        async with aiohttp.ClientSession() as http:
            interviewer, _ = await join(http, a, room, "interviewer")  # a is the home
            candidate, _ = await join(http, a, room, "candidate")
            notes = await http.ws_connect(
                ws_url(a, f"/ws/rooms/{rid}/notes/shared?token={tokens['candidate']}")
            )
            # The owner withdraws the candidate's link through b: a closes its sockets at once.
            renew = f"{b.url}/api/rooms/{rid}/links/candidate/renew"
            async with http.post(renew, headers=bearer) as resp:
                assert resp.status == 200
            cut = await next_of(candidate, "error")
            assert cut["fatal"] is True
            assert await closed_code(candidate, 10) == 4403
            assert await closed_code(notes, 10) == 4403
            # Deleted through b: the interviewer's socket on a hears it and closes for good.
            async with http.delete(f"{b.url}/api/rooms/{rid}", headers=bearer) as resp:
                assert resp.status == 200
            deleted = await next_of(interviewer, "error")
            assert deleted["code"] == "room-deleted"
            assert await closed_code(interviewer, 10) == 4404
