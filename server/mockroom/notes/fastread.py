"""Reading a notes socket's keystrokes without waking its task.

aiohttp parses frames in the transport's `data_received` and puts each message in a queue; the
socket's task wakes a loop iteration later (a future resolved, a handle scheduled, the handler's
whole chain of coroutines resumed, `receive()`'s bookkeeping) only to hand the bytes to the hub.
Measured under the bench's load that was about a third of our CPU per keystroke. Here the queue
offers each binary message to the hub first, still inside `data_received`: a keystroke that needs
no await (apply, commit on SQLite or queue for the flusher, relay) is done there and never queued.
Everything else (sync step 1, a keystroke that needs a compaction, control frames, a message of a
socket whose task is busy or has messages waiting) goes through the queue as before, so the order
of a socket's messages is kept.

This replaces two private pieces of aiohttp's WebSocketResponse (its queue and frame parser, made
in `_post_start`). Where they are not as expected (another aiohttp version), the socket keeps
aiohttp's own path: slower, never wrong. tests/test_notes_fastread.py fails if the fast path is
not taken with the aiohttp this project installs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp._websocket.reader import WebSocketDataQueue
from aiohttp.http_websocket import WebSocketReader

log = logging.getLogger(__name__)

# The message's bytes -> True when it was handled (then it is not queued).
Handler = Callable[[bytes], bool]


class NotesQueue(WebSocketDataQueue):
    """aiohttp's message queue that first offers a binary message to `handle`."""

    def __init__(self, protocol: Any, limit: int, *, loop: Any) -> None:
        super().__init__(protocol, limit, loop=loop)
        self.handle: Handler | None = None  # set once the client has joined its document
        # True while the socket's task holds a message it has not finished with: what arrives
        # meanwhile must wait behind it.
        self.busy = False
        self.handled = 0  # messages handled here, never queued (tests read it)

    def feed_data(self, data: Any, size: int) -> None:
        handle = self.handle
        if (
            handle is not None
            and not self.busy
            and not self._buffer
            and data.type is WSMsgType.BINARY
            and handle(data.data)
        ):
            self.handled += 1
            return
        super().feed_data(data, size)


class NotesSocket(web.WebSocketResponse):
    """A WebSocketResponse whose messages are read through a NotesQueue (when it can be)."""

    notes_queue: NotesQueue | None = None

    def _post_start(self, request: Any, protocol: Any, writer: Any) -> None:
        handler = request.protocol
        # Bytes the client sent along with its upgrade request are parsed by aiohttp's parser
        # during super()._post_start: a frame cut in two there would lose its first half if the
        # parser were replaced. Such a socket keeps aiohttp's path.
        pipelined = bool(getattr(handler, "_message_tail", b""))
        super()._post_start(request, protocol, writer)
        if pipelined:
            return
        try:
            old = self._reader
            if not isinstance(old, WebSocketDataQueue) or old._buffer:
                return
            if handler._payload_parser is not self._parser:
                return
            queue = NotesQueue(handler, old._limit // 2, loop=self._loop)
            parser = WebSocketReader(
                queue, self._max_msg_size, compress=False, decode_text=self._decode_text
            )
        except (AttributeError, TypeError):  # not the aiohttp this was written against
            log.debug("notes socket keeps aiohttp's reader", exc_info=True)
            return
        # No await since super()._post_start: no bytes can have reached the old parser.
        handler._payload_parser = parser
        self._reader = queue
        self._parser = parser
        self.notes_queue = queue
