"""The signaling WebSocket (/ws/rooms/{id}): one socket's life, and the rooms' registry.

`Signaling` holds the live rooms, the message handlers and the presence hooks; `handle` runs a
socket from upgrade to close: handshake.py seats it, the loop here dispatches each checked
frame (handlers.py holds the built-in types), and a close gives the seat back and tells the
room. The wire is protocol.py's, seats presence.py's, the send queue peer.py's. Feature
modules (interview, scripted interviewer) add message handlers and join/leave hooks on the
`Signaling` object instead of growing this file.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSCloseCode, web

from ..errors import Forbidden, MockRoomError, ProtocolError, error_reply
from ..jsonbody import TooDeep
from ..links.cache import LinkCache
from ..links.sockets import CLOSE_LINK_REFUSED, LinkSockets, Refusal
from ..security import origin_allowed
from ..settings import Settings
from ..storage.interface import Store
from . import protocol
from .connection import Connection as Connection  # re-exported: features import it from here
from .connection import Handler, Hook, broadcast, receive_text
from .handlers import BUILT_IN
from .handshake import HEARTBEAT_S, handshake
from .peer import SocketPeer
from .presence import LiveRoom

log = logging.getLogger(__name__)


class Signaling:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.rooms: dict[str, LiveRoom] = {}
        self.handlers: dict[str, Handler] = dict(BUILT_IN)
        self.join_hooks: list[Hook] = []
        self.leave_hooks: list[Hook] = []
        self.sockets: set[web.WebSocketResponse] = set()
        # Every admitted connection by its link, so a withdrawn or expired link is cut off.
        self.links: LinkSockets[Connection] = LinkSockets(self._cut)
        # Each message re-checks its link here, not with a database round trip (links.cache).
        self.link_cache = LinkCache(store)
        # Other registries of sockets per link (the notes hub) that a withdrawal also cuts.
        self.cut_off_hooks: list[Callable[[str, Refusal], int]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.errors: collections.Counter[str] = collections.Counter()  # error frames, by code
        # In a cluster: who is in a room whose home is another node (None: no answer in time).
        self.remote_roster: Callable[[str], Awaitable[list[dict[str, Any]] | None]] | None = None

    def on(self, kind: str, handler: Handler) -> None:
        if kind not in protocol.CLIENT_MESSAGES:
            raise ValueError(f"{kind!r} is not a message type in signaling/protocol.py")
        self.handlers[kind] = handler

    def add_service(self, kind: str, handler: Handler, *, on_join: Hook, on_leave: Hook) -> None:
        """Wire a feature's socket service: the message type it handles and its presence hooks."""
        self.on(kind, handler)
        self.join_hooks.append(on_join)
        self.leave_hooks.append(on_leave)

    def live_room(self, room_id: str) -> LiveRoom | None:
        return self.rooms.get(room_id)

    async def roster(self, room_id: str) -> list[dict[str, Any]]:
        """Who is in the room, wherever its home is ([] if its home did not say in time)."""
        live = self.live_room(room_id)
        if live is not None or self.remote_roster is None:
            return live.roster() if live is not None else []
        return await self.remote_roster(room_id) or []

    async def broadcast(
        self, room: LiveRoom, message: dict[str, Any], exclude: Connection | None = None
    ) -> None:
        await broadcast(room, message, exclude=exclude.peer if exclude is not None else None)

    def cut_off(self, token_hash: str, why: Refusal) -> int:
        """Close every socket of a link (signaling, notes); returns how many there were."""
        self.link_cache.cut(token_hash, why)  # on every node: the cluster relays cut-offs
        return self.links.cut_off(token_hash, why) + sum(
            hook(token_hash, why) for hook in self.cut_off_hooks
        )

    def _cut(self, conn: Connection, why: Refusal) -> None:
        """Free the seat now, so the new link can take it at once; say why, then close."""
        log.info(
            "link cut off",
            extra={"room": conn.room.room_id, "participant": conn.participant.id, "why": why.code},
        )
        conn.peer.post(protocol.error_message(why.code, why.message, fatal=True))
        conn.peer.begin_close(CLOSE_LINK_REFUSED, why.message)
        if self._vacate(conn):
            task = asyncio.create_task(self._announce_leave(conn))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    # the socket ---------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        room_id = request.match_info["room_id"]
        if not origin_allowed(request, self.settings):
            log.warning("refused websocket: origin not allowed", extra={"room": room_id})
            raise Forbidden("This page's origin may not connect.", code="forbidden-origin")
        ws = web.WebSocketResponse(
            heartbeat=HEARTBEAT_S, max_msg_size=self.settings.max_ws_message_bytes, compress=False
        )
        await ws.prepare(request)
        self.sockets.add(ws)
        peer = SocketPeer(
            ws,
            request.transport,
            self.settings.signaling_send_queue_bytes,
            self.settings.signaling_send_timeout_s,
        )
        conn: Connection | None = None
        try:
            conn = await handshake(self, room_id, ws, peer)
            if conn is not None:
                await self._serve(conn, ws)
        except Exception as exc:  # the last line of defence: report, never crash the server
            reply = error_reply(exc)
            if reply.code == "internal":
                log.exception("signaling failed", extra={"room": room_id})
            self.errors[reply.code] += 1
            await peer.send(protocol.error_frame(reply, fatal=True))
            await peer.close(reply.close_code, reply.message)
        finally:
            self.sockets.discard(ws)
            if conn is not None:
                # aiohttp cancels the handler when the peer's connection drops; the others must
                # still hear that this person left.
                await asyncio.shield(self.leave(conn))
            await peer.end()
        return ws

    async def _serve(self, conn: Connection, ws: web.WebSocketResponse) -> None:
        while not ws.closed:
            try:
                raw = await receive_text(ws, None)
            except MockRoomError as exc:  # a binary or oversized frame ends the socket
                reply = error_reply(exc)
                self.errors[reply.code] += 1
                await conn.send(protocol.error_frame(reply, fatal=True))
                await conn.peer.close(reply.close_code, reply.message)
                return
            if raw is None:
                return
            why = await self.link_cache.refusal(conn.grant.room.id, conn.grant.token_hash)
            if why is not None:
                # Withdrawn or expired since the hello (perhaps on another node): act on nothing.
                self.cut_off(conn.grant.token_hash, why)
                await conn.peer.finished()
                return
            message: dict[str, Any] | None = None
            try:
                message = protocol.parse_client_message(raw, self.settings.max_ws_message_bytes)
                if message["type"] == "bye":
                    await conn.peer.close(WSCloseCode.OK, "bye")
                    return
                handler = self.handlers.get(message["type"])
                if handler is None:
                    raise ProtocolError(
                        f"'{message['type']}' is not available in this room.", code="not-available"
                    )
                await handler(conn, message)
            except Exception as exc:
                reply = error_reply(exc)
                if reply.code == "internal":
                    log.exception("handler failed", extra={"room": conn.room.room_id})
                self.errors[reply.code] += 1
                # The frame names the message it answers (its `id`), so the client knows which
                # of its actions failed; one it could not parse has no id to echo.
                sent_id = (
                    protocol.message_id(message)
                    if message is not None
                    else protocol.raw_message_id(raw)
                )
                # No client of ours nests this deep: end the socket (1007, invalid payload).
                # Any other bad message gets an error frame and the call goes on.
                fatal = isinstance(exc, TooDeep)
                await conn.send(protocol.error_frame(reply, fatal=fatal, id=sent_id))
                if fatal:
                    await conn.peer.close(reply.close_code, reply.message)
                    return

    def _vacate(self, conn: Connection) -> bool:
        """Give the seat back; False if a newer socket of the same person holds it now."""
        self.links.discard(conn.grant.token_hash, conn)
        if not self.links.count(conn.grant.token_hash):
            self.link_cache.forget(conn.grant.token_hash)
        return conn.room.remove(conn.participant.id, conn.peer)

    async def leave(self, conn: Connection) -> None:
        """The socket is done: give its seat back and tell the room, unless a newer one holds it."""
        if self._vacate(conn):
            await self._announce_leave(conn)

    async def _announce_leave(self, conn: Connection) -> None:
        await self.store.record_leave(conn.room.room_id, conn.participant.id)
        log.info("left", extra={"room": conn.room.room_id, "participant": conn.participant.id})
        # 1000 (bye, Leave) or 1001 (tab closed) is a leave; anything else a drop they may undo.
        reason = "left" if conn.peer.ws.close_code in (1000, 1001) else "lost"
        await conn.broadcast(
            {"type": "left", "participant_id": conn.participant.id, "reason": reason}
        )
        for hook in self.leave_hooks:
            try:
                await hook(conn)
            except Exception:
                log.exception("leave hook failed", extra={"room": conn.room.room_id})
        if len(conn.room) == 0 and self.rooms.get(conn.room.room_id) is conn.room:
            self.rooms.pop(conn.room.room_id, None)

    async def shutdown(self) -> None:
        self.links.close()
        for ws in list(self.sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


# Beside its class rather than in keys.py: the kernel's keys must not import a service.
SIGNALING: web.AppKey[Signaling] = web.AppKey("signaling", Signaling)
