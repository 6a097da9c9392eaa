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
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import interview_view
from .errors import UserError

if TYPE_CHECKING:
    # Only for the type checker: the flow reads attributes of banks' frozen dataclasses and never
    # builds one, so importing them at run time would only couple the two modules' load order.
    from .banks import Bank, Question

Event = dict[str, Any]

PHASES = ("lobby", "intro", "think", "answer", "follow_ups", "wrap_up", "feedback", "done")
QUESTION_PHASES = frozenset({"think", "answer", "follow_ups"})
TIMED_PHASES = frozenset({"think", "answer"})
# Swapping mid-question would hand the rubric of a half-answered question to its candidate.
SWAP_PHASES = frozenset({"lobby", "intro", "follow_ups"})
SEATS = ("interviewer", "candidate")
LINK_ROLES = (*SEATS, "observer")
CLOCK = "clock"  # the `by` of events produced by tick()
EXTEND_MS = 30_000
MAX_EXTEND_MS = 600_000
MAX_TEXT = 4000
ADVANCE_CHOICES = ("yes", "no", "maybe")

# Who may cause each event, and the extra fields (besides type, at, by) it carries.
# "seat": either the interviewer or the candidate link, whatever they act as.
EVENT_RULES: dict[str, tuple[str, frozenset[str]]] = {
    "start": ("interviewer", frozenset()),
    "begin_question": ("interviewer", frozenset()),
    "next": ("interviewer", frozenset({"step"})),
    "repeat": ("interviewer", frozenset()),
    "extend": ("interviewer", frozenset({"ms"})),
    "pause": ("interviewer", frozenset()),
    "resume": ("interviewer", frozenset()),
    "skip": ("interviewer", frozenset()),
    "pick": ("interviewer", frozenset({"question_id"})),
    "wrap_up": ("interviewer", frozenset()),
    "open_feedback": ("interviewer", frozenset()),
    "finish": ("interviewer", frozenset()),
    "done": ("candidate", frozenset()),
    "timeout": (CLOCK, frozenset({"phase"})),
    "request_swap": ("seat", frozenset()),
    "confirm_swap": ("seat", frozenset()),
    "cancel_swap": ("seat", frozenset()),
    "feedback": ("seat", frozenset({"data"})),
}


class InterviewError(UserError):
    """An action the flow refuses; `code` is stable for clients, `message` is for people."""

    status = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True)
class InterviewConfig:
    bank: Bank
    question_ids: tuple[str, ...] | None = None  # a chosen subset, in this order; None: whole bank
    shuffle_seed: int | None = None  # same seed, same order: replays and every client agree
    max_questions: int | None = None  # cut after ordering, so a seed picks a random subset
    phone_realism: bool = False  # the candidate hears each question but never reads it


@dataclass
class Timer:
    """A countdown in absolute server ms, so every client renders the same second."""

    phase: str
    started_at: int
    duration_ms: int  # grows with each extension
    deadline: int | None  # None while paused
    remaining_ms: int | None = None  # frozen value, only while paused
    paused_at: int | None = None
    paused_total_ms: int = 0

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def elapsed(self, now: int) -> int:
        """Active time so far: pauses excluded, overtime past a zero nobody ticked included."""
        end = self.paused_at if self.paused_at is not None else now
        return max(0, end - self.started_at - self.paused_total_ms)

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "started_at": self.started_at,
            "deadline": self.deadline,
            "duration_ms": self.duration_ms,
            "paused": self.paused,
            "remaining_ms": self.remaining_ms,
        }


@dataclass
class AskedQuestion:
    """One line of the log that feeds the report. Durations are of the last take."""

    question_id: str
    interviewer: str  # the link role acting as interviewer when the question began
    started_at: int
    ended_at: int | None = None
    think_ms: int | None = None
    answer_ms: int | None = None
    skipped: bool = False
    repeats: int = 0
    extensions: int = 0


