"""Questions one node asks a room's home over Redis, answered with a bounded wait.

Presence lives in memory on the room's home (signaling/presence.py). A request that another node
answers (`GET /api/rooms/{id}` reaching a node that is not the home) asks the home who is in the
room: a `Q` frame on the home's inbox, a `P` frame back on ours (wire.py). A home that does not
answer within ASK_TIMEOUT_S (killed a moment ago, Redis slow) gets `None`, and the caller says
what it knows without it; the wait never holds a request longer than that.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from .directory import inbox
from .wire import Frame, encode, new_session_id

log = logging.getLogger(__name__)

ASK_TIMEOUT_S = 1.0

Publish = Callable[[str, bytes], None]
Roster = list[dict[str, Any]]


class Asking:
    def __init__(self, node_id: str, publish: Publish) -> None:
        self.node_id = node_id
        self.publish = publish
        # This node's own answer: the room's roster if it is at home here, else None.
        self.local_roster: Callable[[str], Roster | None] = lambda room_id: None
        self._waiting: dict[str, asyncio.Future[Roster]] = {}

    async def roster(self, home: str, room_id: str) -> Roster | None:
        """Who is in the room, as its home says; None if it did not answer in time."""
        qid = new_session_id()
        answer = self._waiting[qid] = asyncio.get_running_loop().create_future()
        try:
            self.publish(inbox(home), encode("Q", qid, {"from": self.node_id, "roster": room_id}))
            return await asyncio.wait_for(answer, ASK_TIMEOUT_S)
        except TimeoutError:
            log.warning("the room's home did not say who is in it", extra={"node": home})
            return None
        finally:
            self._waiting.pop(qid, None)

    def on_frame(self, frame: Frame) -> None:
        info = frame.json()
        if frame.kind == "Q":
            roster = self.local_roster(str(info.get("roster")))
            reply = encode("P", frame.sid, {"roster": roster or []})
            self.publish(inbox(str(info["from"])), reply)
            return
        waiting = self._waiting.get(frame.sid)
        roster = info.get("roster")
        if waiting is not None and not waiting.done() and isinstance(roster, list):
            waiting.set_result(roster)
