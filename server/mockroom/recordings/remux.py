"""Make a browser recording seekable: remux MediaRecorder WebM into WebM with duration and cues.

MediaRecorder writes WebM as a live stream: no duration in the header and no cues (the seek
index), so players show no total time and cannot seek until everything is buffered. Copying the
packets into a new WebM file with PyAV (no decoding, no re-encoding) lets the Matroska muxer go
back and write both. Blocking work: call it in a thread. The original is never touched; the caller
swaps the result in only once it exists and probed fine.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

import av

log = logging.getLogger(__name__)

REMUXABLE = {"webm"}  # Safari's MP4 already carries its duration


@dataclass(frozen=True)
class Remuxed:
    path: Path  # the new file, beside the original
    duration_ms: int  # as the new container states it


def probe_duration_ms(path: Path) -> int | None:
    """The container's own duration, or None when it has none (a MediaRecorder WebM)."""
    with av.open(str(path)) as container:
        if container.duration is None:
            return None
        return round(container.duration / 1000)  # av.time_base is microseconds


def remux(source: Path, extension: str) -> Remuxed | None:
    """A copy of `source` with duration and cues, written beside it (`<stem>.remux-<random>.<ext>`);
    None if the format needs none or the file cannot be read (the original then stays as it is)."""
    if extension not in REMUXABLE:
        return None
    # A name of its own: two nodes finishing the same clip on a shared volume must not write
    # one file together (the first to swap its copy in wins; recordings.store._swap_in).
    target = source.with_name(f"{source.stem}.remux-{secrets.token_hex(4)}.{extension}")
    try:
        with av.open(str(source)) as inp, av.open(str(target), "w", format="webm") as out:
            streams = {}
            for stream in inp.streams:
                if stream.type in ("audio", "video"):
                    streams[stream.index] = out.add_stream_from_template(stream)
            if not streams:
                raise ValueError("no audio or video stream")
            for packet in inp.demux(*[inp.streams[i] for i in streams]):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = streams[packet.stream.index]
                out.mux(packet)
        duration = probe_duration_ms(target)
        if duration is None:
            raise ValueError("the remuxed file has no duration")
    except (av.FFmpegError, ValueError, OSError) as exc:
        target.unlink(missing_ok=True)
        log.warning("clip remux failed", extra={"file": source.name, "error": str(exc)})
        return None
    return Remuxed(target, duration)
