"""The scripted interviewer's position: phase, question, take, timer and the lines being said.

What the page is shown (`public`), when something next falls due (`next_wakeup`) and what a
reload or another node resumes from (`snapshot` / `restore`) all read this state and never move
it; `flow.ScriptedFlow` subclasses it with the actions and the transitions. Pure domain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import FlowConfig, FlowQuestion
from .effects import Line, Timer

# The session clock's guard (clock_wakeup, late_ms): the longest it sleeps while a moment is
# due, and how late a moment may be applied before that is worth a log line.
CLOCK_CHECK_MS = 5_000
LATE_MS = 1_000

PHASES = ("waiting", "intro", "think", "answer", "after_answer", "wrap_up", "done")


def _is_window(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )


class FlowState:
    """Where the interview stands, what it shows and what it saves; `ScriptedFlow` moves it."""

    def __init__(self, config: FlowConfig, speech_ms: Callable[[str], int]) -> None:
        self.config = config
        self.speech_ms = speech_ms
        self.phase = "waiting"
        self.consented = False
        self.index = -1  # current question; -1 before the first (and during the warm-up)
        self.take = 0  # 1-based take of the current answer; 0 before the first question
        self.practice = False  # asking the unrecorded warm-up question
        # The take a follow-up was asked under, for the current question (never twice), and
        # whether the current think/answer is that follow-up.
        self.follow_up_take: int | None = None
        self.asking_follow_up = False
        self.timer: Timer | None = None
        self.lines: list[Line] = []  # what the voice is saying (or will say) right now
        # Set by restore(): where a reloaded session picks up, until `start` resumes it.
        self.resume: dict[str, Any] | None = None
        self._cut_window: Timer | None = None  # the interrupted answer's window, persisted

    # views ------------------------------------------------------------------------------
    @property
    def question(self) -> FlowQuestion | None:
        if self.practice:
            return self.config.warm_up
        if 0 <= self.index < len(self.config.questions):
            q = self.config.questions[self.index]
            return q.follow_up_question() if self.asking_follow_up else q
        return None

    @property
    def retakes_left(self) -> int:
        if self.practice:
            return 0
        retakes = self.take - 1 - (self.follow_up_take is not None)  # a follow-up is no retake
        return max(0, self.config.retakes - max(0, retakes))

    @property
    def can_follow_up(self) -> bool:
        """Right after an answer to a question that has a follow-up not asked yet."""
        if self.phase != "after_answer" or self.practice or self.follow_up_take is not None:
            return False
        return 0 <= self.index < len(self.config.questions) and bool(
            self.config.questions[self.index].follow_up
        )

    @property
    def recording(self) -> bool:
        return self.phase == "answer" and not self.practice

    def speaking_until(self) -> float | None:
        return self.lines[-1].end if self.lines else None

    def said(self, now: float) -> str:
        for line in self.lines:
            if line.start <= now < line.end:
                return line.text
        return ""

    def public(self, now: float) -> dict[str, Any]:
        q = self.question if self.phase not in ("wrap_up", "done") else None
        return {
            "phase": self.phase,
            "consented": self.consented,
            "question": None
            if q is None
            else {
                "id": q.id,
                "text": q.text,
                "index": self.index,
                "count": len(self.config.questions),
                "practice": self.practice,
                "follow_up": self.asking_follow_up,
            },
            "timer": None if self.timer is None else self.timer.public(),
            "take": self.take,
            "retakes_left": self.retakes_left,
            "recording": self.recording,
            "practice": self.practice,
            "follow_up": self.asking_follow_up,
            "resume": self.resume,
            "said": self.said(now),
        }

    def due_at(self) -> float | None:
        """When the flow next moves on its own (the lines end, the timer runs out), passed or not:
        until `tick` applies it, it is still to come."""
        moments = [] if self.timer is None else [self.timer.deadline]
        end = self.speaking_until()
        if end is not None:
            moments.append(end)
        return min(moments) if moments else None

    def next_wakeup(self, now: float) -> float | None:
        """The next moment something changes: a line starts (the card's caption) or `due_at`.

        A `due_at` already behind `now` is returned as it is (the clock ticks at once): a tick a
        hair before a line's end followed by this call just after it must not skip that end, or
        the question would never be over and think time would never start (seen with uvloop,
        whose timers can fire a fraction of a millisecond before `now_ms()` reaches them).
        """
        moments = [line.start for line in self.lines if line.start > now]
        due = self.due_at()
        if due is not None:
            moments.append(due)
        return min(moments) if moments else None

    def clock_wakeup(self, now: float) -> float | None:
        """When the session's clock wakes: `next_wakeup`, but never more than CLOCK_CHECK_MS away
        while something is due. A guard: whatever goes wrong with one wake-up, the next check
        still moves the flow, so a candidate is never left in front of a question whose think
        time does not start."""
        wake = self.next_wakeup(now)
        if self.due_at() is None:
            return wake  # nothing moves on its own (waiting, done): sleep until an action
        check = now + CLOCK_CHECK_MS
        return check if wake is None else min(check, wake)

    def late_ms(self, now: float) -> float:
        """How long ago `due_at` passed without being applied (0 when on time): the clock logs
        a moment applied more than LATE_MS late."""
        due = self.due_at()
        return 0.0 if due is None else max(0.0, now - due)

    # persistence ------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        q = self.question
        snap: dict[str, Any] = {
            "phase": self.phase,
            "consented": self.consented,
            "index": self.index,
            "question_id": q.id if q else None,
            "take": self.take,
            "practice": self.practice,
            "follow_up_take": self.follow_up_take,
            "follow_up": self.asking_follow_up,
        }
        if self.recording and self.timer is not None:
            # The answer window's clock, so another node can let a take go on (`start`).
            snap["window"] = [self.timer.started_at, self.timer.deadline]
        return snap

    def restore(self, snap: dict[str, Any]) -> None:
        """Resume from the last snapshot: back in `waiting` at the same question and take.

        An answer cut off by a reload is taken again under the same take number (the browser lost
        that recording): `resume.interrupted` says so, for the page to mark it. An answer that was
        complete resumes at the retake/next choice. A reload in the warm-up asks it again. A
        follow-up cut off by a reload is not asked again: it resumes at the retake/next choice.
        """
        self.consented = bool(snap.get("consented"))
        phase = snap.get("phase")
        if phase in ("wrap_up", "done"):
            self.phase = "done"
            return
        if snap.get("practice") and self.config.warm_up is not None:
            self.practice = True
            return
        index = snap.get("index")
        if isinstance(index, int) and 0 <= index < len(self.config.questions):
            self.index = index
            self.take = max(1, int(snap.get("take") or 1))
            follow_up_take = snap.get("follow_up_take")
            self.follow_up_take = follow_up_take if isinstance(follow_up_take, int) else None
            in_follow_up = snap.get("follow_up") is True
            self.resume = {
                "question_id": self.config.questions[index].id,
                "take": self.take,
                "answered": phase == "after_answer" or in_follow_up,
                "interrupted": phase == "answer" and not in_follow_up,
            }
            window = snap.get("window")
            if phase == "answer" and isinstance(window, list) and _is_window(window):
                self._cut_window = Timer("answer", float(window[0]), float(window[1]))
