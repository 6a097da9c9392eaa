"""The interview's event vocabulary: who may send which event in which phase, and its shape.

The whole flow at a glance; `flow.Interview.apply` checks events against it and
`transitions` applies them (one handler each).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, NamedTuple

from ..errors import UserError
from .state import PHASES, QUESTION_PHASES, SEATS, SWAP_PHASES, TIMED_PHASES

Event = dict[str, Any]

LINK_ROLES = (*SEATS, "observer")
CLOCK = "clock"  # the `by` of events produced by tick()
EXTEND_MS = 30_000
MAX_EXTEND_MS = 600_000
ASKING = frozenset({"intro", *QUESTION_PHASES})
FEEDBACK_PHASES = frozenset({"feedback", "done"})


class Rule(NamedTuple):
    who: str  # acting role needed; "seat": either link that is not an observer's
    phases: frozenset[str]  # where the event is accepted
    fields: frozenset[str]  # extra keys besides type, at, by
    label: str  # for "You can't <label> now"
    optional: frozenset[str] = frozenset()  # keys an event may carry (older events lack them)


def _rule(
    who: str, phases: Iterable[str], label: str, *fields: str, optional: Iterable[str] = ()
) -> Rule:
    return Rule(who, frozenset(phases), frozenset(fields), label, frozenset(optional))


# The whole flow at a glance; the handlers (transitions.py) only say what each event does.
EVENT_RULES: dict[str, Rule] = {
    "start": _rule("interviewer", {"lobby", "intro"}, "start"),
    "begin_question": _rule("interviewer", {"intro"}, "begin the first question"),
    "next": _rule("interviewer", ASKING, "move on", "step"),
    "repeat": _rule("interviewer", QUESTION_PHASES, "repeat the question"),
    "extend": _rule("interviewer", TIMED_PHASES, "add time", "ms"),
    "pause": _rule("interviewer", TIMED_PHASES, "pause the timer"),
    "resume": _rule("interviewer", TIMED_PHASES, "resume the timer"),
    "skip": _rule("interviewer", TIMED_PHASES, "skip the question"),
    "pick": _rule("interviewer", {"lobby", *ASKING}, "pick a question", "question_id"),
    "wrap_up": _rule("interviewer", ASKING, "wrap up"),
    "open_feedback": _rule("interviewer", {"wrap_up"}, "open feedback"),
    "finish": _rule("interviewer", {"feedback"}, "finish", optional=("force",)),
    "done": _rule("candidate", TIMED_PHASES, "say you are done"),
    "timeout": _rule(CLOCK, TIMED_PHASES, "end a countdown", "phase"),
    "request_swap": _rule("seat", SWAP_PHASES, "swap roles"),
    "confirm_swap": _rule("seat", SWAP_PHASES, "swap roles"),
    "cancel_swap": _rule("seat", SWAP_PHASES, "cancel the swap"),
    "feedback": _rule("seat", FEEDBACK_PHASES, "give feedback", "data", optional=("half",)),
    # Either seat answers the recording notice for its own answers, and may change its mind.
    "recording": _rule("seat", PHASES, "change recording", "on"),
    "away": _rule(CLOCK, PHASES, "mark someone away", "who"),
    "back": _rule(CLOCK, PHASES, "mark someone back", "who"),
}


class InterviewError(UserError):
    """An action the flow refuses; `code` is stable for clients, `message` is for people."""

    status = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


def seat(who: Any) -> str:
    if who not in SEATS:
        raise InterviewError("invalid-event", "away/back.who must be a seat.")
    return str(who)


def checked_shape(event: Any, *, copy_it: bool = True) -> Event:
    if not isinstance(event, dict):
        raise InterviewError("invalid-event", "An event must be an object.")
    kind = event.get("type")
    if not isinstance(kind, str) or kind not in EVENT_RULES:
        raise InterviewError("invalid-event", f"Unknown event type {kind!r}.")
    at, by = event.get("at"), event.get("by")
    if not isinstance(at, int) or isinstance(at, bool) or at < 0:
        raise InterviewError("invalid-event", f"{kind}.at must be a time in ms.")
    if not isinstance(by, str) or by not in (*LINK_ROLES, CLOCK):
        raise InterviewError("unknown-role", f"No such role {by!r}.")
    rule = EVENT_RULES[kind]
    required = {"type", "at", "by", *rule.fields}
    if not required <= set(event) <= required | rule.optional:
        optional = f" (and optionally {sorted(rule.optional)})" if rule.optional else ""
        raise InterviewError(
            "invalid-event", f"{kind} carries exactly: {sorted(rule.fields)}{optional}."
        )
    # Our own copy: a caller mutating its dict later must not rewrite history.
    return copy.deepcopy(event) if copy_it else event
