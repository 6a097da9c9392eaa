"""Clip storage: the bytes of each recorded answer on local disk, its row in the store.

A chunk is written at the acknowledged size and fdatasync'ed before the store commits the new
count, so a restarted server (or another node sharing the volume) resumes exactly where the
browser left off; `finalise` makes a finished clip seekable and tells `finished_hooks`. The
HTTP API over it is `recordings.routes`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from ..errors import Conflict, NotFound
from ..links.tokens import new_token
from ..storage.interface import Store
from .clips import Clip, ClipRequest, OutOfOrder
from .remux import Remuxed, remux

log = logging.getLogger(__name__)

IDLE_SEAL_S = 120.0


class ClipStore:
    """Clip rows in the shared SQLite store, clip bytes under data_dir/recordings/<room>/."""

    def __init__(self, store: Store, directory: Path) -> None:
        self.store = store
        self.directory = directory
        self.bytes_stored = 0  # chunk bytes written since start-up (ops/metrics.py reads it)
        # A take cut off (the tab closed mid-answer) and never resumed is finished and remuxed
        # once its room has been empty this long: a reload within it resumes the take instead.
        self.idle_s = IDLE_SEAL_S
        self.sealing: set[asyncio.Task[None]] = set()  # awaited by shutdown (and by tests)
        # Called with each clip once it is finished and seekable, whichever room kind recorded
        # it (speech.transcripts queues it for recognition). Must not block: the upload waits.
        self.finished_hooks: list[Callable[[Clip], Awaitable[object]]] = []

    def _clip(self, row: Any) -> Clip:
        return Clip(
            id=row["id"],
            room_id=row["room_id"],
            question_id=row["question_id"],
            take=row["take"],
            mime=row["mime"],
            next_seq=row["next_seq"],
            bytes=row["bytes"],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
            duration_ms=row["duration_ms"],
            extension=row["extension"],
        )

    def path(self, clip: Clip) -> Path:
        return self.directory / clip.room_id / clip.filename

    async def get(self, room_id: str, clip_id: str) -> Clip:
        row = await self.store.clip(room_id, clip_id)
        if row is None:
            raise NotFound("No such recording in this room (it may have been deleted).")
        return self._clip(row)

    async def for_room(self, room_id: str) -> list[Clip]:
        return [self._clip(row) for row in await self.store.clips(room_id)]

    async def open_clip(self, room_id: str, spec: ClipRequest) -> tuple[Clip, bool]:
        """The clip for (question, take), made if new; True when it was created now."""
        row = await self.store.clip_for_take(room_id, spec.question_id, spec.take)
        if row is not None:
            clip = self._clip(row)
            if spec.reset and (clip.next_seq > 0 or clip.finished):
                clip = await self._reset(clip)
            return clip, False
        # The id names a file and appears in URLs; it grants nothing (the token does).
        clip_id = new_token()[:16].replace("-", "x").replace("_", "y")
        await self.store.insert_clip(
            {
                "id": clip_id,
                "room_id": room_id,
                "question_id": spec.question_id,
                "take": spec.take,
                "mime": spec.mime,
                "extension": spec.extension,
                "created_at": time.time(),
            }
        )
        return await self.get(room_id, clip_id), True

    async def _reset(self, clip: Clip) -> Clip:
        """Start the take over: the scripted flow re-opens a take whose recording was cut off
        (a reload, or a dropped socket that ended the session), and a new MediaRecorder cannot
        continue the old file."""
        self.path(clip).unlink(missing_ok=True)
        await self.store.reset_clip(clip.id)
        return await self.get(clip.room_id, clip.id)

    async def append(self, clip: Clip, data: bytes) -> Clip:
        """Write chunk `clip.next_seq` after the acknowledged prefix, then commit the new count.

        The clip's lock (Store.lock_clip) makes two uploads to one clip take turns, on this
        node and on two nodes sharing the recordings volume, and the clip is read again under
        it: a chunk stored meanwhile is acknowledged, not written again over what followed it.
        Writing at `clip.bytes` (not at the end of the file) drops whatever a crash left after
        the last acknowledged chunk.
        """
        async with self.store.lock_clip(clip.id) as row:
            if row is None:
                raise NotFound("No such recording in this room (it may have been deleted).")
            current = self._clip(row)
            if (current.next_seq, current.bytes, current.finished) != (
                clip.next_seq,
                clip.bytes,
                clip.finished,
            ):
                return self._moved_on(current, clip.next_seq)
            self._write_at(current, data)
            await self.store.count_chunk(clip.id, clip.next_seq, len(data))
        self.bytes_stored += len(data)
        return await self.get(clip.room_id, clip.id)

    @staticmethod
    def _moved_on(current: Clip, seq: int) -> Clip:
        """Chunk `seq` was decided on a clip that another node has changed since."""
        if current.finished:
            raise Conflict("This clip is finished; start a new take instead.", code="clip-finished")
        if seq < current.next_seq:
            return current  # stored already (the same chunk through another node): ack again
        raise OutOfOrder(current.next_seq)  # the take was restarted meanwhile

    def _write_at(self, clip: Clip, data: bytes) -> None:
        path = self.path(clip)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "r+b" if path.exists() else "wb") as file:
            if file.seek(0, os.SEEK_END) < clip.bytes:
                # Acknowledged bytes are gone (a power cut before they reached the disk, or a
                # file removed by hand): appending would leave a hole in the recording.
                raise Conflict(
                    "The server lost part of this recording; please record this answer again.",
                    code="clip-data-lost",
                )
            file.seek(clip.bytes)
            file.write(data)
            file.truncate()
            file.flush()
            # On the disk before the new size is committed (L7): the store may keep that commit
            # through a power cut, so the file must too. fdatasync of a 1 s chunk: ~0.3 ms here.
            os.fdatasync(file.fileno())

    async def finish(self, clip: Clip, duration_ms: int | None) -> Clip:
        async with self.store.lock_clip(clip.id) as row:
            # Read again under the lock: truncating to a stale size would cut off a chunk that
            # another node acknowledged meanwhile.
            current = self._clip(row) if row is not None else clip
            if row is not None and not current.finished:
                path = self.path(current)
                if path.exists() and path.stat().st_size > current.bytes:
                    with open(path, "r+b") as file:
                        file.truncate(current.bytes)
                await self.store.finish_clip(clip.id, time.time(), duration_ms)
        return await self.get(clip.room_id, clip.id)

    async def finalise(self, clip: Clip, duration_ms: int | None) -> Clip:
        """The last chunk is in: finish the clip, make it seekable, tell the hooks. Every
        upload path ends here, so a feature hooked in sees every recorded clip."""
        if clip.finished:
            return clip
        clip = await self.make_seekable(await self.finish(clip, duration_ms))
        for hook in self.finished_hooks:
            try:
                await hook(clip)
            except Exception:  # a broken hook must not fail an upload that is stored
                log.exception("clip hook failed", extra={"clip": clip.id})
        return clip

    async def make_seekable(self, clip: Clip) -> Clip:
        """Remux a finished clip (off the event loop) so it has a duration and a seek index.

        The original stays in place until the new file exists and probed fine; if the clip was
        reset or deleted meanwhile (a reload re-recording the take), the new file is dropped.
        """
        result = await asyncio.to_thread(remux, self.path(clip), clip.extension)
        if result is None:
            return clip
        return await self._swap_in(clip, result)

    async def _swap_in(self, clip: Clip, result: Remuxed) -> Clip:
        try:
            current = await self.get(clip.room_id, clip.id)
        except NotFound:
            current = None
        same = current is not None and (current.finished_at, current.bytes) == (
            clip.finished_at,
            clip.bytes,
        )
        if current is None or not same:
            result.path.unlink(missing_ok=True)
            return current or clip
        try:
            os.replace(result.path, self.path(clip))
        except OSError:
            result.path.unlink(missing_ok=True)
            return current
        await self.store.set_clip_file(clip.id, self.path(clip).stat().st_size, result.duration_ms)
        return await self.get(clip.room_id, clip.id)

    async def seal_cut_off(self, room_id: str) -> list[Clip]:
        """Finish and remux every take of the room that has chunks but was never finished, so
        the review can show its length and seek in it (what the recorder's finish would do)."""
        sealed = []
        for clip in await self.for_room(room_id):
            if not clip.finished and clip.bytes > 0:
                sealed.append(await self.finalise(clip, None))
                log.info("cut-off clip finished", extra={"room": room_id, "clip": clip.id})
        return sealed

    def seal_when_idle(self, room_id: str, occupied: Callable[[str], bool]) -> None:
        async def later() -> None:
            await asyncio.sleep(self.idle_s)
            if not occupied(room_id):
                await self.seal_cut_off(room_id)

        task = asyncio.get_running_loop().create_task(later())
        self.sealing.add(task)
        task.add_done_callback(self.sealing.discard)

    async def delete_some(self, room_id: str, clips: list[Clip]) -> int:
        """These clips of the room (rows first: a clip without its row is never served)."""
        if len(clips) == len(await self.for_room(room_id)):
            return await self.delete_room(room_id)
        deleted = 0
        for clip in clips:
            deleted += await self.store.delete_clip(room_id, clip.id)
            self.path(clip).unlink(missing_ok=True)
        return deleted

    async def delete_room(self, room_id: str) -> int:
        deleted = await self.store.delete_clips(room_id)
        shutil.rmtree(self.directory / room_id, ignore_errors=True)
        return deleted


CLIPS: web.AppKey[ClipStore] = web.AppKey("clips", ClipStore)
