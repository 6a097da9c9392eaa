"""Real round trips with the scripted interviewer: an in-process aiortc client over the signaling
socket hears the question, answers with espeak speech, and the server measures the answer.

The in-process candidate (Candidate) lives in support.scripted_peer: the turn-taking tests
drive it too.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from typing import Any

import numpy as np
import pytest
from aiortc import RTCPeerConnection, RTCRtpSender

from mockroom.keys import STORE
from mockroom.scripted import metrics_for_room
from mockroom.scripted.opus import OpusVoiceTrack
from mockroom.scripted.service import SCRIPTED
from mockroom.scripted.tracks import VoiceTrack
from mockroom.scripted.tts import read_wav, resample
from support.http import create_room
from support.scripted_peer import Candidate, scripted_room, seated
from support.ws import joined

RATE = 48_000
SPEECH = "I led the migration of our billing system and we finished it two weeks early"


@pytest.fixture(scope="module")
def answer_wav(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, float]:
    """Known speech: 1 s silence, an espeak sentence, 1.5 s silence; and its true talk time."""
    path = tmp_path_factory.mktemp("wav") / "answer.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(path), "--", SPEECH], check=True
    )
    samples, rate = read_wav(path.read_bytes())
    speech = resample(samples, rate, RATE)
    voiced = np.nonzero(np.abs(speech.astype(np.int32)) > 328)[0]  # above 1 % of full scale
    truth_s = (voiced[-1] - voiced[0]) / RATE
    pad = np.zeros(RATE, dtype=np.int16)
    return np.concatenate((pad, speech, pad, pad[: RATE // 2])), truth_s


async def test_candidate_hears_question_and_talk_time_is_measured(
    client: Any, answer_wav: tuple[np.ndarray, float]
) -> None:
    room = await scripted_room(client, media="video", retakes=1)
    async with seated(client, room, video=True) as cand:
        first = await cand.next_message("scripted-state")
        assert first["state"]["phase"] == "waiting" and first["state"]["media"] == "video"
        assert first["state"]["tts"] is True and first["state"]["peer"] == "new"
        answer_sdp = await cand.negotiate()
        # The card goes out; the candidate's camera is never taken in.
        video_section = answer_sdp.split("m=video", 1)[1]
        assert "a=sendonly" in video_section
        await cand.wait_state(peer="connected")

        await cand.action("start")
        error = await cand.next_message("error")
        assert error["code"] == "consent-required" and error["fatal"] is False
        await cand.action("consent")
        await cand.wait_state(consented=True)
        await cand.action("start")
        await cand.wait_state(phase="intro")
        asking = await cand.wait_state(phase="think", timer=None)
        asked_at = time.monotonic()
        question = asking["question"]
        assert question["index"] == 0 and question["count"] == 2
        assert asking["said"] == question["text"]

        opened = await cand.wait_state(phase="answer", recording=True)
        opened_at = time.monotonic()
        assert opened["take"] == 1 and opened["retakes_left"] == 1
        assert opened["timer"]["duration_ms"] == 10_000
        # The question was spoken: clearly non-silent audio while it was being said.
        assert cand.listener.loudest_between(asked_at + 0.3, opened_at) > 1000
        assert (640, 360) in cand.listener.video_frames
        # It was the line's ready-made Opus packets (the candidate offered Opus): no encoding.
        voice = client.app[SCRIPTED].sessions[room["room_id"]].voice
        assert isinstance(voice, OpusVoiceTrack) and voice.sent_speech > 50

        samples, truth_s = answer_wav
        cand.voice.play([samples.tobytes()])
        # The answer itself: the candidate talks for the length of the WAV (its metrics are
        # under test), then a little longer so the last packets reach the server.
        await asyncio.sleep(len(samples) / RATE + 0.3)
        await cand.action("done")
        after = await cand.wait_state(phase="after_answer")
        assert after["recording"] is False and after["retakes_left"] == 1

        metrics = await metrics_for_room(client.app[STORE], room["room_id"])
        assert len(metrics) == 1
        m = metrics[0]
        assert m["question_id"] == question["id"] and m["take"] == 1
        assert abs(m["talk_ms"] / 1000 - truth_s) < 0.5, (m, truth_s)
        assert 500 <= m["first_word_ms"] <= 2000  # 1 s of silence, then the speech
        assert m["longest_pause_ms"] < 500
        assert 0 < m["share_used"] < 1 and m["window_ms"] >= 4000

        # Retake count enforced: one retake allowed, a second is refused.
        await cand.action("retake")
        await cand.wait_state(phase="answer", take=2, retakes_left=0)
        await cand.action("done")
        await cand.wait_state(phase="after_answer", take=2)
        await cand.action("retake")
        error = await cand.next_message("error")
        assert error["code"] == "no-retakes-left"
        assert [
            (m["take"]) for m in await metrics_for_room(client.app[STORE], room["room_id"])
        ] == [1, 2]

        service = client.app[SCRIPTED]
        pc = service.sessions[room["room_id"]].pc
        assert pc is not None and pc.connectionState == "connected"
    # The session ends in the background after the socket closes: poll its state (bounded).
    for _ in range(50):
        if not service.sessions:
            break
        await asyncio.sleep(0.05)
    assert service.sessions == {}
    assert pc.connectionState == "closed"


async def test_a_peer_without_opus_hears_the_pcm_voice(client: Any) -> None:
    room = await scripted_room(client, media="audio")
    async with seated(client, room, video=False) as cand:
        await cand.next_message("scripted-state")
        audio = next(t for t in cand.pc.getTransceivers() if t.kind == "audio")
        pcmu = [
            c for c in RTCRtpSender.getCapabilities("audio").codecs if c.mimeType == "audio/PCMU"
        ]
        audio.setCodecPreferences(pcmu)
        answer = await cand.negotiate()
        assert "PCMU/8000" in answer and "opus" not in answer
        voice = client.app[SCRIPTED].sessions[room["room_id"]].voice
        assert isinstance(voice, VoiceTrack)  # aiortc encodes its PCM to PCMU
        await cand.action("consent")
        await cand.action("start")
        await cand.wait_state(phase="intro")
        heard_at = time.monotonic()
        await cand.wait_state(phase="think", timer=None)
        assert cand.listener.loudest_between(heard_at, time.monotonic()) > 1000


async def test_reconnect_resumes_at_same_question(client: Any) -> None:
    room = await scripted_room(client, media="audio")
    async with seated(client, room, video=False) as cand:
        await cand.next_message("scripted-state")
        await cand.action("consent")
        await cand.action("start")  # text-only timing is fine without a peer
        asking = await cand.wait_state(phase="think", timer=None)
        await cand.action("done")
        await cand.wait_state(phase="answer")
        await cand.action("done")
        await cand.wait_state(phase="after_answer")
        await cand.action("next")
        second = await cand.wait_state(phase="think", take=1)
        assert second["question"]["index"] == 1
    async with seated(client, room, video=False) as again:
        state = (await again.next_message("scripted-state"))["state"]
        assert state["phase"] == "waiting" and state["consented"] is True
        assert state["question"]["index"] == 1
        assert state["question"]["id"] != asking["question"]["id"]
        await again.action("start")
        resumed = await again.wait_state(phase="think")
        assert resumed["question"]["index"] == 1 and resumed["said"] == ""


async def test_reload_mid_answer_resumes_same_take_without_intro(client: Any) -> None:
    room = await scripted_room(client, media="audio", warm_up=True, think_seconds=5)
    # Leaving the first block is the page reloading mid-answer.
    async with seated(client, room, video=False) as cand:
        await cand.next_message("scripted-state")
        await cand.action("consent")
        await cand.action("start")
        warm = await cand.wait_state(phase="think", practice=True)
        assert warm["question"]["id"] == "warm-up" and warm["recording"] is False
        await cand.action("done")
        practising = await cand.wait_state(phase="answer")
        assert practising["recording"] is False and practising["practice"] is True
        await cand.action("done")
        first = await cand.wait_state(phase="think", practice=False)
        assert first["question"]["index"] == 0 and first["take"] == 1
        await cand.action("done")
        assert (await cand.wait_state(phase="answer"))["recording"] is True
    async with seated(client, room, video=False) as again:
        state = (await again.next_message("scripted-state"))["state"]
        assert state["phase"] == "waiting" and state["question"]["index"] == 0
        assert state["resume"] == {
            "question_id": first["question"]["id"],
            "take": 1,
            "answered": False,
            "interrupted": True,
        }
        await again.action("start")
        resumed = await again.wait_state(phase="think")
        # No intro and no question read out: think time runs at once, same question and take.
        assert resumed["timer"] is not None and resumed["timer"]["phase"] == "think"
        assert resumed["said"] == "" and resumed["take"] == 1 and resumed["resume"] is None


async def test_a_take_kept_through_a_dropped_socket_goes_on_answering(client: Any) -> None:
    """The server lost the socket mid-answer but the page kept recording: `start` with that
    take lets the same answer window go on (no think time, no new take, the same deadline)."""
    room = await scripted_room(client, media="audio", warm_up=False, think_seconds=5)
    # Leaving the first block is the socket dropping; the page's recorder goes on.
    async with seated(client, room, video=False) as cand:
        await cand.next_message("scripted-state")
        await cand.action("consent")
        await cand.action("start")
        await cand.wait_state(phase="think")
        await cand.action("done")
        answering = await cand.wait_state(phase="answer")
    async with seated(client, room, video=False) as again:
        waiting = (await again.next_message("scripted-state"))["state"]
        assert waiting["phase"] == "waiting" and waiting["resume"]["interrupted"] is True
        await again.action("start", recording={"question_id": "nope", "take": True})
        assert (await again.next_message("error"))["code"] == "bad-message"
        question = answering["question"]["id"]
        await again.action("start", recording={"question_id": question, "take": 1})
        going_on = await again.wait_state(phase="answer")
        assert going_on["recording"] is True and going_on["take"] == 1
        assert going_on["timer"]["deadline"] == answering["timer"]["deadline"]
        assert going_on["timer"]["started_at"] == answering["timer"]["started_at"]


async def test_bad_offers_get_clear_errors_and_socket_lives(client: Any) -> None:
    room = await scripted_room(client, media="video")
    async with seated(client, room, video=False) as cand:
        await cand.next_message("scripted-state")
        # Video only: the voice would have nowhere to go.
        video_only = RTCPeerConnection()
        video_only.addTransceiver("video", direction="recvonly")
        await video_only.setLocalDescription(await video_only.createOffer())
        await cand.action("offer", sdp=video_only.localDescription.sdp)
        error = await cand.next_message("error")
        assert error["code"] == "offer-without-audio" and "audio" in error["message"]
        # Data channel only.
        data_only = RTCPeerConnection()
        data_only.createDataChannel("x")
        await data_only.setLocalDescription(await data_only.createOffer())
        await cand.action("offer", sdp=data_only.localDescription.sdp)
        assert (await cand.next_message("error"))["code"] == "offer-without-audio"
        await video_only.close()
        await data_only.close()
        # Garbage.
        await cand.action("offer", sdp="hello, I am not an SDP")
        assert (await cand.next_message("error"))["code"] == "bad-offer"
        await cand.action("offer", sdp="v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\ngarbage\r\n")
        assert (await cand.next_message("error"))["code"] == "bad-offer"
        await cand.action("offer")
        assert (await cand.next_message("error"))["code"] == "bad-offer"
        candidate = {"candidate": "candidate:1 1 udp 1 1.2.3.4 9 typ host"}
        await cand.action("candidate", candidate=candidate)
        # The socket still works: a ping, and then a proper offer is answered.
        await cand.ws.send_json({"type": "ping", "t": 1})
        assert (await cand.next_message("pong"))["t"] == 1
        await cand.negotiate()


async def test_scripted_messages_in_a_peer_room_are_refused(client: Any) -> None:
    room = await create_room(client, mode="peer", media="video")
    ws = await joined(client, room, "candidate")
    try:
        await ws.send_json({"type": "scripted", "action": "consent"})
        msg = await ws.receive_json(timeout=5)
        while msg["type"] != "error":
            msg = await ws.receive_json(timeout=5)
        assert msg["code"] == "not-scripted"
        await ws.send_json({"type": "ping", "t": 2})
        assert (await ws.receive_json(timeout=5))["type"] == "pong"
        assert client.app[SCRIPTED].sessions == {}
    finally:
        await ws.close()


async def test_shutdown_closes_every_peer(aiohttp_client: Any, settings: Any) -> None:
    from mockroom.app import create_app

    app = create_app(settings)
    client = await aiohttp_client(app)
    room = await scripted_room(client, media="audio")
    ws = await joined(client, room, "candidate")
    cand = Candidate(ws, video=True)
    try:
        await cand.next_message("scripted-state")
        answer = await cand.negotiate()
        assert "a=inactive" in answer.split("m=video", 1)[1]  # audio rooms show no card
        service = app[SCRIPTED]
        session = service.sessions[room["room_id"]]
        pc = session.pc
        assert pc is not None
        await client.close()  # runs on_shutdown and cleanup: sockets, then peers
        assert service.sessions == {}
        assert pc.connectionState == "closed" and session.closed
    finally:
        await cand.close()


async def test_state_before_joining_and_a_card_that_repeats_nothing(client: Any) -> None:
    room = await scripted_room(client, media="video", think_seconds=5)
    path = f"/api/rooms/{room['room_id']}/scripted"
    token = room["tokens"]["candidate"]
    auth = {"Authorization": f"Bearer {token}"}
    before = await (await client.get(path, headers=auth)).json()
    assert before["phase"] == "waiting" and before["question"] is None
    reviewer = {"Authorization": f"Bearer {room['tokens']['reviewer']}"}
    assert (await client.get(path, headers=reviewer)).status == 200
    assert (await client.get(path)).status == 401
    peer = await create_room(client, mode="peer", bank="behavioral")
    peer_auth = {"Authorization": f"Bearer {peer['tokens']['interviewer']}"}
    assert (
        await client.get(f"/api/rooms/{peer['room_id']}/scripted", headers=peer_auth)
    ).status == 404
    async with seated(client, room, video=True) as cand:
        await cand.next_message("scripted-state")
        await cand.action("consent")
        await cand.action("start")
        asking = await cand.wait_state(phase="think", timer=None)
        session = client.app[SCRIPTED].sessions[room["room_id"]]
        text = asking["question"]["text"]
        # The page shows the question and the countdown; the card must not repeat them.
        view = session.card_view()
        assert view.countdown == "" and text not in view.text and "Question 1 of 2" in view.heading
        thinking = await cand.wait_state(phase="think", said="")
        assert thinking["timer"] is not None
        view = session.card_view()
        assert view.countdown == "" and view.text == "Take your time to think."
        live = await (await client.get(path, headers=auth)).json()
        assert live["phase"] == "think" and live["question"]["text"] == text
        await cand.action("stop")
        await cand.wait_state(phase="done")
    after = await (await client.get(path, headers=auth)).json()
    assert after["phase"] == "done"  # the page then opens without the camera
