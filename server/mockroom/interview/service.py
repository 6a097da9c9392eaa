"""Runs each peer room's interview: `interview` messages in, role-filtered `interview-state` out.

The flow itself is the pure `interview` module. This service replays a room's persisted events
into an Interview on first use, persists every new event *before* anyone is told about it (so a
reload, a late observer or a server restart sees the same state), and keeps one timer task per
live room that sleeps until the next deadline and calls `tick`.

Presence (signaling's join/leave hooks): a seat that leaves is "reconnecting" for a grace period
(PRESENCE_GRACE_S: a reload or a network blip must not flicker the countdown), then recorded
`away`; while the acting candidate is away their countdown is held, and it resumes when they
are back. When the room empties, the leaver is recorded away at once: nobody is watching.

A room that re-forms after its node died (kill -9, a crash: no leave was ever recorded) gives the
seats the store still shows present that grace too, from the first socket back, a longer one
(REFORM_GRACE_S: every browser is finding the restarted node at once); the countdown goes on
meanwhile from its persisted timestamps, as if the node had never gone.

Bounded (security review M8): a room's log holds at most max_events_per_room events (quotas.py)
and a room accepts ACTION_BURST actions at once, ACTIONS_PER_S sustained; beyond that a clear
error frame. Reports
of a live room read the live Interview instead of replaying the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ..clock import now_ms, sleep_until
from ..errors import UserError
from ..keys import STORE
from ..quotas import check_event_cap, event_cap
from ..roles import Mode, Role
from ..signaling.presence import LiveRoom
from ..signaling.service import SIGNALING, Connection, Signaling
from ..storage.interface import RoomRecord, Store
from .config import EVENT_KIND, INTERVIEW_SOURCE, load_interview
from .flow import Event, Interview
from .state import SEATS

log = logging.getLogger(__name__)
# A reload takes 1-3 s on loopback and a phone; 5 s covers it, and costs a candidate who really
# left at most 5 s of their countdown.
PRESENCE_GRACE_S = 5.0
# After a node died its browsers come back on their reconnect backoff (web/src/reconnect.js,
# capped at 3 s) once a node answers again, slower on a loaded machine: 10 s covers both seats.
REFORM_GRACE_S = 10.0
ACTION_BURST = 20  # a burst of "+30 s" clicks is fine ...
ACTIONS_PER_S = 4.0  # ... a script sending hundreds a second is not


class ActionBudget:
    """A token bucket: `burst` actions at once, `per_s` sustained."""

    def __init__(self, burst: int = ACTION_BURST, per_s: float = ACTIONS_PER_S) -> None:
        self.burst, self.per_s = burst, per_s
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_s)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass
class RoomInterview:
    interview: Interview
    timer: asyncio.Task[None] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    grace: dict[str, asyncio.Task[None]] = field(default_factory=dict)  # seat -> pending "away"
    names: dict[str, str] = field(default_factory=dict)  # seat -> the name it last joined with
    budget: ActionBudget = field(default_factory=ActionBudget)
    # Events are applied in memory, then appended: the lock (FIFO) keeps the log in the order
    # they were applied while each append awaits its round trip.
    log_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class InterviewService:
    def __init__(
        self,
        store: Store,
        signaling: Signaling,
        grace_s: float = PRESENCE_GRACE_S,
        reform_grace_s: float = REFORM_GRACE_S,
    ) -> None:
        self.store = store
        self.signaling = signaling
        self.grace_s = grace_s
        self.reform_grace_s = reform_grace_s
        self.rooms: dict[str, RoomInterview] = {}
        self._loading: dict[str, asyncio.Task[RoomInterview | None]] = {}

    async def interview_for(self, room: RoomRecord) -> Interview | None:
        """The room's interview for reading (reports): the live one, else a replay of its
        bounded log. Callers must not change it."""
        live = self.rooms.get(room.id)
        return live.interview if live is not None else await load_interview(self.store, room)

    async def _room(self, room: RoomRecord) -> RoomInterview | None:
        """The live interview, loaded once: sockets that arrive together await one load."""
        live = self.rooms.get(room.id)
        if live is not None:
            return live
        loading = self._loading.get(room.id)
        if loading is None:
            loading = self._loading[room.id] = asyncio.create_task(self._load(room))
            loading.add_done_callback(lambda _: self._loading.pop(room.id, None))
        return await asyncio.shield(loading)

    async def _load(self, room: RoomRecord) -> RoomInterview | None:
        interview = await load_interview(self.store, room)
        if interview is None:
            return None
        live = self.rooms[room.id] = RoomInterview(interview)
        live.timer = asyncio.create_task(self._run_clock(room.id, live))
        await self._await_stranded_seats(room.id, live)
        return live

    async def _await_stranded_seats(self, room_id: str, live: RoomInterview) -> None:
        """Seats that were in the room when its node died (joined, never left, not here now)
        are "reconnecting", not gone: the grace a dropped socket gets, from now."""
        here = self.signaling.live_room(room_id)
        for row in await self.store.participants(room_id):
            link = row["role"]
            if row["left_at"] is not None or link not in SEATS or link in live.grace:
                continue
            if here is not None and here.by_role(Role(link)):
                continue
            live.names.setdefault(link, row["name"])
            live.grace[link] = asyncio.create_task(
                self._away_after_grace(room_id, live, link, self.reform_grace_s)
            )

    async def _record(self, room_id: str, live: RoomInterview, event: Event) -> None:
        await self._append(room_id, live, event)
        live.wake.set()  # the next deadline may have moved

    async def _append(self, room_id: str, live: RoomInterview, event: Event) -> None:
        async with live.log_lock:
            await self.store.append_event(room_id, EVENT_KIND, event)

    # presence ------------------------------------------------------------------------------
    async def on_join(self, conn: Connection) -> None:
        if conn.grant.room.mode != Mode.PEER:
            return
        link = conn.grant.role.value
        live = await self._room(conn.grant.room)
        if live is None or link not in SEATS:
            await conn.send(self._state_message(live, link, conn.room))
            return
        live.names[link] = conn.participant.name
        task = live.grace.pop(link, None)
        changed = task is not None
        if task is not None:
            task.cancel()  # back within the grace period: nothing was recorded
        if link in live.interview.state.away:
            await self._record(conn.room.room_id, live, live.interview.back(link, now=now_ms()))
            changed = True
        if changed:  # the others stop showing "reconnecting" / "left"
            await self.broadcast(conn.room, live)
        else:
            await conn.send(self._state_message(live, link, conn.room))

    async def on_leave(self, conn: Connection) -> None:
        room_id, link = conn.room.room_id, conn.grant.role.value
        live = self.rooms.get(room_id)
        if live is None:
            return
        if len(conn.room) == 0:  # the room emptied: record who left, stop its clock
            for seat in {link, *live.grace} & set(SEATS):
                await self._mark_away(room_id, live, seat)
            if len(conn.room) == 0 and self.rooms.get(room_id) is live:  # nobody came back
                self._dispose(room_id)
            return
        if link in SEATS and not conn.room.by_role(Role(link)):
            live.grace[link] = asyncio.create_task(
                self._away_after_grace(room_id, live, link, self.grace_s)
            )
            await self.broadcast(conn.room, live)

    async def _away_after_grace(
        self, room_id: str, live: RoomInterview, link: str, grace_s: float
    ) -> None:
        await asyncio.sleep(grace_s)
        live.grace.pop(link, None)
        await self._mark_away(room_id, live, link)
        room = self.signaling.live_room(room_id)
        if room is not None:
            await self.broadcast(room, live)

    async def _mark_away(self, room_id: str, live: RoomInterview, link: str) -> None:
        task = live.grace.pop(link, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        iv = live.interview
        # Presence is advisory: a full log only loses the hold, never an action.
        if link not in iv.state.away and len(iv.events) < event_cap(self.signaling.settings):
            await self._record(room_id, live, iv.away(link, now=now_ms()))

    def _dispose(self, room_id: str) -> None:
        live = self.rooms.pop(room_id, None)
        if live is None:
            return
        for task in (live.timer, *live.grace.values()):
            if task is not None:
                task.cancel()
        live.grace.clear()

    # actions -------------------------------------------------------------------------------

    async def on_message(self, conn: Connection, message: dict[str, Any]) -> None:
        if conn.grant.room.mode != Mode.PEER:
            raise UserError("This room's interviewer is the scripted one.", code="not-available")
        live = await self._room(conn.grant.room)
        if live is None:
            raise UserError(
                "This room has no question bank, so there is no interview flow to drive. "
                "Create a room with a bank to use timers and questions.",
                code="no-bank",
            )
        check_event_cap(self.signaling.settings, len(live.interview.events))
        if not live.budget.take():
            raise UserError(
                "Too many interview actions in a short time; wait a moment and try again.",
                code="rate-limited",
            )
        for event in self._apply(live.interview, conn.grant.role.value, message):
            await self._record(conn.room.room_id, live, event)
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
            half = data.get("half")
            form = {key: value for key, value in data.items() if key != "half"}
            return iv.submit_feedback(by, form, now=now, half=half)
        if action == "finish":
            return iv.finish(by=by, now=now, force=data.get("force") is True)
        if action == "recording":
            if not isinstance(data.get("on"), bool):
                raise UserError("recording: data.on must be true or false.", code="bad-message")
            return iv.recording(by=by, on=data["on"], now=now)
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
        # signaling/protocol.py lists the actions; keep them in step with Interview.
        if method is None:
            raise UserError(f"'{action}' is not an interview action.", code="bad-message")
        event: Event = method(by=by, now=now)
        return event

    def _state_message(
        self, live: RoomInterview | None, link_role: str, room: LiveRoom
    ) -> dict[str, Any]:
        state = None
        if live is not None:
            state = live.interview.view_for(link_role)
            state["people"] = self._people(live, room)
        return {"type": "interview-state", "state": state, "server_time": now_ms()}

    def _people(self, live: RoomInterview, room: LiveRoom) -> dict[str, Any]:
        """Per seat: name, and whether they are here, reconnecting or gone (for "Ben left")."""
        people = {}
        for link in SEATS:
            seats = room.by_role(Role(link))
            name = seats[0].participant.name if seats else live.names.get(link)
            people[link] = {
                "name": name,
                "present": bool(seats),
                "reconnecting": link in live.grace,
                "away": link in live.interview.state.away,
            }
        return people

    async def broadcast(self, room: LiveRoom, live: RoomInterview) -> None:
        """Each person gets the view for their own link role: hints never reach a candidate."""
        sends = [
            seat.peer.send(self._state_message(live, seat.participant.role.value, room))
            for seat in room
        ]
        await asyncio.gather(*sends)

    # the clock -----------------------------------------------------------------------------
    async def _run_clock(self, room_id: str, live: RoomInterview) -> None:
        while True:
            deadline = live.interview.next_deadline
            if await sleep_until(deadline, live.wake):
                continue  # woken by an action: recompute the deadline
            try:
                events = live.interview.tick(now_ms())
                for event in events:
                    await self._append(room_id, live, event)  # no wake: we are it
                room = self.signaling.live_room(room_id)
                if events and room is not None:
                    await self.broadcast(room, live)
            except Exception:
                log.exception("interview clock failed", extra={"room": room_id})
                await asyncio.sleep(1)

    async def close(self) -> None:
        for room_id in list(self.rooms):
            self._dispose(room_id)


INTERVIEWS: web.AppKey[InterviewService] = web.AppKey("interviews", InterviewService)


def setup_interviews(app: web.Application) -> None:
    async def service(app: web.Application) -> AsyncIterator[None]:
        svc = app[INTERVIEWS] = InterviewService(app[STORE], app[SIGNALING])
        app[INTERVIEW_SOURCE] = svc
        app[SIGNALING].add_service(
            "interview", svc.on_message, on_join=svc.on_join, on_leave=svc.on_leave
        )
        yield
        await svc.close()

    app.cleanup_ctx.append(service)
