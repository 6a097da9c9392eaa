"""Who is in a live room, which seats are taken, and what everyone may see of each other.

Pure domain: participants talk to us through the `Peer` protocol (send a message, close), so this
module never touches aiohttp and is tested without a socket.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import Conflict
from ..roles import SINGLE_SEAT_ROLES, Role

PARTICIPANT_ID = re.compile(r"^[a-z0-9-]{4,64}$")
CLOSE_REPLACED = 4000


class Peer(Protocol):
    async def send(self, message: dict[str, Any]) -> None: ...

    def post_text(self, data: str) -> None:
        """Queue a frame already encoded as JSON text, without waiting."""

    async def close(self, code: int, reason: str) -> None: ...

    def begin_close(self, code: int, reason: str) -> None:
        """Close after what is already queued, without waiting for it."""


@dataclass
class Participant:
    id: str
    role: Role
    name: str
    link: str  # hash of the link's token: the same link may come back after a blip
    audio: bool = True
    video: bool = True
    screen: bool = False

    def public(self) -> dict[str, Any]:
        """What every other participant may know: never the link hash."""
        return {
            "id": self.id,
            "role": self.role.value,
            "name": self.name,
            "audio": self.audio,
            "video": self.video,
            "screen": self.screen,
        }


@dataclass
class Seat:
    participant: Participant
    peer: Peer


def new_participant_id(role: Role) -> str:
    return f"{role.value[:3]}-{secrets.token_hex(4)}"


@dataclass
class LiveRoom:
    """The live participants of one room on this node."""

    room_id: str
    max_observers: int
    seats: dict[str, Seat] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Seat]:
        return iter(list(self.seats.values()))

    def __len__(self) -> int:
        return len(self.seats)

    def admit(
        self,
        role: Role,
        link: str,
        name: str,
        peer: Peer,
        wanted_id: str | None = None,
        takeover: bool = False,
    ) -> tuple[Participant, Seat | None]:
        """Seat a participant. Returns it and the seat it replaced (a stale socket), if any.

        The same link coming back with its old id (a reload or a network blip) takes its seat back.
        A second person on a single-seat role is refused unless they ask to take over.
        """
        replaced: Seat | None = None
        pid = wanted_id if wanted_id and PARTICIPANT_ID.match(wanted_id) else None
        existing = self.seats.get(pid) if pid else None
        if existing is not None and existing.participant.link != link:
            pid, existing = None, None  # someone else's id: never hand over their identity
        if existing is not None:
            replaced = existing
        elif role in SINGLE_SEAT_ROLES:
            holder = next((s for s in self.seats.values() if s.participant.role is role), None)
            if holder is not None:
                if not takeover:
                    raise Conflict(
                        f"Someone is already in this room as the {role.value}. If that is you in "
                        "another tab or device, close it there, or choose 'Join here instead'.",
                        code="role-taken",
                    )
                replaced = holder
                pid = holder.participant.id
        elif role is Role.OBSERVER:
            observers = sum(1 for s in self.seats.values() if s.participant.role is Role.OBSERVER)
            if observers >= self.max_observers:
                raise Conflict(
                    f"This room already has its {self.max_observers} observers. "
                    "Ask the interviewer to let you in when someone leaves.",
                    code="room-full",
                )
        participant = Participant(
            id=pid or new_participant_id(role), role=role, name=name, link=link
        )
        if replaced is not None:
            # Keep mute states across a reconnect; the person did not change them.
            participant.audio = replaced.participant.audio
            participant.video = replaced.participant.video
        self.seats[participant.id] = Seat(participant, peer)
        return participant, replaced

    def would_grow(self, role: Role, link: str, wanted_id: str | None) -> bool:
        """Would admitting this add a seat? Not for a rejoin, nor for a single seat already
        held (that is a takeover or a refusal), so a full room still lets its people back."""
        existing = self.seats.get(wanted_id) if wanted_id else None
        if existing is not None and existing.participant.link == link:
            return False
        return not (role in SINGLE_SEAT_ROLES and self.by_role(role))

    def remove(self, participant_id: str, peer: Peer) -> bool:
        """Remove a seat only if it still belongs to this socket (a replaced socket must not)."""
        seat = self.seats.get(participant_id)
        if seat is None or seat.peer is not peer:
            return False
        del self.seats[participant_id]
        return True

    def get(self, participant_id: str) -> Seat | None:
        return self.seats.get(participant_id)

    def by_role(self, role: Role) -> list[Seat]:
        return [s for s in self.seats.values() if s.participant.role is role]

    def roster(self) -> list[dict[str, Any]]:
        return [s.participant.public() for s in self.seats.values()]