@dataclass
class InterviewState:
    order: list[str]  # question ids: already asked, current, then upcoming
    phase: str = "lobby"
    index: int = -1  # position of the current question in `order`; -1 before the first
    timer: Timer | None = None
    swapped: bool = False  # True while the candidate link acts as interviewer
    swap_requested_by: str | None = None  # link role waiting for the other side to confirm
    asked: list[AskedQuestion] = field(default_factory=list)
    feedback: dict[str, dict[str, Any]] = field(default_factory=dict)  # form -> checked data
    swaps: list[int] = field(default_factory=list)  # when each confirmed swap happened
    started_at: int | None = None
    wrap_up_at: int | None = None
    ended_at: int | None = None


def initial_order(config: InterviewConfig) -> list[str]:
    bank_ids = [q.id for q in config.bank.questions]
    ids = list(bank_ids if config.question_ids is None else config.question_ids)
    unknown = [qid for qid in ids if qid not in bank_ids]
    if unknown:
        raise InterviewError("invalid-config", f"Bank has no question {unknown[0]!r}.")
    if len(set(ids)) != len(ids):
        raise InterviewError("invalid-config", "A question is listed twice.")
    if config.shuffle_seed is not None:
        # A private Random: the global one would make the order depend on unrelated callers.
        random.Random(config.shuffle_seed).shuffle(ids)
    if config.max_questions is not None:
        if config.max_questions < 1:
            raise InterviewError("invalid-config", "max_questions must be at least 1.")
        ids = ids[: config.max_questions]
    return ids


