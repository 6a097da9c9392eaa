"""Scripted-interviewer capacity: server CPU per session, loop lag, offer -> answer time.

    .venv/bin/python bench/capacity.py [--sessions N] [--duration S] [--baseline N]

Starts `mockroom serve` as a subprocess (so psutil sees its CPU alone) and drives concurrent
scripted sessions from aiortc clients in this process: each client offers audio (a looping espeak
voice, so the server's speech meter works) and, in video rooms, a 640x480 camera, receives the
interviewer's voice and card, consents and starts, so every session is speaking, timing and
measuring during the sample. Each client also times offer -> answer, and each spoken phase from
its scripted-state (the page's phase begins) to the first audible frame of the interviewer's voice
(`q audio ms`: the questions; speech recognition is not part of these sessions). A separate
probe process times GET /healthz every 100 ms (loop lag).

Measured at a few N per media kind (or only --sessions N); the capacity on 2 cores is then
extrapolated from the per-session CPU at the largest N (2 cores * 0.9 / per-session), and the
real-time criteria (CPU < 1.8 cores, lag p99 < 100 ms) are checked at each measured N.

The baseline, measured in the same run: a naive aiortc server (this file with --baseline-server,
also a subprocess) that records the client's 640x480 video + audio with aiortc's MediaRecorder
(decode + re-encode to WebM) and sends a card redrawn at 30 fps.

The clients, and the loops that connect N of them to either server, are bench/sessions.py's
(shared with bench/audio_cost.py and bench/capacity_asr.py), so both sides are driven alike.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from av import VideoFrame

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "server"))

from mockroom.scripted.tracks import (  # noqa: E402
    CardRenderer,
    CardView,
    VoiceTrack,
)
from results import figure, write  # noqa: E402
from sessions import (  # noqa: E402
    LATENESS,
    Client,
    baseline_peers,
    scripted_sessions,
    serve_offers,
    speech_pcm,
    start_mockroom,
)

sys.path.insert(0, str(REPO / "tests"))
# One server launcher, shared with the tests (the naive baseline keeps start_process below).
from support.live_server import free_port, stop_server  # noqa: E402

CORES = 2
BUDGET = CORES * 0.9
GOALS = {"video": (12, 0.16), "audio": (40, 0.05)}  # sessions, core-s per session-s
DEFAULT_N = {"video": (4, 8, 12), "audio": (10, 20, 30)}

PROBE = """
import http.client, json, sys, time
host, port, stop_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
conn = http.client.HTTPConnection(host, port, timeout=5); out = []
while time.time() < stop_at:
    t = time.perf_counter(); conn.request("GET", "/healthz"); conn.getresponse().read()
    out.append((time.perf_counter() - t) * 1000); time.sleep(0.1)
