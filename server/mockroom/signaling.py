"""The signaling WebSocket (/ws/rooms/{id}): handshake, presence, relay, heartbeat.

The wire format lives in protocol.py, seat rules in presence.py; this module only moves frames.
Feature modules (interview, scripted interviewer) add message handlers and join/leave hooks on the
`Signaling` object instead of growing this file.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from . import protocol
from .access import Grant, authorize
from .errors import MockRoomError, ProtocolError, UserError, error_reply
from .presence import CLOSE_REPLACED, LiveRoom, Participant
from .roles import Role, joins_live
from .rooms import clean_display_name
from .security import origin_allowed
from .settings import Settings
from .store import Store

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 10.0
HEARTBEAT_S = 15.0


class SocketPeer:
    """Adapts aiohttp's WebSocketResponse to presence.Peer; a failed send is not our crash."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        if self.ws.closed:
            return
        # A socket that is going away may refuse the write; its reader cleans up.
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.send_str(protocol.encode(message))

    async def close(self, code: int, reason: str) -> None:
        if not self.ws.closed:
            await self.ws.close(code=code, message=reason.encode("utf-8")[:120])


@dataclass
class Connection:
    """One participant's live socket, as handlers see it."""

    signaling: Signaling
    room: LiveRoom
    grant: Grant
    participant: Participant
    peer: SocketPeer

    async def send(self, message: dict[str, Any]) -> None:
        await self.peer.send(message)

    async def broadcast(self, message: dict[str, Any], *, include_self: bool = True) -> None:
        await self.signaling.broadcast(self.room, message, exclude=None if include_self else self)


Handler = Callable[[Connection, dict[str, Any]], Awaitable[None]]
Hook = Callable[[Connection], Awaitable[None]]


