"""How each interview event changes the state: one handler per event type. Pure domain.

`Interview.apply` checks an event's shape, phase and sender, then calls `transition` on a draft
of the state; the handlers here only say what the event does, and raise `InterviewError` for
data the rules table cannot check (an unknown question, a second pause). They read the bank's
questions and whether a replay is running through `Context`, which `Interview` satisfies, so
this module never imports the flow (imports point flow -> transitions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from ..banks.model import Question
from .forms import store_feedback
from .rules import MAX_EXTEND_MS, Event, InterviewError, seat
from .state import TIMED_PHASES, AskedQuestion, InterviewState, Timer


class Context(Protocol):
    """What a handler reads besides the state and the event."""

    @property
    def questions(self) -> Mapping[str, Question]: ...

    @property
    def replaying(self) -> bool: ...  # reading stored events, some older than today's rules


def transition(s: InterviewState, e: Event, ctx: Context) -> None:
    """Apply `e` to `s` in place; phase and role are already checked."""
    HANDLERS[e["type"]](s, e, ctx)


def _start(s: InterviewState, e: Event, ctx: Context) -> None:
    if s.phase == "lobby":
        s.started_at = e["at"]
        s.set_phase("intro")
    else:
        _advance(s, e["at"], ctx)


def _begin_question(s: InterviewState, e: Event, ctx: Context) -> None:
    _advance(s, e["at"], ctx)


def _next(s: InterviewState, e: Event, ctx: Context) -> None:
    if e["step"] not in ("phase", "question"):
        raise InterviewError("invalid-event", "next.step must be 'phase' or 'question'.")
    if e["step"] == "phase" and s.phase in TIMED_PHASES:
        _end_countdown(s, e["at"], ctx)
    else:
        _advance(s, e["at"], ctx)


def _done(s: InterviewState, e: Event, ctx: Context) -> None:
    # The candidate ends think time early ("ready") or the answer early ("done").
    _end_countdown(s, e["at"], ctx)


def _timeout(s: InterviewState, e: Event, ctx: Context) -> None:
    deadline = s.timer.deadline if s.timer else None
    if e["phase"] != s.phase or deadline is None or e["at"] < deadline:
        raise InterviewError("invalid-event", "No countdown reached zero at that time.")
    _end_countdown(s, e["at"], ctx)


def _repeat(s: InterviewState, e: Event, ctx: Context) -> None:
    record = s.asked[-1]
    record.repeats += 1
    record.think_ms = record.answer_ms = None  # a retake replaces the previous take
    _begin_think(s, e["at"], ctx)


def _skip(s: InterviewState, e: Event, ctx: Context) -> None:
    s.asked[-1].skipped = True
    _advance(s, e["at"], ctx)


def _pick(s: InterviewState, e: Event, ctx: Context) -> None:
    qid = e["question_id"]
    if not isinstance(qid, str) or qid not in ctx.questions:
        raise InterviewError("unknown-question", f"This bank has no question {qid!r}.")
    if any(record.question_id == qid for record in s.asked):
        raise InterviewError("already-asked", "That question was already asked.")
    if qid in s.order:
        s.order.remove(qid)  # an upcoming question moves up rather than appearing twice
    s.order.insert(s.index + 1, qid)


def _extend(s: InterviewState, e: Event, ctx: Context) -> None:
    ms = e["ms"]
    if not isinstance(ms, int) or isinstance(ms, bool) or not 0 < ms <= MAX_EXTEND_MS:
        raise InterviewError("invalid-event", "extend.ms must be a positive number of ms.")
    _timer(s).extend(ms, e["at"])
    s.asked[-1].extensions += 1


def _pause(s: InterviewState, e: Event, ctx: Context) -> None:
    if _timer(s).paused:
        raise InterviewError("already-paused", "The timer is already paused.")
    _timer(s).pause(e["at"])


def _resume(s: InterviewState, e: Event, ctx: Context) -> None:
    if not _timer(s).paused:
        raise InterviewError("not-paused", "The timer is not paused.")
    _timer(s).resume(e["at"])


def _wrap_up(s: InterviewState, e: Event, ctx: Context) -> None:
    s.close_question(e["at"])
    s.enter_wrap_up(e["at"])


def _open_feedback(s: InterviewState, e: Event, ctx: Context) -> None:
    s.set_phase("feedback")


def _finish(s: InterviewState, e: Event, ctx: Context) -> None:
    if not isinstance(e.get("force", False), bool):
        raise InterviewError("invalid-event", "finish.force must be true or false.")
    s.ended_at = e["at"]
    s.set_phase("done")


def _request_swap(s: InterviewState, e: Event, ctx: Context) -> None:
    if s.swap_requested_by is not None:
        raise InterviewError("swap-pending", "A swap is already waiting to be confirmed.")
    s.swap_requested_by = e["by"]


def _confirm_swap(s: InterviewState, e: Event, ctx: Context) -> None:
    if s.swap_requested_by is None:
        raise InterviewError("no-swap-request", "Nobody has asked to swap roles.")
    if s.swap_requested_by == e["by"]:
        raise InterviewError("same-side", "The other person has to confirm the swap.")
    s.swapped = not s.swapped
    s.swap_requested_by = None
    s.swaps.append(e["at"])


def _cancel_swap(s: InterviewState, e: Event, ctx: Context) -> None:
    # Either side may withdraw or decline; both need a way out of a pending request.
    if s.swap_requested_by is None:
        raise InterviewError("no-swap-request", "Nobody has asked to swap roles.")
    s.swap_requested_by = None


def _feedback(s: InterviewState, e: Event, ctx: Context) -> None:
    try:
        store_feedback(s, e, ctx.questions, lenient=ctx.replaying)
    except ValueError as exc:
        raise InterviewError("invalid-feedback", str(exc)) from None


def _recording(s: InterviewState, e: Event, ctx: Context) -> None:
    if not isinstance(e["on"], bool):
        raise InterviewError("invalid-event", "recording.on must be true or false.")
    s.recording[e["by"]] = e["on"]


def _away(s: InterviewState, e: Event, ctx: Context) -> None:
    who = seat(e["who"])
    if who in s.away:
        raise InterviewError("already-away", f"The {who} is already marked away.")
    s.away = sorted({*s.away, who})
    _hold_if_away(s, e["at"])


def _back(s: InterviewState, e: Event, ctx: Context) -> None:
    who = seat(e["who"])
    if who not in s.away:
        raise InterviewError("not-away", f"The {who} was not away.")
    s.away = [seat for seat in s.away if seat != who]
    timer = s.timer
    if timer is not None and timer.held and s.acting_candidate not in s.away:
        timer.resume(e["at"])


def _hold_if_away(s: InterviewState, at: int) -> None:
    """A candidate who is gone cannot use their time: the room pauses it for them."""
    timer = s.timer
    if timer is not None and not timer.paused and s.acting_candidate in s.away:
        timer.pause(at)
        timer.held = True


# ---- moves within and between questions ------------------------------------------------------


def _advance(s: InterviewState, at: int, ctx: Context) -> None:
    """Close the current question and begin the next one, or wrap up after the last."""
    s.close_question(at)
    if s.index + 1 >= len(s.order):
        s.enter_wrap_up(at)
        return
    s.index += 1
    interviewer = "candidate" if s.swapped else "interviewer"
    s.asked.append(AskedQuestion(s.order[s.index], interviewer, started_at=at))
    _begin_think(s, at, ctx)


def _begin_think(s: InterviewState, at: int, ctx: Context) -> None:
    s.timer = Timer.begin("think", at, ctx.questions[s.order[s.index]].think_seconds)
    s.set_phase("think")
    _hold_if_away(s, at)


def _end_countdown(s: InterviewState, at: int, ctx: Context) -> None:
    """think -> answer, or answer -> follow_ups."""
    was = s.phase
    s.end_timed_phase(at)
    if was == "think":
        s.timer = Timer.begin("answer", at, ctx.questions[s.order[s.index]].answer_seconds)
        s.set_phase("answer")
        _hold_if_away(s, at)
    else:
        s.set_phase("follow_ups")


def _timer(s: InterviewState) -> Timer:
    assert s.timer is not None  # every timed phase has one; EVENT_RULES admits only those
    return s.timer


HANDLERS: dict[str, Callable[[InterviewState, Event, Context], None]] = {
    "start": _start,
    "begin_question": _begin_question,
    "next": _next,
    "done": _done,
    "timeout": _timeout,
    "repeat": _repeat,
    "skip": _skip,
    "pick": _pick,
    "extend": _extend,
    "pause": _pause,
    "resume": _resume,
    "wrap_up": _wrap_up,
    "open_feedback": _open_feedback,
    "finish": _finish,
    "request_swap": _request_swap,
    "confirm_swap": _confirm_swap,
    "cancel_swap": _cancel_swap,
    "feedback": _feedback,
    "recording": _recording,
    "away": _away,
    "back": _back,
}
