"""Relaying a room socket between the node a client reached (the edge) and the room's home.

The edge accepts the client's upgrade only once the home said yes, then copies frames both ways
through Redis pub/sub (wire.py). On the home node the relayed socket becomes an ordinary socket:
the home opens a WebSocket to its own listener with the client's path, token and forwarding
headers, so every rule (tokens, roles, what a candidate may see, caps, close codes) is applied
by the very code that serves direct clients, and the features never know a relay exists.

Pub/sub, not streams: a relayed socket is live or gone. Streams would keep frames for a reader
that is not coming back, and their acknowledgements buy nothing here, because a gap is never
repaired frame by frame: a socket whose relay may have lost a frame (the subscription dropped,
the other node vanished) is closed with a code the browser reconnects on, and both protocols
resynchronise on reconnect (signaling's hello/welcome, y-websocket's sync steps). What pub/sub
gives is the lowest latency Redis has and delivery in publish order, which the one publisher
task per node (node.py) preserves.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import ClientError, ClientSession, WSMsgType, WSServerHandshakeError, web

from ..errors import MockRoomError, UserError
from .directory import inbox
from .wire import Frame, encode, new_session_id

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 2.0  # the home must accept within this; else the client retries later
EDGE_HEARTBEAT_S = 15.0
MAX_FRAME_BYTES = 4 * 1024 * 1024  # the home applies the exact limits; this is a memory guard
MAX_BACKLOG_BYTES = 4 * 1024 * 1024  # frames waiting for one slow socket
RELAY_HEADER = "X-MockRoom-Relay"  # the node's secret: this upgrade is a relayed socket
# The client's own headers that decide what the home answers (origin check, proxy scheme/host).
FORWARDED = ("Origin", "Host", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-For")
CLOSE_ABNORMAL = 1011  # sent when the other side vanished without a close frame
CLOSE_RESTART = 1012  # "service restart": the browser reconnects (through any node)

Publish = Callable[[str, bytes], None]


class HomeUnavailable(UserError):
    status = 503
    code = "room-moving"
    close_code = CLOSE_RESTART


class HomeSilent(HomeUnavailable):
    """The home did not answer an open in time: perhaps dead with its heartbeat not yet lapsed."""

    def __init__(self, home: str) -> None:
        super().__init__("The room's server does not answer; reconnecting in a moment.")
        self.home = home


class RelayRefused(MockRoomError):
    """The home node refused the upgrade (its status passes through)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"The room's server refused the connection (HTTP {status}).")
        self.status = status
        self.code = f"http-{status}"
        self.close_code = 4400 + status % 100 if 400 <= status < 500 else CLOSE_RESTART


def sendable(code: int | None) -> int:
    """Codes 1005/1006/1015 describe a close; they may not be sent in a close frame."""
    return CLOSE_ABNORMAL if code is None or code in (1005, 1006, 1015) else code


class Session:
    """One relayed socket on one node; frames from the other node wait here for our socket."""

    def __init__(self, sid: str, peer_node: str) -> None:
        self.sid = sid
        self.peer_node = peer_node
        self.opened: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self.peer_closed = False  # the other side sent C (or is gone): do not answer it
        self._queue: collections.deque[Frame] = collections.deque()
        self._queued = 0
        self._wakeup = asyncio.Event()

    def deliver(self, frame: Frame) -> None:
        if frame.kind in "AR":
            if not self.opened.done():
                self.opened.set_result(frame)
            return
        if frame.kind == "C":
            self.peer_closed = True  # frames before it are still written, then the close
        self._queue.append(frame)
        self._queued += len(frame.payload)
        if self._queued > MAX_BACKLOG_BYTES:
            self._queue.clear()
            self.end(1013, "too far behind; reconnecting")
        self._wakeup.set()

    def end(self, code: int, reason: str) -> None:
        """Close our socket as if the other side had closed it (it is gone or unreachable)."""
        if not self.opened.done():
            self.opened.set_result(Frame("R", self.sid, b'{"status": 503}'))
        self._queue.clear()  # what is lost is lost; the client resynchronises on reconnect
        self.deliver(Frame("C", self.sid, json.dumps({"code": code, "reason": reason}).encode()))

    async def write_loop(self, ws: web.WebSocketResponse | Any) -> None:
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                while self._queue:
                    frame = self._queue.popleft()
                    self._queued -= len(frame.payload)
                    if frame.kind == "T":
                        await ws.send_str(frame.payload.decode())
                    elif frame.kind == "B":
                        await ws.send_bytes(frame.payload)
                    elif frame.kind == "C":
                        info = frame.json()
                        reason = str(info.get("reason", "")).encode()[:123]
                        await ws.close(code=sendable(info.get("code")), message=reason)
                        return
        except (ConnectionError, RuntimeError):
            return


async def _pump(ws: Any, sid: str, peer_channel: str, publish: Publish) -> tuple[int | None, str]:
    """Copy our socket's frames to the other node until it closes; returns (code, reason)."""
    while True:
        msg = await ws.receive()
        if msg.type == WSMsgType.TEXT:
            publish(peer_channel, encode("T", sid, msg.data))
        elif msg.type == WSMsgType.BINARY:
            publish(peer_channel, encode("B", sid, msg.data))
        elif msg.type == WSMsgType.CLOSE:
            return msg.data, str(msg.extra or "")
        else:  # CLOSING, CLOSED, ERROR
            return ws.close_code, ""


