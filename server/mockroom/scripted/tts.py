"""The interviewer's voice: espeak-ng (or a neural voice on disk, neural_voice.py), rendered
once per text into a cached 48 kHz mono WAV.

espeak-ng runs as a subprocess (never blocking the loop) and writes 22.05 kHz audio; we resample it
to the 48 kHz the voice track sends and keep the result under data_dir/tts/<sha256>.wav, so a line
is synthesised once per server, not once per candidate. Without espeak-ng the room runs text-only.

Anyone may create a scripted room with a pasted bank, so every cost here is bounded (security
review H3): at most `concurrent` espeak-ng processes server-wide (a semaphore), only the lines
about to be said are rendered (`lines_ahead`), a line is spoken up to `max_chars` characters, and
both caches are bounded in bytes: decoded lines in memory, WAV files on disk (least recently used
first out; a file's mtime is its last use).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import os
import shutil
import time
import wave
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import opus
from .config import (
    STOP_LINE,
    TRANSITION_LINE,
    WARM_UP_DONE_LINE,
    WARM_UP_LEAD,
    WRAP_UP_LINE,
    FlowConfig,
)
from .followup import FOLLOW_UP_LEAD
from .neural_voice import NeuralVoice, VoiceUnavailable

log = logging.getLogger(__name__)

RATE = 48_000
VOICE = ("-v", "en-us", "-s", "160")  # part of the cache key: changing it re-renders
# Reading speed for text-only rooms, so think time still starts after the question "was said".
TEXT_ONLY_MS_PER_CHAR = 45
TEXT_ONLY_MIN_MS = 1_500
TEXT_ONLY_MAX_MS = 12_000
# Silence around a rendered line: what is left of it (trim_silence), and the level (int16) above
# which a sample is heard (half a percent of full scale).
LEAD_KEEP_MS = 5
TAIL_KEEP_MS = 150
AUDIBLE = 164


@dataclass(frozen=True)
class TtsLimits:
    concurrent: int = 2  # espeak-ng processes at once
    max_chars: int = 400  # longest text spoken per line
    memory_bytes: int = 64 * 1024 * 1024  # decoded lines kept in memory
    cache_bytes: int = 256 * 1024 * 1024  # WAV files kept on disk; 0 = unbounded
    # One espeak-ng render (well under a second, a few under load): a process that hangs is
    # killed, its line is text-only, and its slot of `concurrent` is free again.
    render_timeout_s: float = 10.0


@dataclass(frozen=True)
class Speech:
    pcm: bytes  # 48 kHz mono signed 16-bit little endian
    duration_ms: int
    # The same line as 20 ms Opus packets, encoded once here for every session that says it.
    opus: tuple[bytes, ...] = ()

    @property
    def size(self) -> int:
        return len(self.pcm) + sum(map(len, self.opus))


def spoken_text(text: str, max_chars: int) -> str:
    """What is said for `text`: all of it, or its first `max_chars` cut at a word boundary.

    The card always shows the full question; only the voice is shortened.
    """
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return (cut[:space] if space > max_chars // 2 else cut).rstrip(" ,;:")


def lines_ahead(config: FlowConfig, index: int) -> list[str]:
    """The lines worth rendering now: what is said next, never the whole bank.

    Before the first question (index -1) that is the intro, the warm-up if the room has one, and
    question 1; while question `index`
    is asked, it is that question, what leads to the next one (or the wrap-up) and the stop line,
    so question i + 1 renders while the candidate thinks about and answers question i.
    """
    questions = config.questions
    if not questions:
        return []
    if index < 0:
        warm_up = config.warm_up
        practice = [] if warm_up is None else [WARM_UP_LEAD, warm_up.text, WARM_UP_DONE_LINE]
        return [config.intro_line(), *practice, questions[0].text]
    current = questions[min(index, len(questions) - 1)]
    lines = [current.text]
    if current.follow_up:  # asked right after a short answer: no time to render it then
        lines += [FOLLOW_UP_LEAD, current.follow_up]
    if index + 1 < len(questions):
        lines += [TRANSITION_LINE, questions[index + 1].text]
    else:
        lines.append(WRAP_UP_LINE)
    return [*lines, STOP_LINE]


def prune_cache(directory: Path, max_bytes: int) -> int:
    """Delete the least recently used WAVs until the folder holds at most `max_bytes`.

    Also removes temporary files a killed render left behind. Returns the bytes freed. Safe to run
    from another process (`mockroom gc`): a file deleted under a reader is re-rendered.
    """
    freed = 0
    files: list[tuple[float, int, Path]] = []
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return 0
    for entry in entries:
        try:
            stat = entry.stat()
        except FileNotFoundError:
            continue
        if entry.name.endswith(".tmp"):
            if stat.st_mtime < time.time() - 3600:  # an hour old: no render is still writing it
                freed += _unlink(Path(entry.path), stat.st_size)
            continue
        if entry.name.endswith(".wav"):
            files.append((stat.st_mtime, stat.st_size, Path(entry.path)))
    if max_bytes <= 0:
        return freed
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files):
        if total <= max_bytes:
            break
        freed += _unlink(path, size)
        total -= size
    return freed


def _unlink(path: Path, size: int) -> int:
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    return size


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


def _load_cached(path: Path) -> Speech | None:
    """A cached line at 48 kHz, marked as just used for the LRU (its mtime); None if not cached.
    Run in a worker thread (it reads a file and encodes the line)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    with contextlib.suppress(FileNotFoundError):
        os.utime(path)
    samples, rate = read_wav(data)
    return _speech(resample(samples, rate))


