"""Questions one node asks a room's home over Redis, answered with a bounded wait.

What is live about a room sits in memory on its home: who is in it (signaling/presence.py), the
scripted session's state. A request that another node answers (`GET /api/rooms/{id}`, `GET
/api/rooms/{id}/scripted`) asks the home: a `Q` frame on the home's inbox, a `P` frame back on
ours (wire.py). A home that does not answer within ASK_TIMEOUT_S (killed a moment ago, Redis
slow) gets `None`, and the caller says what it knows without it; the wait never holds a request
longer than that.

    "roster"    the room's participants (signaling's roster), or None: no live room here
    "scripted"  the live scripted session's state, or None: no session here
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
Answer = Callable[[str], Any]  # room id -> this node's answer (JSON), None if it has none


class Asking:
    def __init__(self, node_id: str, publish: Publish) -> None:
        self.node_id = node_id
        self.publish = publish
        self.answers: dict[str, Answer] = {}  # what this node answers, by question
        self._waiting: dict[str, asyncio.Future[Any]] = {}

    async def ask(self, home: str, question: str, room_id: str) -> Any:
        """The home's answer (None: it has none, or did not answer in time)."""
        qid = new_session_id()
        answer = self._waiting[qid] = asyncio.get_running_loop().create_future()
        asking = {"from": self.node_id, "ask": question, "room": room_id}
        try:
            self.publish(inbox(home), encode("Q", qid, asking))
            return await asyncio.wait_for(answer, ASK_TIMEOUT_S)
        except TimeoutError:
            log.warning("the room's home did not answer", extra={"node": home, "ask": question})
            return None
        finally:
            self._waiting.pop(qid, None)

    def on_frame(self, frame: Frame) -> None:
        info = frame.json()
        if frame.kind == "Q":
            answer = self.answers.get(str(info.get("ask")))
            value = answer(str(info.get("room"))) if answer is not None else None
            self.publish(inbox(str(info["from"])), encode("P", frame.sid, {"answer": value}))
            return
        waiting = self._waiting.get(frame.sid)
        if waiting is not None and not waiting.done():
            waiting.set_result(info.get("answer"))
