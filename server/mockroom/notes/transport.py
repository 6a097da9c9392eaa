"""aiohttp adapter: GET /ws/rooms/{room_id}/notes/{doc} speaking y-websocket.

Authorisation happens before the upgrade, so a refused client gets a plain HTTP status (401, 403,
404) that any WebSocket client reports as a failed connection; nothing of the document is sent.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging

from aiohttp import WSCloseCode, WSMsgType, web

from ..access import Grant, authorize
from ..errors import Forbidden, MockRoomError, error_reply
from ..keys import SETTINGS, STORE
from ..links.sockets import TooManySockets
from ..roles import NOTES_PROTOCOL, may_write_document, note_documents
from ..security import origin_allowed
from .fastread import NotesSocket
from .hub import NotesHub
from .room import DocRoom

log = logging.getLogger(__name__)

HEARTBEAT_S = 25.0


def close_reason(text: str) -> bytes:
    """A close frame's reason is at most 123 bytes; cut on a character boundary."""
    return text.encode("utf-8")[:123].decode("utf-8", "ignore").encode("utf-8")


# Above this many bytes waiting in the transport, frames queue for the writer task, which waits
# for the transport to drain (asyncio's own high-water mark is 64 KiB).
DIRECT_WRITE_LIMIT = 64 * 1024


def binary_frame(data: bytes) -> bytes:
    """One unmasked, final binary frame, as a server sends it (RFC 6455 section 5.2)."""
    size = len(data)
    if size < 126:
        return bytes((0x82, size)) + data
    if size < 65536:
        return b"\x82\x7e" + size.to_bytes(2, "big") + data
    return b"\x82\x7f" + size.to_bytes(8, "big") + data


class SocketClient:
    """One notes socket. `send` never blocks the relay and never reorders frames.

    A frame is written to the transport at once when nothing waits before it and the transport
    keeps up: one `write`, where aiohttp's send_bytes is two coroutines to step per relayed
    keystroke (the socket is uncompressed, so a frame is just a header and the bytes). aiohttp
    writes its own frames (pings, the close) in one `write` each, so ours never land inside one.
    When the transport falls behind, that frame and all later ones go to a queue that a writer
    task drains through aiohttp (which waits for the transport), so one slow reader cannot
    stall the others.
    """

    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport,
        label: str,
        writable: bool,
        max_backlog: int,
        link: str,
    ) -> None:
        self.ws = ws
        self.label = label
        self.writable = writable
        self.link = link
        self.dropped_updates = 0
        self._transport = transport
        self._queue: collections.deque[bytes] = collections.deque()
        self._queued_bytes = 0
        self._max_backlog = max_backlog
        self._wakeup = asyncio.Event()
        self._closing: tuple[int, str] | None = None
        self._writing = False  # the writer task owns the socket until the queue is empty

    @property
    def closing(self) -> bool:
        return self._closing is not None

    def send(self, data: bytes) -> None:
        if self._closing is not None:
            return
        transport = self._transport
        if (
            not self._queue
            and not self._writing
            and transport.get_write_buffer_size() <= DIRECT_WRITE_LIMIT
        ):
            if self.ws.closed or transport.is_closing():
                return  # the socket is going away; its reader cleans up
            transport.write(binary_frame(data))
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
    ws = NotesSocket(
        protocols=(NOTES_PROTOCOL,),  # echoed when offered, as a browser requires
        heartbeat=HEARTBEAT_S,
        compress=False,  # like y-websocket's server; deflate costs CPU on every keystroke
        # aiohttp's own cap is a memory guard; the exact limit is ours, with a clear reason.
        max_msg_size=config.max_message_bytes * 2,
    )
    await ws.prepare(request)
    transport = request.transport
    if transport is None:  # the client went away during the upgrade
        return ws
    label = f"{room_id}/{doc}/{grant.role.value}"
    writable = may_write_document(grant.role, doc)
    client = SocketClient(
        ws, transport, label, writable, config.max_backlog_bytes, grant.token_hash
    )
    writer = asyncio.create_task(client.write_loop())
    # Registered before the document loads (an await): a cut-off from now on reaches it.
    hub.admit(grant.token_hash, grant.expires_at, client)
    room: DocRoom | None = None
    queue = ws.notes_queue
    try:
        room = await hub.open(room_id, doc)
        room.join(client)
        if queue is not None:  # keystrokes are handled as they are parsed from now on
            queue.handle = functools.partial(hub.receive_now, room, client)
        async for msg in ws:
            if queue is not None:
                queue.busy = True
            if msg.type == WSMsgType.BINARY:
                await hub.receive(room, client, msg.data)
            elif msg.type == WSMsgType.TEXT:
                client.close(1003, "notes speak the binary y-websocket protocol")
            if queue is not None:
                queue.busy = False
    finally:
        if queue is not None:
            queue.handle = None  # nothing more reaches the document it is leaving
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
