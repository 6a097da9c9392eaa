"""aiohttp adapter: GET /ws/rooms/{room_id}/notes/{doc} speaking y-websocket.

Authorisation happens before the upgrade, so a refused client gets a plain HTTP status (401, 403,
404) that any WebSocket client reports as a failed connection; nothing of the document is sent.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Coroutine
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from ..access import Grant, authorize
from ..errors import Forbidden, MockRoomError, error_reply
from ..keys import SETTINGS, STORE
from ..links.sockets import TooManySockets
from ..roles import NOTES_PROTOCOL, may_write_document, note_documents
from ..security import origin_allowed
from .hub import NotesHub
from .room import DocRoom

log = logging.getLogger(__name__)

HEARTBEAT_S = 25.0


def close_reason(text: str) -> bytes:
    """A close frame's reason is at most 123 bytes; cut on a character boundary."""
    return text.encode("utf-8")[:123].decode("utf-8", "ignore").encode("utf-8")


async def _finish(coro: Coroutine[Any, Any, None], waiting: Any) -> None:
    """Drive a send that paused for the transport to drain, up to its end."""
    try:
        while True:
            await waiting
            waiting = coro.send(None)
    except StopIteration:
        pass
    except BaseException:
        coro.close()
        raise


class SocketClient:
    """One notes socket. `send` never blocks the relay and never reorders frames.

    A frame is written at once when nothing is waiting before it: aiohttp's uncompressed
    send_bytes only suspends when the transport asks us to slow down, so stepping the coroutine
    once writes it (what Python 3.12's eager tasks would do) and saves a loop iteration per
    relayed keystroke. When the transport is paused, that frame and all later ones go to a queue
    that a writer task drains, so one slow reader cannot stall the others.
    """

    def __init__(
        self, ws: web.WebSocketResponse, label: str, writable: bool, max_backlog: int, link: str
    ) -> None:
        self.ws = ws
        self.label = label
        self.writable = writable
        self.link = link
        self.dropped_updates = 0
        self._queue: collections.deque[bytes] = collections.deque()
        self._queued_bytes = 0
        self._max_backlog = max_backlog
        self._wakeup = asyncio.Event()
        self._closing: tuple[int, str] | None = None
        self._paused: tuple[Coroutine[Any, Any, None], Any] | None = None
        self._writing = False  # the writer task owns the socket until the queue is empty

    @property
    def closing(self) -> bool:
        return self._closing is not None

    def send(self, data: bytes) -> None:
        if self._closing is not None:
            return
        if not self._writing and self._paused is None:
            coro = self.ws.send_bytes(data)
            try:
                waiting = coro.send(None)
            except StopIteration:
                return
            except (ConnectionError, RuntimeError):
                return  # the socket is going away; its reader cleans up
            self._paused = (coro, waiting)
            self._wakeup.set()
            return
        self._queue.append(data)
        self._queued_bytes += len(data)
        if self._queued_bytes > self._max_backlog:
            self.close(WSCloseCode.TRY_AGAIN_LATER, "too far behind; reconnecting")
            return
        self._wakeup.set()

    def close(self, code: int, reason: str) -> None:
        if self._closing is None:
            self._closing = (code, reason)
            self._queue.clear()
            self._wakeup.set()

    async def write_loop(self) -> None:
        ws = self.ws
        queue = self._queue
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            self._writing = True
            try:
                if self._paused is not None:
                    await _finish(*self._paused)
                    self._paused = None
                while queue and self._closing is None:
                    data = queue.popleft()
                    self._queued_bytes -= len(data)
                    await ws.send_bytes(data)
            except (ConnectionError, RuntimeError):
                return
            finally:
                self._writing = False
            if self._closing is not None:
                code, reason = self._closing
                await ws.close(code=code, message=close_reason(reason))
                return


# The browser sends its token in the WebSocket subprotocol header ("mockroom-notes",
# "token.<token>") rather than in the URL, which proxies log (security review M7); `?token=` is
# the stable surface for every other y-websocket client and keeps working.
TOKEN_PROTOCOL_PREFIX = "token."


def socket_token(request: web.Request) -> str | None:
    if token := request.query.get("token"):
        return token
    offered = request.headers.get("Sec-WebSocket-Protocol", "")
    for protocol in (p.strip() for p in offered.split(",")):
        if protocol.startswith(TOKEN_PROTOCOL_PREFIX):
            return protocol.removeprefix(TOKEN_PROTOCOL_PREFIX) or None
    return None


async def _admit(request: web.Request, hub: NotesHub) -> Grant:
    """Who is asking, or a MockRoomError naming why not."""
    settings = request.app[SETTINGS]
    if not origin_allowed(request, settings):
        raise Forbidden("This page may not open notes of this server.")
    room_id = request.match_info["room_id"]
    grant = await authorize(request.app[STORE], room_id, socket_token(request))
    if request.match_info["doc"] not in note_documents(grant.role):
        raise Forbidden("Your link does not open this notes document.")
    per_link = settings.max_notes_sockets_per_link
    if per_link and hub.links.count(grant.token_hash) >= per_link:
        raise TooManySockets(
            f"This link already has {per_link} notes connections open. Close the room in other "
            "tabs or devices, then reload."
        )
    per_room = settings.max_notes_sockets_per_room
    if per_room and hub.sockets_in_room(room_id) >= per_room:
        raise TooManySockets(f"This room already has {per_room} notes connections open.")
    return grant


async def handle_notes_socket(request: web.Request, hub: NotesHub) -> web.StreamResponse:
    try:
        grant = await _admit(request, hub)
    except MockRoomError as exc:
        if not web.WebSocketResponse().can_prepare(request).ok:
            raise
        # Accept, then close before any sync message: y-websocket clients read 44xx close codes
        # as permanent (no reconnect loop) and can show the reason.
        reply = error_reply(exc)
        refused = web.WebSocketResponse(protocols=(NOTES_PROTOCOL,))
        await refused.prepare(request)
        await refused.close(code=reply.close_code, message=close_reason(reply.message))
        return refused
    room_id = request.match_info["room_id"]
    doc = request.match_info["doc"]
    config = hub.config
    ws = web.WebSocketResponse(
        protocols=(NOTES_PROTOCOL,),  # echoed when offered, as a browser requires
        heartbeat=HEARTBEAT_S,
        compress=False,  # like y-websocket's server; deflate costs CPU on every keystroke
        # aiohttp's own cap is a memory guard; the exact limit is ours, with a clear reason.
        max_msg_size=config.max_message_bytes * 2,
    )
    await ws.prepare(request)
    label = f"{room_id}/{doc}/{grant.role.value}"
    writable = may_write_document(grant.role, doc)
    client = SocketClient(ws, label, writable, config.max_backlog_bytes, grant.token_hash)
    writer = asyncio.create_task(client.write_loop())
    # Registered before the document loads (an await): a cut-off from now on reaches it.
    hub.admit(grant.token_hash, grant.expires_at, client)
    room: DocRoom | None = None
    try:
        room = await hub.open(room_id, doc)
        room.join(client)
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await hub.receive(room, client, msg.data)
            elif msg.type == WSMsgType.TEXT:
                client.close(1003, "notes speak the binary y-websocket protocol")
    finally:
        hub.links.discard(grant.token_hash, client)
        if room is not None:
            room.leave(client)
        client.close(WSCloseCode.OK, "")
        if client.dropped_updates:
            log.info(
                "read-only client left", extra={"who": label, "dropped": client.dropped_updates}
            )
        try:
            await asyncio.wait_for(writer, timeout=5)
        except (TimeoutError, asyncio.CancelledError):
            writer.cancel()
    return ws
