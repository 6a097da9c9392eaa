"""The scripted phase machine's test helpers: two questions, 1 s speech, injected time."""

from __future__ import annotations

from collections.abc import Sequence

from mockroom.scripted.config import FlowConfig, FlowQuestion
from mockroom.scripted.flow import ScriptedFlow

SPEECH_MS = 1000  # every line takes 1 s to say in these tests
Q1 = FlowQuestion("q1", "First question?", think_ms=5000, answer_ms=30000)
Q2 = FlowQuestion("q2", "Second question?", think_ms=0, answer_ms=20000)


def make(retakes: int = 1, questions: tuple[FlowQuestion, ...] = (Q1, Q2)) -> ScriptedFlow:
    return ScriptedFlow(
        FlowConfig(questions, retakes=retakes, after_answer_ms=10000), lambda text: SPEECH_MS
    )


def started(flow: ScriptedFlow, t: float = 0) -> ScriptedFlow:
    flow.consent(t)
    flow.start(t)
    return flow


def kinds(effects: Sequence[object]) -> list[str]:
    return [type(e).__name__ for e in effects]