print(json.dumps(out))
"""


def start_process(args: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    # Output to a file, not a pipe: a pipe nobody reads would stall a chatty server.
    log = tempfile.NamedTemporaryFile(prefix="capacity-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        args,
        cwd=REPO,
        # A load test creates rooms from one address far faster than a person: no rate limit.
        env={**os.environ, "MOCKROOM_ROOM_RATE_PER_HOUR": "0", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(Path(log.name).read_text()) from None
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("inf")  # no voice at all is not real time
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def measure(pid: int, port: int, duration: float, n: int) -> dict[str, Any]:
    proc, me = psutil.Process(pid), psutil.Process()
    probe = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        PROBE,
        "127.0.0.1",
        str(port),
        str(time.time() + duration),
        stdout=asyncio.subprocess.PIPE,
    )
    before, mine = cpu_seconds(proc), cpu_seconds(me)
    LATENESS.clear()
    t0 = time.perf_counter()
    out, _ = await probe.communicate()
    elapsed = time.perf_counter() - t0
    cores = (cpu_seconds(proc) - before) / elapsed
    lags = sorted(json.loads(out))
    return {
        "cores": cores,
        "client_cores": (cpu_seconds(me) - mine) / elapsed,
        # p99 of how late the voice played against its timestamps: past ~100 ms someone
        # (server or the bench's own clients) is not keeping real time.
        "voice_late": percentile(LATENESS, 0.99) * 1000,
        "lag_p50": lags[len(lags) // 2],
        "lag_p99": lags[min(len(lags) - 1, int(len(lags) * 0.99))],
        "lag_max": lags[-1],
    }


async def run_ours(
    port: int, pid: int, media: str, n: int, duration: float, pcm: bytes
) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    async with scripted_sessions(base, n, pcm, Client, media) as (_, clients):
        await asyncio.sleep(1.0)
        result = await measure(pid, port, duration, n)
    result.update(media=media, n=n, offer_ms=1000 * statistics.median(c.offer_s for c in clients))
    delays = [d for c in clients for label, d in c.speech_delays if label.startswith("question")]
    intros = [d for c in clients for label, d in c.speech_delays if label == "intro"]
    result["question_ms"] = 1000 * statistics.median(delays) if delays else float("nan")
    result["question_p90_ms"] = 1000 * percentile(delays, 0.9) if delays else float("nan")
    result["intro_ms"] = 1000 * statistics.median(intros) if intros else float("nan")
    result["heard"] = f"{len(delays)}/{n}"
    await asyncio.sleep(1.0)  # let the server close the peers before the next run
    return result


# --- the naive baseline server ------------------------------------------------------------
class NaiveCard(MediaStreamTrack):
    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.renderer, self.start, self.n = CardRenderer((640, 360)), 0.0, 0

    async def recv(self) -> VideoFrame:
        if self.n == 0:
            self.start = time.time()
        self.n += 1
        await asyncio.sleep(max(0.0, self.start + self.n / 30 - time.time()))
        frame = self.renderer.render(
            CardView(
                "Question 1 of 5", "Tell me about yourself.", f"0:{59 - self.n // 30 % 60:02d}"
            )
        )
        frame.pts, frame.time_base = self.n * 3000, fractions.Fraction(1, 90_000)
        return frame


def baseline_server(port: int, folder: Path) -> None:
    from aiohttp import web
    from aiortc.contrib.media import MediaRecorder

    peers: set[tuple[RTCPeerConnection, MediaRecorder]] = set()

    async def offer(request: web.Request) -> web.Response:
        sdp = (await request.json())["sdp"]
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        recorder = MediaRecorder(str(folder / f"{len(peers)}-{time.time()}.webm"))
        peers.add((pc, recorder))
        pc.on("track", recorder.addTrack)
        await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        voice = VoiceTrack()
        pc.addTrack(voice)
        pc.addTrack(NaiveCard())
        await recorder.start()
        await pc.setLocalDescription(await pc.createAnswer())
        return web.json_response({"sdp": pc.localDescription.sdp})

    async def close(app: web.Application) -> None:
        for pc, recorder in peers:
            await recorder.stop()
            await pc.close()

    serve_offers(port, offer, close)


async def run_baseline(n: int, duration: float, pcm: bytes) -> dict[str, Any]:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        proc = start_process(
            [sys.executable, __file__, "--baseline-server", str(port), "--folder", folder], port, {}
        )
        try:
            url = f"http://127.0.0.1:{port}/offer"
            async with baseline_peers(url, n, pcm, camera=True) as offers:
                await asyncio.sleep(2.0)
                result = await measure(proc.pid, port, duration, n)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    result.update(media="baseline", n=n, offer_ms=1000 * statistics.median(offers))
    return result


# --- report -------------------------------------------------------------------------------
def real_time(r: dict[str, Any]) -> bool:
    return bool(r["cores"] < BUDGET and r["lag_p99"] < 100 and r["voice_late"] < 100)


def trustworthy(r: dict[str, Any]) -> bool:
    """The bench's own clients kept up (they heard the voice in real time) and the machine was
    not saturated: only then is the server's CPU the cost of N sessions, not of fewer."""
    return bool(r["voice_late"] < 100 and r["cores"] + r["client_cores"] < CORES * 0.95)


def header() -> str:
    return (
        f"{'media':<9}{'N':>4}{'cores':>7}{'per sess':>10}{'clients':>9}{'late ms':>8}"
        f"{'lag p50':>9}{'lag p99':>9}{'lag max':>9}{'offer ms':>10}{'q audio ms':>11}"
        f"{'p90':>6}{'heard':>7}  real time"
    )


def row(r: dict[str, Any]) -> str:
    per = r["cores"] / r["n"]
    ok = "yes" if real_time(r) else "NO"
    note = "" if trustworthy(r) else " (bench clients starved: not used for the fit)"
    return (
        f"{r['media']:<9}{r['n']:>4}{r['cores']:>7.2f}{per:>10.3f}{r['client_cores']:>9.2f}"
        f"{r['voice_late']:>8.1f}{r['lag_p50']:>9.1f}{r['lag_p99']:>9.1f}{r['lag_max']:>9.1f}"
        f"{r['offer_ms']:>10.0f}{r.get('question_ms', float('nan')):>11.0f}"
        f"{r.get('question_p90_ms', float('nan')):>6.0f}{r.get('heard', '-'):>7}  {ok}{note}"
    )


