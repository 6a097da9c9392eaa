"""The interviewer's voice as ready-made Opus packets (scripted/opus.py): what is encoded, what the
track sends and when, and which peers get it."""

from __future__ import annotations

import asyncio
import time

import av
import numpy as np
from aiortc import RTCPeerConnection, RTCRtpSender

from mockroom.scripted import opus
from mockroom.scripted.opus import FRAME_SAMPLES, OpusVoiceTrack, sent_audio_codec

RATE = 48_000


def tone(seconds: float, amplitude: float = 8000.0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.int16)


def decode(packets: list[bytes]) -> np.ndarray:
    """What a receiver plays: aiortc's own Opus decoder settings (stereo s16), mixed to mono."""
    codec = av.CodecContext.create("libopus", "r")
    assert isinstance(codec, av.AudioCodecContext)
    codec.format, codec.layout, codec.sample_rate = "s16", "stereo", RATE
    out = [
        f.to_ndarray().reshape(-1, 2).mean(axis=1)
        for p in packets
        for f in codec.decode(av.Packet(p))
    ]
    return np.concatenate(out)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def test_a_line_encodes_to_20_ms_packets_that_decode_to_the_line() -> None:
    line = np.concatenate((tone(1.0), np.zeros(RATE // 2, np.int16)))
    packets = opus.encode(line)
    # One packet per 20 ms, plus the padding that carries the encoder's look-ahead out.
    assert len(line) // FRAME_SAMPLES < len(packets) <= len(line) // FRAME_SAMPLES + 3
    played = decode(list(packets))
    assert len(played) >= len(line)
    assert abs(rms(played[RATE // 10 : RATE * 9 // 10]) - rms(tone(1.0))) < 0.2 * rms(tone(1.0))
    assert rms(played[RATE * 11 // 10 : RATE * 3 // 2]) < 50  # the silence after it stays silent
    assert rms(decode([opus.silent_packet()] * 5)) < 5


async def test_track_sends_the_packets_in_order_then_waits_silently() -> None:
    track = OpusVoiceTrack()
    clip_a, clip_b = opus.encode(tone(0.06)), opus.encode(tone(0.04))
    track.play([clip_a, clip_b])
    sent = [await track.recv() for _ in range(len(clip_a) + len(clip_b))]
    assert [bytes(p) for p in sent] == [*clip_a, *clip_b]
    assert [p.pts for p in sent] == [i * FRAME_SAMPLES for i in range(len(sent))]
    assert all(p.time_base == opus.TIME_BASE for p in sent)
    assert not track.speaking and track.sent_speech == len(sent)
    # Nothing to say: the next packet waits for speech (or the keep-alive) ...
    started = time.monotonic()
    later = asyncio.create_task(track.recv())
    await asyncio.sleep(0.3)  # what is checked is that nothing comes meanwhile
    assert not later.done()
    track.play([clip_b])
    resumed = await asyncio.wait_for(later, opus.KEEPALIVE_S)
    assert time.monotonic() - started < opus.KEEPALIVE_S
    # ... and speech resumes at once, stamped on the wall clock: the gap is a jump in RTP time.
    assert bytes(resumed) == clip_b[0]
    assert resumed.pts is not None and sent[-1].pts is not None
    assert resumed.pts >= sent[-1].pts + int(0.25 * RATE)
    assert resumed.pts % FRAME_SAMPLES == 0
    track.play([clip_a])
    track.clear()
    assert bytes(await track.recv()) == opus.silent_packet()
    track.stop()


async def test_only_a_peer_that_speaks_opus_gets_the_packets() -> None:
    async def offer(*mime_types: str) -> str:
        pc = RTCPeerConnection()
        transceiver = pc.addTransceiver("audio", direction="sendrecv")
        if mime_types:
            transceiver.setCodecPreferences(
                [
                    c
                    for m in mime_types
                    for c in RTCRtpSender.getCapabilities("audio").codecs
                    if c.mimeType.lower() == m
                ]
            )
        await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
        await pc.close()
        return str(sdp)

    assert sent_audio_codec(await offer()) == "audio/opus"
    assert sent_audio_codec(await offer("audio/pcmu", "audio/opus")) == "audio/pcmu"
    assert sent_audio_codec(await offer("audio/pcma")) == "audio/pcma"
    video_only = (
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    )
    assert sent_audio_codec(video_only) == ""
