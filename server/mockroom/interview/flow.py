"""The interview flow: phases, timers, question order, role swaps and feedback. Pure domain.

Phases: lobby -> intro -> (think -> answer -> follow_ups) per question ... -> wrap_up -> feedback
-> done.

Event sourced: every action method builds a small JSON-able event and hands it to `apply`, the
only code that changes state; `Interview.replay(config, events)` rebuilds identical state, so the
server persists events and replays them after a restart or for a late joiner. Time is injected
(server wall clock, integer ms) and never read here, which is what makes a replay exact.

Timers never advance on their own. A countdown at zero moves the phase (think -> answer,
answer -> follow_ups) only when someone calls `tick(now)`; the server runs one loop per room that
sleeps until `next_deadline` and then calls `tick`, persisting the events it returns like any
other. Keeping the clock outside keeps this module testable without sleeping.

The state dataclasses live in `interview.state`, what each event does to them in
`interview.transitions`, the role-filtered live views in `interview.views`, the feedback forms'
check in `interview.forms` and the role- and phase-filtered report data in `report_view`.

Halves: a swap hands the questions to the other link; each link's questions form its half, and
each half gets a rating from its interviewer and a self-assessment from its candidate, in the
feedback phase or after `finish` (a late form is never refused). `finish` refuses while a form is
missing unless it carries `force: true` (the interviewer was warned).

Presence: `away` / `back` (by the clock: the server's presence hooks) record a seat that left. While
the acting candidate is away the countdown is *held* (paused by the room) and resumes when they
are back; a countdown that begins while they are away begins held.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from ..banks.model import Question
from . import report_view
from . import views as interview_views
from .rules import (
    CLOCK,
    EVENT_RULES,
    EXTEND_MS,
    LINK_ROLES,
    Event,
    InterviewError,
    Rule,
    checked_shape,
)
from .state import (
    PHASES,
    QUESTION_PHASES,
    SEATS,
    AskedQuestion,
    InterviewConfig,
    InterviewState,
    Timer,
    initial_order,
    pending_forms,
)
from .transitions import transition

__all__ = [
    "EVENT_RULES",
    "PHASES",
    "AskedQuestion",
    "Event",
    "Interview",
    "InterviewConfig",
    "InterviewError",
    "InterviewState",
    "Timer",
]


class Interview:
    def __init__(self, config: InterviewConfig, state: InterviewState) -> None:
        self.config = config
        self.state = state
        self.events: list[Event] = []  # every applied event, canonical copies, in order
        self.questions: dict[str, Question] = {q.id: q for q in config.bank.questions}
        self.replaying = False  # reading stored events, some older than today's rules

    @classmethod
    def create(cls, config: InterviewConfig) -> Interview:
        try:
            order = initial_order(config)
        except ValueError as exc:
            raise InterviewError("invalid-config", str(exc)) from None
        return cls(config, InterviewState(order=order))

    @classmethod
    def replay(cls, config: InterviewConfig, events: Iterable[Event]) -> Interview:
        """Rebuild from stored events. Each is checked like a live one, but without the copies
        that make a live action all-or-nothing: a refused stored event fails the whole replay
        anyway, and the copies were most of the cost (security review M8)."""
        interview = cls.create(config)
        interview.replaying = True
        for event in events:
            interview.apply(event, atomic=False)
        interview.replaying = False
        return interview

    # ---- reading ---------------------------------------------------------------------------------

    def acting_role(self, link_role: str) -> str:
        """What the holder of `link_role` does right now: seats flip after a confirmed swap."""
        if link_role not in LINK_ROLES:
            raise InterviewError("unknown-role", f"No such role {link_role!r}.")
        if link_role == "observer" or not self.state.swapped:
            return link_role
        return "candidate" if link_role == "interviewer" else "interviewer"

    @property
    def current_question(self) -> Question | None:
        s = self.state
        return self.questions[s.order[s.index]] if s.phase in QUESTION_PHASES else None

    @property
    def next_deadline(self) -> int | None:
        """When `tick` will next have work to do; a server loop sleeps until then."""
        timer = self.state.timer
        return None if timer is None or timer.paused else timer.deadline

    def allowed_actions(self, link_role: str) -> list[str]:
        """Event types `link_role` may send now (pick and feedback still check their data)."""
        s, acting = self.state, self.acting_role(link_role)
        pending = s.swap_requested_by
        extra: dict[str, bool] = {
            "pause": s.timer is not None and not s.timer.paused,
            "resume": s.timer is not None and s.timer.paused,
            "request_swap": pending is None,
            "confirm_swap": pending is not None and pending != link_role,
            "cancel_swap": pending is not None,
        }
        return [
            kind
            for kind, rule in EVENT_RULES.items()
            if s.phase in rule.phases
            and (rule.who == acting or (rule.who == "seat" and link_role in SEATS))
            and extra.get(kind, True)
        ]

    def view_for(self, link_role: str) -> dict[str, Any]:
        acting = self.acting_role(link_role)
        return interview_views.view(self, link_role, acting, self.allowed_actions(link_role))

    def report_data(self, reader: str) -> dict[str, Any]:
        """The report as the holder of `reader` (a link role) may see it now."""
        self.acting_role(reader)  # refuses an unknown role
        return report_view.report(self, reader)

    # ---- actions: each builds one event and applies it -------------------------------------------

    def _act(self, kind: str, by: str, now: int, **extra: Any) -> Event:
        return self.apply({"type": kind, "at": now, "by": by, **extra})

    def start(self, *, by: str, now: int) -> Event:
        return self._act("start", by, now)

    def begin_question(self, *, by: str, now: int) -> Event:
        return self._act("begin_question", by, now)

    def next(self, *, by: str, now: int, step: str = "phase") -> Event:
        """step "phase": think -> answer -> follow_ups -> next question; "question": jump there."""
        return self._act("next", by, now, step=step)

    def repeat(self, *, by: str, now: int) -> Event:
        return self._act("repeat", by, now)

    def extend(self, *, by: str, now: int) -> Event:
        return self._act("extend", by, now, ms=EXTEND_MS)

    def pause(self, *, by: str, now: int) -> Event:
        return self._act("pause", by, now)

    def resume(self, *, by: str, now: int) -> Event:
        return self._act("resume", by, now)

    def skip(self, *, by: str, now: int) -> Event:
        return self._act("skip", by, now)

    def pick(self, question_id: str, *, by: str, now: int) -> Event:
        return self._act("pick", by, now, question_id=question_id)

    def wrap_up(self, *, by: str, now: int) -> Event:
        return self._act("wrap_up", by, now)

    def open_feedback(self, *, by: str, now: int) -> Event:
        return self._act("open_feedback", by, now)

    def finish(self, *, by: str, now: int, force: bool = False) -> Event:
        """`force`: finish although a feedback form is still missing (its author may send it
        later); without it a missing form is refused with `feedback-pending`.

        The check is the action's, not the event's: a stored `finish` from before this rule
        must still replay."""
        missing = pending_forms(self.state) if self.state.phase == "feedback" else []
        if missing and not force:
            half, link = missing[0]
            form = "self-assessment" if half.form_of(link) == "self" else "rating"
            raise InterviewError(
                "feedback-pending",
                f"A feedback form is not in yet (the {form} of half {half.number}). Wait for it, "
                "or finish anyway: it can still be sent afterwards.",
            )
        return self._act("finish", by, now, **({"force": True} if force else {}))

    def done(self, *, by: str, now: int) -> Event:
        return self._act("done", by, now)

    def request_swap(self, *, by: str, now: int) -> Event:
        return self._act("request_swap", by, now)

    def confirm_swap(self, *, by: str, now: int) -> Event:
        return self._act("confirm_swap", by, now)

    def cancel_swap(self, *, by: str, now: int) -> Event:
        return self._act("cancel_swap", by, now)

    def submit_feedback(
        self, link_role: str, data: dict[str, Any], *, now: int, half: int | None = None
    ) -> Event:
        """One form: for `half` (1-based), else for the last half `link_role` acted in."""
        extra = {"half": half} if half is not None else {}
        return self._act("feedback", link_role, now, data=data, **extra)

    def recording(self, *, by: str, on: bool, now: int) -> Event:
        """`by` answers the recording notice: its answers are recorded (peer rooms) while on."""
        return self._act("recording", by, now, on=on)

    def away(self, who: str, *, now: int) -> Event:
        return self._act("away", CLOCK, now, who=who)

    def back(self, who: str, *, now: int) -> Event:
        return self._act("back", CLOCK, now, who=who)

    def tick(self, now: int) -> list[Event]:
        """Apply every countdown that reached zero by `now`. Each event is dated at its deadline,
        so a late tick (a busy loop, a restart) still records the times the flow should have had."""
        events: list[Event] = []
        while (deadline := self.next_deadline) is not None and now >= deadline:
            event = {"type": "timeout", "at": deadline, "by": CLOCK, "phase": self.state.phase}
            events.append(self.apply(event))
        return events

    # ---- the one place state changes -------------------------------------------------------------

    def apply(self, event: Event, *, atomic: bool = True) -> Event:
        """Check and apply one event, all or nothing; returns a copy of its stored form.

        `atomic=False` (replay only) skips the copies: on an error the state is left half
        changed, and the event object itself is kept."""
        event = checked_shape(event, copy_it=atomic)
        rule = EVENT_RULES[event["type"]]
        self._check_role(rule, event["by"])
        if self.state.phase not in rule.phases:
            phase = self.state.phase.replace("_", " ")
            raise InterviewError("bad-phase", f"You can't {rule.label} now (phase: {phase}).")
        # Handlers mutate a copy, so an error half way leaves the live state untouched.
        draft = copy.deepcopy(self.state) if atomic else self.state
        transition(draft, event, self)
        self.state = draft
        self.events.append(event)
        return copy.deepcopy(event) if atomic else event  # the caller's copy; history stays ours

    def _check_role(self, rule: Rule, by: str) -> None:
        if rule.who == CLOCK or by == CLOCK:
            if rule.who != by:
                raise InterviewError("not-allowed", "Only the room's clock can end a countdown.")
        elif rule.who == "seat":
            if by not in SEATS:
                raise InterviewError("not-allowed", "Observers watch; they cannot do that.")
        elif self.acting_role(by) != rule.who:
            who = "the person interviewing" if rule.who == "interviewer" else "the candidate"
            raise InterviewError("not-allowed", f"Only {who} can do that right now.")
