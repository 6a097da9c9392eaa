"""Wires the scripted interviewer into the signaling socket: one session per scripted room.

The candidate's (re)join opens a fresh session restored from the room's saved flow snapshot (so a
reload resumes at the same question); leaving closes it and its peer connection; so does shutdown.
`GET /api/rooms/{id}/scripted` tells a page where the session stands before it joins, so a
finished practice is shown as finished without turning the camera on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from ..banks.model import BankError
from ..clock import now_ms
from ..errors import Forbidden, NotFound, UserError, error_reply
from ..http import grant_from_request
from ..keys import SETTINGS, STORE
from ..roles import Mode, Role
from ..settings import Settings
from ..signaling.protocol import error_frame
from ..signaling.service import SIGNALING, Connection
from ..speech.captions import CaptionService
from ..storage.interface import RoomRecord, Store
from . import records
from .config import config_from_room
from .flow import ScriptedFlow
from .limits import server_full, server_full_error, tts_limits
from .neural_voice import open_voice
from .session import ScriptedSession
from .tracks import CardRenderer
from .tts import Tts

log = logging.getLogger(__name__)


class ScriptedService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Logs a missing espeak-ng now.
        voice = open_voice(settings.tts_voice) if settings.tts == "espeak-ng" else None
        self.tts = Tts(settings.data_dir / "tts", settings.tts, tts_limits(settings), voice)
        self.renderer = CardRenderer()
        self.sessions: dict[str, ScriptedSession] = {}  # room id -> the candidate's session
        # In a cluster: the live session's state on the room's home, when that is another node.
        self.remote_state: Callable[[str], Awaitable[dict[str, Any] | None]] | None = None
        self.captions = CaptionService(settings)  # live captions' worker slots (captions.py)
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the scripted service has not started")
        return self._store

    def start(self, store: Store) -> None:
        self._store = store

    @staticmethod
    def _is_scripted_candidate(conn: Connection) -> bool:
        return conn.grant.room.mode == Mode.SCRIPTED and conn.grant.role is Role.CANDIDATE

    async def on_join(self, conn: Connection) -> None:
        if not self._is_scripted_candidate(conn):
            return
        old = self.sessions.pop(conn.room.room_id, None)
        if old is not None:
            await old.close()  # a takeover: the new page negotiates its own peer
        elif server_full(self.settings, len(self.sessions)):
            # A join hook has no caller to raise to: the frame tells the page, the call goes on.
            await conn.send(error_frame(error_reply(server_full_error(self.settings))))
            return
        # Rebuild from the stored room, not the grant's copy, in case its options changed.
        room = self.store.get_room(conn.room.room_id) or conn.grant.room
        session = ScriptedSession(
            room,
            config_from_room(room),
            settings=self.settings,
            store=self.store,
            tts=self.tts,
            renderer=self.renderer,
            send=conn.send,
            captions=self.captions,
        )
        self.sessions[room.id] = session
        log.info("scripted session opened", extra={"room": room.id, "phase": session.flow.phase})
        await session.send_state(force=True)

    async def on_leave(self, conn: Connection) -> None:
        session = self.sessions.get(conn.room.room_id)
        if session is not None and session.send == conn.send:
            await session.close()
            # Closed before it leaves the registry, so an empty registry means no open peer;
            # a join that came meanwhile holds a new session, which stays.
            if self.sessions.get(conn.room.room_id) is session:
                del self.sessions[conn.room.room_id]
            log.info("scripted session closed", extra={"room": conn.room.room_id})

    async def on_message(self, conn: Connection, message: dict[str, Any]) -> None:
        await (await self._session(conn, "scripted")).handle(message)

    async def on_captions(self, conn: Connection, message: dict[str, Any]) -> None:
        """`{"type": "captions", "on": bool}`: the candidate's live-captions toggle."""
        (await self._session(conn, "captions")).captions.want(message["on"])

    async def _session(self, conn: Connection, kind: str) -> ScriptedSession:
        """The candidate's live session this socket talks to, or the UserError that says why not."""
        if conn.grant.room.mode != Mode.SCRIPTED:
            raise UserError(
                f"'{kind}' messages only work in a scripted-interviewer room.", code="not-scripted"
            )
        if conn.grant.role is not Role.CANDIDATE:
            raise UserError(
                "Only the candidate talks to the scripted interviewer.", code="not-allowed"
            )
        session = self.sessions.get(conn.room.room_id)
        if session is None and server_full(self.settings, len(self.sessions)):
            raise server_full_error(self.settings)
        if session is None or session.send != conn.send:
            raise UserError("This connection has been replaced; reload the page.", code="stale")
        return session

    def current_state(self, room: RoomRecord) -> dict[str, Any]:
        """The live session's state, or the one a (re)join would start from."""
        session = self.sessions.get(room.id)
        if session is not None:
            return session.state()
        flow = ScriptedFlow(config_from_room(room), self.tts.duration_ms)
        snapshot = records.last_snapshot(self.store, room.id)
        if snapshot is not None:
            flow.restore(snapshot)
        return flow.public(now_ms())

    async def live_state(self, room: RoomRecord) -> dict[str, Any]:
        """current_state, asking the room's home first when its session may live there."""
        if room.id not in self.sessions and self.remote_state is not None:
            remote = await self.remote_state(room.id)
            if remote is not None:
                return remote
        return self.current_state(room)

    async def close_all(self) -> None:
        sessions, self.sessions = list(self.sessions.values()), {}
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
        await self.captions.close()
        await self.tts.close()


SCRIPTED: web.AppKey[ScriptedService] = web.AppKey("scripted", ScriptedService)
routes = web.RouteTableDef()


@routes.get("/api/rooms/{room_id}/scripted")
async def scripted_state(request: web.Request) -> web.Response:
    """Where the scripted session stands (the `scripted-state` shape), for the candidate's page
    before it joins and for the reviewer."""
    grant = grant_from_request(request)
    if grant.room.mode != Mode.SCRIPTED:
        raise NotFound("This room has no scripted interviewer.")
    if grant.role not in (Role.CANDIDATE, Role.REVIEWER):
        raise Forbidden("This link cannot see the scripted session.")
    room = request.app[STORE].get_room(grant.room.id) or grant.room
    return web.json_response(await request.app[SCRIPTED].live_state(room))


def setup_scripted(app: web.Application) -> None:
    service = ScriptedService(app[SETTINGS])
    app[SCRIPTED] = service

    async def scripted(app: web.Application) -> AsyncIterator[None]:
        service.start(app[STORE])
        app[SIGNALING].add_service(
            "scripted", service.on_message, on_join=service.on_join, on_leave=service.on_leave
        )
        app[SIGNALING].on("captions", service.on_captions)
        yield
        await service.close_all()

    async def close_peers(app: web.Application) -> None:
        await service.close_all()  # before the loop stops: pc.close() needs it

    app.cleanup_ctx.append(scripted)
    app.on_shutdown.append(close_peers)
    app.add_routes(routes)


def metrics_for_room(store: Store, room_id: str) -> list[dict[str, Any]]:
    """Speech metrics of every answer in the room (see records.metrics_for_room for the shape),
    each with `allowed_ms`: the answer time the room allows for that question."""
    metrics = records.metrics_for_room(store, room_id)
    room = store.get_room(room_id)
    try:
        questions = config_from_room(room).questions if room is not None else ()
    except BankError:  # a stored bank that no longer validates: figures without the limit
        questions = ()
    allowed = {q.id: q.answer_ms for q in questions}
    return [{**m, "allowed_ms": allowed.get(m["question_id"])} for m in metrics]