class Relay:
    def __init__(self, node_id: str, publish: Publish, local_base: str, secret: str) -> None:
        self.node_id = node_id
        self.publish = publish
        self.local_base = local_base  # this node's own listener, for sockets relayed in
        self.secret = secret
        self.sessions: dict[str, Session] = {}
        self.edge_sessions = 0  # relayed out (clients here, room elsewhere)
        self._http: ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # the edge: a client here, its room's home elsewhere ------------------------------------
    async def serve_edge(self, request: web.Request, home: str) -> web.StreamResponse:
        sid = new_session_id()
        session = self.sessions[sid] = Session(sid, home)
        channel = inbox(home)
        self.edge_sessions += 1
        try:
            headers = {name: request.headers[name] for name in FORWARDED if name in request.headers}
            opening = {"from": self.node_id, "path": request.path_qs, "headers": headers}
            self.publish(channel, encode("O", sid, opening))
            try:
                reply = await asyncio.wait_for(asyncio.shield(session.opened), OPEN_TIMEOUT_S)
            except TimeoutError:
                # If the home is merely slow, it must not keep a socket nobody reads.
                self.publish(channel, encode("C", sid, {"code": CLOSE_ABNORMAL, "reason": ""}))
                raise HomeSilent(home) from None
            if reply.kind == "R":
                raise RelayRefused(int(reply.json().get("status", 503)))
            ws = web.WebSocketResponse(
                heartbeat=EDGE_HEARTBEAT_S, max_msg_size=MAX_FRAME_BYTES, compress=False
            )
            await ws.prepare(request)
            writer = asyncio.create_task(session.write_loop(ws))
            code: int | None = None
            try:
                code, _ = await _pump(ws, sid, channel, self.publish)
            finally:
                if not session.peer_closed:
                    self.publish(channel, encode("C", sid, {"code": sendable(code), "reason": ""}))
                await _stop(writer, session)
            return ws
        finally:
            self.edge_sessions -= 1
            self.sessions.pop(sid, None)

    # the home: a socket relayed in from another node ---------------------------------------
    def on_frame(self, frame: Frame) -> None:
        session = self.sessions.get(frame.sid)
        if session is not None:
            session.deliver(frame)
        elif frame.kind == "O":
            # Registered now, not in the task: a close that follows at once must find it.
            edge = str(frame.json()["from"])
            self.sessions[frame.sid] = Session(frame.sid, edge)
            task = asyncio.create_task(self._serve_home(frame, self.sessions[frame.sid]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _serve_home(self, opening: Frame, session: Session) -> None:
        info = opening.json()
        sid, channel = opening.sid, inbox(session.peer_node)
        try:
            if self._http is None:
                self._http = ClientSession()
            headers = {**info.get("headers", {}), RELAY_HEADER: self.secret}
            try:
                ws = await self._http.ws_connect(
                    self.local_base + str(info["path"]),
                    headers=headers,
                    max_msg_size=0,
                    compress=0,
                    ssl=False,
                )
            except WSServerHandshakeError as exc:
                self.publish(channel, encode("R", sid, {"status": exc.status}))
                return
            except (ClientError, OSError):
                self.publish(channel, encode("R", sid, {"status": 503}))
                return
            self.publish(channel, encode("A", sid))
            writer = asyncio.create_task(session.write_loop(ws))
            code, reason = None, ""
            try:
                code, reason = await _pump(ws, sid, channel, self.publish)
            finally:
                if not session.peer_closed:
                    close = {"code": sendable(code), "reason": reason}
                    self.publish(channel, encode("C", sid, close))
                await _stop(writer, session)
                await ws.close()
        except Exception:
            log.exception("relayed socket failed")
            if not session.peer_closed:
                self.publish(channel, encode("C", sid, {"code": CLOSE_ABNORMAL, "reason": ""}))
        finally:
            self.sessions.pop(sid, None)

    # failures ----------------------------------------------------------------------------
    def peers(self) -> list[str]:
        return sorted({session.peer_node for session in self.sessions.values()})

    def drop_peer(self, node_id: str, reason: str) -> int:
        """The other node is gone: close what we relay with it (the browser reconnects)."""
        dropped = [s for s in self.sessions.values() if s.peer_node == node_id]
        for session in dropped:
            session.end(CLOSE_RESTART, reason)
        return len(dropped)

    def drop_all(self, reason: str) -> None:
        for session in list(self.sessions.values()):
            session.end(CLOSE_RESTART, reason)

    async def close(self) -> None:
        self.drop_all("server shutting down")
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()


async def _stop(writer: asyncio.Task[None], session: Session) -> None:
    """The writer ends by itself once it has written a close; otherwise it only waits."""
    if not session.peer_closed:
        writer.cancel()
    try:
        await asyncio.wait_for(writer, timeout=5)
    except (TimeoutError, asyncio.CancelledError):
        writer.cancel()
