"""What a scripted room asks: its questions, timings, retakes and the unrecorded warm-up.

Built from the stored room (bank + options) once per session; pure data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rooms.options import asking_order, question_count, room_bank, shuffle_seed
from ..storage.interface import RoomRecord
from .followup import FOLLOW_UP_LEAD, OPTION, follow_up_window_ms, pick_follow_up

AFTER_ANSWER_MS = 15_000
DEFAULT_RETAKES = 1

INTRO_LINE = "Hi, thanks for joining. I'll ask you {count}. Let's begin."
TRANSITION_LINE = "Thank you. Next question."
WRAP_UP_LINE = "That was the last question. Thank you for your answers, and good luck."
STOP_LINE = "Let's stop here. Thank you for your time."
WARM_UP_LEAD = "First, a practice question. It is not recorded."
WARM_UP_TEXT = "To warm up: in two or three sentences, what kind of role are you preparing for?"
WARM_UP_DONE_LINE = "Thank you. From now on, every answer is recorded. Here is the first question."
WARM_UP_ID = "warm-up"
# The warm-up is a sound check, not an interview question: short whatever the bank says.
WARM_UP_MAX_THINK_MS = 5_000
WARM_UP_MAX_ANSWER_MS = 30_000


@dataclass(frozen=True)
class FlowQuestion:
    id: str
    text: str
    think_ms: int
    answer_ms: int
    # Asked once after a short answer (followup.py), when the room opts in; None: never.
    follow_up: str | None = None

    def follow_up_question(self) -> FlowQuestion:
        """The follow-up as a question of its own: same id (its take is one of this question's
        takes), answered at once, in a shorter window."""
        assert self.follow_up is not None
        return FlowQuestion(self.id, self.follow_up, 0, follow_up_window_ms(self.answer_ms))


@dataclass(frozen=True)
class FlowConfig:
    questions: tuple[FlowQuestion, ...]
    retakes: int = 1  # extra takes allowed per question
    after_answer_ms: int = AFTER_ANSWER_MS
    # Asked after the intro and before question 1, never recorded nor measured; None: no warm-up.
    warm_up: FlowQuestion | None = None

    def fixed_lines(self) -> list[str]:
        """Every line the flow may speak, so the voice can be rendered before it is needed."""
        lines = [self.intro_line(), TRANSITION_LINE, WRAP_UP_LINE, STOP_LINE]
        if self.warm_up is not None:
            lines += [WARM_UP_LEAD, self.warm_up.text, WARM_UP_DONE_LINE]
        lines += [q.text for q in self.questions]
        follow_ups = [q.follow_up for q in self.questions if q.follow_up]
        return lines + ([FOLLOW_UP_LEAD, *follow_ups] if follow_ups else [])

    def intro_line(self) -> str:
        n = len(self.questions)
        return INTRO_LINE.format(count="one question" if n == 1 else f"{n} questions")


def warm_up_for(questions: list[FlowQuestion]) -> FlowQuestion:
    first = questions[0] if questions else None
    think = WARM_UP_MAX_THINK_MS if first is None else min(first.think_ms, WARM_UP_MAX_THINK_MS)
    answer = WARM_UP_MAX_ANSWER_MS if first is None else min(first.answer_ms, WARM_UP_MAX_ANSWER_MS)
    return FlowQuestion(WARM_UP_ID, WARM_UP_TEXT, think_ms=think, answer_ms=answer)


def config_from_room(room: RoomRecord) -> FlowConfig:
    """The questions a scripted room asks, with the room's options over the bank's timings.

    The options apply as in a peer room (rooms.options): the shuffle is seeded with the room id,
    so a resumed session asks the same order again. The
    warm-up is on unless the room was created with `warm_up: false`; each question carries its
    follow-up only when the room was created with `follow_up_short_answers: true`.
    """
    bank = room_bank(room)
    order = asking_order(bank.questions if bank else (), shuffle_seed(room), question_count(room))
    options = room.options
    follow_ups = options.get(OPTION) is True
    asked = [
        FlowQuestion(
            id=q.id,
            text=q.text,
            think_ms=1000 * q.think_seconds,
            answer_ms=1000 * q.answer_seconds,
            follow_up=pick_follow_up(q.follow_ups, room.id, q.id) if follow_ups else None,
        )
        for q in order
    ]
    return FlowConfig(
        questions=tuple(asked),
        retakes=int(options.get("retakes", DEFAULT_RETAKES)),
        warm_up=warm_up_for(asked) if options.get("warm_up", True) and asked else None,
    )
