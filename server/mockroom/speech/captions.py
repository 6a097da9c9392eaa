"""Live captions: a bounded set of caption workers, each decoding one answer's audio at a time.

`CaptionService.open(listener)` gives a CaptionStream, or None when every one of the node's
`MOCKROOM_CAPTION_STREAMS` slots is taken (0: captions are off). A slot is a worker process
(speech.live, spawned at CAPTION_NICE by speech.pool: pocketsphinx holds the GIL while it
decodes, so it never runs on the event loop), started when first wanted and kept for the next
stream. The stream resamples the aiortc frames it is fed to 16 kHz mono and sends them in
CHUNK_MS chunks; each chunk is acknowledged, at most MAX_IN_FLIGHT are in the pipe and at most
MAX_BACKLOG more wait for room, and past that a stream's audio is dropped (counted): a worker
that falls behind costs captions lag and then words, never the server memory or the event
loop a blocked pipe write.

Replies arrive through `loop.add_reader` on the pipe and reach the stream's listener as lines
(speech.live.Line). An ended stream frees its slot once its backlog is in the pipe: the worker
reads in order, so the next stream's "start" comes after this one's "end", and replies carry
the stream's number.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import itertools
import logging
import multiprocessing
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

import av
from av import AudioFrame

from ..settings import Settings
from .live import Line, serve_captions
from .pool import background_process
from .recognizer import RATE

log = logging.getLogger(__name__)

# Live work: below the server's own priority, above batch transcripts (speech.worker, 10).
CAPTION_NICE = 5
CHUNK_MS = 200
CHUNK_BYTES = RATE * 2 * CHUNK_MS // 1000
# Chunks sent and not yet acknowledged, per stream: 2 s of audio, about 70 KB in the pipe (its
# buffer holds ~200 KB), so a send never blocks.
MAX_IN_FLIGHT = 10
# Chunks kept while the pipe is full (a worker behind: a busy machine, its model loading): 8 s
# more. Past it the stream's audio is dropped, never queued without bound.
MAX_BACKLOG = 40


class CaptionListener(Protocol):
    """What a stream reports to (scripted.captions.LiveCaptions)."""

    def heard(self, lines: list[Line]) -> None: ...

    def ended(self) -> None:
        """Every line of an ended stream has been heard (only when it ended with `deliver`)."""

    def lost(self, reason: str) -> None: ...


@dataclass
class CaptionCounters:
    """Totals since start-up, for the bench and the logs."""

    streams: int = 0
    refused: int = 0  # opens over the cap
    audio_s: float = 0.0  # audio sent to the workers
    dropped_s: float = 0.0  # audio dropped because a worker was behind
    cpu_s: float = 0.0  # worker CPU time of the streams that ended


class CaptionStream:
    def __init__(self, worker: _Worker, number: int, listener: CaptionListener) -> None:
        self.worker = worker
        self.number = number
        self.listener = listener
        self.in_flight = 0  # chunks in the pipe, not yet acknowledged
        self.backlog: deque[bytes] = deque()  # chunks waiting for room in the pipe
        self.ended = False  # no more audio comes
        self.deliver = True  # False once the listener no longer wants what is still coming
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        self._pending = bytearray()

    def feed(self, frame: AudioFrame) -> None:
        """A received audio frame (any rate and layout aiortc decodes to)."""
        if self.ended:
            return
        for out in self._resampler.resample(frame):
            self._pending += bytes(out.planes[0])[: out.samples * 2]
        while len(self._pending) >= CHUNK_BYTES:
            chunk = bytes(self._pending[:CHUNK_BYTES])
            del self._pending[:CHUNK_BYTES]
            self.worker.send_audio(self, chunk)

    def end(self, *, deliver: bool) -> None:
        """No more audio. With `deliver`, what is still being decoded (the backlog included;
        the last line made final) reaches the listener and the slot frees after it; without,
        the backlog is dropped, nothing more reaches the listener and the slot frees now."""
        if self.ended:
            return
        self.ended, self.deliver = True, deliver
        if not deliver:
            self.worker.service.counters.dropped_s += len(self.backlog) * CHUNK_MS / 1000
            self.backlog.clear()
        self.worker.pump(self)


class _Worker:
    """One slot: a caption worker process and the server's end of its pipe."""

    def __init__(self, service: CaptionService) -> None:
        self.service = service
        parent, child = multiprocessing.Pipe(duplex=True)
        self.process: BaseProcess = background_process(serve_captions, (child,), CAPTION_NICE)
        child.close()  # the child holds its own copy; ours would keep the pipe open past it
        self.conn: Connection = parent
        self.current: CaptionStream | None = None  # the stream that holds the slot
        self.streams: dict[int, CaptionStream] = {}  # every stream with replies to come
        self.alive = True
        asyncio.get_running_loop().add_reader(parent.fileno(), self._readable)

    def start(self, stream: CaptionStream) -> None:
        self.current = stream
        self.streams[stream.number] = stream
        self._send(("start", stream.number))

    def send_audio(self, stream: CaptionStream, chunk: bytes) -> None:
        if not self.alive or len(stream.backlog) >= MAX_BACKLOG:
            self.service.counters.dropped_s += CHUNK_MS / 1000
            return
        stream.backlog.append(chunk)
        self.pump(stream)

    def pump(self, stream: CaptionStream) -> None:
        """Move the stream's backlog into the pipe while it has room; once an ended stream's
        backlog is all sent, tell the worker and free the slot."""
        while stream.backlog and stream.in_flight < MAX_IN_FLIGHT and self.alive:
            stream.in_flight += 1
            self.service.counters.audio_s += CHUNK_MS / 1000
            self._send(("audio", stream.number, stream.backlog.popleft()))
        if stream.ended and not stream.backlog and self.current is stream:
            self.current = None
            self._send(("end", stream.number))
            self.service.slot_freed()

    def _send(self, message: tuple[Any, ...]) -> None:
        if not self.alive:
            return
        try:
            self.conn.send(message)
        except OSError:
            self._died("its pipe broke")

    def _readable(self) -> None:
        try:
            while self.alive and self.conn.poll():
                self._reply(self.conn.recv())
        except (EOFError, OSError):
            self._died("it exited")

    def _reply(self, message: tuple[Any, ...]) -> None:
        kind, number = message[0], message[1]
        stream = self.streams.get(number)
        if kind == "ended":
            self.streams.pop(number, None)
            self.service.counters.cpu_s += message[4]
        elif stream is not None:
            stream.in_flight -= 1
            self.pump(stream)
        lines: list[Line] = message[2]
        if stream is not None and stream.deliver and lines:
            stream.listener.heard(lines)
        if kind == "ended" and stream is not None and stream.deliver:
            stream.listener.ended()

    def _died(self, why: str) -> None:
        if not self.alive:
            return
        self.alive = False
        log.error("caption worker stopped", extra={"why": why})
        self.close()
        streams, self.streams = list(self.streams.values()), {}
        self.current = None
        for stream in streams:
            stream.ended = True
            if stream.deliver:
                stream.listener.lost("Live captions stopped: the caption worker exited.")
        self.service.slot_freed()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(self.conn.fileno())
        with contextlib.suppress(OSError):
            self.conn.close()  # the worker reads EOF and exits