def trim_silence(samples: np.ndarray) -> np.ndarray:
    """espeak-ng opens a line with about 50 ms of silence and ends it with about 350 ms: the
    voice would start late in its phase, and the next phase would wait on the tail. Keep a few
    ms before the first audible sample and a short natural pause after the last."""
    audible = np.nonzero(np.abs(samples.astype(np.int32)) > AUDIBLE)[0]
    if len(audible) == 0:
        return samples
    start = max(0, int(audible[0]) - LEAD_KEEP_MS * RATE // 1000)
    end = min(len(samples), int(audible[-1]) + 1 + TAIL_KEEP_MS * RATE // 1000)
    return samples[start:end]


def _speech(samples: np.ndarray) -> Speech:
    samples = trim_silence(samples)
    return Speech(
        samples.astype("<i2").tobytes(), round(len(samples) * 1000 / RATE), opus.encode(samples)
    )


class Tts:
    """Renders lines to Speech; `available` is False when the room must run text-only."""

    def __init__(
        self,
        cache_dir: Path,
        mode: str = "espeak-ng",
        limits: TtsLimits | None = None,
        voice: NeuralVoice | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self.limits = limits or TtsLimits()
        self.executable = shutil.which("espeak-ng") if mode == "espeak-ng" else None
        # A neural voice speaks instead of espeak-ng while it works; espeak-ng is the fallback.
        self.voice = voice if mode == "espeak-ng" else None
        self.available = self.executable is not None or self.voice is not None
        # Most recently used lines stay decoded in memory (96 kB per second of speech), up to
        # limits.memory_bytes; the others are on disk.
        self._memory: OrderedDict[str, Speech] = OrderedDict()
        self._memory_bytes = 0
        self._pending: dict[str, asyncio.Future[Speech | None]] = {}
        self._espeak = asyncio.Semaphore(max(1, self.limits.concurrent))
        if mode == "off":
            log.info("text-to-speech is off (MOCKROOM_TTS=off): scripted rooms run text-only")
        elif self.voice is not None:
            log.info("the interviewer speaks with a neural voice: %s", self.voice.path.name)
        elif not self.available:
            log.warning(
                "espeak-ng was not found on PATH: scripted rooms run text-only "
                "(install the espeak-ng package to give the interviewer a voice)"
            )

    def key(self, text: str) -> str:
        spoken = spoken_text(text, self.limits.max_chars)
        voice = VOICE if self.voice is None else (self.voice.key,)
        return hashlib.sha256("\0".join((*voice, spoken)).encode("utf-8")).hexdigest()

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
        # Each render waits for the espeak-ng semaphore, so a long list never runs all at once.
        await asyncio.gather(*(self.render(t) for t in dict.fromkeys(texts)))

    def prefetch(self, texts: list[str]) -> asyncio.Future[None]:
        """Start rendering `texts` in the background; the future ends when all are ready.

        Cancelling it does not cancel the renders: another session may be waiting for them.
        """
        return asyncio.ensure_future(self.render_all(texts))

    async def close(self) -> None:
        """Stop the renders in flight (the server stops): no espeak-ng outlives the loop."""
        pending = list(self._pending.values())
        for render in pending:
            render.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _remember(self, key: str, speech: Speech) -> None:
        old = self._memory.pop(key, None)
        if old is not None:
            self._memory_bytes -= old.size
        self._memory[key] = speech
        self._memory_bytes += speech.size
        while self._memory_bytes > self.limits.memory_bytes and len(self._memory) > 1:
            _, dropped = self._memory.popitem(last=False)
            self._memory_bytes -= dropped.size

    async def _render(self, key: str, text: str) -> Speech | None:
        path = self.cache_dir / f"{key}.wav"
        try:
            cached = await asyncio.to_thread(_load_cached, path)
            if cached is not None:
                speech = cached
            else:
                async with self._espeak:
                    speech = await self._synthesise(spoken_text(text, self.limits.max_chars), path)
        except VoiceUnavailable as exc:
            log.error("the neural voice failed (%s): espeak-ng speaks from now on", exc)
            self.voice = None  # every later line (and its cache key) is espeak-ng's
            self.available = self.executable is not None
            return await self._render(self.key(text), text) if self.available else None
        except (OSError, ValueError, EOFError, wave.Error) as exc:
            log.warning("text-to-speech failed; this line is text-only", extra={"error": str(exc)})
            return None
        self._remember(key, speech)
        return speech

    async def _synthesise(self, text: str, path: Path) -> Speech:
        if self.voice is not None:
            samples, rate = await asyncio.to_thread(self.voice.synthesise, text)
            return await asyncio.to_thread(self._store, path, samples, rate)
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
        try:
            out, err = await asyncio.wait_for(proc.communicate(), self.limits.render_timeout_s)
        except BaseException as exc:
            # Hung, or cancelled (the server stops): asyncio leaves the child running; end and
            # reap it.
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            if isinstance(exc, TimeoutError):
                limit = self.limits.render_timeout_s
                raise OSError(f"espeak-ng gave no line within {limit:g} s") from None
            raise
        if proc.returncode != 0 or not out:
            reason = err.decode(errors="replace")[:200]
            raise OSError(f"espeak-ng exited {proc.returncode}: {reason}")

        def convert() -> Speech:
            return self._store(path, *read_wav(out))

        return await asyncio.to_thread(convert)

    def _store(self, path: Path, samples: np.ndarray, rate: int) -> Speech:
        """A rendered line at 48 kHz, trimmed, written to the cache (blocking: in a thread)."""
        samples = trim_silence(resample(samples, rate))
        path.parent.mkdir(parents=True, exist_ok=True)
        write_wav(path, samples)
        # Each write prunes after itself, so once renders settle the folder is in bounds.
        prune_cache(path.parent, self.limits.cache_bytes)
        return _speech(samples)
