"""What the scripted flow (flow.py) hands its session: timers, lines to say, answer windows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..clock import timer_wire


@dataclass(frozen=True)
class Timer:
    phase: str
    started_at: float
    deadline: float

    def public(self) -> dict[str, Any]:
        return timer_wire(
            phase=self.phase,
            started_at=round(self.started_at),
            deadline=round(self.deadline),
            duration_ms=round(self.deadline - self.started_at),
        )


@dataclass(frozen=True)
class Say:
    """Speak these lines back to back, cutting off whatever is being said."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class AnswerOpened:
    question_id: str
    take: int
    at: float
    allowed_ms: int


@dataclass(frozen=True)
class AnswerClosed:
    question_id: str
    take: int
    at: float
    reason: str  # "done" | "timeout" | "stop" | "silence" (turn-taking)
    follow_up: bool = False  # the answer to a follow-up (never followed up itself)


Effect = Say | AnswerOpened | AnswerClosed


@dataclass(frozen=True)
class Line:
    text: str
    start: float
    end: float
