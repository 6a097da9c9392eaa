"""`POST /api/rooms/{id}/again`: "practise again", a new room like this one, for its owner.

The new room has the same mode, media, title, options and the very bank stored with this room,
so a pasted bank (which no bank id names) can be practised again too. Only the room's owner
(the interviewer of a peer room, the candidate of a scripted one) may ask, with their token.
"""

from __future__ import annotations

from aiohttp import web

from ..http import owner_grant
from ..ratelimit import check_room_creation
from ..roles import ROLES_BY_MODE
from .create import open_room

routes = web.RouteTableDef()


@routes.post("/api/rooms/{room_id}/again")
async def practise_again(request: web.Request) -> web.Response:
    grant = await owner_grant(request, "practise it again")
    check_room_creation(request)
    room = grant.room
    options = {k: v for k, v in room.options.items() if k != "scheduled_at"}  # a new session
    return await open_room(
        request,
        mode=room.mode,
        media=room.media,
        title=room.title,
        bank=room.bank,
        options=options,
        roles=ROLES_BY_MODE[room.mode],
        expires_in_hours=None,
    )


def setup_practise_again(app: web.Application) -> None:
    app.add_routes(routes)
