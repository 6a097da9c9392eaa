"""The store seam: every query a feature needs, as methods on one interface, and the records.

Features type against `Store` (a Protocol) and never see SQL: `storage.sqlite.SqliteStore` (the
default) and `storage.postgres.PostgresStore` implement the same methods and run the same
contract tests (tests/test_store_contract.py).

Every method is a coroutine (`await store.get_room(...)`): on PostgreSQL a call is a network
round trip, and awaiting it lets the event loop serve every other room meanwhile; a database that
stalls holds up only the requests that wait on it. mypy --strict reports a call that forgot its
`await` (a coroutine used as a value, or one never used). Rows that belong to one room
all go when the room is deleted (`delete_room`), whichever feature wrote them.

Times are unix seconds (float). Clip, comment and metric rows come back as plain dicts (column
name -> value): the feature that owns them turns them into its own dataclasses.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from ..roles import Media, Mode


@dataclass(frozen=True)
class RoomRecord:
    id: str
    mode: Mode
    media: Media
    title: str
    bank_id: str | None  # the shipped bank it was made from; None for a pasted bank or none
    bank: dict[str, Any] | None  # the bank as it was when the room was made (or a pasted one)
    options: dict[str, Any]  # the creation options (rooms.request), applied by rooms.options
    created_at: float


@dataclass(frozen=True)
class LinkRecord:
    room_id: str
    role: str
    token_hash: str  # SHA-256 of the link's token (links.tokens); the token itself is not kept
    created_at: float
    expires_at: float | None
    revoked_at: float | None  # set when the link was renewed (withdrawn)


@dataclass(frozen=True)
class EventRecord:
    room_id: str
    seq: int  # 1, 2, ... per room, without gaps
    at: float
    kind: str  # which feature wrote it: "interview", "scripted"
    data: dict[str, Any]


class RoomRows(Protocol):
    async def create_room(self, room: RoomRecord, links: list[LinkRecord]) -> None: ...
    async def get_room(self, room_id: str) -> RoomRecord | None: ...
    async def room_ids(self) -> set[str]: ...
    async def find_link(self, room_id: str, token_hash: str) -> LinkRecord | None: ...
    async def links_for(self, room_id: str) -> list[LinkRecord]: ...
    async def revoke_links(self, room_id: str, role: str) -> int: ...
    async def add_link(self, link: LinkRecord) -> None: ...
    async def record_join(
        self, room_id: str, participant_id: str, role: str, name: str
    ) -> None: ...
    async def record_leave(self, room_id: str, participant_id: str) -> None: ...
    async def participants(self, room_id: str) -> list[dict[str, Any]]: ...


class EventRows(Protocol):
    async def append_event(self, room_id: str, kind: str, data: dict[str, Any]) -> EventRecord:
        """Append to the room's log; NotFound when the room is gone (nothing is stored)."""
        ...

    async def event_count(self, room_id: str) -> int: ...
    async def events(self, room_id: str, kind: str | None = None) -> list[EventRecord]: ...


class RetentionRows(Protocol):
    async def touch_room(
        self, room_id: str, now: float | None = None, *, force: bool = False
    ) -> None:
        """Record a use of the room; may skip the write when the last one is recent."""
        ...

    async def last_used(self, room_id: str) -> float | None: ...
    async def rooms_unused_since(self, cutoff: float, limit: int = 1000) -> list[str]: ...

    async def delete_room(self, room_id: str) -> int:
        """Delete the room and every row of it, in one transaction; the number of rows."""
        ...

    async def orphan_room_ids(self) -> set[str]:
        """Room ids that rows still name although their room is gone."""
        ...


