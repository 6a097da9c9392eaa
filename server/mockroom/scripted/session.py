"""One candidate's session with the scripted interviewer: a peer, a voice, a card, a clock.

The browser offers (audio always, video in video rooms); we answer with the voice on the audio
m-line and, in video rooms, the question card on the video m-line. The video m-line is answered
`sendonly`: the candidate's camera is recorded in the browser, so the server never receives or
decodes video, which is most of what a server-side interviewer would otherwise cost. The
candidate's audio is taken in only while an answer window is open (`listen`): outside one,
aiortc drops its packets on arrival instead of decoding fifty frames a second nobody reads.

The flow (flow.py) is pure; this class gives it the clock (a task that sleeps until the flow's next
wake-up), carries out its effects and reports `scripted-state` after every change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.sdp import candidate_from_sdp

from ..clock import now_ms, sleep_until
from ..errors import UserError
from ..roles import Media
from ..settings import Settings
from ..speech.captions import CaptionService
from ..storage.interface import RoomRecord, Store
from ..turn import ice_servers
from . import records
from .captions import LiveCaptions
from .config import FlowConfig
from .flow import AnswerClosed, AnswerOpened, Effect, Say, ScriptedFlow
from .flow_state import LATE_MS
from .followup import is_short_answer
from .inputs import offered_kinds, still_recording
from .media_in import MediaIn
from .opus import OpusVoiceTrack, sent_audio_codec
from .tracks import CardRenderer, CardTrack, CardView, VoiceTrack
from .tts import Tts, lines_ahead

log = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[None]]
PREPARE_TIMEOUT_S = 15.0  # rendering the lines at first use; cached afterwards
CLOCK_RETRY_MS = 1_000  # the clock's pause after a failed tick

# What the card says while the interviewer is silent.
CARD_IDLE_TEXT = {
    "think": "Take your time to think.",
    "answer": "I'm listening.",
    "after_answer": "Retake the answer, or go on.",
}

PHASE_LABELS = {
    "waiting": "Waiting to start",
    "intro": "Introduction",
    "think": "Think",
    "answer": "Answer",
    "after_answer": "Retake or next",
    "wrap_up": "Wrap-up",
    "done": "Done",
}


def ice_configuration(settings: Settings) -> RTCConfiguration:
    """Only the operator's ICE servers: aiortc's default would wait on a public STUN server.
    TURN credentials are minted like a browser's (turn.py), so the secret stays a secret."""
    servers = [
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in ice_servers(settings)
    ]
    return RTCConfiguration(iceServers=servers)


