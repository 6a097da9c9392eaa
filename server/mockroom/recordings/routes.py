"""Answer recordings: clip storage on local disk and the resumable chunk upload API.

The browser records each answer with MediaRecorder and PUTs one chunk per second while it records
(see web/src/recorder.js). A chunk is acknowledged only after its bytes are written to the clip's
file (flushed to the OS, like the SQLite WAL with synchronous=NORMAL) and the next expected sequence
number is committed to SQLite, so a restarted server resumes exactly where the browser left off.

Endpoints (all under /api/rooms/{room_id}, authorised by the link's token as a Bearer header or
?token=): POST clips, GET clips, DELETE clips, GET clips/{clip_id} (the media, with Range),
GET clips/{clip_id}/info, PUT clips/{clip_id}/chunks/{seq}, POST clips/{clip_id}/finish.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from ..errors import Conflict, NotFound, TooLarge, UserError
from ..http import grant_for_fetch
from ..jsonbody import SMALL_BODY_BYTES, read_json
from ..keys import SETTINGS, STORE
from ..links.tokens import new_token
from ..quotas import QUOTAS
from ..signaling.service import SIGNALING, Connection
from ..storage.interface import Store
from .access import ClipAccess, clip_access
from .clips import (
    MAX_CHUNK_BYTES,
    ChunkAction,
    Clip,
    ClipRequest,
    OutOfOrder,
    decide_chunk,
    parse_duration,
)
from .remux import Remuxed, remux

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

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


async def _access(request: web.Request) -> ClipAccess:
    # a <video src> is a URL signed for its one clip
    return await clip_access(request, await grant_for_fetch(request))


async def _readable(request: web.Request) -> tuple[ClipAccess, Clip]:
    """The clip of the URL if this link may watch it; 404 otherwise, as if it did not exist."""
    access = await _access(request)
    access.check_reader()
    clip = await request.app[CLIPS].get(access.grant.room.id, request.match_info["clip_id"])
    if not access.may_read(clip):
        raise NotFound("No such recording in this room (it may have been deleted).")
    return access, clip


async def _json(request: web.Request) -> Any:
    return await read_json(request, max_bytes=SMALL_BODY_BYTES, empty=None)


@routes.post("/api/rooms/{room_id}/clips")
async def create_clip(request: web.Request) -> web.Response:
    access = await _access(request)
    spec = access.open_request(await _json(request))
    room_id = access.grant.room.id
    await request.app[QUOTAS].check_room(room_id)
    clip, created = await request.app[CLIPS].open_clip(room_id, spec)
    if created:
        log.info("clip started", extra={"room": room_id, "clip": clip.id})
    # Re-POSTing the same (question, take) returns the same clip, so a reload can resume.
    return web.json_response(access.json(clip), status=201 if created else 200)


@routes.get("/api/rooms/{room_id}/clips")
async def list_clips(request: web.Request) -> web.Response:
    access = await _access(request)
    access.check_reader()
    clips = await request.app[CLIPS].for_room(access.grant.room.id)
    return web.json_response([access.json(c) for c in clips if access.may_read(c)])


@routes.delete("/api/rooms/{room_id}/clips")
async def delete_clips(request: web.Request) -> web.Response:
    """The caller's own recordings: all of a scripted room's, a peer link's own answers."""
    access = await _access(request)
    clips = request.app[CLIPS]
    room_id = access.grant.room.id
    deleted = await clips.delete_some(room_id, access.deletable(await clips.for_room(room_id)))
    log.info("recordings deleted", extra={"room": room_id, "clips": deleted})
    return web.json_response({"deleted": deleted})


@routes.get("/api/rooms/{room_id}/clips/{clip_id}/info")
async def clip_info(request: web.Request) -> web.Response:
    access, clip = await _readable(request)
    return web.json_response(access.json(clip))


@routes.get("/api/rooms/{room_id}/clips/{clip_id}")
async def clip_media(request: web.Request) -> web.StreamResponse:
    """The recording itself; FileResponse answers Range requests (206) for seeking players."""
    _, clip = await _readable(request)
    path = request.app[CLIPS].path(clip)
    if clip.bytes == 0 or not path.exists():
        raise NotFound("This recording has no data yet.")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": clip.mime.split(";", 1)[0],
            "Cache-Control": "private, max-age=0, must-revalidate",
        },
    )


async def _read_chunk(request: web.Request) -> bytes:
    """The raw body, refused past MAX_CHUNK_BYTES without reading it all."""
    too_large = TooLarge(f"A chunk may hold at most {MAX_CHUNK_BYTES} bytes.", code="chunk-too-big")
    if request.content_length is not None and request.content_length > MAX_CHUNK_BYTES:
        raise too_large
    parts: list[bytes] = []
    size = 0
    async for block in request.content.iter_chunked(256 * 1024):
        size += len(block)
        if size > MAX_CHUNK_BYTES:
            raise too_large
        parts.append(block)
    return b"".join(parts)


@routes.put("/api/rooms/{room_id}/clips/{clip_id}/chunks/{seq}")
async def put_chunk(request: web.Request) -> web.Response:
    access = await _access(request)
    grant = access.grant
    try:
        seq = int(request.match_info["seq"])
    except ValueError:
        raise UserError("The chunk number must be a whole number.", code="bad-seq") from None
    if seq < 0:
        raise UserError("The chunk number must not be negative.", code="bad-seq")
    clips = request.app[CLIPS]
    data = await _read_chunk(request)
    # Read the clip after the body: another request may have moved it on while we waited.
    clip = await clips.get(grant.room.id, request.match_info["clip_id"])
    access.check_upload(clip)
    action = decide_chunk(clip, seq, len(data), request.app[SETTINGS].max_recording_bytes)
    if action is ChunkAction.APPEND:
        await request.app[QUOTAS].check(grant.room.id, len(data))
        clip = await clips.append(clip, data)
    return web.json_response({"received": seq, "bytes": clip.bytes, "next_seq": clip.next_seq})


@routes.post("/api/rooms/{room_id}/clips/{clip_id}/finish")
async def finish_clip(request: web.Request) -> web.Response:
    access = await _access(request)
    grant = access.grant
    duration = parse_duration(await _json(request))
    clips = request.app[CLIPS]
    clip = await clips.get(grant.room.id, request.match_info["clip_id"])
    access.check_owner(clip)
    clip = await clips.finalise(clip, duration)
    log.info("clip finished", extra={"room": grant.room.id, "clip": clip.id, "bytes": clip.bytes})
    return web.json_response(access.json(clip))


def setup_recordings(app: web.Application) -> None:
    """Clip storage and its upload/download API (the review, which shows the clips, is its own)."""

    async def clip_store(app: web.Application) -> AsyncIterator[None]:
        clips = app[CLIPS] = ClipStore(app[STORE], app[SETTINGS].recordings_dir)
        signaling = app[SIGNALING]

        def occupied(room_id: str) -> bool:
            live = signaling.live_room(room_id)
            return live is not None and len(live) > 0

        async def on_leave(conn: Connection) -> None:
            clips.seal_when_idle(conn.room.room_id, occupied)

        signaling.leave_hooks.append(on_leave)
        yield
        for task in list(clips.sealing):
            task.cancel()
        await asyncio.gather(*clips.sealing, return_exceptions=True)

    app.cleanup_ctx.append(clip_store)
    app.add_routes(routes)
