"""Notes awareness (cursors, names) is owned: a socket writes only the ids it first used, within
caps on entries and size, and read-only roles publish none. Also the real y-websocket client
against a cut-off link: it is told why and does not reconnect."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from mockroom.notes import codec
from mockroom.notes.codec import AwarenessEntry
from support.http import create_room, make_room
from support.live_server import LiveServer
from support.notes import NodeClient, PyClient, node_expect


def notes_path(room: dict[str, Any], doc: str = "shared") -> str:
    return f"/ws/rooms/{room['room_id']}/notes/{doc}"


async def connect(http: Any, path: str, token: str) -> PyClient:
    py = await PyClient.connect(http, path, token)
    await asyncio.wait_for(py.synced.wait(), 10)
    return py


def state(name: str, role: str = "candidate") -> str:
    return json.dumps({"user": {"name": name, "role": role}})


async def publish(py: PyClient, *entries: AwarenessEntry) -> None:
    await py.ws.send_bytes(codec.awareness_message(codec.encode_awareness(list(entries))))


def seen(py: PyClient) -> dict[int, str]:
    """The latest awareness state per client id in everything this client received."""
    latest: dict[int, str] = {}
    for data in py.received:
        if data[0] == codec.MESSAGE_AWARENESS:
            for entry in codec.parse_awareness(codec.parse(data).payload):
                latest[entry.client_id] = entry.state
    return latest


async def settle(*clients: PyClient) -> None:
    """A round trip on each socket: whatever the server relayed before it has arrived."""
    for py in clients:
        await py.flush()


async def test_nobody_writes_another_sockets_cursor(client: Any) -> None:
    room = await create_room(client)
    path, tokens = notes_path(room), room["tokens"]
    ben = await connect(client, path, tokens["candidate"])
    await publish(ben, AwarenessEntry(777, 1, state("Ben")))
    await ben.wait_for(lambda: seen(ben).get(777) == state("Ben"))
    ana = await connect(client, path, tokens["interviewer"])
    # Ana claims Ben's id with a newer clock: refused, and relayed to nobody.
    await publish(ana, AwarenessEntry(777, 50, state("SPOOFED", "interviewer")))
    await settle(ana, ben)
    assert seen(ben)[777] == state("Ben")
    late = await connect(client, path, tokens["interviewer"])
    await late.wait_for(lambda: 777 in seen(late))
    assert seen(late)[777] == state("Ben")
    # Ben's own socket may still update its entry.
    await publish(ben, AwarenessEntry(777, 2, state("Ben B.")))
    await late.wait_for(lambda: seen(late).get(777) == state("Ben B."))
    for py in (ben, ana, late):
        await py.close()


async def test_entries_per_socket_and_their_size_are_capped(client: Any) -> None:
    room = await create_room(client)
    path, tokens = notes_path(room), room["tokens"]
    ana = await connect(client, path, tokens["interviewer"])
    flood = [AwarenessEntry(1000 + i, 1, state(f"fake {i}")) for i in range(5000)]
    await publish(ana, *flood)
    big = AwarenessEntry(9, 1, json.dumps({"user": {"name": "x" * 2000}}))
    other = await connect(client, path, tokens["interviewer"])
    await publish(other, big)
    await settle(ana, other)
    late = await connect(client, path, tokens["candidate"])
    await late.wait_for(lambda: bool(seen(late)))
    await settle(late)
    assert sorted(seen(late)) == [1000, 1001]  # the first two ids only
    first = next(d for d in late.received if d[0] == codec.MESSAGE_AWARENESS)
    assert len(first) < 200
    for py in (ana, other, late):
        await py.close()


async def test_read_only_roles_publish_no_awareness(client: Any) -> None:
    room = await create_room(client)
    path, tokens = notes_path(room), room["tokens"]
    ben = await connect(client, path, tokens["candidate"])
    olga = await connect(client, path, tokens["observer"])
    await publish(olga, AwarenessEntry(555, 1, state("Interviewer", "interviewer")))
    # Echoed to the observer itself (the provider's keep-alive) and to nobody else.
    await olga.wait_for(lambda: 555 in seen(olga))
    await settle(ben)
    assert 555 not in seen(ben)
    late = await connect(client, path, tokens["interviewer"])
    await settle(late)
    assert 555 not in seen(late)
    for py in (ben, olga, late):
        await py.close()


async def test_a_reconnect_of_the_same_link_takes_its_cursor_back(client: Any) -> None:
    """The old socket may not have noticed it is gone; the same link's new socket still owns."""
    room = await create_room(client)
    path, tokens = notes_path(room), room["tokens"]
    old = await connect(client, path, tokens["candidate"])
    await publish(old, AwarenessEntry(31, 1, state("Ben")))
    ana = await connect(client, path, tokens["interviewer"])
    await ana.wait_for(lambda: 31 in seen(ana))
    new = await connect(client, path, tokens["candidate"])
    await publish(new, AwarenessEntry(31, 2, state("Ben again")))
    await ana.wait_for(lambda: seen(ana).get(31) == state("Ben again"))
    # The old socket leaving does not remove the cursor the new one owns now.
    await old.close()
    await settle(ana)
    assert seen(ana)[31] == state("Ben again")
    for py in (ana, new):
        await py.close()


