"""Storage limits a public server needs (security review H4), each with a message people can act on.

- Recorded answers: bytes per room (413 `room-quota`), bytes for all rooms together and a free-disk
  watermark (507 `storage-full`). The recorder shows the message and stops retrying.
- Interview events per room: every pause/resume is a stored row that each report replays.
- Pasted banks: smaller than the shipped-bank limits, since anyone may paste one per room.

Byte limits of 0 mean "no limit". The total is read from SQLite at most every TOTAL_TTL_S seconds
(a SUM over every clip is too much for every chunk); between reads the bytes let through are added
to it, so the overshoot stays within one refresh of uploads.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from .errors import TooLarge, UserError
from .keys import SETTINGS, STORE
from .settings import Settings
from .storage.interface import Store

TOTAL_TTL_S = 2.0


class InsufficientStorage(UserError):
    code = "storage-full"
    status = 507
    close_code = 1013  # "try again later"


def mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MiB" if n < 1024**3 else f"{n / 1024**3:.1f} GiB"


class ClipQuota:
    """Decides whether a room may store `size` more bytes of recordings."""

    def __init__(self, settings: Settings, store: Store, directory: Path) -> None:
        self.settings = settings
        self.store = store
        self.directory = directory
        self._total = 0
        self._free = 0
        self._read_at = -TOTAL_TTL_S

    async def room_bytes(self, room_id: str) -> int:
        return await self.store.clip_bytes(room_id)

    async def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._read_at < TOTAL_TTL_S:
            return
        self._total = await self.store.clip_bytes()
        self._free = shutil.disk_usage(_existing(self.directory)).free
        self._read_at = now

    async def check_room(self, room_id: str) -> None:
        """Before a new clip: refused when the room or the server has no room left."""
        await self.check(room_id, 1, charge=False)

    async def check(self, room_id: str, size: int, *, charge: bool = True) -> None:
        s = self.settings
        if s.room_quota_bytes and await self.room_bytes(room_id) + size > s.room_quota_bytes:
            raise TooLarge(
                f"This room's recordings reached the limit of {mib(s.room_quota_bytes)}. "
                "Delete recordings you no longer need on the review page, or use a new room.",
                code="room-quota",
            )
        await self._refresh()
        full = (s.clips_quota_bytes and self._total + size > s.clips_quota_bytes) or (
            s.min_free_disk_bytes and self._free - size < s.min_free_disk_bytes
        )
        if full:
            raise InsufficientStorage(
                "The server's storage for recordings is full, so this answer cannot be saved. "
                "Tell whoever runs this MockRoom server; your other answers are safe."
            )
        if charge:
            self._total += size
            self._free -= size


def _existing(path: Path) -> Path:
    """disk_usage needs a path that exists; recordings/ appears with the first clip."""
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def event_cap(settings: Settings) -> int:
    """How many interview events a room may store (no limit: a number no room reaches)."""
    return settings.max_events_per_room or 2**62


def check_event_cap(settings: Settings, stored: int) -> None:
    """Before storing interview events: a room holds at most max_events_per_room of them."""
    cap = settings.max_events_per_room
    if cap and stored >= cap:
        raise UserError(
            f"This room has reached its limit of {cap} interview actions. "
            "Create a new room to keep practising; this room's report is still available.",
            code="event-limit",
        )


def check_pasted_bank_text(settings: Settings, text: str) -> None:
    limit = settings.max_pasted_bank_bytes
    size = len(text.encode("utf-8", "surrogatepass"))
    if limit and size > limit:
        raise TooLarge(
            f"The pasted bank is {size} bytes; this server accepts pasted banks of at most "
            f"{limit} bytes ({limit // 1024} KiB). Shorten it or split it into several rooms.",
            code="bank-too-large",
        )


def check_pasted_bank_questions(settings: Settings, bank: dict[str, Any]) -> None:
    limit = settings.max_pasted_bank_questions
    count = len(bank.get("questions") or ())
    if limit and count > limit:
        raise UserError(
            f"The pasted bank has {count} questions; this server accepts at most {limit} "
            "per pasted bank. Split it into several rooms.",
            code="invalid-bank",
        )


QUOTAS: web.AppKey[ClipQuota] = web.AppKey("quotas", ClipQuota)


def setup_quotas(app: web.Application) -> None:
    async def quotas(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        app[QUOTAS] = ClipQuota(settings, app[STORE], settings.recordings_dir)
        yield

    app.cleanup_ctx.append(quotas)
