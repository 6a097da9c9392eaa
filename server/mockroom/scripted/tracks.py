"""The interviewer's outgoing media: a voice (queued speech, silence otherwise) and a question card.

Both tracks pace themselves on the wall clock like aiortc's own AudioStreamTrack/VideoStreamTrack:
frame n is released at start + n * frame duration, and pts counts samples (audio, 48 kHz) or 90 kHz
ticks (video). The card is cheap on purpose: a few frames per second, drawn with Pillow only when
what it shows changes (text, phase, countdown second); in between the last frame is sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import textwrap
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, VideoFrame
from PIL import Image, ImageDraw, ImageFont

AUDIO_RATE = 48_000
AUDIO_PTIME = 0.020
AUDIO_SAMPLES = int(AUDIO_RATE * AUDIO_PTIME)  # 960 samples = 20 ms
AUDIO_BYTES = AUDIO_SAMPLES * 2
VIDEO_CLOCK = 90_000
CARD_SIZE = (640, 360)
CARD_FPS = 4
# With DTX on, a silent voice sends one frame this often instead of fifty a second.
DTX_KEEPALIVE_S = 1.0

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


class VoiceTrack(MediaStreamTrack):
    """Plays queued 48 kHz mono s16 PCM in 20 ms frames; silence when there is nothing to say.

    With `dtx=True` (the server's interviewer) silence is mostly not sent at all, like Opus's
    discontinuous transmission: the browser's jitter buffer plays the gap as silence, and the
    server saves encoding and encrypting fifty packets a second while the candidate talks.
    """

    kind = "audio"

    def __init__(self, dtx: bool = False) -> None:
        super().__init__()
        self._dtx = dtx
        self._has_speech = asyncio.Event()
        self._queue: deque[bytes] = deque()
        self._pending = b""
        self._start: float | None = None
        self._timestamp = 0
        self._silence = bytes(AUDIO_BYTES)

    def play(self, pcm_chunks: list[bytes]) -> None:
        """Say these clips back to back, cutting off whatever is playing."""
        self.clear()
        self._queue.extend(pcm_chunks)
        self._has_speech.set()

    def clear(self) -> None:
        self._queue.clear()
        self._pending = b""

    @property
    def speaking(self) -> bool:
        return bool(self._pending or self._queue)

    def _next_chunk(self) -> bytes:
        while len(self._pending) < AUDIO_BYTES and self._queue:
            self._pending += self._queue.popleft()
        if not self._pending:
            return self._silence
        chunk, self._pending = self._pending[:AUDIO_BYTES], self._pending[AUDIO_BYTES:]
        return chunk.ljust(AUDIO_BYTES, b"\0")

    async def _wait_for_speech(self, start: float) -> None:
        self._has_speech.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._has_speech.wait(), DTX_KEEPALIVE_S)
        # Resume on the wall clock: the gap shows as a jump in RTP timestamps, as with DTX.
        elapsed = int((time.time() - start) * AUDIO_RATE)
        self._timestamp = max(self._timestamp, elapsed - elapsed % AUDIO_SAMPLES)

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        resumed = False
        if self._start is None:
            self._start = time.time()
        else:
            self._timestamp += AUDIO_SAMPLES
            if self._dtx and not self.speaking:
                await self._wait_for_speech(self._start)
                # aiortc's Opus encoder stamps the first frame after a gap as if there were none;
                # make that one silence so no speech is played out of place.
                resumed = True
            wait = self._start + self._timestamp / AUDIO_RATE - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        frame = AudioFrame(format="s16", layout="mono", samples=AUDIO_SAMPLES)
        frame.planes[0].update(self._silence if resumed else self._next_chunk())
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._timestamp
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        return frame


class CardView(NamedTuple):
    """Everything the card shows; a new value means a redraw."""

    heading: str  # e.g. "Question 2 of 5 · Think"
    text: str  # the question (or the line being said)
    countdown: str  # e.g. "0:42", or "" without a timer


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for folder in FONT_DIRS:
        path = folder / "DejaVuSans.ttf"
        if path.exists():
            return ImageFont.truetype(str(path), size)
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size)  # fonts-dejavu-core missing: still readable


class CardRenderer:
    """Draws CardViews; holds the fonts so each session does not load them again."""

    def __init__(self, size: tuple[int, int] = CARD_SIZE) -> None:
        self.size = size
        width, _ = size
        self.small = _font(max(12, width // 32))
        self.body = _font(max(14, width // 24))
        self.big = _font(max(18, width // 14))
        self.wrap = max(20, int(width / (width // 24) * 1.55))

    def render(self, view: CardView) -> VideoFrame:
        width, height = self.size
        image = Image.new("RGB", self.size, (24, 28, 36))
        draw = ImageDraw.Draw(image)
        margin = width // 20
        draw.text((margin, margin), view.heading, font=self.small, fill=(150, 170, 200))
        if view.countdown:
            draw.text(
                (width - margin, margin),
                view.countdown,
                font=self.big,
                fill=(255, 210, 120),
                anchor="ra",
            )
        lines = textwrap.wrap(view.text, self.wrap)[:7]
        draw.multiline_text(
            (margin, height // 4), "\n".join(lines), font=self.body, fill=(235, 238, 245), spacing=8
        )
        # Converted once here, so the encoder does not convert the same picture every frame.
        return VideoFrame.from_ndarray(np.asarray(image), format="rgb24").reformat(format="yuv420p")


class CardTrack(MediaStreamTrack):
    """A low-frame-rate video of `view()`, redrawn only when the view changes."""

    kind = "video"

    def __init__(
        self, view: Callable[[], CardView], renderer: CardRenderer, fps: float = CARD_FPS
    ) -> None:
        super().__init__()
        self.view = view
        self.renderer = renderer
        self.fps = fps
        self.renders = 0  # how many times a picture was drawn (tests check redraws are rare)
        self._last: CardView | None = None
        self._frame: VideoFrame | None = None
        self._start: float | None = None
        self._index = 0

    def current_frame(self) -> VideoFrame:
        view = self.view()
        if self._frame is None or view != self._last:
            self._frame = self.renderer.render(view)
            self._last = view
            self.renders += 1
        return self._frame

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.time()
        else:
            self._index += 1
            wait = self._start + self._index / self.fps - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        frame = self.current_frame()
        frame.pts = round(self._index * VIDEO_CLOCK / self.fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        # The encoder marks a frame it was asked to make a keyframe; a reused frame must not
        # stay marked, or every later frame would be a keyframe.
        frame.pict_type = av.video.frame.PictureType.NONE
        return frame
