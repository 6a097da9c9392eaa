"""The interviewer's voice as Opus packets encoded once per line, not once per session and frame.

aiortc encodes every audio frame a track returns: a resample to stereo, libopus at 96 kbit/s and a
hop to a worker thread and back, fifty times a second per session. The voice only ever says the
bank's lines, so tts.py encodes each line once (here, off the loop) and every session that says it
sends the same packets: aiortc packs a packet a track returns as it is (`Encoder.pack`), with the
track's own timestamp, so a silent gap (DTX) shows as a jump in RTP time as it should.

Used when the candidate's browser negotiated Opus (every browser offers it first); a peer that
only speaks PCMU/PCMA/G722 gets the PCM voice of tracks.py, which aiortc encodes as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import time
from collections import deque
from typing import Any

import av
import numpy as np
from aiortc.codecs import CODECS
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.sdp import SessionDescription
from av import AudioFrame
from av.packet import Packet

RATE = 48_000
FRAME_SAMPLES = 960  # 20 ms, what browsers expect of Opus over WebRTC
TIME_BASE = fractions.Fraction(1, RATE)
# A synthetic voice in mono: plenty at this rate (aiortc's own default is 96 kbit/s stereo).
BITRATE = 32_000
# With nothing to say the voice sends one silent packet this often (a keep-alive, like Opus DTX).
KEEPALIVE_S = 1.0


def _encoder() -> av.AudioCodecContext:
    codec = av.CodecContext.create("libopus", "w")
    assert isinstance(codec, av.AudioCodecContext)
    codec.bit_rate = BITRATE
    codec.format = "s16"
    codec.layout = "mono"
    codec.sample_rate = RATE
    codec.time_base = TIME_BASE
    codec.options = {"application": "voip"}
    return codec


def encode(samples: np.ndarray) -> tuple[bytes, ...]:
    """48 kHz mono int16 samples as 20 ms Opus packets (the tail padded with silence, and the
    encoder flushed, so the end of the line is not cut off by its look-ahead)."""
    codec = _encoder()
    pcm = np.concatenate((samples.astype(np.int16, copy=False), np.zeros(FRAME_SAMPLES, np.int16)))
    usable = len(pcm) - len(pcm) % FRAME_SAMPLES
    packets: list[bytes] = []
    for start in range(0, usable, FRAME_SAMPLES):
        frame = AudioFrame.from_ndarray(
            pcm[start : start + FRAME_SAMPLES].reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = RATE
        frame.pts = start
        frame.time_base = TIME_BASE
        packets += [bytes(p) for p in codec.encode(frame)]
    packets += [bytes(p) for p in codec.encode(None)]
    return tuple(packets)


def silent_packet() -> bytes:
    """One 20 ms packet of silence (the last of a few, past the encoder's start-up)."""
    return encode(np.zeros(FRAME_SAMPLES * 2, np.int16))[-1]


def sent_audio_codec(offer_sdp: str) -> str:
    """The codec aiortc will send with on an offer's first audio m-line, e.g. "audio/opus": the
    first the offer lists that aiortc has (its answer keeps the offer's order). "" if none."""
    ours = {(c.mimeType.lower(), c.clockRate) for c in CODECS["audio"]}
    for media in SessionDescription.parse(offer_sdp).media:
        if media.kind == "audio":
            for codec in media.rtp.codecs:
                if (codec.mimeType.lower(), codec.clockRate) in ours:
                    return codec.mimeType.lower()
            return ""
    return ""


class OpusVoiceTrack(MediaStreamTrack):
    """Plays queued lines of Opus packets, one every 20 ms on the wall clock, and is silent in
    between (a keep-alive packet a second). The voice of a session whose peer speaks Opus."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._silence = silent_packet()
        self._queue: deque[bytes] = deque()
        self._has_speech = asyncio.Event()
        self._start: float | None = None
        self._timestamp = 0
        self.sent_speech = 0  # packets of speech handed to the sender (tests read it)

    def play(self, clips: list[tuple[bytes, ...]]) -> None:
        """Say these lines back to back, cutting off whatever is playing."""
        self._queue.clear()
        for clip in clips:
            self._queue.extend(clip)
        self._has_speech.set()

    def clear(self) -> None:
        self._queue.clear()

    @property
    def speaking(self) -> bool:
        return bool(self._queue)

    async def recv(self) -> Packet[Any]:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.time()
        else:
            self._timestamp += FRAME_SAMPLES
            if not self._queue:
                self._has_speech.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._has_speech.wait(), KEEPALIVE_S)
                # Resume on the wall clock: the receiver sees the gap as a jump in RTP time.
                elapsed = int((time.time() - self._start) * RATE)
                self._timestamp = max(self._timestamp, elapsed - elapsed % FRAME_SAMPLES)
            wait = self._start + self._timestamp / RATE - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        if self._queue:
            data = self._queue.popleft()
            self.sent_speech += 1
        else:
            data = self._silence
        packet = Packet(data)
        packet.pts = self._timestamp
        packet.time_base = TIME_BASE
        return packet
