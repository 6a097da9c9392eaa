"""An audio-only scripted session's server CPU, next to aiortc's own minimal audio loop.

    .venv/bin/python bench/audio_cost.py [--sessions 10] [--duration 12] [--rounds 3] [--profile]

(`make bench` runs it; about 4 minutes.)

CPU TIME, not wall time: each side's figure is the CPU time (user + system, psutil) its server
process and every child of it (speech workers, espeak-ng renders) spent while its N sessions ran,
divided by N and by the seconds sampled. A busy shared host stretches how long things take, but
not (much) how many CPU seconds they cost, so the figure holds where wall-clock figures drift.

Two servers, both subprocesses, measured in alternating rounds of the same run (ours, baseline,
ours, baseline, ...) with the same aiortc clients (bench/sessions.py's: a looping espeak voice
goes up, the interviewer's voice comes down and is read):

- ours, answering: `mockroom serve`, N audio scripted rooms, each consented and started, sampled
  once every session is in its answer window (the meter takes in every frame of the candidate's
  voice): the worst case, everyone talking at once;
- ours, thinking: the same with a long think time, sampled once every session is thinking (the
  intro and question said, nothing taken in, nothing said: what a session costs between answers);
- baseline: this file with --baseline-server: per offer one RTCPeerConnection that plays
  aiortc's AudioStreamTrack (silence, encoded by aiortc) and reads what it receives into a
  MediaBlackhole: the least a Python server that talks and listens over WebRTC does.

Also printed for ours: offer -> answer (median) and question phase begin -> first audible frame of
the interviewer's voice (median of all questions heard). --profile runs py-spy (a dev dependency)
on our server during the last answering round and prints where its time went (own time per
function, GIL held).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psutil
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "bench"), str(REPO / "tests"), str(REPO / "server")]

import capacity  # noqa: E402
import profiling  # noqa: E402
import sessions  # noqa: E402
from results import figure, write  # noqa: E402
from support.live_server import free_port, stop_server  # noqa: E402

GOAL_PER_SESSION = 0.05  # core-s per session-s: 40 sessions in 2 cores, with 10 % to spare
GOAL_QUESTION_MS = 300
GOAL_OFFER_MS = 250
BUDGET = 1.8  # 2 cores, 10 % kept free


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its live children (children that ended are not counted:
    keep them alive through the sample, as the speech workers are)."""
    proc = psutil.Process(pid)
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            times = p.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


async def sample(pid: int, n: int, duration: float) -> float:
    """Core-seconds per session-second over `duration` s of wall time."""
    before, t0 = tree_cpu(pid), time.perf_counter()
    await asyncio.sleep(duration)
    return (tree_cpu(pid) - before) / (time.perf_counter() - t0) / n


async def round_ours(
    port: int, pid: int, n: int, duration: float, pcm: bytes, phase: str, spy_out: Path | None
) -> dict[str, Any]:
    """N sessions answering (the meter takes in every frame) or thinking (nothing taken in)."""
    base = f"http://127.0.0.1:{port}"
    think = 600 if phase == "thinking" else 2
    # No warm-up: a practice answer opens no answer window (nothing is measured).
    options = {"think_seconds": think, "answer_seconds": 600, "warm_up": False}
    ramp = sessions.scripted_sessions(base, n, pcm, sessions.Client, "audio", options)
    async with ramp as (_, clients):
        # Every session in the phase measured (the intro and the question come first).
        want = "answer" if phase == "answering" else "think"
        deadline = time.monotonic() + 90
        while any(c.phase != want for c in clients) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # past the phase change's one-off costs
        spy = profiling.start(pid, duration, spy_out) if spy_out else None
        per = await sample(pid, n, duration)
        if spy is not None:
            await asyncio.to_thread(spy.wait, 60)
    questions = [d for c in clients for label, d in c.speech_delays if label.startswith("question")]
    frames = [d for c in clients for label, d in c.first_frames if label.startswith("question")]
    await asyncio.sleep(1.0)  # let the server close the peers before the next round
    return {
        "per": per,
        "offers": [c.offer_s for c in clients],
        "questions": questions,
        "frames": frames,
    }


async def round_baseline(port: int, pid: int, n: int, duration: float, pcm: bytes) -> float:
    async with sessions.baseline_peers(f"http://127.0.0.1:{port}/offer", n, pcm):
        await asyncio.sleep(1.0)
        per = await sample(pid, n, duration)
    await asyncio.sleep(1.0)
    return per


def baseline_server(port: int) -> None:
    from aiohttp import web
    from aiortc.contrib.media import MediaBlackhole
    from aiortc.mediastreams import AudioStreamTrack

    peers: list[tuple[RTCPeerConnection, MediaBlackhole]] = []

    async def offer(request: web.Request) -> web.Response:
        sdp = (await request.json())["sdp"]
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        hole = MediaBlackhole()
        peers.append((pc, hole))
        pc.on("track", hole.addTrack)

        @pc.on("connectionstatechange")
        async def _gone() -> None:
            if pc.connectionState in ("closed", "failed"):
                await hole.stop()

        await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        pc.addTrack(AudioStreamTrack())
        await hole.start()
        await pc.setLocalDescription(await pc.createAnswer())
        return web.json_response({"sdp": pc.localDescription.sdp})

    sessions.serve_offers(port, offer)


