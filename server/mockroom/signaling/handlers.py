"""The message types every room handles: a signal relayed to its target, a state change, a ping.

Features add their own types through `Signaling.on` / `add_service`; these three are built in.
A relayed signal is the hot path of a join: its data was checked by protocol.py and goes on as
the sender wrote it, queued on the target's socket without waiting.
"""

from __future__ import annotations

import time
from typing import Any

from ..errors import UserError
from ..roles import Media, Role, sends_media
from ..rooms.request import clean_display_name
from . import protocol
from .connection import Connection, Handler
from .media_rules import check_signal


async def on_signal(conn: Connection, message: dict[str, Any]) -> None:
    if message["to"] == conn.participant.id:
        raise UserError("A signal goes to another participant, not to yourself.", code="bad-target")
    target = conn.room.get(message["to"])
    if target is None:
        raise UserError("That participant has left.", code="unknown-peer")
    if conn.grant.role is Role.OBSERVER and target.participant.role is Role.OBSERVER:
        raise UserError("Observers do not connect to each other.", code="not-allowed")
    check_signal(conn.participant.role, message["data"])
    # The sender's role comes from its link, never from the frame: a receiver can refuse
    # media from an observer whatever its SDP says.
    target.peer.post_text(
        protocol.relayed_signal(message, conn.participant.id, conn.participant.role.value)
    )


async def on_state(conn: Connection, message: dict[str, Any]) -> None:
    p = conn.participant
    if not sends_media(p.role) and any(message.get(k) for k in ("audio", "video", "screen")):
        raise UserError(
            "Observers watch and listen; they do not send audio, video or a screen.",
            code="not-allowed",
        )
    for key in ("audio", "video", "screen"):
        if key in message:
            setattr(p, key, message[key])
    if conn.grant.room.media != Media.VIDEO:
        p.video = False
    if "name" in message:
        p.name = clean_display_name(message["name"], p.role)
    await conn.broadcast({"type": "updated", "participant": p.public()})


async def on_ping(conn: Connection, message: dict[str, Any]) -> None:
    await conn.send({"type": "pong", "t": message["t"], "server_time": time.time() * 1000})


BUILT_IN: dict[str, Handler] = {"signal": on_signal, "state": on_state, "ping": on_ping}
