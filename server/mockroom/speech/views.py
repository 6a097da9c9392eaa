"""Transcripts as the review page, its JSON and the exports show them. No I/O beyond the store.

`take_transcripts(app, room_id, clips, rubrics)` gives clip id -> view; each view has `status`,
`message` (what to say when there are no words yet), `words`, `text` and `feedback` (figures,
each with its moment). Feedback is worked out on reading, so a changed filler list applies to
takes recorded before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from ..keys import SETTINGS, STORE
from ..recordings.clips import Clip
from ..storage.interface import TranscriptRecord
from .feedback import parse_fillers, speaking_feedback
from .recognizer import word_from_dict
from .transcripts import DONE, FAILED, PENDING, QUEUED, TRANSCRIPTS

MESSAGES = {
    QUEUED: "Transcript on its way: the server is listening to this take.",
    PENDING: "Transcript pending: the server is busy and will get to this take.",
    FAILED: "No transcript: the recording's audio could not be read.",
    "missing": "No transcript for this take.",
}


def transcript_view(
    record: TranscriptRecord | None,
    clip: Clip,
    *,
    fillers: Sequence[str],
    rubric: Sequence[str],
    off: str | None,
) -> dict[str, Any]:
    if record is None or record.clip_finished_at != clip.finished_at:
        status = "missing"
        message = off or MESSAGES["missing"]
        return {"status": status, "message": message, "words": [], "text": "", "feedback": None}
    if record.status != DONE:
        message = MESSAGES.get(record.status, MESSAGES["missing"])
        return {"status": record.status, "message": message, "words": [], "text": "",
                "feedback": None}  # fmt: skip
    words = [word_from_dict(w) for w in record.words]
    feedback = speaking_feedback(words, fillers=fillers, rubric=rubric).as_dict()
    return {
        "status": DONE,
        "message": "" if words else "No words were recognised in this take.",
        "backend": record.backend,
        "words": [w.as_dict() for w in words],
        "text": " ".join(w.text for w in words),
        "feedback": feedback,
    }


def take_transcripts(
    app: web.Application, room_id: str, clips: Sequence[Clip], rubrics: Mapping[str, Sequence[str]]
) -> dict[str, dict[str, Any]]:
    records = app[STORE].transcripts_for_room(room_id)
    fillers = parse_fillers(app[SETTINGS].filler_words)
    service = app.get(TRANSCRIPTS)
    off = service.unavailable if service is not None else "Transcripts are off on this server."
    return {
        clip.id: transcript_view(
            records.get(clip.id),
            clip,
            fillers=fillers,
            rubric=rubrics.get(clip.question_id, ()),
            off=off,
        )
        for clip in clips
    }


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f" (at {int(seconds // 60)}:{seconds % 60:04.1f})"


def transcript_markdown(take: int, view: dict[str, Any] | None, label: str = "") -> list[str]:
    """The review.md lines for one take: the words heard, then the speaking figures. `label`
    follows the take's number in the heading (" (follow-up)")."""
    lines = [f"#### Transcript, take {take}{label}", ""]
    if view is None:
        return [*lines, "- not transcribed", ""]
    if view["status"] != DONE or not view["words"]:
        return [*lines, f"- {view['message']}", ""]
    lines += [f"> {view['text']}", "", f"Speaking figures, take {take}:"]
    for figure in view["feedback"]["figures"]:
        lines.append(
            f"- {figure['label']}: {figure['value']}{_clock(figure['at_s'])}. {figure['advice']}"
        )
    return [*lines, ""]
