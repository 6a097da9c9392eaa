"""Who may do what in a room: turn a capability token into a grant, or a clear refusal."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .errors import Forbidden, NotFound, Unauthorized
from .links.sockets import EXPIRED, WITHDRAWN, Refusal
from .links.tokens import hash_token, well_formed
from .roles import Mode, Role
from .rooms.request import link_expired
from .storage.interface import RoomRecord, Store


@dataclass(frozen=True)
class Grant:
    room: RoomRecord
    role: Role
    token_hash: str  # identifies the link (never the token itself) in logs and presence
    expires_at: float | None = None  # sockets opened with the link are closed at this time


async def authorize(store: Store, room_id: str, token: str | None) -> Grant:
    room = await store.get_room(room_id)
    if room is None:
        raise NotFound("This room does not exist. Check the link, or create a new room.")
    if not token:
        raise Unauthorized(
            "This page needs the link you were sent, including its token. "
            "Open the full link again, or ask the person who made the room for a new one."
        )
    link = await store.find_link(room_id, hash_token(token)) if well_formed(token) else None
    if link is None:
        raise Forbidden(
            "This link is not valid for this room. Check that you copied the whole link, "
            "or ask the person who made the room to send it again."
        )
    if link.revoked_at is not None:
        raise Forbidden("This link was withdrawn. Ask the person who sent it for a new one.")
    if link_expired(link.expires_at, time.time()):
        raise Forbidden("This link has expired. Ask the person who made the room for a new one.")
    await store.touch_room(room_id)  # retention counts from the last use (rooms/retention.py)
    return Grant(
        room=room, role=Role(link.role), token_hash=link.token_hash, expires_at=link.expires_at
    )


async def link_refusal(store: Store, grant: Grant) -> Refusal | None:
    """Why a grant no longer holds (the link was withdrawn or has expired), or None.

    Sockets check this before each action they take, so a link withdrawn elsewhere (another
    node, the database by hand) stops acting at once even before its sockets are cut off.
    """
    return await link_refusal_for(store, grant.room.id, grant.token_hash)


async def link_refusal_for(store: Store, room_id: str, token_hash: str) -> Refusal | None:
    link = await store.find_link(room_id, token_hash)
    if link is None or link.revoked_at is not None:
        return WITHDRAWN
    if link_expired(link.expires_at, time.time()):
        return EXPIRED
    return None


def scripted_only(grant: Grant) -> Grant:
    """Review and recordings are what a scripted room leaves behind; a peer room has none."""
    if grant.room.mode != Mode.SCRIPTED:
        raise NotFound("This room has no recordings or review: it is a live peer room.")
    return grant
