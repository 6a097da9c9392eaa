"""Answer clips: what a clip is and the rules for appending chunks to one. Pure domain, no I/O.

A clip is one continuous browser MediaRecorder run (one answer, one take). The browser uploads it
in numbered chunks while it records; the server appends them strictly in order so the file on disk
is always a prefix of the recording, and acknowledges each one only after it is stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..errors import Conflict, TooLarge, UserError

# One MediaRecorder timeslice (1 s) of 640x480 VP8 is a few hundred KiB; 8 MiB is far above any
# honest chunk and small enough to hold in memory while it is written.
MAX_CHUNK_BYTES = 8 * 1024 * 1024
MAX_TAKE = 20
QUESTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
# Container → file extension. WebM is what Chromium and Firefox record; MP4 is Safari's.
EXTENSIONS = {
    "video/webm": "webm",
    "audio/webm": "webm",
    "video/mp4": "mp4",
    "audio/mp4": "mp4",
    "audio/ogg": "ogg",
}
MIME = re.compile(r"^(?P<base>[a-z]+/[a-z0-9]+)(?P<params>;[A-Za-z0-9=,.;\s\"-]{0,100})?$")


@dataclass(frozen=True)
class ClipRequest:
    question_id: str
    take: int
    mime: str
    # True: the browser lost its recorder (a reload mid-take) and starts the clip over.
    reset: bool = False

    @property
    def extension(self) -> str:
        return EXTENSIONS[base_mime(self.mime)]


@dataclass(frozen=True)
class Clip:
    id: str
    room_id: str
    question_id: str
    take: int
    mime: str
    next_seq: int  # the next chunk number the server expects
    bytes: int  # bytes acknowledged (the file may hold more after a crash mid-write; ignored)
    created_at: float
    finished_at: float | None
    duration_ms: int | None
    extension: str

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def filename(self) -> str:
        return f"{self.id}.{self.extension}"


def base_mime(mime: str) -> str:
    return mime.split(";", 1)[0].strip().lower()


def parse_clip_request(data: Any) -> ClipRequest:
    """Validate the body of POST /api/rooms/{id}/clips; each problem names its field."""
    if not isinstance(data, dict):
        raise UserError("The request body must be a JSON object.", code="invalid-clip")
    unknown = sorted(set(data) - {"question_id", "take", "mime", "reset"})
    if unknown:
        raise UserError(f"Unknown field(s): {', '.join(unknown)}.", code="invalid-clip")
    question_id = data.get("question_id")
    if not isinstance(question_id, str) or not QUESTION_ID.match(question_id):
        raise UserError("'question_id' must be a question's id.", code="invalid-clip")
    take = data.get("take")
    if isinstance(take, bool) or not isinstance(take, int) or not 1 <= take <= MAX_TAKE:
        raise UserError(f"'take' must be a whole number from 1 to {MAX_TAKE}.", code="invalid-clip")
    mime = data.get("mime")
    match = MIME.match(mime) if isinstance(mime, str) else None
    if match is None or not isinstance(mime, str) or base_mime(match["base"]) not in EXTENSIONS:
        allowed = ", ".join(sorted(EXTENSIONS))
        raise UserError(f"'mime' must be one of {allowed} (codecs allowed).", code="invalid-clip")
    reset = data.get("reset", False)
    if not isinstance(reset, bool):
        raise UserError("'reset' must be true or false.", code="invalid-clip")
    return ClipRequest(question_id, take, mime.strip(), reset)


def parse_duration(data: Any) -> int | None:
    """The body of POST .../finish: `{duration_ms}` as the browser measured it (optional)."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise UserError("The request body must be a JSON object.", code="invalid-clip")
    value = data.get("duration_ms")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 86_400_000:
        raise UserError("'duration_ms' must be a number of milliseconds.", code="invalid-clip")
    return int(value)


class OutOfOrder(Conflict):
    """A chunk arrived before the ones it follows; the reply tells the client where to resume."""

    def __init__(self, expected: int) -> None:
        super().__init__(
            f"Chunk out of order: the server expects chunk {expected} next.", code="out-of-order"
        )
        self.expected = expected

    @property
    def extra(self) -> Mapping[str, Any]:
        return {"expected": self.expected}  # where the recorder resumes


class ChunkAction(Enum):
    APPEND = "append"  # the chunk the server expects: store it
    DUPLICATE = "duplicate"  # already stored (a retry whose acknowledgement got lost): ack again


def decide_chunk(clip: Clip, seq: int, size: int, max_clip_bytes: int) -> ChunkAction:
    """What to do with chunk `seq` of `size` bytes; refusals raise (409 / 413)."""
    if clip.finished:
        raise Conflict("This clip is finished; start a new take instead.", code="clip-finished")
    if seq < clip.next_seq:
        return ChunkAction.DUPLICATE
    if seq > clip.next_seq:
        raise OutOfOrder(clip.next_seq)
    if size > MAX_CHUNK_BYTES:
        raise TooLarge(f"A chunk may hold at most {MAX_CHUNK_BYTES} bytes.", code="chunk-too-big")
    if clip.bytes + size > max_clip_bytes:
        raise TooLarge(
            f"This recording is over the server's limit of {max_clip_bytes} bytes per clip.",
            code="clip-too-large",
        )
    return ChunkAction.APPEND


def clip_json(clip: Clip) -> dict[str, Any]:
    """A clip as the API shows it; `url` plays it with a bearer header (pages sign it)."""
    return {
        "clip_id": clip.id,
        "question_id": clip.question_id,
        "take": clip.take,
        "mime": clip.mime,
        "bytes": clip.bytes,
        "next_seq": clip.next_seq,
        "finished": clip.finished,
        "duration_ms": clip.duration_ms,
        "created_at": clip.created_at,
        "url": f"/api/rooms/{clip.room_id}/clips/{clip.id}",
    }
