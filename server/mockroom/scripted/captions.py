"""One candidate's live captions in a scripted session (docs/protocol.md, "Live captions").

Captions are opt-in per socket (`{"type": "captions", "on": true}`) and run only while an answer
window is open: the session feeds the audio frames it already decodes for the speech meter to a
caption stream (speech.captions), and what the worker hears goes back to this socket alone as
`caption` frames. Leaving the answer window, switching captions off or closing the session ends
the stream and frees its slot. Captions are shown, never stored: the take's transcript comes
from its finished recording.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from av import AudioFrame

from ..speech.captions import CaptionService, CaptionStream
from ..speech.live import Line

log = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[None]]
CAPTION_VERSION = 1  # the `v` of a caption frame; a new shape gets a new number
OFF_HERE = "Live captions are off on this server."


class LiveCaptions:
    def __init__(self, service: CaptionService | None, send: Send) -> None:
        self.service = service
        self.send = send
        self.wanted = False
        self.answering = False
        self.stream: CaptionStream | None = None
        self.state = "off"  # off | waiting | live | unavailable, as the last frame said
        self.message = ""
        self._lost: str | None = None  # why the stream stopped mid-answer (no retry in it)
        # Frames leave in order through one task: the worker's replies arrive in a reader
        # callback, which cannot await the socket.
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._sender = asyncio.create_task(self._send_all())

    # what the session tells it --------------------------------------------------------------
    def want(self, on: bool) -> None:
        """The candidate's toggle; always answered with a frame saying where captions stand."""
        self.wanted = on
        if on and self.service is not None:
            self.service.prepare()
        self._update(announce=True)

    def answer_opened(self) -> None:
        self.answering, self._lost = True, None
        self._update()

    def answer_closed(self) -> None:
        self.answering = False
        self._update()

    def feed(self, frame: AudioFrame) -> None:
        if self.stream is not None:
            self.stream.feed(frame)

    async def close(self) -> None:
        self.wanted = self.answering = False
        self._stop_stream(deliver=False)
        self._not_waiting()
        self._sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._sender

    # what the stream tells it (speech.captions.CaptionListener) -------------------------------
    def heard(self, lines: list[Line]) -> None:
        for number, text, final in lines:
            self._post({"line": number, "text": text, "final": final})

    def ended(self) -> None:
        self._post({"complete": True})  # the answer's last line is final: no more for it

    def lost(self, reason: str) -> None:
        self.stream, self._lost = None, reason
        self._update()

    # ------------------------------------------------------------------------------------------
    def _update(self, announce: bool = False) -> None:
        active = self.wanted and self.answering
        if active and self.stream is None and self._lost is None and self.service is not None:
            self.stream = self.service.open(self)
            if self.stream is None:
                self._wait_for_slot()
        elif not active:
            # The answer ended: its last line still comes. Switched off: nothing more does.
            self._stop_stream(deliver=self.wanted)
            self._not_waiting()
        if not self.wanted:
            state, message = "off", ""
        elif self.stream is not None:
            state, message = "live", ""
        elif active:
            state = "unavailable"
            message = self._lost or (self.service.full_message() if self.service else OFF_HERE)
        else:
            state, message = "waiting", ""
        if announce or (state, message) != (self.state, self.message):
            self.state, self.message = state, message
            self._post({})

    def _stop_stream(self, deliver: bool) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.end(deliver=deliver)

    def _wait_for_slot(self) -> None:
        if self.service is not None and self._retry not in self.service.waiting:
            self.service.waiting.append(self._retry)

    def _not_waiting(self) -> None:
        if self.service is not None and self._retry in self.service.waiting:
            self.service.waiting.remove(self._retry)

    def _retry(self) -> None:
        if self.wanted and self.answering and self.stream is None:
            self._update()

    def _post(self, fields: dict[str, Any]) -> None:
        frame: dict[str, Any] = {"type": "caption", "v": CAPTION_VERSION, "state": self.state}
        if self.message:
            frame["message"] = self.message
        self._outbox.put_nowait({**frame, **fields})

    async def _send_all(self) -> None:
        while True:
            frame = await self._outbox.get()
            try:
                await self.send(frame)
            except Exception:  # a closed socket: the session is closing too
                log.debug("caption frame not sent", exc_info=True)
