"""The scripted interviewer's flow: phases, speech, timers, takes. Pure domain, time injected.

    waiting --start (after consent)--> intro (speaks the intro line)
    intro --speech ends--> think (the warm-up, if any: a practice question, never recorded;
                           after its answer the flow goes on to question 1)
    intro --speech ends--> think (speaks question i; the think timer starts when the speech ends)
    think --timer ends | done--> answer (recording: the browser records while this is open)
    answer --timer ends | done--> after_answer (the candidate picks retake or next; auto next after
                                  after_answer_ms so an idle candidate is not stuck)
    after_answer --retake (retakes left)--> think (no speech, think timer again) with take + 1
    after_answer --ask_follow_up (the session, after a short answer)--> think (speaks one of the
                                  question's follow-ups) --speech ends--> answer, with take + 1
    after_answer --next--> think (speaks a transition line, then question i + 1) | wrap_up
    any --stop--> wrap_up (speaks the closing line) --speech ends--> done

A restored flow (a reload) waits at the saved question; `start` resumes it without the intro and
without saying the question again: an interrupted answer gets think time and the same take again,
a complete one returns to the retake/next choice. A page that kept recording the interrupted take
through the outage (the server died, the browser did not) says so in `start`, and that answer
window simply goes on, on its persisted clock: same take, same clip, nothing recorded again.

Time is server wall-clock milliseconds passed in by the caller, and speech lengths come from an
injected `speech_ms(text)`, so this module never sleeps and tests run instantly. Methods return
effects (lines to say, answer windows opened/closed) for the session to carry out. The state
itself, its views and its snapshot live in `flow_state`; this module holds the moves.
"""

from __future__ import annotations

from ..errors import UserError
from .config import (
    STOP_LINE,
    TRANSITION_LINE,
    WARM_UP_DONE_LINE,
    WARM_UP_LEAD,
    WRAP_UP_LINE,
)
from .effects import AnswerClosed, AnswerOpened, Effect, Line, Say, Timer
from .flow_state import FlowState
from .followup import FOLLOW_UP_LEAD

__all__ = ["AnswerClosed", "AnswerOpened", "Effect", "Say", "ScriptedFlow", "Timer"]

RESUME_THINK_MS = 3_000


def _not_now(what: str, phase: str) -> UserError:
    return UserError(f"You can't {what} now (phase: {phase}).", code="not-now")


