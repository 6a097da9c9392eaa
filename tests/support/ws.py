"""The signaling socket through aiohttp's test client: join, read until a type, fence."""

from __future__ import annotations

import json
import time
from typing import Any


def upgrade_from(origin: str) -> dict[str, str]:
    """The headers of a WebSocket upgrade sent from `origin`, for a plain GET that expects the
    handshake to be refused (ws_connect would raise before the status could be read)."""
    return {
        "Origin": origin,
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }


async def hello(client: Any, room_id: str, token: str, **extra: Any) -> tuple[Any, dict[str, Any]]:
    """Open the room's socket and say hello with `token`; (socket, the first reply)."""
    ws = await client.ws_connect(f"/ws/rooms/{room_id}")
    await ws.send_json({"type": "hello", "version": 1, "token": token, **extra})
    return ws, await ws.receive_json(timeout=5)


async def join(
    client: Any, room: dict[str, Any], role: str, **extra: Any
) -> tuple[Any, dict[str, Any]]:
    """Say hello as `role` (named after it); (socket, the first reply, usually welcome)."""
    fields = {"name": role.title(), **extra}
    return await hello(client, room["room_id"], room["tokens"][role], **fields)


async def joined(client: Any, room: dict[str, Any], role: str, **extra: Any) -> Any:
    """The socket of `role`, once welcomed (anything else as the first reply fails the test)."""
    ws, first = await join(client, room, role, **extra)
    assert first["type"] == "welcome", first
    return ws


async def next_of(ws: Any, kind: str, timeout: float = 5) -> dict[str, Any]:
    """The next message of type `kind` within `timeout` seconds (others before it are dropped)."""
    deadline = time.monotonic() + timeout
    while True:
        msg: dict[str, Any] = await ws.receive_json(timeout=max(0.01, deadline - time.monotonic()))
        if msg["type"] == kind:
            return msg


async def fence(ws: Any, t: int = 0) -> list[dict[str, Any]]:
    """Ping and read up to the pong: the server handles one socket's messages in order, so
    everything sent before has been handled. Returns the messages received on the way."""
    await ws.send_json({"type": "ping", "t": t})
    seen: list[dict[str, Any]] = []
    while True:
        msg: dict[str, Any] = await ws.receive_json(timeout=5)
        if msg["type"] == "pong":
            return seen
        seen.append(msg)


class Recorder:
    """Reads every frame a socket receives, so isolation can be checked on all of them."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[str] = []

    async def next(self, kind: str) -> dict[str, Any]:
        while True:
            raw = await self.ws.receive_str(timeout=5)
            self.frames.append(raw)
            msg: dict[str, Any] = json.loads(raw)
            if msg["type"] == kind:
                return msg


async def drive(ws: Any, action: str, **extra: Any) -> None:
    """Send one interview action (start, next, pause…) on the socket."""
    await ws.send_json({"type": "interview", "action": action, **extra})
