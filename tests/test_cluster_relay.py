"""The relay's home side in one process: a socket relayed in is an ordinary socket of the node,
and a relayed open that its edge gives up on at once leaves nothing behind."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import web

from mockroom.cluster.relay import Relay
from mockroom.cluster.wire import Frame, decode, encode, new_session_id
from mockroom.signaling.service import SIGNALING
from support.http import create_room


def test_frames_round_trip_and_strangers_are_refused() -> None:
    sid = new_session_id()
    frame = decode(encode("T", sid, '{"type": "ping"}'))
    assert (frame.kind, frame.sid, frame.payload) == ("T", sid, b'{"type": "ping"}')
    assert decode(encode("C", sid, {"code": 1000})).json() == {"code": 1000}
    for bad in (b"", b"X" + sid.encode(), b"T123"):
        with pytest.raises(ValueError):
            decode(bad)


class Edge:
    """What the home publishes to the edge, as frames."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[Frame] = asyncio.Queue()

    def publish(self, channel: str, data: bytes) -> None:
        self.frames.put_nowait(decode(data))

    async def next(self, kind: str, message_type: str | None = None) -> Frame:
        async with asyncio.timeout(10):
            while True:
                frame = await self.frames.get()
                if frame.kind != kind:
                    continue
                if message_type is None or json.loads(frame.payload)["type"] == message_type:
                    return frame


async def home_relay(client: Any, edge: Edge) -> Relay:
    return Relay("home", edge.publish, str(client.make_url("")).rstrip("/"), "secret")


async def test_a_relayed_socket_speaks_through_the_home_and_its_close_code_comes_back(
    client: Any,
) -> None:
    room = await create_room(client)
    edge = Edge()
    relay = await home_relay(client, edge)
    sid = new_session_id()
    relay.on_frame(
        decode(encode("O", sid, {"from": "edge", "path": f"/ws/rooms/{room['room_id']}"}))
    )
    assert (await edge.next("A")).sid == sid
    hello = {"type": "hello", "version": 1, "token": room["tokens"]["interviewer"]}
    relay.on_frame(decode(encode("T", sid, json.dumps(hello))))
    welcome = json.loads((await edge.next("T")).payload)
    assert welcome["type"] == "welcome" and welcome["role"] == "interviewer"
    relay.on_frame(decode(encode("T", sid, "not json")))
    error = json.loads((await edge.next("T", "error")).payload)
    assert error["type"] == "error" and error["fatal"] is False
    relay.on_frame(decode(encode("C", sid, {"code": 1001, "reason": ""})))
    app: web.Application = client.server.app
    async with asyncio.timeout(5):
        while app[SIGNALING].sockets or relay.sessions:
            await asyncio.sleep(0.02)
    await relay.close()


async def test_an_open_given_up_at_once_leaves_no_socket_on_the_home(client: Any) -> None:
    room = await create_room(client)
    edge = Edge()
    relay = await home_relay(client, edge)
    app: web.Application = client.server.app
    sid = new_session_id()
    # The edge timed out: its close follows the open before the home has even connected.
    relay.on_frame(
        decode(encode("O", sid, {"from": "edge", "path": f"/ws/rooms/{room['room_id']}"}))
    )
    relay.on_frame(decode(encode("C", sid, {"code": 1011, "reason": ""})))
    await edge.next("A")  # the home's own socket opened: now it must close at once
    assert app[SIGNALING].sockets or relay.sessions
    # Closed at once, not after signaling's 10 s hello timeout.
    async with asyncio.timeout(3):
        while relay.sessions or app[SIGNALING].sockets:
            await asyncio.sleep(0.02)
    await relay.close()
