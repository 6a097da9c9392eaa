"""Deleting a room: every row of it, its notes, its recordings, its links; then its live sockets.

`DELETE /api/rooms/{room_id}` with the owner's token (the interviewer of a peer room, the candidate
of a scripted room) deletes at once; the retention sweeper (rooms/retention.py) and `mockroom gc`
use the same `RoomData.purge`. After it, every request for the room answers 404 and every open
socket of it is closed with 4404, which clients read as final.

Order matters. In one synchronous step (nothing else runs on the loop meanwhile) the live services
forget the room and the rows, notes and files go, so no request or socket can write in between.
Then the sockets are told and closed, and the purge runs once more for anything a closing socket
managed to write (the main store refuses new events for a missing room anyway).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from ..access import Grant
from ..errors import Forbidden
from ..http import grant_from_request
from ..keys import SETTINGS, STORE
from ..notes import NOTES_DB
from ..notes.storage import notes_file_room_ids, purge_notes_file
from ..roles import Mode, Role
from ..settings import Settings
from ..storage.interface import Store
from .hooks import ROOM_HOOKS

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


@dataclass(frozen=True)
class RoomData:
    """Where a room's data lives: the main store, the notes file, the recordings folder."""

    store: Store
    notes_db: Path
    recordings_dir: Path

    @classmethod
    def of(cls, settings: Settings, store: Store) -> RoomData:
        return cls(store, settings.data_dir / NOTES_DB, settings.recordings_dir)

    async def purge(self, room_id: str) -> int:
        """Delete everything stored for the room; returns rows deleted plus files removed."""
        removed = await self.store.delete_room(room_id)
        removed += purge_notes_file(self.notes_db, [room_id])
        folder = self.recordings_dir / room_id
        if folder.is_dir():
            removed += sum(1 for p in folder.iterdir() if p.is_file())
            shutil.rmtree(folder, ignore_errors=True)
        return removed

    async def orphans(self) -> set[str]:
        """Room ids that notes or recordings still hold although the room is gone.

        What holds data is listed first and the rooms read last: a room's row is written before
        any of its notes or files, so a room created while this awaits is in `rooms`, never
        taken for an orphan (reading the rooms first purged a room made a moment later)."""
        held = set(notes_file_room_ids(self.notes_db))
        if self.recordings_dir.is_dir():
            held |= {p.name for p in self.recordings_dir.iterdir()}
        found = await self.store.orphan_room_ids()
        rooms = await self.store.room_ids()
        return found | (held - rooms)


def owns(grant: Grant) -> bool:
    """The person a room belongs to: its interviewer, or the candidate of a scripted room."""
    owner = Role.CANDIDATE if grant.room.mode == Mode.SCRIPTED else Role.INTERVIEWER
    return grant.role is owner


async def delete_room(app: web.Application, room_id: str) -> int:
    """Delete the room now (see the module docstring for the order); returns what was removed."""
    hooks = app[ROOM_HOOKS]
    data = RoomData.of(app[SETTINGS], app[STORE])
    for forget in hooks.forget:
        try:
            forget(room_id)
        except Exception:  # a service that cannot forget is no reason to keep the data
            log.exception("a service could not forget a deleted room", extra={"room": room_id})
    removed = await data.purge(room_id)
    for close in hooks.close:
        try:
            await close(room_id)
        except Exception:  # the data is gone already; a socket that will not close is no reason
            log.exception("closing a deleted room's sockets failed", extra={"room": room_id})
    removed += await data.purge(room_id)  # what a write in flight at the first one left
    return removed


@routes.delete("/api/rooms/{room_id}")
async def delete_room_route(request: web.Request) -> web.Response:
    grant = await grant_from_request(request)
    if not owns(grant):
        owner = "candidate" if grant.room.mode == Mode.SCRIPTED else "interviewer"
        raise Forbidden(f"Only the {owner} can delete this room.")
    removed = await delete_room(request.app, grant.room.id)
    log.info("room deleted", extra={"room": grant.room.id, "by": grant.role.value})
    return web.json_response({"deleted": True, "room_id": grant.room.id, "removed": removed})
