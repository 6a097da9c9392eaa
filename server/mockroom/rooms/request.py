"""Room creation requests and room facts. Pure domain: validation and decisions, no I/O."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import UserError
from ..roles import ROLES_BY_MODE, Media, Mode, Role

MAX_TITLE = 120
MAX_NAME = 60
ALLOWED_FIELDS = {  # fields we understand; others are ignored
    "mode",
    "media",
    "bank",
    "bank_toml",  # a pasted or uploaded bank, validated like a shipped one
    "title",
    "job_title",  # the role being practised for; the report's letters name it
    "expires_in_hours",
    "phone_realism",  # candidate sees no question text (a real phone screen)
    "scheduled_at",  # ISO 8601 start, offered as an .ics invite
    "question_count",
    "think_seconds",
    "answer_seconds",
    "retakes",
    "shuffle",
    "code_pad",
    "warm_up",  # scripted rooms: an unrecorded practice question first (default on)
    "start_on_first_word",  # scripted rooms: the answer timer starts when the candidate speaks
    "end_on_silence_seconds",  # scripted rooms: silence after talk that ends the answer (4-30)
    "follow_up_short_answers",  # scripted rooms: one bank follow-up after a short answer
}


@dataclass(frozen=True)
class RoomRequest:
    mode: Mode
    media: Media
    bank: str | None
    bank_toml: str | None
    title: str
    expires_in_hours: float | None
    options: dict[str, Any] = field(default_factory=dict)
    ignored_fields: tuple[str, ...] = ()

    @property
    def roles(self) -> tuple[Role, ...]:
        return ROLES_BY_MODE[self.mode]


def _choice(data: dict[str, Any], key: str, kind: type[Mode] | type[Media], default: str) -> Any:
    value = data.get(key, default)
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in kind)
        raise UserError(f"'{key}' must be one of {allowed}.", code="invalid-room") from None


def _int_option(data: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UserError(
            f"'{key}' must be a whole number from {low} to {high}.", code="invalid-room"
        )
    return value


def parse_room_request(data: Any) -> RoomRequest:
    """Validate the JSON body of POST /api/rooms; every problem is a UserError naming the field."""
    if not isinstance(data, dict):
        raise UserError("The request body must be a JSON object.", code="invalid-room")
    # The stable API allows more fields than ours (integrations add their own): they are
    # ignored and named in the reply, so a typo is still visible to the caller.
    ignored = tuple(sorted(str(key) for key in set(data) - ALLOWED_FIELDS))
    mode = _choice(data, "mode", Mode, "peer")
    media = _choice(data, "media", Media, "video")
    bank = data.get("bank")
    if bank in ("", "none"):
        bank = None
    if bank is not None and not isinstance(bank, str):
        raise UserError("'bank' must be a bank id (see GET /api/banks).", code="invalid-room")
    bank_toml = data.get("bank_toml")
    if bank_toml is not None and not isinstance(bank_toml, str):
        raise UserError("'bank_toml' must be the text of a TOML bank.", code="invalid-room")
    title = data.get("title") or (
        "Scripted practice" if mode is Mode.SCRIPTED else "Mock interview"
    )
    if isinstance(title, str):
        title = clean_title(title)
    if not isinstance(title, str) or len(title) == 0 or len(title) > MAX_TITLE:
        raise UserError(
            f"'title' must be text of at most {MAX_TITLE} characters.", code="invalid-room"
        )
    expires = data.get("expires_in_hours")
    if expires is not None and (
        isinstance(expires, bool)
        or not isinstance(expires, int | float)
        or not 0 < expires <= 24 * 365
    ):
        raise UserError(
            "'expires_in_hours' must be a number of hours up to a year.", code="invalid-room"
        )
    options: dict[str, Any] = {}
    booleans = ("phone_realism", "shuffle", "code_pad", "warm_up", "start_on_first_word")
    for key in (*booleans, "follow_up_short_answers"):
        if key in data:
            if not isinstance(data[key], bool):
                raise UserError(f"'{key}' must be true or false.", code="invalid-room")
            options[key] = data[key]
    for key, low, high in (
        ("question_count", 1, 50),
        ("think_seconds", 0, 600),
        ("answer_seconds", 10, 1800),
        ("retakes", 0, 5),
        ("end_on_silence_seconds", 4, 30),  # from 4: a thinking pause must never end an answer
    ):
        value = _int_option(data, key, low, high)
        if value is not None:
            options[key] = value
    job_title = data.get("job_title")
    if job_title not in (None, ""):
        if not isinstance(job_title, str) or len(job_title) > MAX_TITLE:
            raise UserError(
                f"'job_title' must be text of at most {MAX_TITLE} characters.",
                code="invalid-room",
            )
        # It is printed in letters and invites: printable characters only.
        cleaned = " ".join("".join(ch for ch in job_title if ch.isprintable()).split())
        if cleaned:
            options["job_title"] = cleaned
    scheduled = data.get("scheduled_at")
    if scheduled is not None:
        if not isinstance(scheduled, str) or len(scheduled) > 40:
            raise UserError(
                "'scheduled_at' must be an ISO 8601 date and time.", code="invalid-room"
            )
        options["scheduled_at"] = scheduled
    return RoomRequest(mode, media, bank, bank_toml, title, expires, options, ignored)


def clean_title(raw: str) -> str:
    """A title goes into pages, exports and calendar files: one line of printable text.

    Line breaks and tabs become spaces; other control and format characters (CR, NUL, bidi
    overrides, lone surrogates) are dropped, so a title cannot start a new line in an .ics file.
    """
    kept = (" " if ch.isspace() else ch for ch in raw if ch.isprintable() or ch.isspace())
    return " ".join("".join(kept).split())


def clean_display_name(raw: Any, role: Role) -> str:
    """Names are shown to others; keep them short and printable."""
    if not isinstance(raw, str):
        return role.value.capitalize()
    name = "".join(ch for ch in raw if ch.isprintable()).strip()[:MAX_NAME]
    return name or role.value.capitalize()


def link_expired(expires_at: float | None, now: float | None = None) -> bool:
    return expires_at is not None and (now if now is not None else time.time()) >= expires_at