class Signaling:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.rooms: dict[str, LiveRoom] = {}
        self.handlers: dict[str, Handler] = {
            "signal": self._on_signal,
            "state": self._on_state,
            "ping": self._on_ping,
        }
        self.join_hooks: list[Hook] = []
        self.leave_hooks: list[Hook] = []
        self.sockets: set[web.WebSocketResponse] = set()
        self.errors: collections.Counter[str] = collections.Counter()  # error frames, by code

    def on(self, kind: str, handler: Handler) -> None:
        if kind not in protocol.CLIENT_MESSAGES:
            raise ValueError(f"{kind!r} is not a message type in protocol.py")
        self.handlers[kind] = handler

    def live_room(self, room_id: str) -> LiveRoom | None:
        return self.rooms.get(room_id)

    async def broadcast(
        self, room: LiveRoom, message: dict[str, Any], exclude: Connection | None = None
    ) -> None:
        targets = [s.peer for s in room if exclude is None or s.peer is not exclude.peer]
        await asyncio.gather(*(peer.send(message) for peer in targets))

    # the socket ---------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        room_id = request.match_info["room_id"]
        if not origin_allowed(request, self.settings):
            log.warning("refused websocket: origin not allowed", extra={"room": room_id})
            return web.json_response(
                {"error": "forbidden-origin", "message": "This page's origin may not connect."},
                status=403,
            )
        ws = web.WebSocketResponse(
            heartbeat=HEARTBEAT_S, max_msg_size=self.settings.max_ws_message_bytes
        )
        await ws.prepare(request)
        self.sockets.add(ws)
        peer = SocketPeer(ws)
        conn: Connection | None = None
        try:
            conn = await self._handshake(room_id, ws, peer)
            if conn is not None:
                await self._serve(conn, ws)
        except Exception as exc:  # the last line of defence: report, never crash the server
            reply = error_reply(exc)
            if reply.code == "internal":
                log.exception("signaling failed", extra={"room": room_id})
            self.errors[reply.code] += 1
            await peer.send(protocol.error_message(reply.code, reply.message, fatal=True))
            await peer.close(reply.close_code, reply.message)
        finally:
            self.sockets.discard(ws)
            if conn is not None:
                # aiohttp cancels the handler when the peer's connection drops; the others must
                # still hear that this person left.
                await asyncio.shield(self._leave(conn))
        return ws

    async def _receive_text(self, ws: web.WebSocketResponse, timeout: float | None) -> str | None:
        msg = await ws.receive(timeout=timeout)
        if msg.type == WSMsgType.TEXT:
            return str(msg.data)
        if msg.type == WSMsgType.BINARY:
            raise ProtocolError("Signaling frames are JSON text, not binary.", code="bad-frame")
        if msg.type == WSMsgType.ERROR and isinstance(ws.exception(), ValueError):
            # aiohttp reports an oversized frame this way and closes with 1009.
            raise ProtocolError("Message too large.", code="too-large")
        return None  # closed

    async def _handshake(
        self, room_id: str, ws: web.WebSocketResponse, peer: SocketPeer
    ) -> Connection | None:
        try:
            raw = await self._receive_text(ws, HELLO_TIMEOUT_S)
        except TimeoutError:
            raise ProtocolError("No hello within 10 s.", code="hello-timeout") from None
        if raw is None:
            return None
        hello = protocol.parse_client_message(raw, self.settings.max_ws_message_bytes)
        if hello["type"] != "hello":
            raise ProtocolError("The first message must be 'hello'.", code="hello-expected")
        if hello["version"] != protocol.PROTOCOL_VERSION:
            raise ProtocolError(
                f"Protocol version {hello['version']} is not supported; this server speaks "
                f"{protocol.PROTOCOL_VERSION}. Reload the page to get the current app.",
                code="bad-version",
            )
        grant = authorize(self.store, room_id, hello["token"])
        if not joins_live(grant.role):
            raise UserError(
                "A reviewer link opens the review page, not the live room.", code="not-live"
            )
        room = self.rooms.get(room_id)
        if room is None:
            room = self.rooms[room_id] = LiveRoom(room_id, self.settings.max_observers)
        name = clean_display_name(hello.get("name"), grant.role)
        participant, replaced = room.admit(
            grant.role,
            grant.token_hash,
            name,
            peer,
            wanted_id=hello.get("participant_id"),
            takeover=bool(hello.get("takeover")),
        )
        media = hello.get("media") or {}
        if isinstance(media.get("audio"), bool):
            participant.audio = media["audio"]
        if isinstance(media.get("video"), bool):
            participant.video = media["video"] and grant.room.media == "video"
        if grant.room.media != "video":
            participant.video = False
        conn = Connection(self, room, grant, participant, peer)
        if replaced is not None:
            await replaced.peer.send({"type": "replaced", "message": "You joined from elsewhere."})
            await replaced.peer.close(CLOSE_REPLACED, "replaced by a newer connection")
        self.store.record_join(room_id, participant.id, grant.role.value, name)
        log.info(
            "joined",
            extra={"room": room_id, "participant": participant.id, "role": grant.role.value},
        )
        await peer.send(self._welcome(conn))
        others = {
            "type": "joined",
            "participant": participant.public(),
            "rejoin": replaced is not None,
        }
        await conn.broadcast(others, include_self=False)
        for hook in self.join_hooks:
            await hook(conn)
        return conn

    def _welcome(self, conn: Connection) -> dict[str, Any]:
        room = conn.grant.room
        return {
            "type": "welcome",
            "version": protocol.PROTOCOL_VERSION,
            "participant_id": conn.participant.id,
            "role": conn.grant.role.value,
            "name": conn.participant.name,
            "room": {
                "id": room.id,
                "title": room.title,
                "mode": room.mode,
                "media": room.media,
            },
            "ice_servers": list(self.settings.ice_servers),
            "participants": [p for p in conn.room.roster() if p["id"] != conn.participant.id],
            "server_time": time.time() * 1000,
            "heartbeat_ms": int(HEARTBEAT_S * 1000),
        }

    async def _serve(self, conn: Connection, ws: web.WebSocketResponse) -> None:
        while not ws.closed:
            try:
                raw = await self._receive_text(ws, None)
            except ProtocolError as exc:
                self.errors[exc.code] += 1
                await conn.send(protocol.error_message(exc.code, exc.message, fatal=True))
                await conn.peer.close(1009 if exc.code == "too-large" else 1002, exc.message)
                return
            if raw is None:
                return
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
            except MockRoomError as exc:
                # A bad message gets an error frame; the call goes on.
                reply = error_reply(exc)
                self.errors[reply.code] += 1
                await conn.send(protocol.error_message(reply.code, reply.message))
            except Exception:
                log.exception("handler failed", extra={"room": conn.room.room_id})
                reply = error_reply(RuntimeError())
                self.errors[reply.code] += 1
                await conn.send(protocol.error_message(reply.code, reply.message))

    async def _leave(self, conn: Connection) -> None:
        if not conn.room.remove(conn.participant.id, conn.peer):
            return  # replaced by a newer socket of the same person: they are still here
        self.store.record_leave(conn.room.room_id, conn.participant.id)
        log.info("left", extra={"room": conn.room.room_id, "participant": conn.participant.id})
        await conn.broadcast({"type": "left", "participant_id": conn.participant.id})
        for hook in self.leave_hooks:
            try:
                await hook(conn)
            except Exception:
                log.exception("leave hook failed", extra={"room": conn.room.room_id})
        if len(conn.room) == 0:
            self.rooms.pop(conn.room.room_id, None)

    # built-in handlers ----------------------------------------------------------------------
    async def _on_signal(self, conn: Connection, message: dict[str, Any]) -> None:
        target = conn.room.get(message["to"])
        if target is None:
            raise UserError("That participant has left.", code="unknown-peer")
        if conn.grant.role is Role.OBSERVER and target.participant.role is Role.OBSERVER:
            raise UserError("Observers do not connect to each other.", code="not-allowed")
        await target.peer.send(
            {"type": "signal", "from": conn.participant.id, "data": message["data"]}
        )

    async def _on_state(self, conn: Connection, message: dict[str, Any]) -> None:
        p = conn.participant
        for key in ("audio", "video", "screen"):
            if key in message:
                setattr(p, key, message[key])
        if conn.grant.room.media != "video":
            p.video = False
        if "name" in message:
            p.name = clean_display_name(message["name"], p.role)
        await conn.broadcast({"type": "updated", "participant": p.public()})

    async def _on_ping(self, conn: Connection, message: dict[str, Any]) -> None:
        await conn.send({"type": "pong", "t": message["t"], "server_time": time.time() * 1000})

    async def shutdown(self) -> None:
        for ws in list(self.sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")
