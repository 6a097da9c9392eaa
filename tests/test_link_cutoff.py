"""A withdrawn or expired link is cut off everywhere at once: signaling and notes sockets close
with the reason, the seat is freed for the new link, and nothing the old link sends is applied."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiohttp import WSMsgType

from mockroom.app import create_app
from mockroom.keys import STORE
from mockroom.links.sockets import WITHDRAWN, LinkSockets, Refusal
from mockroom.notes import NOTES_CONFIG, NotesConfig
from mockroom.settings import ConfigError, Settings, load_settings
from mockroom.signaling.service import SIGNALING
from support.http import auth, create_room
from support.notes import PyClient
from support.ws import hello as join_with
from support.ws import next_of

CUT_WITHIN_S = 1.0
EXPIRES_IN_S = 3.0  # test_an_expiring_link_is_closed_by_a_timer: the link's time left


async def closed_with(ws: Any, timeout: float = CUT_WITHIN_S) -> tuple[int, str]:
    """Read to the close frame; returns its code and reason."""
    deadline = time.monotonic() + timeout
    while True:
        msg = await ws.receive(timeout=max(0.01, deadline - time.monotonic()))
        if msg.type == WSMsgType.CLOSE:  # the frame's code: see PyClient.close_code
            return int(msg.data), str(msg.extra or "")
        if msg.type in (WSMsgType.CLOSING, WSMsgType.CLOSED):
            return ws.close_code, ""


async def notes(client: Any, room_id: str, token: str, doc: str = "shared") -> PyClient:
    py = await PyClient.connect(client, f"/ws/rooms/{room_id}/notes/{doc}", token)
    await asyncio.wait_for(py.synced.wait(), 5)
    return py


async def test_renewing_a_link_closes_its_sockets_and_frees_the_seat(client: Any) -> None:
    room = await create_room(client, bank="behavioral")
    rid, tokens = room["room_id"], room["tokens"]
    ana, _ = await join_with(client, rid, tokens["interviewer"])
    ben, welcome = await join_with(client, rid, tokens["candidate"], name="Ben")
    ben_notes = await notes(client, rid, tokens["candidate"])
    ben_private = await notes(client, rid, tokens["candidate"], "private-candidate")
    ana_notes = await notes(client, rid, tokens["interviewer"])

    resp = await client.post(
        f"/api/rooms/{rid}/links/candidate/renew", headers=auth(tokens["interviewer"])
    )
    assert resp.status == 200
    new_token = (await resp.json())["link"].split("token=", 1)[1]

    # The old candidate hears why, then the socket closes with 4403 and the same reason.
    err = await next_of(ben, "error", timeout=CUT_WITHIN_S)
    assert err["code"] == "link-withdrawn" and err["fatal"] is True
    assert err["message"].startswith("This link was withdrawn")
    code, reason = await closed_with(ben)
    assert code == 4403 and reason.startswith("This link was withdrawn")
    # Every notes socket of the link closes too, with the reason.
    for py in (ben_notes, ben_private):
        await asyncio.wait_for(py.closed(), CUT_WITHIN_S)
        assert py.close_frame is not None
        assert py.close_frame[0] == 4403 and py.close_frame[1].startswith("This link was withdrawn")
    # The others heard that Ben left, and the new link takes the seat at once.
    left = await next_of(ana, "left", timeout=CUT_WITHIN_S)
    assert left["participant_id"] == welcome["participant_id"]
    fresh, hello = await join_with(client, rid, new_token)
    assert hello["type"] == "welcome" and hello["role"] == "candidate"
    # The interviewer's own sockets were untouched.
    ana_notes.text.insert(0, "still here")
    again = await notes(client, rid, new_token)
    await again.wait_text("still here")
    for ws in (ana, fresh):
        await ws.close()
    for py in (ana_notes, again, ben_notes, ben_private):
        await py.close()


async def test_an_expiring_link_is_closed_by_a_timer(client: Any, app: Any) -> None:
    room = await create_room(client)
    rid, tokens = room["room_id"], room["tokens"]
    store = app[STORE]
    # The four sockets must be open before the expiry (the server arms its timer when a socket
    # joins): 0.5 s was too short for that on a loaded host; EXPIRES_IN_S leaves room.
    soon = time.time() + EXPIRES_IN_S
    store.connection.execute(
        "UPDATE links SET expires_at = ? WHERE room_id = ? AND role = 'observer'", (soon, rid)
    )
    ana, _ = await join_with(client, rid, tokens["interviewer"])
    olga, _ = await join_with(client, rid, tokens["observer"])
    olga_notes = await notes(client, rid, tokens["observer"])
    ana_notes = await notes(client, rid, tokens["interviewer"])
    assert time.time() < soon, "the sockets took longer to open than the link had left"
    # Nothing is sent by the observer: the server's own timer closes it at the expiry time.
    err = await next_of(olga, "error", timeout=EXPIRES_IN_S + CUT_WITHIN_S)
    assert time.time() >= soon
    assert err["code"] == "link-expired"
    assert err["message"].startswith("This link has expired")
    code, reason = await closed_with(olga)
    assert code == 4403 and reason.startswith("This link has expired")
    await asyncio.wait_for(olga_notes.closed(), CUT_WITHIN_S)
    assert olga_notes.close_frame is not None
    assert olga_notes.close_frame == (4403, err["message"][:123])
    await next_of(ana, "left", timeout=CUT_WITHIN_S)
    # An open notes socket of the expired link relays nothing more (it is closed); the live one
    # of the interviewer goes on.
    ana_notes.text.insert(0, "after expiry")
    await ana_notes.flush()
    await ana.close()
    await ana_notes.close()
    await olga_notes.close()


async def test_a_link_withdrawn_elsewhere_acts_on_nothing(client: Any, app: Any) -> None:
    """Revoked in the database only (an operator, or a cut-off notice that never came): once
    the node's link cache is past its backstop (links.cache.LINK_TTL_S), the next action is
    refused."""
    cache = app[SIGNALING].link_cache
    now = [0.0]
    cache.clock = lambda: now[0]  # the cache's clock, so the test moves time instead of waiting
    room = await create_room(client, bank="behavioral")
    rid, tokens = room["room_id"], room["tokens"]
    ana, _ = await join_with(client, rid, tokens["interviewer"])
    await next_of(ana, "interview-state")
    ben, _ = await join_with(client, rid, tokens["candidate"])
    await next_of(ben, "interview-state")
    await ana.send_json({"type": "interview", "action": "start", "data": {"skip_intro": True}})
    assert (await next_of(ana, "interview-state"))["state"]["phase"] == "think"
    await next_of(ben, "interview-state")
    await app[STORE].revoke_links(rid, "candidate")
    now[0] += cache.ttl_s  # the backstop has passed: the next message reads the row again
    # "done" is the candidate's own action (think time over): it would move the phase.
    await ben.send_json({"type": "interview", "action": "done"})
    err = await next_of(ben, "error", timeout=CUT_WITHIN_S)
    assert err["code"] == "link-withdrawn"
    assert (await closed_with(ben))[0] == 4403
    await next_of(ana, "left", timeout=CUT_WITHIN_S)
    # The action was never applied: the interview is still in think time (Ben's leave itself
    # may bring a state, "Ben is reconnecting…", but never a new phase).
    await ana.send_json({"type": "ping", "t": 1})
    while True:
        msg = await ana.receive_json(timeout=5)
        if msg["type"] == "interview-state":
            assert msg["state"]["phase"] == "think", msg
        if msg["type"] == "pong":
            break
    await ana.close()


async def test_owners_renew_links_in_both_kinds_of_room(client: Any) -> None:
    scripted = await create_room(client, mode="scripted", media="audio")
    rid, tokens = scripted["room_id"], scripted["tokens"]
    # A reviewer link shared too widely can be withdrawn by the candidate who owns the room.
    by_reviewer = await client.post(
        f"/api/rooms/{rid}/links/reviewer/renew", headers=auth(tokens["reviewer"])
    )
    assert by_reviewer.status == 403
    resp = await client.post(
        f"/api/rooms/{rid}/links/reviewer/renew", headers=auth(tokens["candidate"])
    )
    assert resp.status == 200
    body = await resp.json()
    assert body["role"] == "reviewer" and "/review#token=" in body["link"]
    old = await client.get(f"/api/rooms/{rid}/review", headers=auth(tokens["reviewer"]))
    assert old.status == 403
    new = body["link"].split("token=", 1)[1]
    assert (await client.get(f"/api/rooms/{rid}/review", headers=auth(new))).status == 200
    # The candidate may rotate their own link too; roles the room has not are refused.
    own = await client.post(
        f"/api/rooms/{rid}/links/candidate/renew", headers=auth(tokens["candidate"])
    )
    assert own.status == 200
    assert (await client.get(f"/api/rooms/{rid}", headers=auth(tokens["candidate"]))).status == 403
    own_new = (await own.json())["link"].split("token=", 1)[1]
    resp = await client.post(f"/api/rooms/{rid}/links/observer/renew", headers=auth(own_new))
    assert resp.status == 400 and (await resp.json())["error"] == "bad-role"

    peer = await create_room(client)
    pid, ptokens = peer["room_id"], peer["tokens"]
    ana, _ = await join_with(client, pid, ptokens["interviewer"])
    resp = await client.post(
        f"/api/rooms/{pid}/links/interviewer/renew", headers=auth(ptokens["interviewer"])
    )
    assert resp.status == 200
    # Rotating one's own link closes one's own old sockets too: the old link is refused.
    assert (await next_of(ana, "error", timeout=CUT_WITHIN_S))["code"] == "link-withdrawn"
    new_interviewer = (await resp.json())["link"].split("token=", 1)[1]
    resp = await client.post(
        f"/api/rooms/{pid}/links/candidate/renew", headers=auth(ptokens["candidate"])
    )
    assert resp.status == 403
    assert "interviewer" in (await resp.json())["message"]
    again, hello = await join_with(client, pid, new_interviewer)
    assert hello["type"] == "welcome"
    await again.close()


async def test_a_seat_is_given_back_when_joining_fails_after_admission(client: Any) -> None:
    room = await create_room(client)
    rid, tokens = room["room_id"], room["tokens"]
    failures: list[str] = []

    async def failing_hook(conn: Any) -> None:
        if not failures:
            failures.append(conn.participant.id)
            raise RuntimeError("a join hook broke")

    client.app[SIGNALING].join_hooks.insert(0, failing_hook)
    ws, err = await join_with(client, rid, tokens["candidate"])
    assert err["type"] == "welcome"  # the welcome went out before the hooks ran
    err = await next_of(ws, "error")
    assert err["code"] == "internal" and err["fatal"] is True
    # The seat is free again: the same link joins at once (no role-taken).
    again, hello = await join_with(client, rid, tokens["candidate"])
    assert hello["type"] == "welcome", hello
    assert client.app[SIGNALING].live_room(rid) is not None
    assert len(client.app[SIGNALING].live_room(rid)) == 1
    await again.close()


async def test_socket_caps_per_link_and_per_room(aiohttp_client: Any, tmp_path: Any) -> None:
    settings = Settings(
        data_dir=tmp_path,
        max_observers=5,
        max_signaling_sockets_per_link=2,
        max_signaling_sockets_per_room=3,
        max_notes_sockets_per_link=2,
        max_notes_sockets_per_room=3,
    )
    client = await aiohttp_client(create_app(settings))
    room = await create_room(client)
    rid, tokens = room["room_id"], room["tokens"]
    observers = [await join_with(client, rid, tokens["observer"]) for _ in range(2)]
    assert all(w["type"] == "welcome" for _, w in observers)
    third, err = await join_with(client, rid, tokens["observer"])
    assert err["code"] == "too-many-sockets" and "2 places" in err["message"]
    assert (await closed_with(third, 5))[0] == 4429
    ana, welcome = await join_with(client, rid, tokens["interviewer"])
    ben, err = await join_with(client, rid, tokens["candidate"])
    assert err["code"] == "too-many-sockets" and "3 connections" in err["message"]
    assert (await closed_with(ben, 5))[0] == 4429
    # A full room still lets its own people back (a reload keeps its seat).
    ana2, again = await join_with(
        client, rid, tokens["interviewer"], participant_id=welcome["participant_id"]
    )
    assert again["type"] == "welcome"
    assert (await closed_with(ana, 5))[0] == 4000
    ana = ana2

    readers = [await notes(client, rid, tokens["observer"]) for _ in range(2)]
    refused = await PyClient.connect(client, f"/ws/rooms/{rid}/notes/shared", tokens["observer"])
    await asyncio.wait_for(refused.closed(), 5)
    assert refused.close_code == 4429
    writer = await notes(client, rid, tokens["interviewer"])
    full = await PyClient.connect(client, f"/ws/rooms/{rid}/notes/code", tokens["interviewer"])
    await asyncio.wait_for(full.closed(), 5)
    assert full.close_code == 4429
    for py in (*readers, refused, writer, full):
        await py.close()
    for ws, _ in observers:
        await ws.close()
    await ana.close()


def test_socket_settings_come_from_the_environment() -> None:
    env = {
        "MOCKROOM_SIGNALING_SEND_QUEUE_BYTES": "65536",
        "MOCKROOM_SIGNALING_SEND_TIMEOUT_S": "2.5",
        "MOCKROOM_MAX_SIGNALING_SOCKETS_PER_LINK": "4",
        "MOCKROOM_MAX_SIGNALING_SOCKETS_PER_ROOM": "0",
        "MOCKROOM_MAX_NOTES_SOCKETS_PER_LINK": "6",
        "MOCKROOM_MAX_NOTES_SOCKETS_PER_ROOM": "30",
    }
    settings = load_settings(env)
    assert settings.signaling_send_queue_bytes == 65536
    assert settings.signaling_send_timeout_s == 2.5
    assert settings.max_signaling_sockets_per_link == 4
    assert settings.max_signaling_sockets_per_room == 0
    assert (settings.max_notes_sockets_per_link, settings.max_notes_sockets_per_room) == (6, 30)
    with pytest.raises(ConfigError, match="MOCKROOM_MAX_NOTES_SOCKETS_PER_LINK"):
        load_settings({"MOCKROOM_MAX_NOTES_SOCKETS_PER_LINK": "many"})


async def test_the_registry_arms_one_timer_per_link_and_drops_it_when_the_link_is_gone() -> None:
    cut: list[tuple[str, str]] = []
    fired = asyncio.Event()

    def on_cut(sock: str, why: Refusal) -> None:
        cut.append((sock, why.code))
        fired.set()

    links: LinkSockets[str] = LinkSockets(on_cut)
    soon = time.time() + 0.05
    links.add("left", soon, "a")
    links.add("left", soon, "b")
    links.discard("left", "a")
    links.discard("left", "b")  # nobody holds it open any more: its timer is cancelled
    links.add("stays", soon + 0.05, "c")
    links.add("stays", soon + 0.05, "d")
    await asyncio.wait_for(fired.wait(), 5)
    assert sorted(cut) == [("c", "link-expired"), ("d", "link-expired")]
    assert links.count("stays") == 0
    assert links.cut_off("stays", WITHDRAWN) == 0


async def test_notes_sockets_of_a_link_withdrawn_elsewhere_are_closed(
    aiohttp_client: Any, app: Any
) -> None:
    """Revoked in the database only: the hub's periodic check closes the notes sockets."""
    app[NOTES_CONFIG] = NotesConfig(maintenance_interval_s=0.05, link_recheck_s=0.05)
    client = await aiohttp_client(app)
    room = await create_room(client)
    rid, tokens = room["room_id"], room["tokens"]
    ben = await notes(client, rid, tokens["candidate"])
    ana = await notes(client, rid, tokens["interviewer"])
    await app[STORE].revoke_links(rid, "candidate")
    await asyncio.wait_for(ben.closed(), 5)
    assert ben.close_frame is not None and ben.close_frame[0] == 4403
    # The interviewer's link still holds: its socket stays open and keeps working.
    ana.text.insert(0, "still open")
    fresh = await notes(client, rid, tokens["interviewer"])
    await fresh.wait_text("still open")
    for py in (ben, ana, fresh):
        await py.close()