class Interview:
    def __init__(self, config: InterviewConfig, state: InterviewState) -> None:
        self.config = config
        self.state = state
        self.events: list[Event] = []
        self.questions: dict[str, Question] = {q.id: q for q in config.bank.questions}

    @classmethod
    def create(cls, config: InterviewConfig) -> Interview:
        return cls(config, InterviewState(order=initial_order(config)))

    @classmethod
    def replay(cls, config: InterviewConfig, events: Iterable[Event]) -> Interview:
        interview = cls.create(config)
        for event in events:
            interview.apply(event)
        return interview

    # ---- reading -------------------------------------------------------------------------------

    def acting_role(self, link_role: str) -> str:
        """What the holder of `link_role` does right now: roles flip after a confirmed swap."""
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
        if timer is None or timer.paused or self.state.phase not in TIMED_PHASES:
            return None
        return timer.deadline

    def view_for(self, link_role: str) -> dict[str, Any]:
        return interview_view.view(self, link_role, self.acting_role(link_role))

    def report_data(self) -> dict[str, Any]:
        return interview_view.report(self)

    # ---- actions: each builds one event and applies it ------------------------------------------

    def _act(self, kind: str, by: str, now: int, **extra: Any) -> Event:
        return self.apply({"type": kind, "at": now, "by": by, **extra})

    def start(self, *, by: str, now: int) -> Event:
        return self._act("start", by, now)

    def begin_question(self, *, by: str, now: int) -> Event:
        return self._act("begin_question", by, now)

    def next(self, *, by: str, now: int, step: str = "phase") -> Event:
        """step "phase": think -> answer -> follow_ups -> next question; "question": jump."""
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

    def finish(self, *, by: str, now: int) -> Event:
        return self._act("finish", by, now)

    def done(self, *, by: str, now: int) -> Event:
        return self._act("done", by, now)

    def request_swap(self, *, by: str, now: int) -> Event:
        return self._act("request_swap", by, now)

    def confirm_swap(self, *, by: str, now: int) -> Event:
        return self._act("confirm_swap", by, now)

    def cancel_swap(self, *, by: str, now: int) -> Event:
        return self._act("cancel_swap", by, now)

    def submit_feedback(self, link_role: str, data: dict[str, Any], *, now: int) -> Event:
        return self._act("feedback", link_role, now, data=data)

    def tick(self, now: int) -> list[Event]:
        """Apply every countdown that reached zero by `now`; each event is dated at its deadline,
        so a late tick (a busy loop, a restart) still yields the times the flow should have had."""
        events: list[Event] = []
        while (deadline := self.next_deadline) is not None and now >= deadline:
            event = {"type": "timeout", "at": deadline, "by": CLOCK, "phase": self.state.phase}
            events.append(self.apply(event))
        return events

    # ---- the one place state changes -------------------------------------------------------------

    def apply(self, event: Event) -> Event:
        """Check and apply one event; returns the stored (canonical) copy. All or nothing."""
        event = _checked_shape(event)
        self._check_role(event)
        # Handlers mutate a copy, so an error half way leaves the live state untouched.
        draft = copy.deepcopy(self.state)
        handler: Callable[[InterviewState, Event], None] = getattr(self, "_on_" + event["type"])
        handler(draft, event)
        self.state = draft
        self.events.append(event)
        return event

    def _check_role(self, event: Event) -> None:
        need, by = EVENT_RULES[event["type"]][0], event["by"]
        if need == CLOCK or by == CLOCK:
            if need != by:
                raise InterviewError("not-allowed", "Only the room's clock can end a countdown.")
        elif need == "seat":
            if by not in SEATS:
                raise InterviewError("not-allowed", "Observers watch; they cannot do that.")
        elif self.acting_role(by) != need:
            who = "the person interviewing" if need == "interviewer" else "the candidate"
            raise InterviewError("not-allowed", f"Only {who} can do that right now.")

    # ---- handlers --------------------------------------------------------------------------------

    def _on_start(self, s: InterviewState, e: Event) -> None:
        if s.phase == "lobby":
            s.started_at = e["at"]
            _set_phase(s, "intro")
        elif s.phase == "intro":
            self._advance(s, e["at"])
        else:
            _bad_phase(s, "start")

    def _on_begin_question(self, s: InterviewState, e: Event) -> None:
        if s.phase != "intro":
            _bad_phase(s, "begin the first question")
        self._advance(s, e["at"])

    def _on_next(self, s: InterviewState, e: Event) -> None:
        step, at = e["step"], e["at"]
        if step not in ("phase", "question"):
            raise InterviewError("invalid-event", "next.step must be 'phase' or 'question'.")
        if s.phase == "think" and step == "phase":
            self._to_answer(s, at)
        elif s.phase == "answer" and step == "phase":
            _to_follow_ups(s, at)
        elif s.phase == "intro" or s.phase in QUESTION_PHASES:
            self._advance(s, at)
        else:
            _bad_phase(s, "move on")

    def _on_done(self, s: InterviewState, e: Event) -> None:
        # The candidate ends think time early ("ready") or the answer early ("done").
        if s.phase == "think":
            self._to_answer(s, e["at"])
        elif s.phase == "answer":
            _to_follow_ups(s, e["at"])
        else:
            _bad_phase(s, "finish an answer")

    def _on_timeout(self, s: InterviewState, e: Event) -> None:
        timer = s.timer
        if (
            e["phase"] != s.phase
            or timer is None
            or timer.deadline is None
            or e["at"] < timer.deadline
        ):
            raise InterviewError("invalid-event", "No countdown reached zero at that time.")
        if s.phase == "think":
            self._to_answer(s, e["at"])
        else:
            _to_follow_ups(s, e["at"])

    def _on_repeat(self, s: InterviewState, e: Event) -> None:
        if s.phase not in QUESTION_PHASES:
            _bad_phase(s, "repeat a question")
        record = s.asked[-1]
        record.repeats += 1
        record.think_ms = record.answer_ms = None  # a retake replaces the previous take
        self._start_think(s, e["at"])

    def _on_skip(self, s: InterviewState, e: Event) -> None:
        if s.phase not in TIMED_PHASES:
            _bad_phase(s, "skip a question")
        s.asked[-1].skipped = True
        self._advance(s, e["at"])

    def _on_pick(self, s: InterviewState, e: Event) -> None:
        qid = e["question_id"]
        if s.phase not in ("lobby", "intro", *QUESTION_PHASES):
            _bad_phase(s, "pick a question")
        if not isinstance(qid, str) or qid not in self.questions:
            raise InterviewError("unknown-question", f"This bank has no question {qid!r}.")
        if any(r.question_id == qid for r in s.asked):
            raise InterviewError("already-asked", "That question was already asked.")
        if qid in s.order:
            s.order.remove(qid)  # an upcoming question moves up rather than appearing twice
        s.order.insert(s.index + 1, qid)

    def _on_extend(self, s: InterviewState, e: Event) -> None:
        timer, ms, at = _running_timer(s, "extend"), e["ms"], e["at"]
        if not isinstance(ms, int) or isinstance(ms, bool) or not 0 < ms <= MAX_EXTEND_MS:
            raise InterviewError("invalid-event", "extend.ms must be a positive number of ms.")
        if timer.deadline is None:
            assert timer.remaining_ms is not None
            timer.remaining_ms += ms
            timer.duration_ms += ms
        else:
            # Past zero (nobody ticked), "+30 s" means 30 s from now, not from the old deadline.
            new_deadline = max(timer.deadline, at) + ms
            timer.duration_ms += new_deadline - timer.deadline
            timer.deadline = new_deadline
        s.asked[-1].extensions += 1

    def _on_pause(self, s: InterviewState, e: Event) -> None:
        timer = _running_timer(s, "pause")
        if timer.deadline is None:
            raise InterviewError("already-paused", "The timer is already paused.")
        timer.remaining_ms = max(0, timer.deadline - e["at"])
        timer.paused_at, timer.deadline = e["at"], None

    def _on_resume(self, s: InterviewState, e: Event) -> None:
        timer = _running_timer(s, "resume")
        if timer.paused_at is None or timer.remaining_ms is None:
            raise InterviewError("not-paused", "The timer is not paused.")
        timer.paused_total_ms += max(0, e["at"] - timer.paused_at)
        timer.deadline = e["at"] + timer.remaining_ms
        timer.paused_at = timer.remaining_ms = None

    def _on_wrap_up(self, s: InterviewState, e: Event) -> None:
        if s.phase != "intro" and s.phase not in QUESTION_PHASES:
            _bad_phase(s, "wrap up")
        _close_current(s, e["at"])
        _enter_wrap_up(s, e["at"])

    def _on_open_feedback(self, s: InterviewState, e: Event) -> None:
        if s.phase != "wrap_up":
            _bad_phase(s, "open feedback")
        _set_phase(s, "feedback")

    def _on_finish(self, s: InterviewState, e: Event) -> None:
        if s.phase != "feedback":
            _bad_phase(s, "finish")
        s.ended_at = e["at"]
        _set_phase(s, "done")

    def _on_request_swap(self, s: InterviewState, e: Event) -> None:
        if s.phase not in SWAP_PHASES:
            _bad_phase(s, "swap roles")
        if s.swap_requested_by is not None:
            raise InterviewError("swap-pending", "A swap is already waiting to be confirmed.")
        s.swap_requested_by = e["by"]

    def _on_confirm_swap(self, s: InterviewState, e: Event) -> None:
        if s.phase not in SWAP_PHASES:
            _bad_phase(s, "swap roles")
        if s.swap_requested_by is None:
            raise InterviewError("no-swap-request", "Nobody asked to swap roles.")
        if s.swap_requested_by == e["by"]:
            raise InterviewError("same-side", "The other person has to confirm the swap.")
        s.swapped = not s.swapped
        s.swap_requested_by = None
        s.swaps.append(e["at"])

    def _on_cancel_swap(self, s: InterviewState, e: Event) -> None:
        # Either side may withdraw or decline; both need a way out of a pending request.
        if s.swap_requested_by is None:
            raise InterviewError("no-swap-request", "Nobody asked to swap roles.")
        s.swap_requested_by = None

    def _on_feedback(self, s: InterviewState, e: Event) -> None:
        if s.phase != "feedback":
            _bad_phase(s, "give feedback")
        form = self.acting_role(e["by"])
        rubric_sizes = {r.question_id: len(self.questions[r.question_id].rubric) for r in s.asked}
        e["data"] = interview_view.checked_feedback(form, e["data"], rubric_sizes)
        s.feedback[form] = {"by": e["by"], "at": e["at"], **e["data"]}

    # ---- moves between questions -------------------------------------------------------------------

    def _advance(self, s: InterviewState, at: int) -> None:
        """Close the current question and begin the next one, or wrap up after the last."""
        _close_current(s, at)
        s.index += 1
        if s.index >= len(s.order):
            s.index = len(s.order) - 1
            _enter_wrap_up(s, at)
            return
        interviewer = "candidate" if s.swapped else "interviewer"
        s.asked.append(AskedQuestion(s.order[s.index], interviewer, started_at=at))
        self._start_think(s, at)

    def _start_think(self, s: InterviewState, at: int) -> None:
        ms = self.questions[s.order[s.index]].think_seconds * 1000
        s.timer = Timer("think", at, ms, deadline=at + ms)
        _set_phase(s, "think")

    def _to_answer(self, s: InterviewState, at: int) -> None:
        assert s.timer is not None
        s.asked[-1].think_ms = s.timer.elapsed(at)
        ms = self.questions[s.order[s.index]].answer_seconds * 1000
        s.timer = Timer("answer", at, ms, deadline=at + ms)
        _set_phase(s, "answer")


