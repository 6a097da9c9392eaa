"""Who may do what in a room: turn a capability token into a grant, or a clear refusal."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .errors import Forbidden, NotFound, Unauthorized
from .roles import Role
from .rooms import link_expired
from .store import RoomRecord, Store
from .tokens import hash_token, well_formed


@dataclass(frozen=True)
class Grant:
    room: RoomRecord
    role: Role
    token_hash: str  # identifies the link (never the token itself) in logs and presence


def authorize(store: Store, room_id: str, token: str | None) -> Grant:
    room = store.get_room(room_id)
    if room is None:
        raise NotFound("This room does not exist. Check the link, or create a new room.")
    if not token:
        raise Unauthorized(
            "This page needs the link you were sent, including its token. "
            "Open the full link again, or ask the person who made the room for a new one."
        )
    link = store.find_link(room_id, hash_token(token)) if well_formed(token) else None
    if link is None:
        raise Forbidden(
            "This link is not valid for this room. Check that you copied the whole link, "
            "or ask the person who made the room to send it again."
        )
    if link.revoked_at is not None:
        raise Forbidden("This link was withdrawn by the interviewer. Ask them for a new one.")
    if link_expired(link.expires_at, time.time()):
        raise Forbidden("This link has expired. Ask the person who made the room for a new one.")
    return Grant(room=room, role=Role(link.role), token_hash=link.token_hash)
