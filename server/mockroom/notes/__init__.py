"""Shared notes: y-websocket documents per room, stored durably (their own SQLite file, or the
cluster's PostgreSQL).

    setup_notes(app)   routes + lifecycle (call once, at the end of create_app)
    notes_markdown(app, grant) -> str   the Markdown export, reusable by the report page

Module map: codec (wire format, pure), room (one document's clients and state), hub (registry,
durable relay, compaction), storage (the NotesLog seam; SQLite), pg_storage (PostgreSQL),
transport (aiohttp socket), fastread (keystrokes handled as aiohttp parses them, no task
wake-up), export (Markdown).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import WSCloseCode, web

from ..access import link_refusal_for
from ..keys import SETTINGS, STORE
from ..signaling.service import SIGNALING
from .export import export_notes, notes_markdown
from .hub import NotesConfig, NotesHub
from .keys import NOTES_CONFIG, NOTES_HUB
from .storage import NotesLog, NotesStorage
from .transport import handle_notes_socket

__all__ = ["NOTES_CONFIG", "NOTES_HUB", "NotesConfig", "notes_markdown", "setup_notes"]

NOTES_DB = "notes.sqlite3"


def open_notes_log(app: web.Application) -> NotesLog:
    """On PostgreSQL the notes share the store's database (and pool), so every node sees them."""
    store = app[STORE]
    if app[SETTINGS].database_url:  # imported here: a SQLite node never loads psycopg
        from ..storage.postgres import PostgresStore
        from .pg_storage import PostgresNotesLog

        assert isinstance(store, PostgresStore)
        return PostgresNotesLog(store.pool)
    return NotesStorage(app[SETTINGS].data_dir / NOTES_DB)


def setup_notes(app: web.Application) -> None:
    app[NOTES_CONFIG] = NotesConfig()

    async def notes_ctx(app: web.Application) -> AsyncIterator[None]:
        storage = open_notes_log(app)
        hub = NotesHub(storage, app[NOTES_CONFIG])
        app[NOTES_HUB] = hub
        # A withdrawn link is cut off in the notes too (signaling calls this when it cuts).
        app[SIGNALING].cut_off_hooks.append(hub.cut_off)
        hub.recently_cut = app[SIGNALING].link_cache.refused
        store = app[STORE]
        hub.link_check = lambda room_id, token_hash: link_refusal_for(store, room_id, token_hash)
        task = asyncio.create_task(hub.run_maintenance())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await hub.shutdown()
        storage.close()

    async def close_sockets(app: web.Application) -> None:
        if NOTES_HUB in app:
            app[NOTES_HUB].close_all(WSCloseCode.GOING_AWAY, "server shutting down")
            # Give writer tasks a moment to send the close frames.
            await asyncio.sleep(0)

    app.cleanup_ctx.append(notes_ctx)
    app.on_shutdown.append(close_sockets)

    async def socket(request: web.Request) -> web.StreamResponse:
        return await handle_notes_socket(request, request.app[NOTES_HUB])

    app.router.add_get("/ws/rooms/{room_id}/notes/{doc}", socket)
    app.router.add_get("/api/rooms/{room_id}/notes.md", export_notes)