class ClipRows(Protocol):
    """Recorded answers (recordings.ClipStore keeps the bytes on disk)."""

    async def clip(self, room_id: str, clip_id: str) -> dict[str, Any] | None: ...
    async def clip_for_take(
        self, room_id: str, question_id: str, take: int
    ) -> dict[str, Any] | None: ...
    async def clips(self, room_id: str) -> list[dict[str, Any]]: ...
    async def insert_clip(self, clip: dict[str, Any]) -> None: ...
    async def reset_clip(self, clip_id: str) -> None: ...

    async def count_chunk(self, clip_id: str, seq: int, nbytes: int) -> None:
        """Chunk `seq` is on disk: next_seq = seq + 1, bytes += nbytes (only if next_seq == seq)."""
        ...

    def lock_clip(self, clip_id: str) -> AbstractAsyncContextManager[dict[str, Any] | None]:
        """Hold the clip's row against every other writer, on any node, and give its current
        state (None: gone). Store calls the holding task makes inside join the lock's transaction,
        so a chunk's write to the shared volume and its count are one step for every node.
        Used as `async with store.lock_clip(id) as row:`."""
        ...

    async def finish_clip(
        self, clip_id: str, finished_at: float, duration_ms: int | None
    ) -> None: ...
    async def set_clip_file(self, clip_id: str, nbytes: int, duration_ms: int | None) -> None: ...
    async def delete_clips(self, room_id: str) -> int:
        """The room's clips and what was heard in them (transcripts); the number of clips."""
        ...

    async def delete_clip(self, room_id: str, clip_id: str) -> bool:
        """One clip and its transcript; False when there was no such clip."""
        ...

    async def clip_bytes(self, room_id: str | None = None) -> int:
        """Bytes of the room's clips; of every room's when room_id is None."""
        ...


class ReviewRows(Protocol):
    """The candidate's own ratings of rubric items, and comments on answers."""

    async def ratings(self, room_id: str) -> dict[str, dict[int, int]]: ...
    async def set_rating(
        self, room_id: str, question_id: str, item: int, rating: int | None
    ) -> None: ...
    async def comments(self, room_id: str) -> list[dict[str, Any]]: ...

    async def add_comment(
        self, room_id: str, question_id: str, clip_id: str | None, author: str, text: str
    ) -> int:
        """The new comment's id."""
        ...


class MetricRows(Protocol):
    """Speech figures per answered take of a scripted room."""

    async def save_answer_metrics(self, room_id: str, metrics: dict[str, Any]) -> None: ...
    async def answer_metrics(self, room_id: str) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class TranscriptRecord:
    """What the recogniser heard in one take (speech.transcripts writes it)."""

    clip_id: str
    room_id: str
    status: str  # queued | pending (the queue was full) | done | failed
    clip_finished_at: float | None  # the recording it is of: a reset take is recorded again
    backend: str | None
    words: list[dict[str, Any]]  # [{text, start_s, end_s, confidence}], in time order
    audio_ms: int | None
    error: str | None
    updated_at: float


class TranscriptRows(Protocol):
    """Transcripts of recorded takes, one per clip; `delete_clips` removes a room's too."""

    async def mark_transcript(
        self, room_id: str, clip_id: str, status: str, clip_finished_at: float | None
    ) -> None:
        """Queue (or re-queue) a clip's transcript; words of an earlier recording are dropped."""
        ...

    async def save_transcript(
        self,
        clip_id: str,
        *,
        status: str,
        backend: str | None,
        words: list[dict[str, Any]],
        audio_ms: int | None,
        error: str | None = None,
    ) -> None: ...
    async def transcript(self, clip_id: str) -> TranscriptRecord | None: ...
    async def transcripts_for_room(self, room_id: str) -> dict[str, TranscriptRecord]: ...

    async def transcripts_waiting(self, status: str, limit: int) -> list[TranscriptRecord]:
        """Oldest first: what a restart or a queue with room again picks up."""
        ...


class VaultRows(Protocol):
    """Sealed copies of a room's links (links.vault seals and opens them)."""

    async def keep_sealed(self, room_id: str, role: str, token_hash: str, sealed: str) -> None: ...
    async def forget_sealed(self, room_id: str, role: str) -> None: ...
    async def sealed_links(self, room_id: str) -> list[tuple[str, str, str]]:
        """(role, token_hash, sealed) for each copy."""
        ...


class Store(
    RoomRows,
    EventRows,
    RetentionRows,
    ClipRows,
    ReviewRows,
    MetricRows,
    TranscriptRows,
    VaultRows,
    Protocol,
):
    """Everything a feature may ask of storage."""

    async def close(self) -> None: ...
