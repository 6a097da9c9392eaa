"""What a speech recogniser is to MockRoom: 16 kHz mono PCM in, timed words out.

Backends live in their own modules and are chosen once from the settings (`make_recognizer`):
pocketsphinx by default (its wheel carries the en-us model, so nothing is fetched), faster-whisper
only when the operator points at a model directory already on disk. No backend ever downloads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

RATE = 16_000  # every backend takes 16 kHz mono signed 16-bit PCM


class RecognizerUnavailable(RuntimeError):
    """The configured backend cannot run here; the message says what to install or set."""


@dataclass(frozen=True)
class Word:
    text: str  # lower case, as recognised ("i", "we're")
    start_s: float  # from the start of the audio
    end_s: float
    confidence: float  # 0..1, the backend's own posterior

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def word_from_dict(data: dict[str, Any]) -> Word:
    return Word(
        text=str(data["text"]),
        start_s=float(data["start_s"]),
        end_s=float(data["end_s"]),
        confidence=float(data.get("confidence", 0.0)),
    )


class Recognizer(Protocol):
    """Blocking: called in a worker process (speech.worker), never in the server's. Must pickle
    cheaply: the server hands the object to each worker, which loads the model itself."""

    name: str

    def transcribe(self, pcm: bytes) -> list[Word]:
        """Words in `pcm` (16 kHz mono s16 little-endian), in time order."""
        ...


class NullRecognizer:
    """Recognises nothing, at no cost: the bench's baseline (decoding alone)."""

    name = "null"

    def transcribe(self, pcm: bytes) -> list[Word]:
        return []
