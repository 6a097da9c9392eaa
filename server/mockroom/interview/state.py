"""The interview's state as plain data: timers, asked questions, halves and feedback.

`interview/flow.py` holds the rules (which event is allowed when, by whom); this module holds the
state those rules change, with its timer arithmetic and the split of a session into halves. What
each role may *see* of it lives in `views` (the live view) and `report_view` (the report); the
feedback form's check in `interview.forms`.

Halves: a peer session is practised both ways. Every asked question records which link
interviewed it; the questions one link interviewed form that link's half, numbered in the order
the halves began. Each half has its own feedback in both directions: its interviewer rates the
answers ("rating"), its candidate assesses their own ("self").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..clock import timer_wire
from ..rooms.options import asking_order

if TYPE_CHECKING:
    from ..banks.model import Bank, Question

PHASES = ("lobby", "intro", "think", "answer", "follow_ups", "wrap_up", "feedback", "done")
QUESTION_PHASES = frozenset({"think", "answer", "follow_ups"})
TIMED_PHASES = frozenset({"think", "answer"})
# Swapping mid-question would hand the rubric of a half-answered question to its candidate.
SWAP_PHASES = frozenset({"lobby", "intro", "follow_ups"})

PHONE_PROMPT = "Listen to your interviewer"
MAX_TEXT = 4000
ADVANCE_CHOICES = ("yes", "no", "maybe")
SEATS = ("interviewer", "candidate")
RATING, SELF = "rating", "self"  # the two feedback forms of a half

# (id, text): the id lets a browser remember what was ticked without matching on wording.
RECRUITER_CHECKLIST = (
    ("open-questions", 'Ask open questions ("Tell me about a time..."), not yes/no ones.'),
    ("purpose", "Know what each question should tell you before you ask it."),
    ("listen", "Listen actively: follow up on what you just heard instead of reading ahead."),
    ("pace", "Speak slowly and leave silence; thinking time is part of the answer."),
    ("salary", "Ask about salary expectations early, and be open about the real range."),
    ("next-steps", "Close by explaining the next steps and when they will hear back."),
    ("notes", "Take notes as you go; you will need them for the feedback form."),
)
CANDIDATE_CHECKLIST = (
    ("job-description", "The job description is open where you can glance at it."),
    ("resume", "Your resume is at hand: the same version you sent."),
    ("star-stories", "Three STAR stories ready: situation, task, action, result."),
    ("questions", "Two or three questions of your own for the interviewer."),
    ("quiet-room", "A quiet room, notifications off, nothing else open to multitask with."),
    ("devices", "Laptop and phone charged, headphones and microphone tested."),
)


# ---- state ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InterviewConfig:
    bank: Bank
    question_ids: tuple[str, ...] | None = None  # a chosen subset, in this order; None: whole bank
    shuffle_seed: int | None = None  # same seed, same order: replays and every client agree
    max_questions: int | None = None  # cut after ordering, so a seed picks a random subset
    phone_realism: bool = False  # the candidate hears each question but never reads it


def initial_order(config: InterviewConfig) -> list[str]:
    """The question ids in asking order; ValueError for a config that names what isn't there."""
    bank_ids = [q.id for q in config.bank.questions]
    ids = list(bank_ids if config.question_ids is None else config.question_ids)
    unknown = [qid for qid in ids if qid not in bank_ids]
    if unknown:
        raise ValueError(f"The bank has no question {unknown[0]!r}.")
    if len(set(ids)) != len(ids):
        raise ValueError("A question is listed twice.")
    if config.max_questions is not None and config.max_questions < 1:
        raise ValueError("max_questions must be at least 1.")
    return asking_order(ids, config.shuffle_seed, config.max_questions)


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
    held: bool = False  # paused by the room, not a person: the acting candidate is away

    @classmethod
    def begin(cls, phase: str, at: int, seconds: int) -> Timer:
        return cls(phase, at, seconds * 1000, deadline=at + seconds * 1000)

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def pause(self, at: int) -> None:
        assert self.deadline is not None
        self.remaining_ms = max(0, self.deadline - at)
        self.paused_at, self.deadline = at, None

    def resume(self, at: int) -> None:
        assert self.paused_at is not None and self.remaining_ms is not None
        self.paused_total_ms += max(0, at - self.paused_at)
        self.deadline = at + self.remaining_ms
        self.paused_at = self.remaining_ms = None
        self.held = False

    def extend(self, ms: int, at: int) -> None:
        if self.deadline is None:
            assert self.remaining_ms is not None
            self.remaining_ms += ms
            self.duration_ms += ms
            return
        # Past zero (nobody ticked), "+30 s" means 30 s from now, not from the old deadline.
        new_deadline = max(self.deadline, at) + ms
        self.duration_ms += new_deadline - self.deadline
        self.deadline = new_deadline

    def elapsed(self, now: int) -> int:
        """Active time so far: pauses excluded, overtime past a zero nobody ticked included."""
        end = self.paused_at if self.paused_at is not None else now
        return max(0, end - self.started_at - self.paused_total_ms)

    def to_dict(self) -> dict[str, Any]:
        return timer_wire(
            phase=self.phase,
            started_at=self.started_at,
            deadline=self.deadline,
            duration_ms=self.duration_ms,
            remaining_ms=self.remaining_ms,
            held=self.held,
        )


