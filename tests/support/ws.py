"""The signaling socket through aiohttp's test client: join, read until a type, fence."""

from __future__ import annotations

import json
from typing import Any


async def join(
    client: Any, room: dict[str, Any], role: str, **extra: Any
) -> tuple[Any, dict[str, Any]]:
    """Open the room's socket, say hello as `role`; (socket, the first reply, usually welcome)."""
    ws = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    hello = {"type": "hello", "version": 1, "token": room["tokens"][role], "name": role.title()}
    hello.update(extra)
    await ws.send_json(hello)
    return ws, await ws.receive_json(timeout=5)


async def next_of(ws: Any, kind: str) -> dict[str, Any]:
    """The next message of type `kind` (others before it are dropped)."""
    while True:
        msg: dict[str, Any] = await ws.receive_json(timeout=5)
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
