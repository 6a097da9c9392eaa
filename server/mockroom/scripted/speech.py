"""How the candidate used an answer window, measured from the audio they sent. Pure: numpy only.

An energy voice-activity detector: each 20 ms of audio is "voiced" when its level is above both an
absolute floor (MIN_DB) and the tracked background noise plus a margin. Voiced frames closer than
HANGOVER_MS join one stretch of talk, so the gaps between words are not pauses; a gap longer than
that is a pause. Per window we report:

- talk_ms: total length of the stretches of talk;
- longest_pause_ms: the longest silence between two stretches (0 with fewer than two);
- first_word_ms: window start -> first stretch (None if the candidate never spoke);
- window_ms: how long the window was open (done early, or the full answer time);
- share_used: end of the last stretch / the answer time allowed, 0..1 (how much of the allowed
  time the answer filled; sitting silent until the timer runs out does not count).

Positions inside a window count samples, not arrival times, so network jitter does not stretch them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

FRAME_MS = 20
MIN_DB = -50.0  # dBFS; quieter than this is never speech
MARGIN_DB = 12.0  # speech is this much above the background noise
HANGOVER_MS = 300  # gaps shorter than this are inside a stretch of talk
MIN_STRETCH_MS = 60  # shorter blips (a click, a cough) are not talk
FLOOR_RISE_DB = 0.01  # per frame (0.5 dB/s): the noise floor follows a noisier room slowly
FLOOR_START_MAX_DB = -40.0  # a window that opens on speech must not take speech for background
NOTHING = np.zeros(0, dtype=np.int16)


@dataclass(frozen=True)
class AnswerMetrics:
    talk_ms: int
    longest_pause_ms: int
    first_word_ms: int | None
    window_ms: int
    share_used: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def level_db(samples: np.ndarray) -> float:
    """RMS level of int16 samples in dB relative to full scale.

    Called fifty times a second per listening session: one dot product and scalar math (about
    3 us) instead of a chain of small numpy reductions (about 15 us).
    """
    if len(samples) == 0:
        return -120.0
    floats = samples.astype(np.float32)
    rms = math.sqrt(float(np.dot(floats, floats)) / len(floats))
    return 20.0 * math.log10(rms / 32768.0 + 1e-9)


class SpeechMeter:
    """Feed it every received audio frame; open/close it around answer windows."""

    def __init__(self, hangover_ms: int = HANGOVER_MS) -> None:
        self.hangover_ms = hangover_ms
        self.floor_db: float | None = None  # background level; starts at the first frame heard
        self._rest = NOTHING
        self._open = False
        self._allowed_ms = 0
        self._pos_ms = 0  # position inside the open window, by samples received
        self._stretches: list[list[int]] = []  # [start_ms, end_ms] of each stretch of talk

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self, allowed_ms: int) -> None:
        self._open = True
        self._allowed_ms = allowed_ms
        self._pos_ms = 0
        self._stretches = []
        self._rest = NOTHING

    def feed(self, samples: np.ndarray, rate: int, channels: int = 1) -> None:
        """Interleaved int16 samples (any length); cut into 20 ms frames, the rest is kept."""
        if not self._open:
            return  # between windows nothing is measured (and nothing is spent)
        step = rate * channels * FRAME_MS // 1000
        flat = samples.reshape(-1)
        data = np.concatenate((self._rest, flat)) if len(self._rest) else flat
        usable = len(data) - len(data) % step
        for i in range(0, usable, step):
            self._frame(level_db(data[i : i + step]))
        # A 20 ms frame in, nothing left over: the usual case keeps no copy.
        self._rest = data[usable:].astype(np.int16) if usable < len(data) else NOTHING

    def _frame(self, db: float) -> None:
        # Track the background: drop to any quieter frame at once (speech has dips between
        # syllables, so a floor that started on speech comes down within a word), rise slowly.
        if self.floor_db is None:
            floor = min(db, FLOOR_START_MAX_DB)
        else:
            floor = db if db < self.floor_db else self.floor_db + FLOOR_RISE_DB
        self.floor_db = floor = max(-90.0, floor)
        start, self._pos_ms = self._pos_ms, self._pos_ms + FRAME_MS
        if db <= max(MIN_DB, floor + MARGIN_DB):
            return
        last = self._stretches[-1] if self._stretches else None
        if last is not None and start - last[1] < self.hangover_ms:
            last[1] = self._pos_ms
        else:
            self._stretches.append([start, self._pos_ms])

    @property
    def position_ms(self) -> int:
        return self._pos_ms

    def talk_bounds(self) -> tuple[int, int] | None:
        """(start of the first stretch of talk, end of the last) so far, by samples; None before
        the first word. Stretches too short to be talk (a click) do not count."""
        stretches = [s for s in self._stretches if s[1] - s[0] >= MIN_STRETCH_MS]
        return (stretches[0][0], stretches[-1][1]) if stretches else None

    def close(self, window_ms: int) -> AnswerMetrics:
        self._open = False
        stretches = [s for s in self._stretches if s[1] - s[0] >= MIN_STRETCH_MS]
        talk = sum(end - start for start, end in stretches)
        pauses = [b[0] - a[1] for a, b in itertools.pairwise(stretches)]
        allowed = max(1, self._allowed_ms)
        return AnswerMetrics(
            talk_ms=talk,
            longest_pause_ms=max(pauses, default=0),
            first_word_ms=stretches[0][0] if stretches else None,
            window_ms=max(0, window_ms),
            share_used=round(min(1.0, stretches[-1][1] / allowed), 3) if stretches else 0.0,
        )


# Ending an answer on silence: never below this, so a thinking pause is never taken for the end.
MIN_END_SILENCE_MS = 4_000


class TurnTaking:
    """When the candidate starts and finishes a turn, from the meter. Pure; one per answer window.

    `observe` returns "first-word" once, when talk is first heard (the room may start the answer
    timer then), and "end-of-turn" once, after `end_silence_ms` of silence following talk (only
    when the room asked for it). Silence is counted in received samples, like the meter.
    """

    def __init__(self, *, first_word: bool, end_silence_ms: int | None) -> None:
        self.first_word = first_word
        self.end_silence_ms = (
            None if end_silence_ms is None else max(MIN_END_SILENCE_MS, end_silence_ms)
        )
        self._started = False
        self._ended = False

    def observe(self, meter: SpeechMeter) -> list[str]:
        bounds = meter.talk_bounds()
        if bounds is None or self._ended:
            return []
        events = []
        if not self._started:
            self._started = True
            if self.first_word:
                events.append("first-word")
        silent = meter.position_ms - bounds[1]
        if self.end_silence_ms is not None and silent >= self.end_silence_ms:
            self._ended = True
            events.append("end-of-turn")
        return events