@dataclass
class AskedQuestion:
    """One line of the log that feeds the report. Durations are those of the last take."""

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
    order: list[str]  # question ids: asked ones, the current one, then upcoming ones
    phase: str = "lobby"
    index: int = -1  # position of the current question in `order`; -1 before the first
    timer: Timer | None = None
    swapped: bool = False  # True while the candidate link acts as interviewer
    swap_requested_by: str | None = None  # link role waiting for the other side to confirm
    asked: list[AskedQuestion] = field(default_factory=list)
    # half (its interviewer's link role) -> submitting link role -> {by, at, half, form, answers}
    feedback: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    swaps: list[int] = field(default_factory=list)  # when each confirmed swap happened
    away: list[str] = field(default_factory=list)  # seats that left and have not come back
    # link role -> its answer to the recording notice (missing: not asked yet); peer rooms
    # record a link's answers only while it says True (recordings/peer.py)
    recording: dict[str, bool] = field(default_factory=dict)
    started_at: int | None = None
    wrap_up_at: int | None = None
    ended_at: int | None = None

    @property
    def acting_interviewer(self) -> str:
        return "candidate" if self.swapped else "interviewer"

    @property
    def acting_candidate(self) -> str:
        return "interviewer" if self.swapped else "candidate"

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        if phase not in SWAP_PHASES:
            self.swap_requested_by = None  # a request must not linger where swaps are refused

    def end_timed_phase(self, at: int) -> None:
        """Log the active time of the running think or answer countdown and drop it."""
        if self.timer is not None:
            record = self.asked[-1]
            if self.timer.phase == "think":
                record.think_ms = self.timer.elapsed(at)
            else:
                record.answer_ms = self.timer.elapsed(at)
        self.timer = None

    def close_question(self, at: int) -> None:
        if self.phase in QUESTION_PHASES:
            self.end_timed_phase(at)
            self.asked[-1].ended_at = at

    def enter_wrap_up(self, at: int) -> None:
        self.timer = None
        self.wrap_up_at = at
        self.set_phase("wrap_up")


# ---- halves --------------------------------------------------------------------------------------


def other_seat(link_role: str) -> str:
    return "candidate" if link_role == "interviewer" else "interviewer"


@dataclass(frozen=True)
class Half:
    number: int  # 1-based, in the order the halves began
    interviewer: str  # link role that asked this half's questions
    candidate: str  # link role that answered them
    questions: tuple[tuple[int, AskedQuestion], ...]  # (question number in the session, record)

    @property
    def key(self) -> str:
        """How state.feedback names this half: stable even before its number is known."""
        return self.interviewer

    def form_of(self, link_role: str) -> str | None:
        """The form `link_role` fills for this half: rating, self, or none (observers)."""
        if link_role == self.interviewer:
            return RATING
        return SELF if link_role == self.candidate else None


def halves(s: InterviewState) -> list[Half]:
    """The session's halves; before any question, the one about to begin."""
    order: list[str] = []
    for record in s.asked:
        if record.interviewer not in order:
            order.append(record.interviewer)
    if not order:
        order = [s.acting_interviewer]
    numbered = list(enumerate(s.asked, 1))
    return [
        Half(
            number=n,
            interviewer=link,
            candidate=other_seat(link),
            questions=tuple((k, r) for k, r in numbered if r.interviewer == link),
        )
        for n, link in enumerate(order, 1)
    ]


def current_half(s: InterviewState) -> Half:
    """The half the acting interviewer is running (a new one right after a swap)."""
    all_halves = halves(s)
    for half in all_halves:
        if half.interviewer == s.acting_interviewer:
            return half
    return Half(len(all_halves) + 1, s.acting_interviewer, s.acting_candidate, ())


def pending_forms(s: InterviewState) -> list[tuple[Half, str]]:
    """(half, link role) of every feedback form still to come, in half order."""
    pending = []
    for half in halves(s):
        if not half.questions:
            continue
        sent = s.feedback.get(half.key, {})
        for link in (half.interviewer, half.candidate):
            if link not in sent:
                pending.append((half, link))
    return pending


def half_mark(total: int) -> int:
    """How many of the planned questions the first half asks: the larger half, at least one."""
    return max(1, (total + 1) // 2)


def second_share(s: InterviewState) -> set[str]:
    """Upcoming questions the acting interviewer may not read yet: the second half's share,
    while the first interviewer is still within their own -- after a swap they will be asked
    those questions themselves. Past the mark without a swap, they ask them, so they see them."""
    started = [h for h in halves(s) if h.questions]
    if len(started) > 1 or (started and started[0].interviewer != s.acting_interviewer):
        return set()
    mark = half_mark(len(s.order))
    if s.index + 1 > mark:
        return set()
    asked = {r.question_id for r in s.asked}
    return {qid for qid in s.order[mark:] if qid not in asked}


class InterviewReading(Protocol):
    """What the projections (views, report_view) read of an interview: its data, not its rules.

    `flow.Interview` satisfies it. Typing the projections against this instead of `Interview`
    keeps the import graph one way: flow imports views, views never import flow.
    """

    config: InterviewConfig
    state: InterviewState
    questions: dict[str, Question]

    @property
    def current_question(self) -> Question | None: ...
