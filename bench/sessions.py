"""The aiortc clients the capacity benches drive (bench/capacity.py, audio_cost.py,
capacity_asr.py), and the two loops they all ran with them:

- `scripted_sessions`: N scripted rooms on `mockroom serve`, each a Client that offers a looping
  espeak voice (and in video rooms a 640x480 camera), consents and starts; connected one after
  another (a steady ramp, like real arrivals), all closed on the way out;
- `baseline_peers`: N bare aiortc peers offering the same voice (and camera) to a naive baseline
  server's POST /offer, reading what comes back; the offer -> answer times; all closed after;
  `serve_offers` runs such a server around its offer handler.

One copy of each, so every bench's "ours" and "baseline" are driven alike.
"""

from __future__ import annotations

import asyncio
import fractions
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import numpy as np
from aiohttp import web
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, VideoFrame

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "server"))

sys.path.insert(0, str(REPO / "tests"))

from mockroom.scripted.tracks import VoiceTrack  # noqa: E402
from mockroom.scripted.tts import read_wav, resample  # noqa: E402
from support.live_server import LiveServer, start_server  # noqa: E402

ANSWER = "I would start by asking what the team needs most, then I would plan the first month."


class Camera(MediaStreamTrack):
    """A 640x480 30 fps camera with moving content (pre-drawn, so it costs the bench little)."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        y, x = np.mgrid[0:480, 0:640]
        self.frames = []
        for i in range(30):
            img = np.stack([(x + 8 * i) % 256, (y + 4 * i) % 256, (x + y) % 256], -1)
            self.frames.append(
                VideoFrame.from_ndarray(img.astype(np.uint8), format="rgb24").reformat(
                    format="yuv420p"
                )
            )
        self.start: float | None = None
        self.n = 0

    async def recv(self) -> VideoFrame:
        if self.start is None:
            self.start = time.time()
        self.n += 1
        await asyncio.sleep(max(0.0, self.start + self.n / 30 - time.time()))
        frame = self.frames[self.n % 30]
        frame.pts, frame.time_base = self.n * 3000, fractions.Fraction(1, 90_000)
        return frame


def speech_pcm() -> bytes:
    out = subprocess.run(
        ["espeak-ng", "-v", "en-us", "--stdout", "--", ANSWER], check=True, capture_output=True
    ).stdout
    samples, rate = read_wav(out)
    voice = resample(samples, rate)
    gap = np.zeros(24_000, dtype=np.int16)
    return np.concatenate([voice, gap] * 12).tobytes()  # about a minute of answering


# How late each interviewer voice frame arrived against its own timestamp (seconds), all clients.
LATENESS: list[float] = []
DTX_GAP_S = 0.1


class VoiceClock:
    """Real-time check for a voice that is silent between phrases (DTX): within each burst,
    a frame is late by how much its arrival trails its RTP timestamp, measured from the
    earliest-arriving frame of the burst."""

    def __init__(self) -> None:
        self.base: tuple[float, int] | None = None
        self.last: float | None = None
        self.skip = False

    def frame(self, pts: int, now: float) -> None:
        if self.last is not None and now - self.last > DTX_GAP_S:
            # aiortc stamps the first frame after a gap as if there were none: skip it.
            self.base, self.skip = None, True
        self.last = now
        if self.skip:
            self.skip = False
            return
        if self.base is None:
            self.base = (now, pts)
            return
        late = now - (self.base[0] + (pts - self.base[1]) / 48_000)
        if late < 0:
            self.base = (now, pts)
        else:
            LATENESS.append(late)


# A decoded frame louder than this (RMS of int16 samples) is the interviewer speaking; its
# silence and keep-alives decode to (nearly) zero.
VOICED_RMS = 300.0


async def drain(track: MediaStreamTrack, heard: Any = None) -> None:
    """Read a received track; `heard(now, voiced)` is called for each voice frame."""
    clock = VoiceClock()
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        if track.kind == "audio" and frame.pts is not None:
            now = time.perf_counter()
            clock.frame(frame.pts, now)
            if heard is not None and isinstance(frame, AudioFrame):
                samples = frame.to_ndarray().astype(np.float32)
                heard(now, float(np.sqrt(np.mean(samples**2))) > VOICED_RMS)


class Client:
    def __init__(self, http: aiohttp.ClientSession, base: str, media: str, pcm: bytes) -> None:
        self.http, self.base, self.media, self.pcm = http, base, media, pcm
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.tasks: list[asyncio.Task[None]] = []
        self.offer_s = 0.0
        self.ws: Any = None
        self.room_id, self.token = "", ""  # the room it made (bench/capacity_asr.py uploads)
        # Answering for the whole sample, measured: the warm-up question's answer opens no
        # answer window (its speech would not be measured), so there is none.
        self.room_options: dict[str, Any] = {
            "think_seconds": 2,
            "answer_seconds": 600,
            "warm_up": False,
        }
        # Phase begin -> the first frame of any level (after the jitter buffer), per phase.
        self.first_frames: list[tuple[str, float]] = []
        self._frame_wait: tuple[str, float] | None = None
        self.phase = ""  # of the last scripted-state
        # Phase begin -> first audible frame of its line, per spoken phase: (label, seconds).
        # A phase begins when its scripted-state arrives (what the page shows); the frame is
        # counted after aiortc's receive jitter buffer (4 packets), as a browser plays it.
        self.speech_delays: list[tuple[str, float]] = []
        self._speech_wait: tuple[str, float] | None = None
        self._spoken: set[str] = set()
        self._quiet_since_phase = False

    async def connect(self) -> None:
        body = {
            "mode": "scripted",
            "media": self.media,
            "bank": "behavioral",
            **self.room_options,
        }
        async with self.http.post(f"{self.base}/api/rooms", json=body) as resp:
            room = await resp.json()
        token = room["links"]["candidate"].split("token=", 1)[1]
        self.room_id, self.token = room["room_id"], token
        self.ws = await self.http.ws_connect(f"{self.base}/ws/rooms/{room['room_id']}")
        await self.ws.send_json({"type": "hello", "version": 1, "token": token})
        voice = VoiceTrack()
        voice.play([self.pcm])
        self.pc.addTrack(voice)
        if self.media == "video":
            self.pc.addTrack(Camera())
        self.pc.on(
            "track", lambda t: self.tasks.append(asyncio.ensure_future(drain(t, self.heard)))
        )
        await self.pc.setLocalDescription(await self.pc.createOffer())
        started = time.perf_counter()
        await self.ws.send_json(
            {"type": "scripted", "action": "offer", "sdp": self.pc.localDescription.sdp}
        )
        answer = await self.until("scripted-answer")
        self.offer_s = time.perf_counter() - started
        connected = asyncio.Event()

        @self.pc.on("connectionstatechange")
        def _state() -> None:
            if self.pc.connectionState == "connected":
                connected.set()

        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        # Like a person: start once the call is up (the intro would otherwise play late).
        await asyncio.wait_for(connected.wait(), 30)
        for action in ("consent", "start"):
            await self.ws.send_json({"type": "scripted", "action": action})
        self.tasks.append(asyncio.ensure_future(self.read_rest()))

    async def until(self, kind: str) -> dict[str, Any]:
        while True:
            msg = await self.ws.receive_json(timeout=30)
            if msg["type"] == "error":
                raise RuntimeError(msg)
            if msg["type"] == kind:
                return dict(msg)

    def on_state(self, state: dict[str, Any]) -> None:
        """Note when a phase that speaks begins: the intro, and each question being asked."""
        self.phase = str(state["phase"])
        question = state.get("question") or {}
        label = None
        if state["phase"] == "intro":
            label = "intro"
        elif state["phase"] == "think" and state["timer"] is None and state["said"]:
            label = f"question {question.get('index', 0) + 1}"
        if label is not None and label not in self._spoken:
            self._spoken.add(label)
            self._speech_wait = self._frame_wait = (label, time.perf_counter())
            self._quiet_since_phase = False

    def heard(self, now: float, voiced: bool) -> None:
        # The line before may still be audible when the phase begins (the voice was cut off
        # mid-word, or it is still in the jitter buffer): the line starts at the first audible
        # frame after a quiet one.
        if self._frame_wait is not None:
            self.first_frames.append((self._frame_wait[0], now - self._frame_wait[1]))
            self._frame_wait = None
        if self._speech_wait is None:
            return
        if not voiced:
            self._quiet_since_phase = True
        elif self._quiet_since_phase:
            label, since = self._speech_wait
            self._speech_wait = None
            self.speech_delays.append((label, now - since))

    async def read_rest(self) -> None:
        async for msg in self.ws:
            data = json.loads(msg.data)
            if data.get("type") == "scripted-state":
                self.on_state(data["state"])

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await self.pc.close()
        if self.ws is not None:
            await self.ws.close()


def start_mockroom(prefix: str) -> tuple[LiveServer, Path]:
    """`mockroom serve` in a subprocess (psutil sees its CPU alone) on a fresh data folder."""
    data = Path(tempfile.mkdtemp(prefix=prefix))
    live = start_server(
        data,
        # A load test creates rooms from one address far faster than a person: no rate limit.
        env={"PYTHONPATH": str(REPO / "server"), "MOCKROOM_ROOM_RATE_PER_HOUR": "0"},
        extra_args=["--log-level", "warning"],
        log_path=data.with_suffix(".log"),
        timeout=30,
    )
    return live, data


C = TypeVar("C", bound=Client)


@asynccontextmanager
async def scripted_sessions(
    base: str,
    n: int,
    pcm: bytes,
    kind: type[C],
    media: str = "audio",
    room_options: dict[str, Any] | None = None,
) -> AsyncIterator[tuple[aiohttp.ClientSession, list[C]]]:
    """N connected scripted sessions (and the HTTP session they use, for more calls)."""
    async with aiohttp.ClientSession() as http:
        clients = [kind(http, base, media, pcm) for _ in range(n)]
        for client in clients:
            client.room_options = {**client.room_options, **(room_options or {})}
        try:
            for client in clients:  # one after another: a steady ramp, like real arrivals
                await client.connect()
            yield http, clients
        finally:
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


@asynccontextmanager
async def baseline_peers(
    url: str, n: int, pcm: bytes, camera: bool = False
) -> AsyncIterator[list[float]]:
    """N peers connected to a baseline server's offer URL; yields each one's offer -> answer
    seconds."""
    pcs: list[RTCPeerConnection] = []
    offers: list[float] = []
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(n):
                pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
                pcs.append(pc)
                voice = VoiceTrack()
                voice.play([pcm])
                pc.addTrack(voice)
                if camera:
                    pc.addTrack(Camera())
                pc.on("track", lambda t: asyncio.ensure_future(drain(t)))
                await pc.setLocalDescription(await pc.createOffer())
                started = time.perf_counter()
                async with http.post(url, json={"sdp": pc.localDescription.sdp}) as resp:
                    answer = await resp.json()
                offers.append(time.perf_counter() - started)
                await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
            yield offers
    finally:
        await asyncio.gather(*(pc.close() for pc in pcs), return_exceptions=True)


def serve_offers(
    port: int,
    offer: Callable[[web.Request], Awaitable[web.Response]],
    on_shutdown: Callable[[web.Application], Awaitable[None]] | None = None,
) -> None:
    """A baseline server on 127.0.0.1:port: POST /offer (SDP in, SDP out) and GET /healthz."""

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/offer", offer)
    app.router.add_get("/healthz", healthz)
    if on_shutdown is not None:
        app.on_shutdown.append(on_shutdown)
    web.run_app(app, host="127.0.0.1", port=port, print=None)
