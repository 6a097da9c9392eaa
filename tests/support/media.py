"""Recordings made in the test: a MediaRecorder-like WebM (VP8 + Opus), live or seekable."""

from __future__ import annotations

import io
from fractions import Fraction
from typing import Any

import av
import numpy as np


class LiveSink(io.RawIOBase):
    """A sink the muxer cannot seek back in, like MediaRecorder's: no duration, no cues."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, b: Any) -> int:
        self.data += b
        return len(b)


def make_webm(seconds: float = 3.0, fps: int = 20, live: bool = False) -> bytes:
    """A real MediaRecorder-like WebM: VP8 video and Opus audio, `seconds` long. `live`: written
    as a stream, exactly like MediaRecorder's (no duration in the header, no seek index)."""
    buffer: Any = LiveSink() if live else io.BytesIO()
    with av.open(buffer, "w", format="webm") as container:
        video = container.add_stream("libvpx", rate=fps)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        audio = container.add_stream("libopus", rate=48000)
        audio.layout = "mono"
        frames = int(seconds * fps)
        for i in range(frames):
            image = np.full((120, 160, 3), (i * 7) % 255, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for packet in video.encode(frame):
                container.mux(packet)
        samples = int(seconds * 48000)
        tone = (np.sin(np.arange(samples) * 2 * np.pi * 440 / 48000) * 8000).astype(np.int16)
        for start in range(0, samples, 960):
            block = tone[start : start + 960]
            sound = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="s16", layout="mono")
            sound.sample_rate = 48000
            sound.pts = start
            for packet in audio.encode(sound):
                container.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                container.mux(packet)
    return bytes(buffer.data) if live else buffer.getvalue()
