"""The candidate's audio as the interviewer takes it in: only inside answer windows.

Outside a window aiortc drops the candidate's packets on arrival instead of decoding fifty frames
a second nobody reads (`listen`). Inside one every decoded frame feeds the speech meter (the
window's metrics), live captions, and turn taking when the room opts in; turn-taking events go
back to the session, which owns the flow. Kept apart from session.py so the session reads as the
flow's effects and the peer, and this module as the receive side's cost rules.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame

from ..storage.interface import RoomRecord
from .captions import LiveCaptions
from .speech import AnswerMetrics, SpeechMeter, TurnTaking

TurnEvents = Callable[[list[str]], Awaitable[None]]


def listen(pc: RTCPeerConnection, on: bool) -> None:
    """Take the candidate's audio in (decoded, for the meter) or drop it as it arrives.

    Receiving is half of an audio session's CPU (bench/audio_cost.py): SRTP, aiortc's jitter
    buffer and statistics, a decoder thread and a hop back to the loop for every 20 ms. Only an
    answer window needs the audio, so the receiver is off otherwise: `_enabled` is aiortc's own
    switch (RTCRtpTransceiver sets it from the direction; a `sendonly` receiver drops packets
    at the door). The candidate's browser records its answer itself, so nothing is lost. When it
    comes back on, the first packet's sequence jump reads as loss in one receiver report.
    """
    for transceiver in pc.getTransceivers():
        if transceiver.kind == "audio" and transceiver.currentDirection in ("sendrecv", "recvonly"):
            transceiver.receiver._enabled = on


def pcm_of(frame: AudioFrame) -> np.ndarray:
    """A decoded frame's samples, interleaved. aiortc's decoders give packed s16, read here in
    place (a view of the frame's buffer, 5x cheaper than `to_ndarray`'s copy)."""
    if frame.format.name == "s16":
        count = frame.samples * len(frame.layout.channels)
        plane: Any = frame.planes[0]  # a buffer (PyAV's stubs do not say so)
        samples: np.ndarray = np.frombuffer(plane, dtype=np.int16, count=count)
        return samples
    return frame.to_ndarray()


def turn_taking(room: RoomRecord) -> TurnTaking | None:
    """The room's turn-taking options (rooms.py), or None when it asks for neither."""
    first = room.options.get("start_on_first_word") is True
    silence = room.options.get("end_on_silence_seconds")
    end_ms = silence * 1000 if isinstance(silence, int) and not isinstance(silence, bool) else None
    if not first and end_ms is None:
        return None
    return TurnTaking(first_word=first, end_silence_ms=end_ms)


class MediaIn:
    """One session's receive side: open and close answer windows, read the peer's audio track.

    The session attaches each new peer (`attach`), detaches it before closing it, and spawns
    `receive` for the peer's audio track; `receive` ends when its peer is no longer attached.
    """

    def __init__(self, room: RoomRecord, captions: LiveCaptions, on_turns: TurnEvents) -> None:
        self.room = room
        self.captions = captions
        self.on_turns = on_turns
        self.meter = SpeechMeter()
        self.turns: TurnTaking | None = None  # per answer window, when the room opts in
        self.frames_heard = 0  # decoded frames of the candidate's audio (tests read it)
        self._pc: RTCPeerConnection | None = None

    @property
    def is_open(self) -> bool:
        return self.meter.is_open

    def attach(self, pc: RTCPeerConnection) -> None:
        """A new peer; call `sync` once its answer is set (that turns receivers on)."""
        self._pc = pc

    def detach(self) -> None:
        self._pc = None

    def sync(self) -> None:
        """Receivers on inside a window, off outside one."""
        if self._pc is not None:
            listen(self._pc, self.meter.is_open)

    def open(self, allowed_ms: int) -> None:
        self.meter.open(allowed_ms)
        self.turns = turn_taking(self.room)
        self.captions.answer_opened()
        self.sync()

    def close(self, window_ms: int) -> AnswerMetrics:
        self.captions.answer_closed()
        metrics = self.meter.close(window_ms)
        self.sync()
        return metrics

    async def receive(self, pc: RTCPeerConnection, track: MediaStreamTrack) -> None:
        """Read every decoded frame (aiortc queues them until read); measure only in windows."""
        while self._pc is pc:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            self.frames_heard += 1
            if self.meter.is_open and isinstance(frame, AudioFrame):
                self.meter.feed(pcm_of(frame), frame.sample_rate, len(frame.layout.channels))
                self.captions.feed(frame)
                if self.turns is not None:
                    events = self.turns.observe(self.meter)
                    if events:
                        await self.on_turns(events)
