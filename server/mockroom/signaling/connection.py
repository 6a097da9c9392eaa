"""One admitted socket as features see it (`Connection`), and how its frames are read.

The handler and hook types live here too, so the handshake, the built-in handlers and the
features that register their own (interview, scripted, recordings) share one definition.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from ..access import Grant
from ..errors import ProtocolError, TooLarge
from .peer import SocketPeer
from .presence import LiveRoom, Participant


@dataclass(eq=False)  # one socket is one connection: compared and hashed by identity
class Connection:
    """One participant's live socket, as handlers see it."""

    room: LiveRoom
    grant: Grant
    participant: Participant
    peer: SocketPeer

    async def send(self, message: dict[str, Any]) -> None:
        await self.peer.send(message)

    async def broadcast(self, message: dict[str, Any], *, include_self: bool = True) -> None:
        await broadcast(self.room, message, exclude=None if include_self else self.peer)


async def broadcast(room: LiveRoom, message: dict[str, Any], exclude: object = None) -> None:
    """To everyone seated in the room but the `exclude` peer. Each send only queues
    (signaling/peer.py): nobody waits on a slow reader."""
    for seat in room:
        if seat.peer is not exclude:
            await seat.peer.send(message)


Handler = Callable[[Connection, dict[str, Any]], Awaitable[None]]
Hook = Callable[[Connection], Awaitable[None]]


async def receive_text(ws: web.WebSocketResponse, timeout: float | None) -> str | None:
    """The next text frame; None once the socket closed. A binary or oversized frame raises."""
    msg = await ws.receive(timeout=timeout)
    if msg.type == WSMsgType.TEXT:
        return str(msg.data)
    if msg.type == WSMsgType.BINARY:
        raise ProtocolError("Signaling frames are JSON text, not binary.", code="bad-frame")
    if msg.type == WSMsgType.ERROR and isinstance(ws.exception(), ValueError):
        # aiohttp reports an oversized frame this way; TooLarge closes with 1009.
        raise TooLarge("Message too large.")
    return None  # closed
