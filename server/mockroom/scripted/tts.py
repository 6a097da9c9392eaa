"""The interviewer's voice: espeak-ng, rendered once per text into a cached 48 kHz mono WAV.

espeak-ng runs as a subprocess (never blocking the loop) and writes 22.05 kHz audio; we resample it
to the 48 kHz the voice track sends and keep the result under data_dir/tts/<sha256>.wav, so a line
is synthesised once per server, not once per candidate. Without espeak-ng the room runs text-only.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import os
import shutil
import wave
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

RATE = 48_000
VOICE = ("-v", "en-us", "-s", "160")  # part of the cache key: changing it re-renders
# Reading speed for text-only rooms, so think time still starts after the question "was said".
TEXT_ONLY_MS_PER_CHAR = 45
TEXT_ONLY_MIN_MS = 1_500
TEXT_ONLY_MAX_MS = 12_000
MEMORY_LINES = 256


@dataclass(frozen=True)
class Speech:
    pcm: bytes  # 48 kHz mono signed 16-bit little endian
    duration_ms: int


def text_only_ms(text: str) -> int:
    return max(TEXT_ONLY_MIN_MS, min(TEXT_ONLY_MAX_MS, len(text) * TEXT_ONLY_MS_PER_CHAR))


def resample(samples: np.ndarray, rate: int, to_rate: int = RATE) -> np.ndarray:
    """Linear interpolation is plenty for a synthetic voice and costs no extra dependency."""
    if rate == to_rate or len(samples) == 0:
        return samples.astype(np.int16, copy=False)
    n_out = round(len(samples) * to_rate / rate)
    positions = np.arange(n_out) * (rate / to_rate)
    out = np.interp(positions, np.arange(len(samples)), samples.astype(np.float32))
    result: np.ndarray = np.clip(np.round(out), -32768, 32767).astype(np.int16)
    return result


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Mono int16 samples and the rate of a 16-bit PCM WAV (stereo is mixed down)."""
    with wave.open(io.BytesIO(data)) as wav:
        if wav.getsampwidth() != 2:
            raise ValueError("expected 16-bit PCM")
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        channels = wav.getnchannels()
        if channels > 1:
            frames = frames.reshape(-1, channels).mean(axis=1).astype(np.int16)
        return frames, wav.getframerate()


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    tmp.replace(path)  # atomic: a reader never sees half a file


def _speech(samples: np.ndarray) -> Speech:
    return Speech(samples.astype("<i2").tobytes(), round(len(samples) * 1000 / RATE))


class Tts:
    """Renders lines to Speech; `available` is False when the room must run text-only."""

    def __init__(self, cache_dir: Path, mode: str = "espeak-ng") -> None:
        self.cache_dir = cache_dir
        self.executable = shutil.which("espeak-ng") if mode == "espeak-ng" else None
        self.available = self.executable is not None
        # Most recently used lines stay decoded in memory (about 0.5 MB each); others are on disk.
        self._memory: OrderedDict[str, Speech] = OrderedDict()
        self._pending: dict[str, asyncio.Future[Speech | None]] = {}
        if mode == "off":
            log.info("text-to-speech is off (MOCKROOM_TTS=off): scripted rooms run text-only")
        elif not self.available:
            log.warning(
                "espeak-ng was not found on PATH: scripted rooms run text-only "
                "(install the espeak-ng package to give the interviewer a voice)"
            )

    def key(self, text: str) -> str:
        return hashlib.sha256("\0".join((*VOICE, text)).encode("utf-8")).hexdigest()

    def cached(self, text: str) -> Speech | None:
        key = self.key(text)
        speech = self._memory.get(key)
        if speech is not None:
            self._memory.move_to_end(key)
        return speech

    def duration_ms(self, text: str) -> int:
        """How long saying `text` takes: the rendered length, or a reading time when text-only."""
        speech = self.cached(text)
        return speech.duration_ms if speech is not None else text_only_ms(text)

    async def render(self, text: str) -> Speech | None:
        """The speech for `text` (cached, else espeak-ng); None when TTS is off or failed."""
        if not self.available:
            return None
        key = self.key(text)
        if key in self._memory:
            return self._memory[key]
        pending = self._pending.get(key)
        if pending is None:  # one render per text even when many sessions ask at once
            pending = asyncio.ensure_future(self._render(key, text))
            self._pending[key] = pending
            pending.add_done_callback(lambda _: self._pending.pop(key, None))
        return await asyncio.shield(pending)

    async def render_all(self, texts: list[str]) -> None:
        await asyncio.gather(*(self.render(t) for t in dict.fromkeys(texts)))

    async def _render(self, key: str, text: str) -> Speech | None:
        path = self.cache_dir / f"{key}.wav"
        try:
            if path.exists():
                samples, rate = await asyncio.to_thread(lambda: read_wav(path.read_bytes()))
                speech = _speech(resample(samples, rate))
            else:
                speech = await self._synthesise(text, path)
        except (OSError, ValueError, EOFError, wave.Error) as exc:
            log.warning("text-to-speech failed; this line is text-only", extra={"error": str(exc)})
            return None
        self._memory[key] = speech
        while len(self._memory) > MEMORY_LINES:
            self._memory.popitem(last=False)
        return speech

    async def _synthesise(self, text: str, path: Path) -> Speech:
        assert self.executable is not None
        # "--" ends options, so a question starting with "-" is read, not parsed as a flag.
        proc = await asyncio.create_subprocess_exec(
            self.executable,
            *VOICE,
            "--stdout",
            "--",
            text,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        if proc.returncode != 0 or not out:
            reason = err.decode(errors="replace")[:200]
            raise OSError(f"espeak-ng exited {proc.returncode}: {reason}")

        def convert() -> np.ndarray:
            samples, rate = read_wav(out)
            samples = resample(samples, rate)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_wav(path, samples)
            return samples

        return _speech(await asyncio.to_thread(convert))
