"""A peer room's interview from what is stored: its config, and its replayed event log.

Kept out of the socket service so the report (and anything else that reads a finished room)
rebuilds an interview without importing the live service.
"""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from ..rooms.options import question_count, room_bank, shuffle_seed
from ..storage.interface import RoomRecord, Store
from .flow import Interview, InterviewConfig

EVENT_KIND = "interview"  # the kind of the room's stored interview events


class InterviewSource(Protocol):
    """Who knows a room's interview best: the live service holds the running ones."""

    async def interview_for(self, room: RoomRecord) -> Interview | None: ...


# Set by the live service (interview.service); readers of finished rooms fall back to the log.
INTERVIEW_SOURCE: web.AppKey[InterviewSource] = web.AppKey("interview_source")


def config_for_room(room: RoomRecord) -> InterviewConfig | None:
    """The room's bank with its creation options applied; None for a free conversation."""
    bank = room_bank(room)
    if bank is None:
        return None
    return InterviewConfig(
        bank=bank,
        shuffle_seed=shuffle_seed(room),
        max_questions=question_count(room),
        phone_realism=bool(room.options.get("phone_realism", bank.realism == "phone")),
    )


async def load_interview(store: Store, room: RoomRecord) -> Interview | None:
    """Rebuild a room's interview from its stored events."""
    config = config_for_room(room)
    if config is None:
        return None
    return Interview.replay(config, (e.data for e in await store.events(room.id, EVENT_KIND)))
