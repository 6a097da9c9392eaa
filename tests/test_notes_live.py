"""Notes against a real `mockroom serve`: the npm y-websocket client interoperates, and documents
survive a graceful restart and a kill -9 while someone is typing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from support.http import make_room
from support.live_server import LiveServer, start_server, stop_server
from support.notes import NodeClient, PyClient, node_expect

pytestmark = pytest.mark.node


def ws_base(server: LiveServer, room: dict[str, Any]) -> str:
    return server.url.replace("http://", "ws://") + f"/ws/rooms/{room['room_id']}/notes"


async def py_client(
    server: LiveServer, http: aiohttp.ClientSession, room: dict[str, Any], role: str
) -> PyClient:
    client = await PyClient.connect(http, ws_base(server, room) + "/shared", room["tokens"][role])
    await asyncio.wait_for(client.synced.wait(), 10)
    return client


async def test_npm_client_and_python_client_edit_each_others_text(live_server: LiveServer) -> None:
    room = make_room(live_server.url)
    node = NodeClient(ws_base(live_server, room), "shared", room["tokens"]["candidate"])
    try:
        await node_expect(node, lambda e: e["event"] == "synced")
        async with aiohttp.ClientSession() as http:
            py = await py_client(live_server, http, room, "interviewer")
            node.send(op="insert", index=-1, text="from node")
            await py.wait_text("from node", timeout=10)
            py.text.insert(0, "python, ")
            await node_expect(node, lambda e: e.get("text") == "python, from node")
            node.send(op="awareness", state={"user": {"name": "Node", "role": "candidate"}})
            await py.close()
    finally:
        node.close()


async def test_npm_client_cannot_open_another_roles_private_notes(live_server: LiveServer) -> None:
    room = make_room(live_server.url)
    node = NodeClient(
        ws_base(live_server, room), "private-interviewer", room["tokens"]["candidate"]
    )
    try:
        closed = await node_expect(node, lambda e: e["event"] == "closed")
        assert closed["code"] == 4403
        assert not [e for e in node.seen if e["event"] == "synced"]
    finally:
        node.close()


async def test_notes_survive_a_graceful_restart(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    room = make_room(server.url)
    node = NodeClient(ws_base(server, room), "shared", room["tokens"]["interviewer"])
    try:
        await node_expect(node, lambda e: e["event"] == "synced")
        node.send(op="insert", index=-1, text="before restart. ")
        # The server relays nothing that is not durable: once another client sees it, it is stored.
        async with aiohttp.ClientSession() as http:
            watcher = await py_client(server, http, room, "candidate")
            await watcher.wait_text("before restart. ", timeout=10)
            await watcher.close()
        stop_server(server)
        server = start_server(tmp_path / "data", port=server.port)
        # The node provider reconnects by itself; its edit while offline merges on reconnect.
        node.send(op="insert", index=-1, text="while offline. ")
        await node_expect(node, lambda e: e["event"] == "synced", timeout=15)
        async with aiohttp.ClientSession() as http:
            py = await py_client(server, http, room, "candidate")
            await py.wait_text("before restart. while offline. ", timeout=10)
            await py.close()
    finally:
        node.close()
        stop_server(server)


async def test_notes_survive_kill_9_while_a_client_types(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    room = make_room(server.url)
    typed = "The quick brown fox jumps over the lazy dog. " * 2
    node = NodeClient(ws_base(server, room), "shared", room["tokens"]["interviewer"])
    try:
        await node_expect(node, lambda e: e["event"] == "synced")
        async with aiohttp.ClientSession() as http:
            watcher = await py_client(server, http, room, "candidate")
            node.send(op="type", text=typed, interval_ms=15)
            await watcher.wait_for(lambda: len(str(watcher.text)) >= 30, timeout=10)
            stop_server(server, kill=True)
            seen_before_kill = str(watcher.text)
            await watcher.close()

            server = start_server(tmp_path / "data", port=server.port)
            # Everything another participant saw was durable before it was relayed.
            fresh = await py_client(server, http, room, "candidate")
            assert str(fresh.text).startswith(seen_before_kill), (str(fresh.text), seen_before_kill)
            # The typist reconnects and merges the rest: no duplicated and no lost text.
            await node_expect(node, lambda e: e["event"] == "typed", timeout=20)
            await fresh.wait_text(typed, timeout=15)
            node.send(op="get")
            await node_expect(node, lambda e: e["event"] == "text" and e["text"] == typed)
            await fresh.close()
    finally:
        node.close()
        stop_server(server)
