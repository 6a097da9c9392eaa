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
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from ..access import Grant, scripted_only
from ..errors import Conflict, Forbidden, NotFound, TooLarge, UserError
from ..http import grant_from_request
from ..jsonbody import SMALL_BODY_BYTES, read_json
from ..keys import SETTINGS, STORE
from ..links.tokens import new_token
from ..quotas import QUOTAS
from ..roles import Role
from ..storage.interface import Store
from .clips import (
    MAX_CHUNK_BYTES,
    ChunkAction,
    Clip,
    ClipRequest,
    clip_json,
    decide_chunk,
    parse_clip_request,
    parse_duration,
)
from .remux import Remuxed, remux

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

READ_ROLES = frozenset({Role.CANDIDATE, Role.REVIEWER})


class ClipStore:
    """Clip rows in the shared SQLite store, clip bytes under data_dir/recordings/<room>/."""

    def __init__(self, store: Store, directory: Path) -> None:
        self.store = store
        self.directory = directory
        self.bytes_stored = 0  # chunk bytes written since start-up (ops/metrics.py reads it)
        # Called with each clip once it is finished and seekable, whichever room kind recorded
        # it (speech.transcripts queues it for recognition). Must not block: the upload waits.
        self.finished_hooks: list[Callable[[Clip], object]] = []

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

    def get(self, room_id: str, clip_id: str) -> Clip:
        row = self.store.clip(room_id, clip_id)
        if row is None:
            raise NotFound("No such recording in this room (it may have been deleted).")
        return self._clip(row)

    def for_room(self, room_id: str) -> list[Clip]:
        return [self._clip(row) for row in self.store.clips(room_id)]

    def open_clip(self, room_id: str, spec: ClipRequest) -> tuple[Clip, bool]:
        """The clip for (question, take), made if new; True when it was created now."""
        row = self.store.clip_for_take(room_id, spec.question_id, spec.take)
        if row is not None:
            clip = self._clip(row)
            if spec.reset and (clip.next_seq > 0 or clip.finished):
                clip = self._reset(clip)
            return clip, False
        # The id names a file and appears in URLs; it grants nothing (the token does).
        clip_id = new_token()[:16].replace("-", "x").replace("_", "y")
        self.store.insert_clip(
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
        return self.get(room_id, clip_id), True

    def _reset(self, clip: Clip) -> Clip:
        """Start the take over: the scripted flow re-opens a take whose recording was cut off
        (a reload, or a dropped socket that ended the session), and a new MediaRecorder cannot
        continue the old file."""
        self.path(clip).unlink(missing_ok=True)
        self.store.reset_clip(clip.id)
        return self.get(clip.room_id, clip.id)

    def append(self, clip: Clip, data: bytes) -> Clip:
        """Write chunk `clip.next_seq` after the acknowledged prefix, then commit the new count.

        Runs without an await, so two uploads to one clip cannot interleave on the event loop.
        Writing at `clip.bytes` (not at the end of the file) drops whatever a crash left after the
        last acknowledged chunk.
        """
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
            # On the disk before the new size is committed (L7): SQLite may keep that commit
            # through a power cut, so the file must too. fdatasync of a 1 s chunk: ~0.3 ms here.
            os.fdatasync(file.fileno())
        self.store.count_chunk(clip.id, clip.next_seq, len(data))
        self.bytes_stored += len(data)
        return self.get(clip.room_id, clip.id)

    def finish(self, clip: Clip, duration_ms: int | None) -> Clip:
        if not clip.finished:
            path = self.path(clip)
            if path.exists() and path.stat().st_size > clip.bytes:
                with open(path, "r+b") as file:
                    file.truncate(clip.bytes)
            self.store.finish_clip(clip.id, time.time(), duration_ms)
        return self.get(clip.room_id, clip.id)

    async def finalise(self, clip: Clip, duration_ms: int | None) -> Clip:
        """The last chunk is in: finish the clip, make it seekable, tell the hooks. Every
        upload path ends here, so a feature hooked in sees every recorded clip."""
        if clip.finished:
            return clip
        clip = await self.make_seekable(self.finish(clip, duration_ms))
        for hook in self.finished_hooks:
            try:
                hook(clip)
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
        return self._swap_in(clip, result)

    def _swap_in(self, clip: Clip, result: Remuxed) -> Clip:
        try:
            current = self.get(clip.room_id, clip.id)
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
        self.store.set_clip_file(clip.id, self.path(clip).stat().st_size, result.duration_ms)
        return self.get(clip.room_id, clip.id)

    def delete_room(self, room_id: str) -> int:
        deleted = self.store.delete_clips(room_id)
        shutil.rmtree(self.directory / room_id, ignore_errors=True)
        return deleted


CLIPS: web.AppKey[ClipStore] = web.AppKey("clips", ClipStore)


def _grant(request: web.Request, roles: frozenset[Role]) -> Grant:
    grant = grant_from_request(request)
    if grant.role not in roles:
        raise Forbidden("This link cannot use the recordings of this room.")
    return scripted_only(grant)


def _candidate(request: web.Request) -> Grant:
    return _grant(request, frozenset({Role.CANDIDATE}))


async def _json(request: web.Request) -> Any:
    return await read_json(request, max_bytes=SMALL_BODY_BYTES, empty=None)


def _check_question(grant: Grant, question_id: str) -> None:
    bank = grant.room.bank
    if bank is None:  # any id would do, so any number of clips could be made (H4)
        raise UserError("This room has no question bank, so it records no answers.", code="no-bank")
    if question_id not in {q["id"] for q in bank.get("questions", [])}:
        raise UserError("This room's question bank has no such question.", code="unknown-question")


@routes.post("/api/rooms/{room_id}/clips")
async def create_clip(request: web.Request) -> web.Response:
    grant = _candidate(request)
    spec = parse_clip_request(await _json(request))
    _check_question(grant, spec.question_id)
    request.app[QUOTAS].check_room(grant.room.id)
    clip, created = request.app[CLIPS].open_clip(grant.room.id, spec)
    if created:
        log.info("clip started", extra={"room": grant.room.id, "clip": clip.id})
    # Re-POSTing the same (question, take) returns the same clip, so a reload can resume.
    return web.json_response(clip_json(clip), status=201 if created else 200)


@routes.get("/api/rooms/{room_id}/clips")
async def list_clips(request: web.Request) -> web.Response:
    grant = _grant(request, READ_ROLES)
    return web.json_response([clip_json(c) for c in request.app[CLIPS].for_room(grant.room.id)])


@routes.delete("/api/rooms/{room_id}/clips")
async def delete_clips(request: web.Request) -> web.Response:
    grant = _candidate(request)
    deleted = request.app[CLIPS].delete_room(grant.room.id)
    log.info("recordings deleted", extra={"room": grant.room.id, "clips": deleted})
    return web.json_response({"deleted": deleted})


@routes.get("/api/rooms/{room_id}/clips/{clip_id}/info")
async def clip_info(request: web.Request) -> web.Response:
    grant = _grant(request, READ_ROLES)
    clip = request.app[CLIPS].get(grant.room.id, request.match_info["clip_id"])
    return web.json_response(clip_json(clip))


@routes.get("/api/rooms/{room_id}/clips/{clip_id}")
async def clip_media(request: web.Request) -> web.StreamResponse:
    """The recording itself; FileResponse answers Range requests (206) for seeking players."""
    grant = _grant(request, READ_ROLES)
    clips = request.app[CLIPS]
    clip = clips.get(grant.room.id, request.match_info["clip_id"])
    path = clips.path(clip)
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
    grant = _candidate(request)
    try:
        seq = int(request.match_info["seq"])
    except ValueError:
        raise UserError("The chunk number must be a whole number.", code="bad-seq") from None
    if seq < 0:
        raise UserError("The chunk number must not be negative.", code="bad-seq")
    clips = request.app[CLIPS]
    data = await _read_chunk(request)
    # Read the clip after the body: another request may have moved it on while we waited.
    clip = clips.get(grant.room.id, request.match_info["clip_id"])
    action = decide_chunk(clip, seq, len(data), request.app[SETTINGS].max_recording_bytes)
    if action is ChunkAction.APPEND:
        request.app[QUOTAS].check(grant.room.id, len(data))
        clip = clips.append(clip, data)
    return web.json_response({"received": seq, "bytes": clip.bytes, "next_seq": clip.next_seq})


@routes.post("/api/rooms/{room_id}/clips/{clip_id}/finish")
async def finish_clip(request: web.Request) -> web.Response:
    grant = _candidate(request)
    duration = parse_duration(await _json(request))
    clips = request.app[CLIPS]
    clip = clips.get(grant.room.id, request.match_info["clip_id"])
    clip = await clips.finalise(clip, duration)
    log.info("clip finished", extra={"room": grant.room.id, "clip": clip.id, "bytes": clip.bytes})
    return web.json_response(clip_json(clip))


def setup_recordings(app: web.Application) -> None:
    """Clip storage and its upload/download API (the review, which shows the clips, is its own)."""

    async def clip_store(app: web.Application) -> AsyncIterator[None]:
        app[CLIPS] = ClipStore(app[STORE], app[SETTINGS].recordings_dir)
        yield

    app.cleanup_ctx.append(clip_store)
    app.add_routes(routes)
