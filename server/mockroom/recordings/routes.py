"""Answer recordings: the resumable chunk upload API over `store.ClipStore`.

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
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from ..errors import NotFound, TooLarge, UserError
from ..http import grant_for_fetch
from ..jsonbody import SMALL_BODY_BYTES, read_json
from ..keys import SETTINGS, STORE
from ..quotas import QUOTAS
from ..roles import Mode
from ..signaling.service import SIGNALING, Connection
from .access import ClipAccess, clip_access
from .clips import (
    MAX_CHUNK_BYTES,
    ChunkAction,
    Clip,
    decide_chunk,
    parse_duration,
)
from .store import CLIPS, ClipStore

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


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
    grant = await grant_for_fetch(request)
    if grant.room.mode == Mode.PEER and grant.room.bank is None:
        # A free conversation records nothing: its list is empty, not a missing resource (the
        # room page asks on every join, and a 404 there was an error in every console).
        return web.json_response([])
    access = await clip_access(request, grant)
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
