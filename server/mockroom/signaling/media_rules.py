"""Who may send media in a peer call, checked on the SDP the server relays. Pure: no I/O.

Observers watch and listen. Their own page offers receive-only m-lines, and the seats answer them
send-only; a modified page could still offer to send, so the server reads the direction of every
m-line an observer's description carries and refuses one that would send.
"""

from __future__ import annotations

from typing import Any

from ..errors import UserError
from ..roles import Role, sends_media

SENDING = frozenset({"sendrecv", "sendonly"})
DIRECTIONS = SENDING | {"recvonly", "inactive"}


def sdp_sends_media(sdp: str) -> bool:
    """True if any media section would send (no direction attribute means sendrecv)."""
    sections: list[str] = []  # the direction of each m-line so far
    session = "sendrecv"
    for line in sdp.splitlines():
        line = line.strip()
        if line.startswith("m="):
            sections.append(session)
        elif line.startswith("a=") and line[2:] in DIRECTIONS:
            if sections:
                sections[-1] = line[2:]
            else:
                session = line[2:]  # a session-level default for the m-lines after it
    return any(direction in SENDING for direction in sections)


def check_signal(role: Role, data: dict[str, Any]) -> None:
    """Refuse a description from a role that sends no media if it would send media."""
    if sends_media(role):
        return
    description = data.get("description")
    if isinstance(description, dict) and sdp_sends_media(str(description.get("sdp", ""))):
        raise UserError(
            "Observers only receive: this description would send audio or video.",
            code="not-allowed",
        )
