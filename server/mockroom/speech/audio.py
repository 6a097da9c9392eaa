"""A recorded clip's audio as the recognisers want it: 16 kHz mono s16 PCM. Blocking (PyAV).

Browser clips carry 48 kHz Opus in WebM (MP4/AAC from Safari); the video stream is skipped
without being decoded, which is most of what decoding a clip would otherwise cost.
"""

from __future__ import annotations

from pathlib import Path

import av

from .recognizer import RATE

MAX_SECONDS = 30 * 60  # an answer window is at most 30 minutes (rooms.py answer_seconds)


class NoAudio(ValueError):
    """The file has no audio stream, or none that could be decoded."""


def clip_pcm(path: Path | str, max_seconds: int = MAX_SECONDS) -> bytes:
    """The first audio stream of `path`, resampled to 16 kHz mono s16 little-endian."""
    limit = max_seconds * RATE * 2
    parts: list[bytes] = []
    size = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise NoAudio("the recording has no audio")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    parts.append(bytes(out.planes[0])[: out.samples * 2])
                    size += out.samples * 2
                if size >= limit:
                    break
            for out in resampler.resample(None):
                parts.append(bytes(out.planes[0])[: out.samples * 2])
    except av.FFmpegError as exc:
        raise NoAudio(f"the recording's audio could not be decoded: {exc}") from exc
    return b"".join(parts)[:limit]
