"""The interview's state as plain data, and what each role may see of it.

`interview.py` holds the rules (which event is allowed when, by whom); this module holds the state
those rules change -- with its timer arithmetic -- and its read-only projections: the per-role
views sent to browsers, the report data, and the check of the feedback form. "Who may see what" is
thus read and reviewed in one place: hints, follow-ups and rubric leave only through the
interviewer's view and the report.
"""

from __future__ import annotations

import copy
import random
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .banks import Bank, Question
    from .interview import Interview

PHASES = ("lobby", "intro", "think", "answer", "follow_ups", "wrap_up", "feedback", "done")
QUESTION_PHASES = frozenset({"think", "answer", "follow_ups"})
TIMED_PHASES = frozenset({"think", "answer"})
# Swapping mid-question would hand the rubric of a half-answered question to its candidate.
SWAP_PHASES = frozenset({"lobby", "intro", "follow_ups"})

PHONE_PROMPT = "Listen to your interviewer"
MAX_TEXT = 4000
ADVANCE_CHOICES = ("yes", "no", "maybe")

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
    if config.shuffle_seed is not None:
        # A private Random: the global one would make the order depend on unrelated callers.
        random.Random(config.shuffle_seed).shuffle(ids)
    if config.max_questions is not None:
        if config.max_questions < 1:
            raise ValueError("max_questions must be at least 1.")
        ids = ids[: config.max_questions]
    return ids


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
    feedback: dict[str, dict[str, Any]] = field(default_factory=dict)  # form -> by, at, answers
    swaps: list[int] = field(default_factory=list)  # when each confirmed swap happened
    started_at: int | None = None
    wrap_up_at: int | None = None
    ended_at: int | None = None

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


# ---- views ---------------------------------------------------------------------------------------


def view(iv: Interview, link_role: str, acting: str, actions: list[str]) -> dict[str, Any]:
    """What the holder of `link_role` (acting as `acting`) may see. JSON-able.

    `actions` are the event types this person may send now, so a browser enables exactly the
    buttons the rules would accept."""
    s, bank = iv.state, iv.config.bank
    question = iv.current_question
    out: dict[str, Any] = {
        "link_role": link_role,
        "role": acting,
        "phase": s.phase,
        "timer": s.timer.to_dict() if s.timer else None,
        "position": {"number": s.index + 1 if question else None, "total": len(s.order)},
        "swap": {
            "swapped": s.swapped,
            "requested_by": s.swap_requested_by,
            "allowed": s.phase in SWAP_PHASES,
        },
        "bank": {"id": bank.id, "title": bank.title, "code_pad": bank.code_pad},
        "phone_realism": iv.config.phone_realism,
        "actions": actions,
        "feedback_submitted": {form: form in s.feedback for form in ("interviewer", "candidate")},
    }
    if acting == "interviewer":
        asked_ids = set(s.order[: s.index + 1])
        out.update(
            question=_full_question(question) if question else None,
            upcoming=[_brief(iv.questions[qid]) for qid in s.order[s.index + 1 :]],
            # What `pick` can still take: upcoming questions move up, the rest get inserted.
            available=[_brief(q) for q in bank.questions if q.id not in asked_ids],
            asked=[_asked_line(iv, n, r) for n, r in enumerate(s.asked, 1)],
            checklist=_checklist(RECRUITER_CHECKLIST),
            feedback=copy.deepcopy(s.feedback.get("interviewer")),
        )
        return out
    # Candidate and observer: an allow-list of fields, never a copy of the question with parts
    # removed, so a field added to Question later cannot leak by default.
    phone = iv.config.phone_realism
    out.update(
        question=None if phone or question is None else _brief(question, with_kind=True),
        prompt=PHONE_PROMPT if phone and question is not None else None,
    )
    if acting == "candidate":
        out.update(
            checklist=_checklist(CANDIDATE_CHECKLIST),
            feedback=copy.deepcopy(s.feedback.get("candidate")),
        )
        if s.phase in ("feedback", "done"):
            # The self-assessment needs to name the questions; realism no longer matters by now.
            out["asked"] = [
                {"number": n, **_brief(iv.questions[r.question_id])}
                for n, r in enumerate(s.asked, 1)
            ]
    return out


def _brief(q: Question, with_kind: bool = False) -> dict[str, Any]:
    brief = {"id": q.id, "text": q.text}
    return {**brief, "kind": q.kind} if with_kind else brief


def _full_question(q: Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "text": q.text,
        "kind": q.kind,
        "think_seconds": q.think_seconds,
        "answer_seconds": q.answer_seconds,
        "hints": list(q.hints),
        "follow_ups": list(q.follow_ups),
        "rubric": list(q.rubric),
        "tags": list(q.tags),
    }


def _asked_line(iv: Interview, number: int, record: AskedQuestion) -> dict[str, Any]:
    q = iv.questions[record.question_id]
    line = asdict(record)
    line["id"] = line.pop("question_id")
    return {"number": number, "text": q.text, "kind": q.kind, "rubric": list(q.rubric), **line}


