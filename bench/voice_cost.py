"""CPU of the interviewer's voice on the server's sending side, per second of speech.

    .venv/bin/python bench/voice_cost.py [--voices 20] [--seconds 6]

What differs between the two ways the voice can be sent, measured in this process (CPU time of
the process, so a busy shared host slows it down but does not change the figure much):

- pcm:  tracks.VoiceTrack returns 20 ms PCM frames; aiortc's sender measures each frame's level and
        encodes it with its OpusEncoder (resample to stereo, libopus 96 kbit/s) in a worker thread,
        exactly as RTCRtpSender._next_encoded_frame does;
- opus: opus.OpusVoiceTrack returns the line's ready-made packets; aiortc packs them as they are.

Everything after that (RTP header, SRTP, the socket) is the same for both and not counted. N voices
speak a real espeak-ng line in a loop, paced on the wall clock like in a session.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from aiortc import rtp
from aiortc.codecs.opus import OpusEncoder
from av import AudioFrame

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "server"))

from mockroom.scripted.opus import OpusVoiceTrack  # noqa: E402
from mockroom.scripted.tracks import VoiceTrack  # noqa: E402
from mockroom.scripted.tts import Speech, Tts  # noqa: E402
from results import figure, write  # noqa: E402

LINE = "Tell me about a time you disagreed with your manager, and what you did about it."


async def send_pcm(speech: Speech, seconds: float) -> int:
    track, encoder, loop = VoiceTrack(dtx=True), OpusEncoder(), asyncio.get_running_loop()
    frames = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not track.speaking:
            track.play([speech.pcm])
        frame = await track.recv()
        assert isinstance(frame, AudioFrame)
        rtp.compute_audio_level_dbov(frame)
        await loop.run_in_executor(None, encoder.encode, frame, False)
        frames += 1
    track.stop()
    return frames


async def send_opus(speech: Speech, seconds: float) -> int:
    track, encoder = OpusVoiceTrack(), OpusEncoder()
    frames = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not track.speaking:
            track.play([speech.opus])
        encoder.pack(await track.recv())
        frames += 1
    track.stop()
    return frames


async def measure(kind: str, speech: Speech, voices: int, seconds: float) -> dict[str, float]:
    send = send_pcm if kind == "pcm" else send_opus
    cpu, wall = time.process_time(), time.perf_counter()
    frames = sum(await asyncio.gather(*(send(speech, seconds) for _ in range(voices))))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    spoken = frames * 0.020  # seconds of voice sent
    return {"per_s": cpu / spoken, "real_time": spoken / (voices * wall)}


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as folder:
        speech = await Tts(Path(folder)).render(LINE)
    if speech is None:
        print("espeak-ng is missing: nothing to measure")
        return 1
    print(
        f"voice send path: {args.voices} voices x {args.seconds:g} s of speech, "
        f"{args.repeat} interleaved rounds (core-s of this process per second of voice)"
    )
    results: dict[str, list[dict[str, float]]] = {"pcm": [], "opus": []}
    for i in range(args.repeat):
        for kind in ("pcm", "opus") if i % 2 == 0 else ("opus", "pcm"):
            results[kind].append(await measure(kind, speech, args.voices, args.seconds))
            r = results[kind][-1]
            print(
                f"  round {i + 1} {kind:<4}: {r['per_s'] * 1000:.2f} ms CPU per s "
                f"(kept {r['real_time'] * 100:.0f}% of real time)",
                flush=True,
            )
    med = {k: sorted(r["per_s"] for r in v)[len(v) // 2] for k, v in results.items()}
    print(
        f"median: pcm + aiortc encode {med['pcm'] * 1000:.2f} ms/s, ready-made Opus "
        f"{med['opus'] * 1000:.2f} ms/s per voice: {med['opus'] / med['pcm']:.2f}x (saves "
        f"{(med['pcm'] - med['opus']):.4f} core-s per second of speech per session)"
    )
    write("voice_cost", [
        figure("opus", "voice send: ready-made Opus, CPU per s of voice", med["opus"] * 1000,
               "ms/s", baseline="PCM + aiortc encode", baseline_value=med["pcm"] * 1000),
    ])  # fmt: skip
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voices", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--repeat", type=int, default=3)
    sys.exit(asyncio.run(main(parser.parse_args())))
