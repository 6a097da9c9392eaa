"""The room as one role sees it: what `GET /api/rooms/{id}` answers, and what the room page
embeds for the same grant (pages.py), so the page needs no fetch before it can prepare the call.

One function for both keeps them equal, and so keeps the role isolation the API is tested for
(a candidate's answer carries no interviewer-only field) on the page as well.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .access import Grant
from .keys import SETTINGS
from .links.issue import notes_paths
from .roles import note_documents
from .signaling.service import SIGNALING
from .turn import ice_servers


async def room_info(request: web.Request, grant: Grant) -> dict[str, Any]:
    room = grant.room
    bank = room.bank
    participants = await request.app[SIGNALING].roster(room.id)
    return {
        "room_id": room.id,
        "role": grant.role.value,
        "mode": room.mode,
        "media": room.media,
        "title": room.title,
        "created_at": room.created_at,
        "bank": {"id": bank["id"], "title": bank["title"]} if bank else None,
        "options": room.options,
        "notes": notes_paths(room.id, note_documents(grant.role)),
        "ice_servers": ice_servers(request.app[SETTINGS], room.id),
        "participants": participants,
        "signaling": f"/ws/rooms/{room.id}",
    }
