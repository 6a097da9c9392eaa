"""An iCalendar (RFC 5545) invite for a scheduled room. Pure: the caller passes every value.

The description carries the *caller's own* link: tokens are stored hashed, so the only token the
server can put in an invite is the one the request came with -- and that is also the only one it
should, since a calendar entry is forwarded and synced far more than a link is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

DEFAULT_MINUTES = 60
FOLD_OCTETS = 75


def parse_scheduled(value: str) -> datetime:
    """ISO 8601 → aware UTC datetime. A time without an offset is taken as UTC. ValueError."""
    when = datetime.fromisoformat(value.strip())
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(text: str) -> str:
    """TEXT value escaping: backslash, semicolon, comma, and every line break (CRLF, CR, LF).

    A bare CR must not pass through: some parsers end the content line there, and the rest of
    the text would become a property of its own (an ATTENDEE, say).
    """
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character."""
    parts: list[str] = []
    current, size = "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        limit = FOLD_OCTETS if not parts else FOLD_OCTETS - 1  # continuation lines start with " "
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += ch
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def invite_ics(
    *,
    uid: str,
    title: str,
    start: datetime,
    link: str,
    role: str,
    now: datetime,
    minutes: int = DEFAULT_MINUTES,
) -> str:
    description = (
        f"Mock interview on MockRoom. You join as the {role}.\n"
        f"Your link (keep it to yourself; it opens the room as the {role}): {link}\n"
        "Before you start: a quiet room, headphones, and a minute to test camera and microphone."
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//MockRoom//Interview invite//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(start)}",
        f"DTEND:{_stamp(start + timedelta(minutes=minutes))}",
        f"SUMMARY:{escape_text(title)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{link}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:Mock interview in 10 minutes",
        "TRIGGER:-PT10M",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
