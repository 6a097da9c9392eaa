"""The review of a peer room: each half's recorded answers, for the two people who may watch them.

Which clip a link may watch is `recordings.access.PeerAccess`'s rule (its own answers always,
the answers of the half it interviewed once the interview is done). Here: the questions of each
half in the order they were asked, with the clips this reader may watch, and for a half whose
clips are not open to the reader yet, a line that says when they will be. A question's text
follows the report's rule (interview.report_view): in phone-screen realism the person who
answered it reads it only from the feedback phase on. Peer reviews carry no self-rating and no
comments: the feedback forms of the interview are that half's ratings, in the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..interview.report_view import FEEDBACK_PHASES
from ..interview.state import halves
from ..recordings.access import PeerAccess
from ..recordings.clips import Clip

LOCKED = "The recordings of this half open here once the interview is finished."


def peer_questions(
    access: PeerAccess, clips: list[Clip], transcripts: Mapping[str, Any] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(questions with their readable clips, halves) for the reader of `access`; `transcripts`
    (clip id -> transcript) is read only for the clips this reader may watch."""
    transcripts = transcripts or {}
    iv = access.interview
    s, link = iv.state, access.link
    questions: list[dict[str, Any]] = []
    half_rows: list[dict[str, Any]] = []
    for half in halves(s):
        if not half.questions or link not in (half.interviewer, half.candidate):
            continue
        mine = half.candidate == link
        own = [c for c in clips if access.owner(c) == half.candidate]
        readable = [c for c in own if access.may_read(c)]
        half_rows.append(
            {
                "number": half.number,
                "interviewer": half.interviewer,
                "candidate": half.candidate,
                "yours": mine,
                "open": mine or s.phase == "done",
                "note": None if mine or s.phase == "done" else LOCKED,
            }
        )
        if not readable and not mine:
            continue
        text_shown = not iv.config.phone_realism or not mine or s.phase in FEEDBACK_PHASES
        for number, record in half.questions:
            q = iv.questions[record.question_id]
            questions.append(
                {
                    "id": q.id,
                    "index": number - 1,
                    "half": half.number,
                    "text": q.text if text_shown else f"Question {number} (heard, not read)",
                    "clips": [
                        {**access.json(c), "transcript": transcripts.get(c.id)}
                        for c in readable
                        if c.question_id == q.id
                    ],
                    # No "metrics"/"figures": those are the scripted interviewer's own
                    # measurements; a peer take's figures are its transcript's feedback.
                    "rubric": [],
                    "comments": [],
                }
            )
    return questions, half_rows
