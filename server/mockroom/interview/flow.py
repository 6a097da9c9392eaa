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

The state dataclasses live in `interview.state`, the role-filtered live views in
`interview.views`, the feedback forms' check in `interview.forms` and the role- and phase-filtered
report data in `report_view`.

Halves: a swap hands the questions to the other link; each link's questions form its half, and
each half gets a rating from its interviewer and a self-assessment from its candidate, in the
feedback phase or after `finish` (a late form is never refused). `finish` refuses while a form is
missing unless it carries `force: true` (the interviewer was warned).

Presence: `away` / `back` (by the clock: the server's presence hooks) record a seat that left. While
the acting candidate is away the countdown is *held* (paused by the room) and resumes when they
are back; a countdown that begins while they are away begins held.

Over 400 lines: one method per interview event, each short, all applying the same rules table;
the state, the rules, the views and the forms are already their own modules.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from ..banks.model import Question
from . import report_view
from . import views as interview_views
from .forms import store_feedback
from .rules import (
    CLOCK,
    EVENT_RULES,
    EXTEND_MS,
    LINK_ROLES,
    MAX_EXTEND_MS,
    Event,
    InterviewError,
    Rule,
    checked_shape,
    seat,
)
from .state import (
    PHASES,
    QUESTION_PHASES,
    SEATS,
    TIMED_PHASES,
    AskedQuestion,
    InterviewConfig,
    InterviewState,
    Timer,
    initial_order,
    pending_forms,
)

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
        handler: Callable[[InterviewState, Event], None] = getattr(self, "_on_" + event["type"])
        handler(draft, event)
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

    # ---- handlers: phase and role are already checked --------------------------------------------

    def _on_start(self, s: InterviewState, e: Event) -> None:
        if s.phase == "lobby":
            s.started_at = e["at"]
            s.set_phase("intro")
        else:
            self._advance(s, e["at"])

    def _on_begin_question(self, s: InterviewState, e: Event) -> None:
        self._advance(s, e["at"])

    def _on_next(self, s: InterviewState, e: Event) -> None:
        if e["step"] not in ("phase", "question"):
            raise InterviewError("invalid-event", "next.step must be 'phase' or 'question'.")
        if e["step"] == "phase" and s.phase in TIMED_PHASES:
            self._end_countdown(s, e["at"])
        else:
            self._advance(s, e["at"])

    def _on_done(self, s: InterviewState, e: Event) -> None:
        # The candidate ends think time early ("ready") or the answer early ("done").
        self._end_countdown(s, e["at"])

    def _on_timeout(self, s: InterviewState, e: Event) -> None:
        deadline = s.timer.deadline if s.timer else None
        if e["phase"] != s.phase or deadline is None or e["at"] < deadline:
            raise InterviewError("invalid-event", "No countdown reached zero at that time.")
        self._end_countdown(s, e["at"])

    def _on_repeat(self, s: InterviewState, e: Event) -> None:
        record = s.asked[-1]
        record.repeats += 1
        record.think_ms = record.answer_ms = None  # a retake replaces the previous take
        self._begin_think(s, e["at"])

    def _on_skip(self, s: InterviewState, e: Event) -> None:
        s.asked[-1].skipped = True
        self._advance(s, e["at"])

    def _on_pick(self, s: InterviewState, e: Event) -> None:
        qid = e["question_id"]
        if not isinstance(qid, str) or qid not in self.questions:
            raise InterviewError("unknown-question", f"This bank has no question {qid!r}.")
        if any(record.question_id == qid for record in s.asked):
            raise InterviewError("already-asked", "That question was already asked.")
        if qid in s.order:
            s.order.remove(qid)  # an upcoming question moves up rather than appearing twice
        s.order.insert(s.index + 1, qid)

    def _on_extend(self, s: InterviewState, e: Event) -> None:
        ms = e["ms"]
        if not isinstance(ms, int) or isinstance(ms, bool) or not 0 < ms <= MAX_EXTEND_MS:
            raise InterviewError("invalid-event", "extend.ms must be a positive number of ms.")
        _timer(s).extend(ms, e["at"])
        s.asked[-1].extensions += 1

    def _on_pause(self, s: InterviewState, e: Event) -> None:
        if _timer(s).paused:
            raise InterviewError("already-paused", "The timer is already paused.")
        _timer(s).pause(e["at"])

    def _on_resume(self, s: InterviewState, e: Event) -> None:
        if not _timer(s).paused:
            raise InterviewError("not-paused", "The timer is not paused.")
        _timer(s).resume(e["at"])

    def _on_wrap_up(self, s: InterviewState, e: Event) -> None:
        s.close_question(e["at"])
        s.enter_wrap_up(e["at"])

    def _on_open_feedback(self, s: InterviewState, e: Event) -> None:
        s.set_phase("feedback")

    def _on_finish(self, s: InterviewState, e: Event) -> None:
        if not isinstance(e.get("force", False), bool):
            raise InterviewError("invalid-event", "finish.force must be true or false.")
        s.ended_at = e["at"]
        s.set_phase("done")

    def _on_request_swap(self, s: InterviewState, e: Event) -> None:
        if s.swap_requested_by is not None:
            raise InterviewError("swap-pending", "A swap is already waiting to be confirmed.")
        s.swap_requested_by = e["by"]

    def _on_confirm_swap(self, s: InterviewState, e: Event) -> None:
        if s.swap_requested_by is None:
            raise InterviewError("no-swap-request", "Nobody has asked to swap roles.")
        if s.swap_requested_by == e["by"]:
            raise InterviewError("same-side", "The other person has to confirm the swap.")
        s.swapped = not s.swapped
        s.swap_requested_by = None
        s.swaps.append(e["at"])

    def _on_cancel_swap(self, s: InterviewState, e: Event) -> None:
        # Either side may withdraw or decline; both need a way out of a pending request.
        if s.swap_requested_by is None:
            raise InterviewError("no-swap-request", "Nobody has asked to swap roles.")
        s.swap_requested_by = None

    def _on_feedback(self, s: InterviewState, e: Event) -> None:
        try:
            store_feedback(s, e, self.questions, lenient=self.replaying)
        except ValueError as exc:
            raise InterviewError("invalid-feedback", str(exc)) from None

    def _on_recording(self, s: InterviewState, e: Event) -> None:
        if not isinstance(e["on"], bool):
            raise InterviewError("invalid-event", "recording.on must be true or false.")
        s.recording[e["by"]] = e["on"]

    def _on_away(self, s: InterviewState, e: Event) -> None:
        who = seat(e["who"])
        if who in s.away:
            raise InterviewError("already-away", f"The {who} is already marked away.")
        s.away = sorted({*s.away, who})
        self._hold_if_away(s, e["at"])

    def _on_back(self, s: InterviewState, e: Event) -> None:
        who = seat(e["who"])
        if who not in s.away:
            raise InterviewError("not-away", f"The {who} was not away.")
        s.away = [seat for seat in s.away if seat != who]
        timer = s.timer
        if timer is not None and timer.held and s.acting_candidate not in s.away:
            timer.resume(e["at"])

    def _hold_if_away(self, s: InterviewState, at: int) -> None:
        """A candidate who is gone cannot use their time: the room pauses it for them."""
        timer = s.timer
        if timer is not None and not timer.paused and s.acting_candidate in s.away:
            timer.pause(at)
            timer.held = True

    # ---- moves within and between questions ------------------------------------------------------

    def _advance(self, s: InterviewState, at: int) -> None:
        """Close the current question and begin the next one, or wrap up after the last."""
        s.close_question(at)
        if s.index + 1 >= len(s.order):
            s.enter_wrap_up(at)
            return
        s.index += 1
        interviewer = "candidate" if s.swapped else "interviewer"
        s.asked.append(AskedQuestion(s.order[s.index], interviewer, started_at=at))
        self._begin_think(s, at)

    def _begin_think(self, s: InterviewState, at: int) -> None:
        s.timer = Timer.begin("think", at, self.questions[s.order[s.index]].think_seconds)
        s.set_phase("think")
        self._hold_if_away(s, at)

    def _end_countdown(self, s: InterviewState, at: int) -> None:
        """think -> answer, or answer -> follow_ups."""
        was = s.phase
        s.end_timed_phase(at)
        if was == "think":
            s.timer = Timer.begin("answer", at, self.questions[s.order[s.index]].answer_seconds)
            s.set_phase("answer")
            self._hold_if_away(s, at)
        else:
            s.set_phase("follow_ups")


def _timer(s: InterviewState) -> Timer:
    assert s.timer is not None  # every timed phase has one; EVENT_RULES admits only those
    return s.timer