def table(rows: list[tuple[str, str, str, str, str, bool]]) -> str:
    head = ("figure", "ours", "baseline", "ratio", "goal", "met?")
    lines = [f"{head[0]:<34}{head[1]:>9}{head[2]:>10}{head[3]:>7}{head[4]:>10}  {head[5]}"]
    for name, ours, base, ratio, goal, met in rows:
        mark = "yes" if met else "NO"
        lines.append(f"{name:<34}{ours:>9}{base:>10}{ratio:>7}{goal:>10}  {mark}")
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> int:
    pcm = sessions.speech_pcm()
    live, data = sessions.start_mockroom("mockroom-audio-cost-")
    base_port = free_port()
    base = capacity.start_process(
        [sys.executable, __file__, "--baseline-server", str(base_port)], base_port, {}
    )
    runs: dict[str, list[dict[str, Any]]] = {"answering": [], "thinking": []}
    baseline: list[float] = []
    spy_out = data.with_suffix(".spy.txt")
    print(f"{args.sessions} audio sessions per round, {args.duration:.0f} s sampled, CPU time")
    try:
        for i in range(args.rounds):
            for phase, results in runs.items():
                spy = (
                    spy_out
                    if args.profile and i == args.rounds - 1 and phase == "answering"
                    else None
                )
                results.append(
                    await round_ours(
                        live.port, live.process.pid, args.sessions, args.duration, pcm, phase, spy
                    )
                )
            baseline.append(
                await round_baseline(base_port, base.pid, args.sessions, args.duration, pcm)
            )
            print(
                f"round {i + 1}: ours answering {runs['answering'][-1]['per']:.4f}, thinking "
                f"{runs['thinking'][-1]['per']:.4f}; baseline {baseline[-1]:.4f} "
                "core-s per session-s",
                flush=True,
            )
    finally:
        stop_server(live)
        base.terminate()
        base.wait(timeout=15)
    per = statistics.median(r["per"] for r in runs["answering"])
    thinking = statistics.median(r["per"] for r in runs["thinking"])
    per_base = statistics.median(baseline)
    every = runs["answering"] + runs["thinking"]
    offer_ms = 1000 * statistics.median(o for r in every for o in r["offers"])
    questions = [q for r in every for q in r["questions"]]
    frames = [f for r in every for f in r["frames"]]
    question_ms = 1000 * statistics.median(questions) if questions else float("inf")
    frame_ms = 1000 * statistics.median(frames) if frames else float("inf")
    print()
    print(
        table(
            [
                (
                    "answering: core-s per session-s",
                    f"{per:.4f}",
                    f"{per_base:.4f}",
                    f"{per / per_base:.2f}x",
                    f"<= {GOAL_PER_SESSION}",
                    per <= GOAL_PER_SESSION,
                ),
                (
                    "thinking/listening: core-s per s",
                    f"{thinking:.4f}",
                    f"{per_base:.4f}",
                    f"{thinking / per_base:.2f}x",
                    f"<= {GOAL_PER_SESSION}",
                    thinking <= GOAL_PER_SESSION,
                ),
                (
                    "sessions on 2 cores, all answering",
                    f"{int(BUDGET / per)}",
                    f"{int(BUDGET / per_base)}",
                    "",
                    ">= 40",
                    BUDGET / per >= 40,
                ),
                (
                    "offer -> answer ms (median)",
                    f"{offer_ms:.0f}",
                    "",
                    "",
                    f"<= {GOAL_OFFER_MS}",
                    offer_ms <= GOAL_OFFER_MS,
                ),
                (
                    f"question audio ms (median of {len(questions)})",
                    f"{question_ms:.0f}",
                    "",
                    "",
                    f"<= {GOAL_QUESTION_MS}",
                    question_ms <= GOAL_QUESTION_MS,
                ),
            ]
        )
    )
    print(
        f"question audio: phase begin -> first decoded frame of the line {frame_ms:.0f} ms "
        "(the client's jitter buffer holds 4 packets = 80 ms of it), then to its first "
        f"audible frame {question_ms - frame_ms:.0f} ms"
    )
    if spy_out.exists():
        print("\n" + profiling.report(spy_out))
    unit, floor = "core-s/s", "aiortc's minimal loop"
    write(
        "audio_cost",
        [
            figure("answering", "answering: core-s per session-s", per, unit,
                   baseline=floor, baseline_value=per_base, max_value=GOAL_PER_SESSION),
            figure("thinking", "thinking: core-s per session-s", thinking, unit,
                   baseline=floor, baseline_value=per_base, max_value=GOAL_PER_SESSION),
            figure("sessions", "sessions on 2 cores, all answering", int(BUDGET / per), "",
                   baseline=floor, baseline_value=int(BUDGET / per_base), min_value=40),
            figure("offer_ms", "offer → answer (median)", offer_ms, "ms", max_value=GOAL_OFFER_MS),
            figure("question_ms", "question phase begin → first audible voice (median)",
                   question_ms, "ms", max_value=GOAL_QUESTION_MS),
        ],
    )  # fmt: skip
    shutil.rmtree(data, ignore_errors=True)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--duration", type=float, default=12.0, help="seconds sampled per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="py-spy our server (last round)")
    parser.add_argument("--baseline-server", type=int, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.baseline_server:
        baseline_server(parsed.baseline_server)
        sys.exit(0)
    sys.exit(asyncio.run(main(parsed)))