class ScriptedSession:
    def __init__(
        self,
        room: RoomRecord,
        config: FlowConfig,
        *,
        settings: Settings,
        store: Store,
        tts: Tts,
        renderer: CardRenderer,
        send: Send,
        captions: CaptionService | None = None,
        snapshot: dict[str, Any] | None = None,
    ) -> None:
        self.room = room
        self.settings = settings
        self.store = store
        self.tts = tts
        self.renderer = renderer
        self.send = send
        self.flow = ScriptedFlow(config, tts.duration_ms)
        if snapshot is not None:  # the last one stored (records.last_snapshot): resume there
            self.flow.restore(snapshot)
        self._saved = self.flow.snapshot()
        self._saving = asyncio.Lock()
        self.captions = LiveCaptions(captions, send)  # off until the candidate asks (captions.py)
        self.media_in = MediaIn(room, self.captions, self._take_turns)
        self.pc: RTCPeerConnection | None = None
        self.voice: VoiceTrack | OpusVoiceTrack | None = None
        self.card: CardTrack | None = None
        self.peer_state = "new"
        self.closed = False
        self._closing: asyncio.Future[None] | None = None
        self._opened_at = 0.0
        self._allowed_ms = 0  # the open answer window's length, for the follow-up rule
        self._last_state: dict[str, Any] | None = None
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        # Nothing is rendered at join (H3): consent/start renders what comes next, see _ahead.
        self._prepared: asyncio.Future[None] = tts.prefetch([])
        self._clock = asyncio.create_task(self._run_clock())

    # state --------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        state = self.flow.public(now_ms())
        state.update(tts=self.tts.available, media=self.room.media, peer=self.peer_state)
        return state

    async def send_state(self, force: bool = False) -> None:
        state = self.state()
        if force or state != self._last_state:
            self._last_state = state
            await self.send({"type": "scripted-state", "state": state})

    def card_view(self) -> CardView:
        """The interviewer's picture: where we are and what it is saying (captions).

        The question and the countdown are on the page itself (text a screen reader reads); the
        card does not repeat them, and with no countdown it is redrawn only when the step changes.
        """
        flow = self.flow
        q = flow.question if flow.phase not in ("wrap_up", "done") else None
        label = PHASE_LABELS[flow.phase]
        if flow.phase == "waiting" and flow.resume is not None:
            label = "Paused"
        elif flow.phase == "think" and flow.timer is None:
            label = "Listen"
        elif flow.phase == "answer":
            label = "Practice answer" if flow.practice else f"Answer · take {flow.take}"
        if flow.asking_follow_up:
            label = f"Follow-up · take {flow.take}"
        count = len(flow.config.questions)
        if q is None:
            heading = label
        elif flow.practice:
            heading = f"Practice question · {label}"
        else:
            heading = f"Question {flow.index + 1} of {count} · {label}"
        said = flow.said(now_ms())
        if flow.asking_follow_up and q is not None and not said:
            said = q.text  # the follow-up stays on the card while it is answered
        elif q is not None and said == q.text and not flow.asking_follow_up:
            said = "(reading the question aloud)"  # the page shows its text
        text = said or CARD_IDLE_TEXT.get(flow.phase, self.room.title)
        return CardView(heading, text, "")

    # messages -----------------------------------------------------------------------------
    async def handle(self, message: dict[str, Any]) -> None:
        action = message["action"]
        if action == "offer":
            await self.offer(message.get("sdp") or "")
            return
        if action == "candidate":
            await self.add_candidate(message.get("candidate"))
            return
        if action in ("consent", "start"):
            self._ahead()
        if action == "start":
            kept = still_recording(message.get("recording"))
            with contextlib.suppress(TimeoutError):  # late lines fall back to reading time
                await asyncio.wait_for(asyncio.shield(self._prepared), PREPARE_TIMEOUT_S)
            effects = self.flow.start(now_ms(), kept)
        else:
            method: Callable[[float], list[Effect]] = getattr(self.flow, action)
            effects = method(now_ms())
        await self._apply(effects, action)
        await self.send_state()
        self._wake.set()

    async def _apply(self, effects: list[Effect], cause: str) -> None:
        follow_up = False
        for effect in effects:
            if isinstance(effect, Say):
                self._say(effect.lines)
                self._ahead()
            elif isinstance(effect, AnswerOpened):
                self._opened_at = effect.at
                self._allowed_ms = effect.allowed_ms
                self.media_in.open(effect.allowed_ms)
            elif isinstance(effect, AnswerClosed):
                metrics = self.media_in.close(round(effect.at - self._opened_at))
                await records.save_metrics(
                    self.store, self.room.id, effect.question_id, effect.take, metrics
                )
                log.info("answer measured", extra={"room": self.room.id, **metrics.as_dict()})
                follow_up = not effect.follow_up and is_short_answer(
                    metrics.talk_ms, self._allowed_ms, effect.reason
                )
        snapshot = self.flow.snapshot()
        if snapshot != self._saved:
            # Saved on every durable change so a reconnect resumes at the same question.
            self._saved = snapshot
            # FIFO: the clock's and an action's snapshots reach the log in the order taken.
            async with self._saving:
                await records.append_snapshot(
                    self.store, self.room.id, {**snapshot, "cause": cause}
                )
        if follow_up and self.flow.can_follow_up:
            await self._ask_follow_up()

    async def _ask_follow_up(self) -> None:
        """A short answer (followup.py): ask the question's follow-up, as its own take."""
        effects = self.flow.ask_follow_up(now_ms())
        q = self.flow.question
        if q is not None:
            await records.save_follow_up(self.store, self.room.id, q.id, self.flow.take, q.text)
            log.info("follow-up asked", extra={"room": self.room.id, "take": self.flow.take})
        await self._apply(effects, "follow-up")

    def _say(self, lines: tuple[str, ...]) -> None:
        speeches = [s for s in map(self.tts.cached, lines) if s is not None]
        if isinstance(self.voice, OpusVoiceTrack):
            self.voice.play([s.opus for s in speeches])
        elif self.voice is not None:
            self.voice.play([s.pcm for s in speeches])

    def _ahead(self) -> None:
        self._prepared = self.tts.prefetch(lines_ahead(self.flow.config, self.flow.index))

    async def _run_clock(self) -> None:
        """Sleep until the flow's next moment (or an action), tick, report. The flow's guard
        (clock_wakeup) bounds each sleep while a moment is due; a late one is logged."""
        while not self.closed:
            wake = self.flow.clock_wakeup(now_ms())
            await sleep_until(None if wake is None else round(wake), self._wake)
            try:
                now = now_ms()
                if (late := self.flow.late_ms(now)) > LATE_MS:
                    log.warning(
                        "scripted flow moved late",
                        extra={"room": self.room.id, "phase": self.flow.phase, "late_ms": late},
                    )
                await self._apply(self.flow.tick(now), "clock")
                await self.send_state()
            except Exception:  # a clock that dies silently would freeze the room
                log.exception("scripted clock failed", extra={"room": self.room.id})
                # A step that fails every time stays due: try again later, not in a hot loop.
                await sleep_until(now_ms() + CLOCK_RETRY_MS, self._wake)

    # the peer -----------------------------------------------------------------------------
    async def offer(self, sdp: str) -> None:
        kinds = offered_kinds(sdp)
        if "audio" not in kinds:
            raise UserError(
                "The offer has no audio m-line. Offer audio even without a microphone "
                "(addTransceiver('audio', {direction: 'recvonly'})): the interviewer speaks on it.",
                code="offer-without-audio",
            )
        await self._close_peer()  # a new offer (reload, renegotiation) replaces the old peer
        pc = RTCPeerConnection(ice_configuration(self.settings))
        self.pc = pc
        self.media_in.attach(pc)
        self._set_peer_state("connecting")
        pc.on("connectionstatechange", lambda: self._spawn(self._on_peer_state(pc)))
        pc.on("track", lambda track: self._on_track(pc, track))
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            self._attach_tracks(pc, encoded_voice=sent_audio_codec(sdp) == "audio/opus")
            await pc.setLocalDescription(await pc.createAnswer())
            self.media_in.sync()  # after the answer: setting the direction turns receivers on
        except Exception as exc:
            await self._close_peer()
            self._set_peer_state("failed")
            log.info("offer refused", extra={"room": self.room.id, "error": str(exc)})
            raise UserError(f"The offer could not be answered: {exc}", code="bad-offer") from None
        await self.send({"type": "scripted-answer", "sdp": pc.localDescription.sdp})
        await self.send_state()

    def _attach_tracks(self, pc: RTCPeerConnection, encoded_voice: bool) -> None:
        # A peer that speaks Opus (every browser) gets the lines' ready-made packets (opus.py):
        # nothing is encoded per frame. Others get PCM that aiortc encodes.
        voice = OpusVoiceTrack() if encoded_voice else VoiceTrack(dtx=True)
        pc.addTrack(voice)
        self.voice = voice
        self.card = None
        for transceiver in pc.getTransceivers():
            if transceiver.kind != "video":
                continue
            if self.room.media == Media.VIDEO and self.card is None:
                self.card = CardTrack(self.card_view, self.renderer)
                transceiver.sender.replaceTrack(self.card)
                transceiver.direction = "sendonly"  # never receive the candidate's camera
            else:
                transceiver.direction = "inactive"  # audio rooms show no card

    def _on_track(self, pc: RTCPeerConnection, track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            self._spawn(self.media_in.receive(pc, track))

    async def _take_turns(self, events: list[str]) -> None:
        """Turn-taking events from the meter become flow actions, like the candidate's own."""
        for event in events:
            action = self.flow.first_word if event == "first-word" else self.flow.end_of_turn
            await self._apply(action(now_ms()), event)
            log.info("turn taking", extra={"room": self.room.id, "event": event})
        if events:
            await self.send_state()
            self._wake.set()

    async def add_candidate(self, candidate: Any) -> None:
        if self.pc is None:
            raise UserError("Send the offer before its ICE candidates.", code="no-offer")
        if not isinstance(candidate, dict) or not candidate.get("candidate"):
            return  # end of candidates: aiortc needs no marker
        text = str(candidate["candidate"])
        try:
            parsed = candidate_from_sdp(text.removeprefix("candidate:"))
            parsed.sdpMid = candidate.get("sdpMid")
            parsed.sdpMLineIndex = candidate.get("sdpMLineIndex")
            await self.pc.addIceCandidate(parsed)
        except Exception as exc:
            raise UserError(f"Bad ICE candidate: {exc}", code="bad-candidate") from None

    async def _on_peer_state(self, pc: RTCPeerConnection) -> None:
        if pc is not self.pc:
            return
        self._set_peer_state(pc.connectionState)
        await self.send_state()
        if pc.connectionState == "failed":
            await self._close_peer()

    def _set_peer_state(self, state: str) -> None:
        self.peer_state = state

    async def _close_peer(self) -> None:
        pc, self.pc = self.pc, None
        self.media_in.detach()
        for track in (self.voice, self.card):
            if track is not None:
                track.stop()
        self.voice = self.card = None
        if pc is not None:
            await pc.close()
            if self.peer_state != "failed":
                self.peer_state = "closed"

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Leave, failure or shutdown: stop the clock, close the peer. The snapshot stays saved.

        Several callers may close at once (the leave hook and app shutdown); all of them wait
        until the peer is really closed.
        """
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        self.closed = True
        self._wake.set()
        self._clock.cancel()
        self._prepared.cancel()
        await self.captions.close()
        await self._close_peer()
        for task in [self._clock, *self._tasks]:
            task.cancel()
        await asyncio.gather(self._clock, self._prepared, *self._tasks, return_exceptions=True)
