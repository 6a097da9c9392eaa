"""Opening a new room: its record, one link per role, and the JSON `POST /api/rooms` answers.

Shared by `POST /api/rooms` (api.py) and "practise again" (rooms/again.py), so both rooms are
made, stored and announced the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from ..keys import SETTINGS, STORE
from ..links.issue import base_url, issue_link, link_url
from ..links.tokens import new_room_id
from ..links.vault import LINK_VAULT
from ..roles import Media, Mode, Role
from ..storage.interface import RoomRecord

log = logging.getLogger(__name__)


async def open_room(
    request: web.Request,
    *,
    mode: Mode,
    media: Media,
    title: str,
    bank: dict[str, Any] | None,
    options: dict[str, Any],
    roles: Sequence[Role],
    expires_in_hours: float | None,
    ignored_fields: Sequence[str] = (),
) -> web.Response:
    settings = request.app[SETTINGS]
    room = RoomRecord(
        id=new_room_id(),
        mode=mode,
        media=media,
        title=title,
        bank_id=bank["id"] if bank else None,
        bank=bank,
        options=options,
        created_at=time.time(),
    )
    expires = expires_in_hours or settings.link_ttl_hours or None
    issued = [issue_link(room.id, role, expires) for role in roles]
    await request.app[STORE].create_room(room, [record for _, record in issued])
    await request.app[LINK_VAULT].room_created(room.id, room.mode, issued)
    base = base_url(request, settings)
    links = {
        Role(record.role).value: link_url(base, room.id, Role(record.role), token)
        for token, record in issued
    }
    log.info("room created", extra={"room": room.id, "mode": room.mode, "media": room.media})
    return web.json_response(
        {
            "room_id": room.id,
            "title": room.title,
            "mode": room.mode,
            "media": room.media,
            "bank": room.bank_id,
            "links": links,
            "expires_at": issued[0][1].expires_at,
            "ignored_fields": list(ignored_fields),
        },
        status=201,
    )
