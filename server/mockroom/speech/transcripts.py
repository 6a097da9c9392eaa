"""Transcribing recorded takes in worker processes, with bounded concurrency and back-pressure.

Every finished clip reaches `TranscriptService.submit` through `ClipStore.finished_hooks`
(recordings), whichever room kind recorded it. The take is queued (a row with status `queued`);
`asr_workers` tasks take jobs from a bounded asyncio queue and hand each to a process pool of that
size (speech.worker: spawned processes at nice 10, so pocketsphinx, which holds the GIL while it
decodes, never stalls the event loop). A full queue never blocks the upload's reply: the take is
marked `pending` and picked up when a worker has room again, and after a restart, which re-reads
both states from the store. A take being recognised when the server stops stays `queued`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from aiohttp import web

from ..errors import NotFound
from ..keys import SETTINGS, STORE
from ..recordings.clips import Clip
from ..recordings.store import CLIPS, ClipStore
from ..settings import Settings
from ..storage.interface import Store
from .audio import NoAudio
from .pool import background_pool
from .recognizer import NullRecognizer, Recognizer, RecognizerUnavailable
from .sphinx import SphinxRecognizer
from .whisper import WhisperRecognizer
from .worker import transcribe_file

log = logging.getLogger(__name__)

QUEUED, PENDING, DONE, FAILED = "queued", "pending", "done", "failed"


def make_recognizer(settings: Settings) -> Recognizer:
    """The configured backend, checked but not loaded (its model loads in each worker);
    RecognizerUnavailable says what is missing."""
    if settings.asr_backend == "faster-whisper":
        return WhisperRecognizer(settings.asr_model_dir, threads=1)
    return SphinxRecognizer()


@dataclass(frozen=True)
class Job:
    room_id: str
    clip_id: str
    finished_at: float | None


@dataclass
class Counters:
    """Totals since start-up, for the bench and logs."""

    takes: int = 0
    audio_s: float = 0.0
    cpu_s: float = 0.0  # worker CPU time spent decoding and recognising


class TranscriptService:
    def __init__(self, settings: Settings, store: Store, clips: ClipStore) -> None:
        self.store = store
        self.clips = clips
        self.workers = max(1, settings.asr_workers)
        self.queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=max(1, settings.asr_queue))
        self.counters = Counters()
        # Handed to each worker process when the pool starts (tests put their own here first).
        self.recognizer: Recognizer = NullRecognizer()
        self.unavailable: str | None = "Transcripts are off on this server (MOCKROOM_ASR=off)."
        if settings.asr:
            try:
                self.recognizer = make_recognizer(settings)
                self.unavailable = None
            except RecognizerUnavailable as exc:
                log.error("speech recognition unavailable", extra={"error": str(exc)})
                self.unavailable = f"Transcripts are unavailable on this server: {exc}"
        self._pool: ProcessPoolExecutor | None = None  # started on the first take
        self._tasks: list[asyncio.Task[None]] = []
        # One refill at a time: two that read the same pending rows would queue them twice.
        self._refilling = asyncio.Lock()

    @property
    def enabled(self) -> bool:
        return self.unavailable is None

    def pool(self) -> ProcessPoolExecutor:
        """The worker processes, started on first use: a server that records nothing (and
        every test app) never pays for them. Spawned, not forked: a fork would copy the
        server's threads, sockets and locks into the child."""
        if self._pool is None:
            self._pool = background_pool(self.workers, self.recognizer)
        return self._pool

    # the queue ----------------------------------------------------------------------------
    async def submit(self, clip: Clip) -> str | None:
        """Queue a finished clip; returns its status (None: recognition is off)."""
        if not self.enabled or not clip.finished:
            return None
        job = Job(clip.room_id, clip.id, clip.finished_at)
        # Marked before it is queued: a worker's result must never be overwritten by the mark.
        status = PENDING if self.queue.full() else QUEUED
        await self.store.mark_transcript(clip.room_id, clip.id, status, clip.finished_at)
        if status == QUEUED:
            try:
                self.queue.put_nowait(job)
            except asyncio.QueueFull:  # filled while the mark was being written
                status = PENDING
                await self.store.mark_transcript(clip.room_id, clip.id, status, clip.finished_at)
        return status

    async def _refill(self) -> None:
        """Pending takes move into the queue while it has room (oldest first)."""
        async with self._refilling:
            room = self.queue.maxsize - self.queue.qsize()
            if room <= 0:
                return
            for record in await self.store.transcripts_waiting(PENDING, room):
                await self.store.mark_transcript(
                    record.room_id, record.clip_id, QUEUED, record.clip_finished_at
                )
                self.queue.put_nowait(Job(record.room_id, record.clip_id, record.clip_finished_at))

    async def idle(self) -> None:
        """Until nothing is queued, pending or in flight (tests and the bench wait on this)."""
        while True:
            await self.queue.join()
            if not await self.store.transcripts_waiting(PENDING, 1):
                return
            await self._refill()

    # the workers --------------------------------------------------------------------------
    async def start(self) -> None:
        if not self.enabled:
            return
        # A restart picks up what was queued or waiting when the last process stopped.
        for record in await self.store.transcripts_waiting(QUEUED, 10_000):
            await self.store.mark_transcript(
                record.room_id, record.clip_id, PENDING, record.clip_finished_at
            )
        await self._refill()
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.workers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # A take being recognised is not waited for (up to a 30-minute answer): its row stays
        # `queued` and the next start picks it up. The pool has no public way to stop a running
        # call, hence its process table.
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
        await asyncio.to_thread(pool.shutdown, wait=True)

    async def _worker(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await self._run(job)
            except Exception:
                log.exception("transcription failed", extra={"clip": job.clip_id})
                await self.store.save_transcript(
                    job.clip_id, status=FAILED, backend=None, words=[], audio_ms=None,
                    error="internal error",
                )  # fmt: skip
            finally:
                try:
                    await self._refill()  # before task_done: idle() must not see an empty moment
                except Exception:  # the database is away: the next finished job refills
                    log.exception("transcript queue refill failed")
                self.queue.task_done()

    async def _current(self, job: Job) -> Clip | None:
        """The clip as it is now, if it is still the recording the job was made for."""
        try:
            clip = await self.clips.get(job.room_id, job.clip_id)
        except NotFound:
            return None
        return clip if clip.finished_at == job.finished_at else None

    async def _run(self, job: Job) -> None:
        clip = await self._current(job)
        if clip is None:
            return  # deleted or re-recorded meanwhile: the new recording queues itself
        path = str(self.clips.path(clip))
        loop = asyncio.get_running_loop()
        try:
            words, audio_s, cpu_s = await loop.run_in_executor(self.pool(), transcribe_file, path)
        except NoAudio as exc:
            await self.store.save_transcript(
                job.clip_id, status=FAILED, backend=self.recognizer.name, words=[],
                audio_ms=None, error=str(exc),
            )  # fmt: skip
            return
        if await self._current(job) is None:
            return
        self.counters.takes += 1
        self.counters.audio_s += audio_s
        self.counters.cpu_s += cpu_s
        await self.store.save_transcript(
            job.clip_id,
            status=DONE,
            backend=self.recognizer.name,
            words=words,
            audio_ms=round(audio_s * 1000),
        )
        rtf = round(cpu_s / audio_s, 3) if audio_s > 0 else None
        log.info("take transcribed", extra={"clip": job.clip_id, "words": len(words), "rtf": rtf})


TRANSCRIPTS: web.AppKey[TranscriptService] = web.AppKey("transcripts", TranscriptService)


def setup_transcripts(app: web.Application) -> None:
    """Call after setup_recordings: the service reads clips through the clip store and hooks
    into it, so every finished clip (scripted or peer room) is transcribed."""

    async def service(app: web.Application) -> AsyncIterator[None]:
        clips = app[CLIPS]
        transcripts = TranscriptService(app[SETTINGS], app[STORE], clips)
        app[TRANSCRIPTS] = transcripts
        clips.finished_hooks.append(transcripts.submit)
        await transcripts.start()
        yield
        with contextlib.suppress(Exception):
            await transcripts.stop()

    app.cleanup_ctx.append(service)
