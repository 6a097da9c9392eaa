"""Roles a capability link can grant, and what each may do. Pure domain, no I/O."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    PEER = "peer"  # two people (and observers) in a browser-to-browser call
    SCRIPTED = "scripted"  # one candidate and the server's interviewer peer


class Media(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"  # a phone screen: no camera is ever requested


class Role(StrEnum):
    INTERVIEWER = "interviewer"
    CANDIDATE = "candidate"
    OBSERVER = "observer"
    REVIEWER = "reviewer"  # scripted rooms: a coach who reviews clips later, never joins live


ROLES_BY_MODE: dict[Mode, tuple[Role, ...]] = {
    Mode.PEER: (Role.INTERVIEWER, Role.CANDIDATE, Role.OBSERVER),
    Mode.SCRIPTED: (Role.CANDIDATE, Role.REVIEWER),
}

# Roles that hold one seat each; observers share a capped pool.
SINGLE_SEAT_ROLES = frozenset({Role.INTERVIEWER, Role.CANDIDATE})


def joins_live(role: Role) -> bool:
    """Reviewers only read what a scripted room left behind."""
    return role is not Role.REVIEWER


def sends_media(role: Role) -> bool:
    """Observers watch and listen; they never publish camera or microphone."""
    return role in SINGLE_SEAT_ROLES


def private_notes_doc(role: Role) -> str | None:
    """The name of the role's private notes document, if it has one."""
    return f"private-{role.value}" if role in SINGLE_SEAT_ROLES else None


SHARED_DOC = "shared"
CODE_DOC = "code"


def note_documents(role: Role) -> list[str]:
    """The notes documents a role may open, in the order the UI shows them."""
    docs = [SHARED_DOC]
    private = private_notes_doc(role)
    if private:
        docs.append(private)
    docs.append(CODE_DOC)
    return docs


def may_write_document(role: Role, doc: str) -> bool:
    """Observers and reviewers read; each seat writes the shared docs and its own private one."""
    if doc not in note_documents(role):
        return False
    return role in SINGLE_SEAT_ROLES


# The notes socket's WebSocket subprotocol: a browser offers it with "token.<token>" beside it
# (notes/transport.py), so its token never sits in the URL; each node echoes it.
NOTES_PROTOCOL = "mockroom-notes"
