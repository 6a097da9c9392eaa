"""Retention: rooms expire `retention_days` after their last use, and leftovers are swept.

A room's last use is the last time one of its links was accepted (a page, an API call, a socket;
see Store.touch_room). The sweeper runs in the server every `sweep_interval_minutes`; `mockroom gc`
runs the same sweep by hand, from another process if need be. Each pass:

1. deletes every room unused for longer than the retention time (a room someone is in right now
   counts as used, on this node or, in a cluster, on the room's home node);
2. removes orphans: rows, notes or recording folders of rooms that no longer exist (a write that
   raced a deletion, or a deletion by another process);
3. prunes the voice cache to its bound (and the temporary files of killed renders).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp_jinja2
from aiohttp import web

from ..keys import SETTINGS, STORE
from ..scripted.tts import prune_cache
from ..settings import Settings
from ..storage.open import open_store
from .deletion import RoomData, delete_room, routes
from .hooks import ROOM_HOOKS, RoomHooks, register_live_services

log = logging.getLogger(__name__)

DAY_S = 86_400.0
BATCH = 1000  # expired rooms deleted per pass


@dataclass
class SweepReport:
    expired: list[str] = field(default_factory=list)
    kept_in_use: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    tts_bytes_freed: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.expired)} expired room(s) deleted, {len(self.kept_in_use)} kept (in use), "
            f"{len(self.orphans)} orphan(s) removed, {self.tts_bytes_freed} bytes of voice cache "
            "freed"
        )


async def sweep(
    settings: Settings,
    data: RoomData,
    *,
    delete: Callable[[str], Awaitable[object]],
    in_use: Callable[[str], Awaitable[bool]] | None = None,
    now: float | None = None,
) -> SweepReport:
    report = SweepReport()
    now = time.time() if now is None else now
    if settings.retention_days > 0:
        cutoff = now - settings.retention_days * DAY_S
        # One batch per pass (the next pass takes the rest), so a pass always ends.
        for room_id in await data.store.rooms_unused_since(cutoff, BATCH):
            if in_use is not None and await in_use(room_id):
                # Someone is in it: it is being used now, so it counts as used now.
                await data.store.touch_room(room_id, now, force=True)
                report.kept_in_use.append(room_id)
                continue
            await delete(room_id)
            report.expired.append(room_id)
            await asyncio.sleep(0)  # let the server breathe between deletions
    for room_id in sorted(await data.orphans()):
        await data.purge(room_id)
        report.orphans.append(room_id)
    report.tts_bytes_freed = await asyncio.to_thread(
        prune_cache, settings.data_dir / "tts", settings.tts_cache_bytes
    )
    return report


async def sweep_app(app: web.Application, now: float | None = None) -> SweepReport:
    """One pass inside the server, closing the sockets of what it deletes."""
    hooks = app[ROOM_HOOKS]
    return await sweep(
        app[SETTINGS],
        RoomData.of(app[SETTINGS], app[STORE]),
        delete=lambda room_id: delete_room(app, room_id),
        in_use=hooks.used,
        now=now,
    )


def retention_text(settings: Settings) -> str:
    """The retention sentence the pages show in their privacy wording."""
    days = settings.retention_days
    if days <= 0:
        return "This server keeps rooms until their owner deletes them."
    amount = f"{days:g} day" + ("" if days == 1 else "s")
    return f"This server deletes each room, with everything in it, {amount} after it was last used."


def setup_retention(app: web.Application) -> None:
    """Room deletion (DELETE /api/rooms/{id}), the hooks it calls, and the sweeper."""
    hooks = app[ROOM_HOOKS] = RoomHooks()
    app.add_routes(routes)
    aiohttp_jinja2.get_env(app).globals["retention_text"] = retention_text(app[SETTINGS])

    async def sweeper(app: web.Application) -> AsyncIterator[None]:
        register_live_services(app, hooks)
        task = asyncio.create_task(_run_sweeper(app))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(sweeper)


async def _run_sweeper(app: web.Application) -> None:
    interval = max(1.0, app[SETTINGS].sweep_interval_minutes * 60)
    while True:
        try:
            report = await sweep_app(app)
            if report.expired or report.orphans or report.tts_bytes_freed:
                log.info("retention sweep", extra={"summary": report.summary()})
        except Exception:
            log.exception("retention sweep failed")
        await asyncio.sleep(interval)


async def collect_garbage(settings: Settings, *, dry_run: bool = False) -> str:
    """`mockroom gc`: one sweep outside the server (which may be running: SQLite WAL allows it).

    Without the server's sockets at hand, a room counts as used by its last recorded use only.
    """
    store = await open_store(settings)
    try:
        data = RoomData.of(settings, store)
        if dry_run:
            cutoff = time.time() - settings.retention_days * DAY_S
            days = settings.retention_days
            expired = await store.rooms_unused_since(cutoff, BATCH) if days > 0 else []
            orphans = sorted(await data.orphans())
            lines = [f"would delete expired room {room_id}" for room_id in expired]
            lines += [f"would remove leftovers of room {room_id}" for room_id in orphans]
            return "\n".join([*lines, f"{len(expired)} expired, {len(orphans)} orphan(s)"])

        async def purge(room_id: str) -> int:
            return await data.purge(room_id)

        report = await sweep(settings, data, delete=purge)
        lines = [f"deleted expired room {room_id}" for room_id in report.expired]
        return "\n".join([*lines, report.summary()])
    finally:
        await store.close()
