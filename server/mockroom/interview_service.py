"""Runs each peer room's interview: `interview` messages in, role-filtered `interview-state` out.

The flow itself is the pure `interview` module. This service replays a room's persisted events
into an Interview on first use, persists every new event *before* anyone is told about it (so a
reload, a late observer or a server restart sees the same state), and keeps one timer task per
live room that sleeps until the next deadline and calls `tick`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .banks import Bank, bank_from_dict
from .errors import UserError
from .interview import Event, Interview, InterviewConfig
from .keys import SIGNALING, STORE
from .presence import LiveRoom
from .quotas import check_event_cap
from .signaling import Connection, Signaling
from .store import RoomRecord, Store

log = logging.getLogger(__name__)
EVENT_KIND = "interview"


def now_ms() -> int:
    return int(time.time() * 1000)


def config_for_room(room: RoomRecord) -> InterviewConfig | None:
    """The room's bank with its creation options applied; None for a free conversation."""
    if room.bank is None:
        return None
    bank: Bank = bank_from_dict(room.bank)
    overrides = {
        key: room.options[key] for key in ("think_seconds", "answer_seconds") if key in room.options
    }
    if overrides:
        bank = dataclasses.replace(
            bank, questions=tuple(dataclasses.replace(q, **overrides) for q in bank.questions)
        )
    seed = int(room.id, 16) % (2**31) if room.options.get("shuffle") else None
    return InterviewConfig(
        bank=bank,
        shuffle_seed=seed,
        max_questions=room.options.get("question_count"),
        phone_realism=bool(room.options.get("phone_realism", bank.realism == "phone")),
    )


def load_interview(store: Store, room: RoomRecord) -> Interview | None:
    """Rebuild a room's interview from its stored events (also used by the report)."""
    config = config_for_room(room)
    if config is None:
        return None
    return Interview.replay(config, (e.data for e in store.events(room.id, EVENT_KIND)))


@dataclass
class RoomInterview:
    interview: Interview
    timer: asyncio.Task[None] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)


class InterviewService:
    def __init__(self, store: Store, signaling: Signaling) -> None:
        self.store = store
        self.signaling = signaling
        self.rooms: dict[str, RoomInterview] = {}

    def _room(self, room: RoomRecord) -> RoomInterview | None:
        live = self.rooms.get(room.id)
        if live is None:
            interview = load_interview(self.store, room)
            if interview is None:
                return None
            live = self.rooms[room.id] = RoomInterview(interview)
            live.timer = asyncio.create_task(self._run_clock(room.id, live))
        return live

    # socket side ---------------------------------------------------------------------------
    async def on_join(self, conn: Connection) -> None:
        if conn.grant.room.mode != "peer":
            return
        live = self._room(conn.grant.room)
        await conn.send(self._state_message(live, conn.grant.role.value))

    async def on_leave(self, conn: Connection) -> None:
        if len(conn.room) == 0:  # the room emptied: stop its clock (events are stored)
            live = self.rooms.pop(conn.room.room_id, None)
            if live is not None and live.timer is not None:
                live.timer.cancel()

    async def on_message(self, conn: Connection, message: dict[str, Any]) -> None:
        if conn.grant.room.mode != "peer":
            raise UserError("This room's interviewer is the scripted one.", code="not-available")
        live = self._room(conn.grant.room)
        if live is None:
            raise UserError(
                "This room has no question bank, so there is no interview flow to drive. "
                "Create a room with a bank to use timers and questions.",
                code="no-bank",
            )
        check_event_cap(self.store, self.signaling.settings, conn.room.room_id)
        for event in self._apply(live.interview, conn.grant.role.value, message):
            self.store.append_event(conn.room.room_id, EVENT_KIND, event)
        live.wake.set()  # the next deadline may have moved
        await self.broadcast(conn.room, live)

    def _apply(self, iv: Interview, by: str, message: dict[str, Any]) -> list[Event]:
        action, now = message["action"], now_ms()
        data = message.get("data") or {}
        if action == "start" and data.get("skip_intro") and iv.state.phase == "lobby":
            # "Start interview" goes straight to question 1; introductions are optional.
            return [iv.start(by=by, now=now), iv.begin_question(by=by, now=now)]
        return [self._apply_one(iv, by, action, message, data, now)]

    def _apply_one(
        self,
        iv: Interview,
        by: str,
        action: str,
        message: dict[str, Any],
        data: dict[str, Any],
        now: int,
    ) -> Event:
        if action == "feedback":
            return iv.submit_feedback(by, data, now=now)
        if action == "pick":
            if "question_id" not in message:
                raise UserError("Say which question to ask (question_id).", code="bad-message")
            return iv.pick(message["question_id"], by=by, now=now)
        if action == "next":
            step = data.get("step", "phase")
            if step not in ("phase", "question"):
                raise UserError("next: step must be 'phase' or 'question'.", code="bad-message")
            return iv.next(by=by, now=now, step=step)
        method = getattr(iv, action, None)
        if method is None:  # protocol.py lists the actions; keep them in step with Interview
            raise UserError(f"'{action}' is not an interview action.", code="bad-message")
        event: Event = method(by=by, now=now)
        return event

    def _state_message(self, live: RoomInterview | None, link_role: str) -> dict[str, Any]:
        state = live.interview.view_for(link_role) if live is not None else None
        return {"type": "interview-state", "state": state, "server_time": now_ms()}

    async def broadcast(self, room: LiveRoom, live: RoomInterview) -> None:
        """Each person gets the view for their own link role: hints never reach a candidate."""
        sends = [
            seat.peer.send(self._state_message(live, seat.participant.role.value)) for seat in room
        ]
        await asyncio.gather(*sends)

    # the clock -----------------------------------------------------------------------------
    async def _run_clock(self, room_id: str, live: RoomInterview) -> None:
        while True:
            deadline = live.interview.next_deadline
            live.wake.clear()
            timeout = None if deadline is None else max(0.0, (deadline - now_ms()) / 1000)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(live.wake.wait(), timeout)
                continue  # woken by an action: recompute the deadline
            try:
                events = live.interview.tick(now_ms())
                for event in events:
                    self.store.append_event(room_id, EVENT_KIND, event)
                room = self.signaling.live_room(room_id)
                if events and room is not None:
                    await self.broadcast(room, live)
            except Exception:
                log.exception("interview clock failed", extra={"room": room_id})
                await asyncio.sleep(1)

    async def close(self) -> None:
        for live in self.rooms.values():
            if live.timer is not None:
                live.timer.cancel()
        self.rooms.clear()


INTERVIEWS: web.AppKey[InterviewService] = web.AppKey("interviews", InterviewService)


def setup_interviews(app: web.Application) -> None:
    async def service(app: web.Application) -> AsyncIterator[None]:
        svc = app[INTERVIEWS] = InterviewService(app[STORE], app[SIGNALING])
        signaling = app[SIGNALING]
        signaling.on("interview", svc.on_message)
        signaling.join_hooks.append(svc.on_join)
        signaling.leave_hooks.append(svc.on_leave)
        yield
        await svc.close()

    app.cleanup_ctx.append(service)