class CaptionService:
    def __init__(self, settings: Settings) -> None:
        self.limit = settings.caption_streams
        self.counters = CaptionCounters()
        self.unavailable: str | None = None
        if self.limit == 0:
            self.unavailable = "Live captions are off on this server."
        elif importlib.util.find_spec("pocketsphinx") is None:
            self.unavailable = "Live captions need pocketsphinx, which this server lacks."
        self._slots: list[_Worker | None] = [None] * self.limit
        self._numbers = itertools.count(1)
        # Who was refused a stream and wants one (called, oldest first, when a slot frees).
        self.waiting: list[Any] = []

    @property
    def busy(self) -> int:
        return sum(w is not None and w.alive and w.current is not None for w in self._slots)

    def _free_slot(self) -> int | None:
        for i, worker in enumerate(self._slots):
            if worker is None or not worker.alive or worker.current is None:
                return i
        return None

    def _worker(self, index: int) -> _Worker:
        worker = self._slots[index]
        if worker is None or not worker.alive:
            worker = self._slots[index] = _Worker(self)
        return worker

    def prepare(self) -> None:
        """Someone wants captions: start an idle worker now, so its model is loaded before their
        answer begins (the first words would otherwise wait ~1 s on the worker's start)."""
        if self.unavailable is not None:
            return
        if not any(w is not None and w.alive and w.current is None for w in self._slots):
            index = self._free_slot()
            if index is not None:
                self._worker(index)

    def open(self, listener: CaptionListener) -> CaptionStream | None:
        """A stream for `listener`, or None: captions are off or every slot is taken."""
        index = self._free_slot() if self.unavailable is None else None
        if index is None:
            self.counters.refused += 1
            return None
        worker = self._worker(index)
        stream = CaptionStream(worker, next(self._numbers), listener)
        worker.start(stream)
        self.counters.streams += 1
        return stream

    def full_message(self) -> str:
        return self.unavailable or (
            f"Live captions are unavailable right now: this server is captioning its maximum "
            f"of {self.limit} answer{'s' if self.limit != 1 else ''}. They start by themselves "
            "when one ends."
        )

    def slot_freed(self) -> None:
        waiting, self.waiting = self.waiting, []
        for retry in waiting:
            retry()

    async def close(self) -> None:
        workers = [w for w in self._slots if w is not None]
        self._slots = [None] * self.limit
        for worker in workers:
            worker.alive = False
            worker.close()
        for worker in workers:
            await asyncio.to_thread(worker.process.join, 2.0)
            if worker.process.is_alive():
                worker.process.terminate()
                await asyncio.to_thread(worker.process.join, 2.0)
