"""A signaling socket's first message: hello → link check → seat → welcome, and the others told.

What the hello may carry is protocol.py's; who may take which seat is presence.py's. Once the
seat is taken, anything that fails or cancels the greeting gives the seat back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

from aiohttp import web

from ..access import Grant, authorize
from ..errors import Forbidden, ProtocolError, UserError
from ..links.cache import LinkCache
from ..links.sockets import LinkSockets, TooManySockets
from ..roles import Media, joins_live, sends_media
from ..rooms.request import clean_display_name
from ..settings import Settings
from ..storage.interface import Store
from ..turn import ice_servers
from . import protocol
from .connection import Connection, Hook, receive_text
from .peer import SocketPeer
from .presence import CLOSE_REPLACED, LiveRoom

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 10.0
HEARTBEAT_S = 15.0


class Signaling(Protocol):
    """What the handshake uses of service.Signaling, named here so this module need not
    import the service (which imports it)."""

    settings: Settings
    store: Store
    rooms: dict[str, LiveRoom]
    links: LinkSockets[Connection]
    link_cache: LinkCache
    join_hooks: list[Hook]

    async def leave(self, conn: Connection) -> None: ...


async def handshake(
    signaling: Signaling, room_id: str, ws: web.WebSocketResponse, peer: SocketPeer
) -> Connection | None:
    """Read the hello, authorize its link and seat it; None if the socket closed first."""
    try:
        raw = await receive_text(ws, HELLO_TIMEOUT_S)
    except TimeoutError:
        raise ProtocolError("No hello within 10 s.", code="hello-timeout") from None
    if raw is None:
        return None
    hello = protocol.parse_client_message(raw, signaling.settings.max_ws_message_bytes)
    if hello["type"] != "hello":
        raise ProtocolError("The first message must be 'hello'.", code="hello-expected")
    if hello["version"] != protocol.PROTOCOL_VERSION:
        raise ProtocolError(
            f"Protocol version {hello['version']} is not supported; this server speaks "
            f"{protocol.PROTOCOL_VERSION}. Reload the page to get the current app.",
            code="bad-version",
        )
    grant = await authorize(signaling.store, room_id, hello["token"])
    if (why := signaling.link_cache.refused(grant.token_hash)) is not None:
        raise Forbidden(why.message)  # cut off while authorize awaited its read
    if not joins_live(grant.role):
        raise UserError(
            "A reviewer link opens the review page, not the live room.", code="not-live"
        )
    _check_caps(signaling, room_id, grant, hello.get("participant_id"))
    room = signaling.rooms.get(room_id)
    if room is None:
        room = signaling.rooms[room_id] = LiveRoom(room_id, signaling.settings.max_observers)
    name = clean_display_name(hello.get("name"), grant.role)
    participant, replaced = room.admit(
        grant.role,
        grant.token_hash,
        name,
        peer,
        wanted_id=hello.get("participant_id"),
        takeover=bool(hello.get("takeover")),
    )
    conn = Connection(room, grant, participant, peer)
    peer.label = f"{room_id}/{participant.id}"
    signaling.links.add(grant.token_hash, grant.expires_at, conn)
    signaling.link_cache.admitted(grant)  # the row authorize just read: no re-read per message
    try:
        # From here on the seat is taken: whatever fails or cancels us must give it back.
        await _greet(signaling, conn, hello, replaced)
    except BaseException:
        await asyncio.shield(signaling.leave(conn))
        raise
    return conn


def _check_caps(signaling: Signaling, room_id: str, grant: Grant, wanted_id: str | None) -> None:
    per_link = signaling.settings.max_signaling_sockets_per_link
    if per_link and signaling.links.count(grant.token_hash) >= per_link:
        raise TooManySockets(
            f"This link is already open in {per_link} places. Close the room in other tabs "
            "or devices, then reload."
        )
    room = signaling.rooms.get(room_id)
    per_room = signaling.settings.max_signaling_sockets_per_room
    if (
        per_room
        and room is not None
        and len(room) >= per_room
        and room.would_grow(grant.role, grant.token_hash, wanted_id)
    ):
        raise TooManySockets(f"This room already has {per_room} connections open.")


async def _greet(
    signaling: Signaling, conn: Connection, hello: dict[str, Any], replaced: Any
) -> None:
    participant, grant, peer = conn.participant, conn.grant, conn.peer
    media = hello.get("media") or {}
    if isinstance(media.get("audio"), bool):
        participant.audio = media["audio"]
    if isinstance(media.get("video"), bool):
        participant.video = media["video"] and grant.room.media == Media.VIDEO
    if grant.room.media != Media.VIDEO:
        participant.video = False
    if not sends_media(grant.role):
        participant.audio = participant.video = participant.screen = False
    room_id, name = conn.room.room_id, participant.name
    if replaced is not None:
        await replaced.peer.send({"type": "replaced", "message": "You joined from elsewhere."})
        replaced.peer.begin_close(CLOSE_REPLACED, "replaced by a newer connection")
    await signaling.store.record_join(room_id, participant.id, grant.role.value, name)
    log.info(
        "joined",
        extra={"room": room_id, "participant": participant.id, "role": grant.role.value},
    )
    await peer.send(_welcome(signaling.settings, conn))
    others = {
        "type": "joined",
        "participant": participant.public(),
        "rejoin": replaced is not None,
    }
    await conn.broadcast(others, include_self=False)
    for hook in signaling.join_hooks:
        await hook(conn)


def _welcome(settings: Settings, conn: Connection) -> dict[str, Any]:
    room = conn.grant.room
    return {
        "type": "welcome",
        "version": protocol.PROTOCOL_VERSION,
        "participant_id": conn.participant.id,
        "role": conn.grant.role.value,
        "name": conn.participant.name,
        "room": {
            "id": room.id,
            "title": room.title,
            "mode": room.mode,
            "media": room.media,
        },
        "ice_servers": ice_servers(settings, room.id),
        "participants": [p for p in conn.room.roster() if p["id"] != conn.participant.id],
        "server_time": time.time() * 1000,
        "heartbeat_ms": int(HEARTBEAT_S * 1000),
    }
