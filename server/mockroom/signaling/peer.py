"""The outgoing side of one signaling socket: a bounded queue drained by its own writer task.

Nobody awaits another person's socket: `send` only queues, so a broadcast, a relay or the
interview clock never waits on a slow peer. A peer that stops reading fills its queue (or one
write hangs past the send timeout); it is then dropped: its transport is aborted, because a
close frame cannot reach a socket that does not read and a plain close waits for a buffer that
never drains. Its reader then sees the connection end and the room hears that it left.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import Any

from aiohttp import web

from . import protocol

log = logging.getLogger(__name__)

# A close waits this long for the writer to send what is queued and the close frame.
CLOSE_WAIT_S = 5.0


def close_reason(text: str) -> bytes:
    """A close frame's reason is at most 123 bytes; cut on a character boundary."""
    return text.encode("utf-8")[:123].decode("utf-8", "ignore").encode("utf-8")


class SocketPeer:
    """Adapts aiohttp's WebSocketResponse to presence.Peer; a failed send is not our crash."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport | None,
        max_queue_bytes: int,
        send_timeout_s: float,
    ) -> None:
        self.ws = ws
        self._transport = transport
        self._max_queue_bytes = max_queue_bytes
        self._send_timeout_s = send_timeout_s
        self._queue: collections.deque[str] = collections.deque()
        self._queued_bytes = 0
        self._wakeup = asyncio.Event()
        self._closing: tuple[int, str] | None = None
        # Why we gave up on this socket (it stopped reading), for logs and tests.
        self.dropped: str | None = None
        # Room and participant once admitted, for the log line of a drop (never a token).
        self.label = ""
        self.timed_sends = 0  # frames sent under the send timeout (the socket had a backlog)
        self._writer = asyncio.create_task(self._write_loop())

    async def send(self, message: dict[str, Any]) -> None:
        self.post(message)

    def post(self, message: dict[str, Any]) -> None:
        """Queue a message; never waits. Frames leave in the order they were posted."""
        self.post_text(protocol.encode(message))

    def post_text(self, data: str) -> None:
        """Queue a frame already encoded (a relayed signal); never waits."""
        if self._closing is not None or self.dropped is not None or self.ws.closed:
            return
        self._queue.append(data)
        self._queued_bytes += len(data)
        if self._queued_bytes > self._max_queue_bytes:
            self.drop(f"its unsent backlog passed {self._max_queue_bytes} bytes")
            return
        self._wakeup.set()

    def begin_close(self, code: int, reason: str) -> None:
        """Close after what is already queued (an error frame that says why goes first)."""
        if self._closing is None:
            self._closing = (code, reason)
            self._wakeup.set()

    async def close(self, code: int, reason: str) -> None:
        self.begin_close(code, reason)
        await self.finished()

    async def finished(self) -> None:
        """Until the writer has stopped; a writer stuck past the wait is dropped."""
        done, _ = await asyncio.wait({self._writer}, timeout=CLOSE_WAIT_S)
        if not done:
            self.drop("it did not take its close frame")
            await asyncio.wait({self._writer})

    async def end(self) -> None:
        """The socket's handler is done: let a close we began finish, else stop the writer."""
        if self._closing is not None:
            await asyncio.shield(self.finished())
        self._writer.cancel()

    def drop(self, why: str) -> None:
        if self.dropped is not None:
            return
        self.dropped = why
        log.warning(
            "dropped a signaling socket that stopped reading",
            extra={"who": self.label, "why": why},
        )
        self._queue.clear()
        self._queued_bytes = 0
        if self._transport is not None:
            self._transport.abort()
        if asyncio.current_task() is not self._writer:
            self._writer.cancel()

    def _sends_at_once(self, data: str) -> bool:
        """Whether this frame cannot wait on the socket: the transport holds nothing unsent and
        the frame alone stays under its high-water mark, so the transport never pauses and
        aiohttp writes the frame without awaiting a drain. Nearly every signaling frame is; a
        timeout (a timer armed and cancelled per frame) guards the others."""
        transport = self._transport
        if transport is None or transport.get_write_buffer_size():
            return False
        # 4 bytes a character at most in UTF-8, 14 for the frame's header.
        return len(data) * 4 + 14 <= transport.get_write_buffer_limits()[1]

    async def _write_loop(self) -> None:
        ws, queue = self.ws, self._queue
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            try:
                while queue:
                    data = queue.popleft()
                    self._queued_bytes -= len(data)
                    if self._sends_at_once(data):
                        await ws.send_str(data)  # returns without waiting: nothing to time
                    else:
                        self.timed_sends += 1
                        async with asyncio.timeout(self._send_timeout_s):
                            await ws.send_str(data)
                if self._closing is not None:
                    code, reason = self._closing
                    async with asyncio.timeout(self._send_timeout_s):
                        await ws.close(code=code, message=close_reason(reason))
                    return
            except TimeoutError:
                self.drop(f"a send took longer than {self._send_timeout_s:g} s")
                return
            except (ConnectionError, RuntimeError):
                return  # the socket is going away; its reader cleans up
