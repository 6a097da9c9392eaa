"""An in-process scripted-room candidate: the signaling socket plus an aiortc peer like the
browser's, which speaks a WAV when told and reads what the server's interviewer sends."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack, VideoStreamTrack
from av import AudioFrame, VideoFrame

from mockroom.scripted.tracks import VoiceTrack
from support.http import create_room
from support.ws import joined


class Listener:
    """Reads a received track: audio levels with arrival times, video frame sizes."""

    def __init__(self) -> None:
        self.levels: list[tuple[float, float]] = []  # (monotonic time, RMS of the frame)
        self.video_frames: list[tuple[int, int]] = []
        self.tasks: list[asyncio.Task[None]] = []

    def attach(self, track: MediaStreamTrack) -> None:
        self.tasks.append(asyncio.ensure_future(self._read(track)))

    async def _read(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if isinstance(frame, AudioFrame):
                samples = frame.to_ndarray().astype(np.float32)
                self.levels.append((time.monotonic(), float(np.sqrt(np.mean(samples**2)))))
            elif isinstance(frame, VideoFrame):
                self.video_frames.append((frame.width, frame.height))

    def loudest_between(self, start: float, end: float) -> float:
        return max((rms for t, rms in self.levels if start <= t <= end), default=0.0)

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()


class Candidate:
    """A test candidate: the signaling socket plus an aiortc peer like the browser's."""

    def __init__(self, ws: Any, video: bool) -> None:
        self.ws = ws
        self.pc = RTCPeerConnection()  # no ICE servers: host candidates on loopback
        self.voice = VoiceTrack()  # plays our WAV when told, silence otherwise
        self.listener = Listener()
        self.states: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.captions: list[dict[str, Any]] = []  # `caption` frames (live captions), in order
        self.pc.addTrack(self.voice)
        if video:
            self.pc.addTrack(VideoStreamTrack())  # like a camera: the server must not take it
        self.pc.on("track", self.listener.attach)

    async def next_message(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            msg = await self.ws.receive_json(timeout=max(0.01, deadline - time.monotonic()))
            if msg["type"] == "scripted-state":
                self.states.append(msg["state"])
            if msg["type"] == "error":
                self.errors.append(msg)
            if msg["type"] == "caption":
                self.captions.append(msg)
            if msg["type"] == kind:
                return dict(msg)

    async def wait_state(self, timeout: float = 20.0, **want: Any) -> dict[str, Any]:
        for state in self.states:
            if all(state.get(k) == v for k, v in want.items()) and state is self.states[-1]:
                return state
        deadline = time.monotonic() + timeout
        while True:
            msg = await self.next_message("scripted-state", max(0.01, deadline - time.monotonic()))
            if all(msg["state"].get(k) == v for k, v in want.items()):
                return dict(msg["state"])

    async def action(self, action: str, **extra: Any) -> None:
        await self.ws.send_json({"type": "scripted", "action": action, **extra})

    async def negotiate(self) -> str:
        connected = asyncio.Event()

        @self.pc.on("connectionstatechange")
        def _state() -> None:
            if self.pc.connectionState == "connected":
                connected.set()

        await self.pc.setLocalDescription(await self.pc.createOffer())
        await self.action("offer", sdp=self.pc.localDescription.sdp)
        answer = await self.next_message("scripted-answer")
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(connected.wait(), 5)
        assert self.pc.connectionState == "connected"
        return str(answer["sdp"])

    async def close(self) -> None:
        self.listener.stop()
        await self.pc.close()


async def scripted_room(client: Any, media: str = "video", **options: Any) -> dict[str, Any]:
    settings = {"question_count": 2, "think_seconds": 0, "answer_seconds": 10, "warm_up": False}
    room = await create_room(
        client, mode="scripted", media=media, bank="behavioral", **{**settings, **options}
    )
    return room


@contextlib.asynccontextmanager
async def seated(client: Any, room: dict[str, Any], *, video: bool) -> AsyncIterator[Candidate]:
    """The room's candidate link joined as a `Candidate`; its peer and socket closed on the way
    out (leaving the block is a closed tab or a reload, whatever the test does next)."""
    cand = Candidate(await joined(client, room, "candidate"), video=video)
    try:
        yield cand
    finally:
        await cand.close()
        await cand.ws.close()
