"""What the live services do when a room is deleted, and how they tell that a room is in use.

Deleting a room must also end what is running for it: open signaling and notes sockets, the
scripted interviewer's session, the interview clock. Each service registers its part here
instead of the deletion code reaching into it; `register_live_services` holds today's adapters
for the services as they are, and a service that is reworked can register its own instead.

- `forget(room_id)` runs synchronously, right before the rows' deletion: drop in-memory state,
  make sockets read-only, so nothing new is written. A write already in flight (an awaited
  store call) may land after the first deletion; rooms.deletion deletes again once the sockets
  are closed, and the retention sweep removes any orphan rows left after that.
- `close(room_id)` runs afterwards: tell the participants and close their sockets.
- `in_use(room_id)`: the retention sweeper leaves a room alone while anyone is in it here;
  `in_use_elsewhere(room_id)` asks the same of other processes (cluster: the room's home node).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from ..notes import NOTES_HUB
from ..signaling.protocol import error_message
from ..signaling.service import SIGNALING

log = logging.getLogger(__name__)

CLOSE_DELETED = 4404  # protocol.js and y-websocket clients treat 44xx as final: no reconnect
DELETED_MESSAGE = "This room was deleted. Its notes, recordings, report and links are gone."
CLOSE_WAIT_S = 5.0  # a client that never answers the close frame does not hold the deletion


@dataclass
class RoomHooks:
    forget: list[Callable[[str], None]] = field(default_factory=list)
    close: list[Callable[[str], Awaitable[None]]] = field(default_factory=list)
    in_use: list[Callable[[str], bool]] = field(default_factory=list)
    in_use_elsewhere: list[Callable[[str], Awaitable[bool]]] = field(default_factory=list)

    async def used(self, room_id: str) -> bool:
        """In use here (memory) or elsewhere (a question over the network, asked only then)."""
        if any(check(room_id) for check in self.in_use):
            return True
        for check in self.in_use_elsewhere:
            if await check(room_id):
                return True
        return False


ROOM_HOOKS: web.AppKey[RoomHooks] = web.AppKey("room_hooks", RoomHooks)


def register_live_services(app: web.Application, hooks: RoomHooks) -> None:
    """Adapters for signaling, notes, the scripted interviewer and the interview clock."""
    # Imported here: these modules import the app's keys and would otherwise import us back.
    from ..interview.service import INTERVIEWS
    from ..scripted.service import SCRIPTED

    def live_signaling(room_id: str) -> bool:
        return app[SIGNALING].live_room(room_id) is not None

    async def close_signaling(room_id: str) -> None:
        live = app[SIGNALING].live_room(room_id)
        if live is None:
            return
        peers = [seat.peer for seat in live]
        frame = error_message("room-deleted", DELETED_MESSAGE, fatal=True)
        await asyncio.gather(*(peer.send(frame) for peer in peers), return_exceptions=True)
        closing = [asyncio.ensure_future(p.close(CLOSE_DELETED, "room deleted")) for p in peers]
        if closing:
            _, late = await asyncio.wait(closing, timeout=CLOSE_WAIT_S)
            for task in late:
                task.cancel()

    def live_notes(room_id: str) -> bool:
        hub = app[NOTES_HUB]
        return any(key[0] == room_id and doc.clients for key, doc in hub.rooms.items())

    def forget_notes(room_id: str) -> None:
        hub = app[NOTES_HUB]
        hub.discard_queued(room_id)  # rows still queued for this room would outlive it
        for key in [key for key in hub.rooms if key[0] == room_id]:
            doc = hub.rooms.pop(key)  # never compacted (re-written) again
            for client in list(doc.clients):
                client.writable = False  # an update already in flight is dropped, not stored
                client.close(CLOSE_DELETED, "room deleted")

    closing_sessions: dict[str, Awaitable[None]] = {}

    def forget_scripted(room_id: str) -> None:
        session = app[SCRIPTED].sessions.pop(room_id, None)
        if session is not None:
            closing_sessions[room_id] = asyncio.ensure_future(session.close())

    async def close_scripted(room_id: str) -> None:
        closing = closing_sessions.pop(room_id, None)
        if closing is not None:
            await closing

    def forget_interview(room_id: str) -> None:
        live = app[INTERVIEWS].rooms.pop(room_id, None)
        if live is not None and live.timer is not None:
            live.timer.cancel()

    hooks.in_use += [live_signaling, live_notes, lambda room_id: room_id in app[SCRIPTED].sessions]
    hooks.forget += [forget_notes, forget_scripted, forget_interview]
    hooks.close += [close_scripted, close_signaling]