def _to_follow_ups(s: InterviewState, at: int) -> None:
    assert s.timer is not None
    s.asked[-1].answer_ms = s.timer.elapsed(at)
    s.timer = None
    _set_phase(s, "follow_ups")


def _close_current(s: InterviewState, at: int) -> None:
    if s.phase not in QUESTION_PHASES:
        return
    record = s.asked[-1]
    if s.timer is not None:
        if s.phase == "think":
            record.think_ms = s.timer.elapsed(at)
        else:
            record.answer_ms = s.timer.elapsed(at)
    record.ended_at = at
    s.timer = None


def _enter_wrap_up(s: InterviewState, at: int) -> None:
    s.timer = None
    s.wrap_up_at = at
    _set_phase(s, "wrap_up")


def _set_phase(s: InterviewState, phase: str) -> None:
    s.phase = phase
    if phase not in SWAP_PHASES:
        s.swap_requested_by = None  # a request must not linger into a phase that forbids swaps


def _running_timer(s: InterviewState, what: str) -> Timer:
    if s.phase not in TIMED_PHASES or s.timer is None:
        raise InterviewError("no-timer", f"There is no countdown to {what} right now.")
    return s.timer


def _bad_phase(s: InterviewState, what: str) -> None:
    raise InterviewError("bad-phase", f"You can't {what} now (phase: {s.phase.replace('_', ' ')}).")


def _checked_shape(event: Any) -> Event:
    if not isinstance(event, dict):
        raise InterviewError("invalid-event", "An event must be an object.")
    kind = event.get("type")
    if kind not in EVENT_RULES:
        raise InterviewError("invalid-event", f"Unknown event type {kind!r}.")
    at, by = event.get("at"), event.get("by")
    if not isinstance(at, int) or isinstance(at, bool) or at < 0:
        raise InterviewError("invalid-event", f"{kind}.at must be a time in ms.")
    if by not in (*LINK_ROLES, CLOCK):
        raise InterviewError("unknown-role", f"No such role {by!r}.")
    fields = EVENT_RULES[kind][1]
    if set(event) != {"type", "at", "by", *fields}:
        raise InterviewError("invalid-event", f"{kind} carries exactly: {sorted(fields)}.")
    # Our own copy: a caller mutating its dict later must not rewrite history.
    return copy.deepcopy(event)