class ScriptedFlow(FlowState):
    """The moves: each action or due step changes the state and returns what to carry out."""

    # actions ----------------------------------------------------------------------------
    def consent(self, now: float) -> list[Effect]:
        self.consented = True
        return []

    def start(self, now: float, still_recording: tuple[str, int] | None = None) -> list[Effect]:
        """`still_recording`: (question id, take) the page kept recording through an outage."""
        if not self.consented:
            raise UserError(
                "Please accept recording before starting: answers are recorded in your browser.",
                code="consent-required",
            )
        if self.phase != "waiting":
            raise _not_now("start", self.phase)
        if not self.config.questions:
            raise UserError("This room's bank has no questions.", code="no-questions")
        if self.practice:
            return self._ask_warm_up(now)
        if self.index < 0:
            self.phase = "intro"
            self.timer = None
            return self._say(now, [self.config.intro_line()])
        resume, self.resume = self.resume, None
        window, self._cut_window = self._cut_window, None
        if resume is not None and resume["answered"]:
            return self._after_answer(now)
        kept = resume is not None and still_recording == (resume["question_id"], resume["take"])
        if kept and window is not None:
            return self._go_on_answering(now, window)
        # Resumed mid-question: the question is on screen already; think time, then the take
        # (a few seconds at least, even where the room has none, to settle after the reload).
        self.lines = []
        return self._begin_think(now, at_least_ms=RESUME_THINK_MS)

    def done(self, now: float) -> list[Effect]:
        if self.phase == "think":
            return self._open_answer(now)  # ready before the think time ran out
        if self.phase == "answer":
            return self._close_answer(now, "done")
        raise _not_now("finish", self.phase)

    def first_word(self, now: float) -> list[Effect]:
        """Turn-taking: the answer timer starts again from the candidate's first word."""
        q = self.question
        if self.phase == "answer" and q is not None:
            self.timer = Timer("answer", now, now + q.answer_ms)
        return []

    def end_of_turn(self, now: float) -> list[Effect]:
        """Turn-taking: the candidate stopped talking long enough; the answer ends as if done."""
        if self.phase != "answer":
            return []
        return self._close_answer(now, "silence")

    def ask_follow_up(self, now: float) -> list[Effect]:
        """The session's, never the candidate's: after a short answer (followup.py), ask the
        question's follow-up out loud; its answer window opens when it has been said."""
        if not self.can_follow_up:
            return []
        self.take += 1
        self.follow_up_take, self.asking_follow_up = self.take, True
        self.phase, self.timer = "think", None
        q = self.question
        assert q is not None
        return self._say(now, [FOLLOW_UP_LEAD, q.text])

    def repeat(self, now: float) -> list[Effect]:
        if self.phase != "think":
            raise _not_now("repeat the question", self.phase)
        if self.practice:
            return self._ask_warm_up(now, lead=False)
        if self.asking_follow_up and self.question is not None:
            return self._say(now, [self.question.text])
        return self._ask(now, self.index, new_question=False)

    def retake(self, now: float) -> list[Effect]:
        if self.phase != "after_answer":
            raise _not_now("retake", self.phase)
        if self.retakes_left <= 0:
            raise UserError("No retakes left for this question.", code="no-retakes-left")
        self.take += 1
        self.lines = []
        self.asking_follow_up = False  # a retake answers the question itself again
        return self._begin_think(now)

    def next(self, now: float) -> list[Effect]:
        if self.phase != "after_answer":
            raise _not_now("move on", self.phase)
        return self._advance(now)

    def stop(self, now: float) -> list[Effect]:
        if self.phase in ("wrap_up", "done"):
            return []
        if self.phase == "waiting":
            self.phase, self.timer, self.lines = "done", None, []
            return []
        effects: list[Effect] = []
        if self.phase == "answer":
            effects += self._close_answer(now, "stop")
        self.practice = False
        return effects + self._wrap_up(now, STOP_LINE)

    def tick(self, now: float) -> list[Effect]:
        """Apply whatever came due; call at (or after) next_wakeup()."""
        effects: list[Effect] = []
        for _ in range(8):  # a few steps can fall due at once after a late tick
            step = self._due(now)
            if step is None:
                break
            effects += step
        return effects

    # internals --------------------------------------------------------------------------
    def _due(self, now: float) -> list[Effect] | None:
        end = self.speaking_until()
        if end is not None and now >= end:
            self.lines = []
            if self.phase == "intro":
                if self.config.warm_up is not None:
                    return self._ask_warm_up(end)
                return self._ask(end, 0, new_question=True)
            if self.phase == "think" and self.timer is None:
                return self._begin_think(end)
            if self.phase == "wrap_up":
                self.phase = "done"
                return []
            return []
        if self.timer is not None and now >= self.timer.deadline:
            at = self.timer.deadline
            if self.phase == "think":
                return self._open_answer(at)
            if self.phase == "answer":
                return self._close_answer(at, "timeout")
            if self.phase == "after_answer":
                return self._advance(at)
        return None

    def _say(self, now: float, texts: list[str]) -> list[Effect]:
        self.lines = []
        at = now
        for text in texts:
            end = at + max(0, self.speech_ms(text))
            self.lines.append(Line(text, at, end))
            at = end
        return [Say(tuple(texts))]

    def _ask(
        self, now: float, index: int, *, new_question: bool, lead: str | None = None
    ) -> list[Effect]:
        self.phase = "think"
        self.practice = False
        self.index = index
        self.timer = None  # starts when the question has been said
        if new_question:
            self.take = 1
            self.follow_up_take, self.asking_follow_up = None, False
        q = self.config.questions[index]
        return self._say(now, [lead, q.text] if lead else [q.text])

    def _ask_warm_up(self, now: float, lead: bool = True) -> list[Effect]:
        warm_up = self.config.warm_up
        assert warm_up is not None
        self.phase = "think"
        self.practice = True
        self.index, self.take = -1, 0
        self.timer = None
        return self._say(now, [WARM_UP_LEAD, warm_up.text] if lead else [warm_up.text])

    def _begin_think(self, now: float, at_least_ms: int = 0) -> list[Effect]:
        q = self.question
        assert q is not None
        self.phase = "think"
        think_ms = max(q.think_ms, at_least_ms)
        if think_ms <= 0:
            return self._open_answer(now)
        self.timer = Timer("think", now, now + think_ms)
        return []

    def _open_answer(self, now: float) -> list[Effect]:
        q = self.question
        assert q is not None
        self.lines = []
        self.phase = "answer"
        self.timer = Timer("answer", now, now + q.answer_ms)
        if self.practice:
            return [Say(())]  # the warm-up opens no recording window
        return [Say(()), AnswerOpened(q.id, self.take, now, q.answer_ms)]

    def _go_on_answering(self, now: float, window: Timer) -> list[Effect]:
        """The interrupted take goes on in its own window; the browser never stopped it."""
        q = self.question
        assert q is not None
        self.lines = []
        if now >= window.deadline:  # its time ran out during the outage: the choice, at once
            return self._after_answer(now)
        self.phase = "answer"
        self.timer = window
        # Measured from here: this node hears only the rest of the answer.
        return [Say(()), AnswerOpened(q.id, self.take, now, round(window.deadline - now))]

    def _close_answer(self, now: float, reason: str) -> list[Effect]:
        if self.practice:
            if reason == "stop":
                return []
            return self._ask(now, 0, new_question=True, lead=WARM_UP_DONE_LINE)
        q = self.config.questions[self.index]
        closed = AnswerClosed(q.id, self.take, now, reason, follow_up=self.asking_follow_up)
        self.asking_follow_up = False
        if reason == "stop":
            return [closed]
        return [closed, *self._after_answer(now)]

    def _after_answer(self, now: float) -> list[Effect]:
        self.phase = "after_answer"
        self.timer = Timer("after_answer", now, now + self.config.after_answer_ms)
        return []

    def _advance(self, now: float) -> list[Effect]:
        if self.index + 1 < len(self.config.questions):
            return self._ask(now, self.index + 1, new_question=True, lead=TRANSITION_LINE)
        return self._wrap_up(now, WRAP_UP_LINE)

    def _wrap_up(self, now: float, line: str) -> list[Effect]:
        self.phase = "wrap_up"
        self.timer = None
        return self._say(now, [line])
