"""What the candidate's page sends the scripted session, checked: an offer's m-lines and the take
it kept recording through an outage. Each bad value is a UserError that says what is wrong."""

from __future__ import annotations

from typing import Any

from aiortc.sdp import SessionDescription

from ..errors import UserError


def offered_kinds(sdp: str) -> list[str]:
    """The media kinds of an offer's m-lines, or a UserError that says what is wrong with it."""
    if not sdp.lstrip().startswith("v=0"):
        raise UserError(
            "The offer is not an SDP description (it must start with v=0).", code="bad-offer"
        )
    try:
        return [media.kind for media in SessionDescription.parse(sdp).media]
    except Exception as exc:  # aiortc's parser raises assorted errors on malformed lines
        raise UserError(f"The offer's SDP could not be read: {exc}", code="bad-offer") from None


def still_recording(value: Any) -> tuple[str, int] | None:
    """`start`'s `recording`: the take the page kept recording through an outage, if any."""
    if value is None:
        return None
    take = value.get("take") if isinstance(value, dict) else None
    question_id = value.get("question_id") if isinstance(value, dict) else None
    if not isinstance(question_id, str) or not isinstance(take, int) or isinstance(take, bool):
        raise UserError(
            '\'recording\' must be {"question_id": string, "take": number}.',
            code="bad-message",
        )
    return question_id, take