@pytest.mark.node
async def test_npm_client_cursor_cannot_be_spoofed(live_server: LiveServer) -> None:
    room = make_room(live_server.url)
    base = live_server.url.replace("http://", "ws://") + f"/ws/rooms/{room['room_id']}/notes"
    node = NodeClient(base, "shared", room["tokens"]["candidate"])
    try:
        await node_expect(node, lambda e: e["event"] == "synced")
        node.send(op="awareness", state={"user": {"name": "Ben", "role": "candidate"}})
        async with aiohttp.ClientSession() as http:
            ana = await connect(http, base + "/shared", room["tokens"]["interviewer"])
            await ana.wait_for(lambda: any("Ben" in s for s in seen(ana).values()), timeout=10)
            ben_id = next(i for i, s in seen(ana).items() if "Ben" in s)
            await publish(ana, AwarenessEntry(ben_id, 10_000, state("SPOOFED", "interviewer")))
            await settle(ana)
            late = await connect(http, base + "/shared", room["tokens"]["observer"])
            await late.wait_for(lambda: ben_id in seen(late), timeout=10)
            assert "SPOOFED" not in seen(late)[ben_id] and "Ben" in seen(late)[ben_id]
            await ana.close()
            await late.close()
    finally:
        node.close()


@pytest.mark.node
async def test_npm_client_is_told_its_link_was_withdrawn_and_stays_closed(
    live_server: LiveServer,
) -> None:
    room = make_room(live_server.url)
    base = live_server.url.replace("http://", "ws://") + f"/ws/rooms/{room['room_id']}/notes"
    node = NodeClient(base, "shared", room["tokens"]["candidate"])
    try:
        await node_expect(node, lambda e: e["event"] == "synced")
        async with aiohttp.ClientSession() as http:
            resp = await http.post(
                f"{live_server.url}/api/rooms/{room['room_id']}/links/candidate/renew",
                headers={"Authorization": f"Bearer {room['tokens']['interviewer']}"},
            )
            assert resp.status == 200
        closed = await node_expect(node, lambda e: e["event"] == "closed", timeout=5)
        assert closed["code"] == 4403
        assert closed["reason"].startswith("This link was withdrawn")
        # A 44xx close is final for y-websocket: no reconnect, so no second connection.
        node.send(op="get")
        await node_expect(node, lambda e: e["event"] == "text")
        assert [e["status"] for e in node.seen if e["event"] == "status"].count("connected") == 1
    finally:
        node.close()