def fit(runs: list[dict[str, Any]]) -> tuple[float, float]:
    """Server cores = fixed + per_session * N, least squares over the runs the clients kept up."""
    if len(runs) == 1:
        return 0.0, runs[0]["cores"] / runs[0]["n"]
    slope, fixed = np.polyfit([r["n"] for r in runs], [r["cores"] for r in runs], 1)
    return float(max(0.0, fixed)), float(slope)


async def main(args: argparse.Namespace) -> int:
    pcm = speech_pcm()
    live, data = start_mockroom("mockroom-capacity-")
    server, port = live.process, live.port
    if args.server_cpus:
        # On a bigger machine: the server on CORES cpus, the bench's clients on the others, so
        # "real time on 2 cores" is measured directly instead of extrapolated.
        cpus = [int(c) for c in args.server_cpus.split(",")]
        psutil.Process(server.pid).cpu_affinity(cpus)
        others = [c for c in range(os.cpu_count() or 1) if c not in cpus]
        if others:
            psutil.Process().cpu_affinity(others)
    print(
        f"{CORES}-core budget {BUDGET} cores; {args.duration:.0f} s sampled per run; "
        f"machine has {os.cpu_count()} CPUs\n{header()}",
        flush=True,
    )
    results: list[dict[str, Any]] = []
    figures = []  # the headline figures again, for bench/run_all.py's summary
    try:
        for media in ("video", "audio") if args.media == "both" else (args.media,):
            for n in (args.sessions,) if args.sessions else DEFAULT_N[media]:
                results.append(await run_ours(port, server.pid, media, n, args.duration, pcm))
                print(row(results[-1]), flush=True)
    finally:
        stop_server(live)
        shutil.rmtree(data, ignore_errors=True)
    base = await run_baseline(args.baseline, args.duration, pcm) if args.baseline else None
    if base:
        print(row(base), flush=True)
    print()
    for media, (goal_n, goal_per) in GOALS.items():
        runs = [r for r in results if r["media"] == media]
        if not runs:
            continue
        good = [r for r in runs if trustworthy(r)] or runs
        fixed, per = fit(good)
        largest = max(good, key=lambda r: r["n"])
        at_largest = largest["cores"] / largest["n"]
        capacity = int((BUDGET - fixed) / per) if per > 0 else 0
        measured = max((r["n"] for r in runs if real_time(r)), default=0)
        offer = statistics.median(r["offer_ms"] for r in runs)
        question = statistics.median(r["question_ms"] for r in runs)
        print(
            f"{media}: {at_largest:.3f} core-s per session-s at N={largest['n']}, marginal "
            f"{per:.3f} + fixed {fixed:.2f} cores (goal <= {goal_per}); extrapolated capacity "
            f"on {CORES} cores: {capacity} sessions (goal >= {goal_n}); measured real time up "
            f"to N={measured}; median offer->answer {offer:.0f} ms (goal <= 250); question "
            f"phase begin -> first audible frame {question:.0f} ms (median of the runs' medians, "
            f"goal <= 300)"
        )
        naive = base["cores"] / base["n"] if base and media == "video" else None
        figures += [
            figure(f"{media}_per_session", f"{media}: core-s per session-s at N={largest['n']}",
                   at_largest, "core-s/s", baseline="naive MediaRecorder server" if naive else None,
                   baseline_value=naive, max_value=goal_per),
            figure(f"{media}_sessions", f"{media}: sessions on {CORES} cores (extrapolated)",
                   capacity, "", min_value=goal_n),
            figure(f"{media}_offer_ms", f"{media}: offer → answer (median)", offer, "ms",
                   max_value=250),
            figure(f"{media}_question_ms", f"{media}: question audio start (median)", question,
                   "ms", max_value=300),
        ]  # fmt: skip
        if base and media == "video":
            base_per = base["cores"] / base["n"]
            print(
                f"  baseline (MediaRecorder 640x480 -> WebM + 30 fps card): {base_per:.3f} "
                f"core-s per session-s -> {int(BUDGET / base_per)} sessions; ours is "
                f"{at_largest / base_per:.2f}x the baseline's CPU per video session"
            )
    write("capacity", figures)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, help="only this N (default: a few N per kind)")
    parser.add_argument("--media", choices=("both", "audio", "video"), default="both")
    parser.add_argument("--duration", type=float, default=12.0, help="seconds sampled per run")
    parser.add_argument("--baseline", type=int, default=1, help="baseline sessions (0: skip)")
    parser.add_argument("--server-cpus", help="pin the server to these CPUs, e.g. 0,1 (Linux)")
    parser.add_argument("--baseline-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.baseline_server:
        baseline_server(parsed.baseline_server, parsed.folder)
        sys.exit(0)
    sys.exit(asyncio.run(main(parsed)))
