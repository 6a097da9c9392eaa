"""Follow-up questions on short answers (rooms opt in with `follow_up_short_answers: true`).

The rule, in one place: an answer is *short* when the candidate talked for less than a third of
the answer time the question allows, and the answer ended early: the candidate pressed Done, or
turn-taking ended it after their silence. An answer that ran out the clock is never short (the
candidate used the window, perhaps thinking aloud slowly), nor is one with no speech at all (a
muted microphone is not an answer to probe). After a short answer the interviewer asks one of
the bank question's `follow_ups`, at most once per question, and gives a shorter window for it.
Pure domain: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

OPTION = "follow_up_short_answers"
SHORT_SHARE_DIVISOR = 3  # talk under 1/3 of the window is short
EARLY_ENDS = frozenset({"done", "silence"})  # the candidate's Done; turn-taking's silence
FOLLOW_UP_LEAD = "Let me ask a follow-up."
# A follow-up is answered at once (no think time), in a third of the question's window, at least
# 20 s (a sentence or two), never longer than the question's own.
FOLLOW_UP_MIN_MS = 20_000


def is_short_answer(talk_ms: int, allowed_ms: int, reason: str) -> bool:
    """`talk_ms` as the speech meter measured it (scripted.speech.AnswerMetrics)."""
    return reason in EARLY_ENDS and talk_ms > 0 and talk_ms * SHORT_SHARE_DIVISOR < allowed_ms


def follow_up_window_ms(answer_ms: int) -> int:
    return min(answer_ms, max(FOLLOW_UP_MIN_MS, answer_ms // SHORT_SHARE_DIVISOR))


def pick_follow_up(follow_ups: Sequence[str], room_id: str, question_id: str) -> str | None:
    """One of the question's follow-ups, the same one every time for this room and question (a
    resumed session asks the same), different across rooms; None when it has none."""
    if not follow_ups:
        return None
    digest = hashlib.sha256(f"{room_id}\0{question_id}".encode()).digest()
    return follow_ups[int.from_bytes(digest[:4], "big") % len(follow_ups)]
