"""The signaling WebSocket (/ws/rooms/{id}): handshake, presence, relay, heartbeat.

The wire format lives in protocol.py, seat rules in presence.py; this module only moves frames.
Feature modules (interview, scripted interviewer) add message handlers and join/leave hooks on the
`Signaling` object instead of growing this file.

Just over 400 lines, on purpose: handshake, relay and close are one socket's life and read best
together (the architecture review advised against splitting it); the wire, seats, media rules
and the send queue are already their own modules.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from ..access import Grant, authorize
from ..errors import Forbidden, MockRoomError, ProtocolError, TooLarge, UserError, error_reply
from ..jsonbody import TooDeep
from ..links.cache import LinkCache
from ..links.sockets import CLOSE_LINK_REFUSED, LinkSockets, Refusal, TooManySockets
from ..roles import Media, Role, joins_live, sends_media
from ..rooms.request import clean_display_name
from ..security import origin_allowed
from ..settings import Settings
from ..storage.interface import Store
from ..turn import ice_servers
from . import protocol
from .media_rules import check_signal
from .peer import SocketPeer
from .presence import CLOSE_REPLACED, LiveRoom, Participant

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 10.0
HEARTBEAT_S = 15.0


@dataclass(eq=False)  # one socket is one connection: compared and hashed by identity
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
        # Each send only queues (signaling/peer.py): nobody waits on a slow reader.
        for seat in room:
            if exclude is None or seat.peer is not exclude.peer:
                await seat.peer.send(message)

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
            conn = await self._handshake(room_id, ws, peer)
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
                await asyncio.shield(self._leave(conn))
            await peer.end()
        return ws

    async def _receive_text(self, ws: web.WebSocketResponse, timeout: float | None) -> str | None:
        msg = await ws.receive(timeout=timeout)
        if msg.type == WSMsgType.TEXT:
            return str(msg.data)
        if msg.type == WSMsgType.BINARY:
            raise ProtocolError("Signaling frames are JSON text, not binary.", code="bad-frame")
        if msg.type == WSMsgType.ERROR and isinstance(ws.exception(), ValueError):
            # aiohttp reports an oversized frame this way; TooLarge closes with 1009.
            raise TooLarge("Message too large.")
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
        grant = await authorize(self.store, room_id, hello["token"])
        if (why := self.link_cache.refused(grant.token_hash)) is not None:
            raise Forbidden(why.message)  # cut off while authorize awaited its read
        if not joins_live(grant.role):
            raise UserError(
                "A reviewer link opens the review page, not the live room.", code="not-live"
            )
        self._check_caps(room_id, grant, hello.get("participant_id"))
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
        conn = Connection(self, room, grant, participant, peer)
        peer.label = f"{room_id}/{participant.id}"
        self.links.add(grant.token_hash, grant.expires_at, conn)
        self.link_cache.admitted(grant)  # the row authorize just read: no re-read per message
        try:
            # From here on the seat is taken: whatever fails or cancels us must give it back.
            await self._greet(conn, hello, replaced)
        except BaseException:
            await asyncio.shield(self._leave(conn))
            raise
        return conn

    def _check_caps(self, room_id: str, grant: Grant, wanted_id: str | None) -> None:
        per_link = self.settings.max_signaling_sockets_per_link
        if per_link and self.links.count(grant.token_hash) >= per_link:
            raise TooManySockets(
                f"This link is already open in {per_link} places. Close the room in other tabs "
                "or devices, then reload."
            )
        room = self.rooms.get(room_id)
        per_room = self.settings.max_signaling_sockets_per_room
        if (
            per_room
            and room is not None
            and len(room) >= per_room
            and room.would_grow(grant.role, grant.token_hash, wanted_id)
        ):
            raise TooManySockets(f"This room already has {per_room} connections open.")

    async def _greet(self, conn: Connection, hello: dict[str, Any], replaced: Any) -> None:
        participant, grant, peer = conn.participant, conn.grant, conn.peer
        media = hello.get("media") or {}
        if isinstance(media.get("audio"), bool):
            participant.audio = media["audio"]
        if isinstance(media.get("video"), bool):
            participant.video = media["video"] and grant.room.media == Media.VIDEO
        if grant.room.media != Media.VIDEO:
            participant.video = False
        if not sends_media(grant.role):
            participant.audio = participant.video = participant.screen = False
        room_id, name = conn.room.room_id, participant.name
        if replaced is not None:
            await replaced.peer.send({"type": "replaced", "message": "You joined from elsewhere."})
            replaced.peer.begin_close(CLOSE_REPLACED, "replaced by a newer connection")
        await self.store.record_join(room_id, participant.id, grant.role.value, name)
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
            "ice_servers": ice_servers(self.settings, room.id),
            "participants": [p for p in conn.room.roster() if p["id"] != conn.participant.id],
            "server_time": time.time() * 1000,
            "heartbeat_ms": int(HEARTBEAT_S * 1000),
        }

    async def _serve(self, conn: Connection, ws: web.WebSocketResponse) -> None:
        while not ws.closed:
            try:
                raw = await self._receive_text(ws, None)
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

    async def _leave(self, conn: Connection) -> None:
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

    # built-in handlers ----------------------------------------------------------------------
    async def _on_signal(self, conn: Connection, message: dict[str, Any]) -> None:
        if message["to"] == conn.participant.id:
            raise UserError(
                "A signal goes to another participant, not to yourself.", code="bad-target"
            )
        target = conn.room.get(message["to"])
        if target is None:
            raise UserError("That participant has left.", code="unknown-peer")
        if conn.grant.role is Role.OBSERVER and target.participant.role is Role.OBSERVER:
            raise UserError("Observers do not connect to each other.", code="not-allowed")
        check_signal(conn.participant.role, message["data"])
        # The sender's role comes from its link, never from the frame: a receiver can refuse
        # media from an observer whatever its SDP says.
        target.peer.post_text(
            protocol.relayed_signal(message, conn.participant.id, conn.participant.role.value)
        )

    async def _on_state(self, conn: Connection, message: dict[str, Any]) -> None:
        p = conn.participant
        if not sends_media(p.role) and any(message.get(k) for k in ("audio", "video", "screen")):
            raise UserError(
                "Observers watch and listen; they do not send audio, video or a screen.",
                code="not-allowed",
            )
        for key in ("audio", "video", "screen"):
            if key in message:
                setattr(p, key, message[key])
        if conn.grant.room.media != Media.VIDEO:
            p.video = False
        if "name" in message:
            p.name = clean_display_name(message["name"], p.role)
        await conn.broadcast({"type": "updated", "participant": p.public()})

    async def _on_ping(self, conn: Connection, message: dict[str, Any]) -> None:
        await conn.send({"type": "pong", "t": message["t"], "server_time": time.time() * 1000})

    async def shutdown(self) -> None:
        self.links.close()
        for ws in list(self.sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


# Beside its class rather than in keys.py: the kernel's keys must not import a service.
SIGNALING: web.AppKey[Signaling] = web.AppKey("signaling", Signaling)