def _checklist(items: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"id": item_id, "text": text} for item_id, text in items]


# ---- report --------------------------------------------------------------------------------------


def report(iv: Interview) -> dict[str, Any]:
    """Everything a report renderer needs, in the order things happened. JSON-able."""
    s, bank = iv.state, iv.config.bank
    by_interviewer = s.feedback.get("interviewer") or {}
    by_candidate = s.feedback.get("candidate") or {}
    questions = []
    for line in (_asked_line(iv, n, r) for n, r in enumerate(s.asked, 1)):
        marks = by_interviewer.get("scores", {}).get(line["id"]) or [None] * len(line["rubric"])
        line["candidate"] = "candidate" if line["interviewer"] == "interviewer" else "interviewer"
        line["scores"] = [
            {
                "item": item,
                "score": mark["score"] if mark else None,
                "comment": mark["comment"] if mark else "",
            }
            for item, mark in zip(line["rubric"], marks, strict=True)
        ]
        line["self_score"] = by_candidate.get("self_scores", {}).get(line["id"])
        questions.append(line)
    return {
        "bank": {"id": bank.id, "title": bank.title, "field": bank.field},
        "phone_realism": iv.config.phone_realism,
        "phase": s.phase,
        "started_at": s.started_at,
        "wrap_up_at": s.wrap_up_at,
        "ended_at": s.ended_at,
        "swaps": list(s.swaps),
        "questions": questions,
        "not_asked": [_brief(iv.questions[qid]) for qid in s.order[s.index + 1 :]],
        "feedback": {
            "interviewer": copy.deepcopy(by_interviewer) or None,
            "candidate": copy.deepcopy(by_candidate) or None,
        },
    }


# ---- the feedback form ---------------------------------------------------------------------------


def checked_feedback(form: str, data: Any, rubric_sizes: dict[str, int]) -> dict[str, Any]:
    """The canonical form answers, or ValueError naming the first problem.

    `form` is "interviewer" or "candidate"; `rubric_sizes` maps each asked question id to its
    number of rubric items. Strict on purpose: this text ends up in a shared report.
    """
    if not isinstance(data, dict):
        raise ValueError("Feedback must be an object.")
    if form == "interviewer":
        _no_unknown(data, {"scores", "would_advance", "comment"})
        if data.get("would_advance") not in ADVANCE_CHOICES:
            raise ValueError("would_advance must be one of: yes, no, maybe.")
        scores: dict[str, list[dict[str, Any] | None]] = {}
        for qid, marks in _per_question(data.get("scores", {}), "scores", rubric_sizes).items():
            size = rubric_sizes[qid]
            if not isinstance(marks, list) or len(marks) != size:
                raise ValueError(f"scores.{qid} must list {size} entries, one per rubric item.")
            scores[qid] = [_mark(mark, f"scores.{qid}[{i}]") for i, mark in enumerate(marks)]
        return {
            "would_advance": data["would_advance"],
            "comment": _text(data.get("comment", ""), "comment"),
            "scores": scores,
        }
    _no_unknown(data, {"self_scores", "went_well", "to_improve"})
    self_scores: dict[str, int] = {}
    rated = _per_question(data.get("self_scores", {}), "self_scores", rubric_sizes)
    for qid, score in rated.items():
        if score is not None:  # a question the candidate chose not to rate
            self_scores[qid] = _score(score, f"self_scores.{qid}")
    return {
        "self_scores": self_scores,
        "went_well": _text(data.get("went_well", ""), "went_well"),
        "to_improve": _text(data.get("to_improve", ""), "to_improve"),
    }


def _no_unknown(data: dict[Any, Any], allowed: set[str]) -> None:
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise ValueError(f"Unknown field(s): {', '.join(unknown)}.")


def _per_question(value: Any, where: str, rubric_sizes: dict[str, int]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must map question ids to answers.")
    for qid in value:
        if qid not in rubric_sizes:
            raise ValueError(f"{where}: {qid!r} is not a question asked in this interview.")
    return value


def _mark(value: Any, where: str) -> dict[str, Any] | None:
    if value is None:  # an item left unscored
        return None
    if not isinstance(value, dict) or "score" not in value:
        raise ValueError(f"{where} must be null or {{score, comment}}.")
    _no_unknown(value, {"score", "comment"})
    return {
        "score": _score(value["score"], f"{where}.score"),
        "comment": _text(value.get("comment", ""), f"{where}.comment"),
    }


def _score(value: Any, where: str) -> int:
    # bool is an int in Python; a JSON true must not pass as a score of 1.
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 4:
        raise ValueError(f"{where} must be a whole number from 1 to 4.")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where} must be text.")
    if len(value) > MAX_TEXT:
        raise ValueError(f"{where} is longer than {MAX_TEXT} characters.")
    return value
