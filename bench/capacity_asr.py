"""Scripted capacity with speech recognition on, next to the same sessions without it.

    .venv/bin/python bench/capacity_asr.py [--sessions N] [--duration S] [--asr-workers W]

One `mockroom serve` subprocess; N audio scripted sessions driven by aiortc clients exactly as in
bench/capacity.py, measured three times in the same run:

- baseline: the N sessions alone (recognition idle, captions off);
- recognition on: the same N sessions while each also uploads its recorded answers (a ~11 s
  WebM/Opus take of fixture speech, tests/support/speech.py) back to back, one second of
  recorded speech per session-second: the worst case, a candidate who never stops answering;
- captions on: N new sessions whose candidates switched live captions on (MOCKROOM_CAPTION_STREAMS
  = N), each talking through its whole answer window, so every session streams to a caption
  worker all the time (`finals`: final caption lines received; `refused`: unavailable frames).

Server CPU counts the server process and its recognition workers (its child processes). Real
time means the live part kept up (loop lag p99 < 100 ms, the interviewer's voice < 100 ms late)
AND recognition kept up (takes transcribed per second >= takes uploaded per second, measured
as the backlog left when the sample ends). Sessions on 2 cores = 1.8 cores / per-session CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import shutil
import sys
import tempfile
import time
import tomllib
from math import inf
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "bench"), str(REPO / "tests"), str(REPO / "server")]

import json  # noqa: E402

import capacity  # noqa: E402
import sessions  # noqa: E402
from mockroom.scripted.tracks import VoiceTrack  # noqa: E402
from results import figure, write  # noqa: E402
from support.live_server import free_port  # noqa: E402
from support.speech import FIXTURES, silence, speech_samples, webm_opus  # noqa: E402

QUESTIONS = [
    q["id"]
    for q in tomllib.loads((REPO / "question_banks" / "behavioral.toml").read_text())["questions"]
]


def take_clip() -> tuple[bytes, float]:
    tmp = Path(tempfile.mkdtemp(prefix="mockroom-asr-take-"))
    speech = np.concatenate((silence(0.5), speech_samples(tmp, [FIXTURES[0]])))
    shutil.rmtree(tmp, ignore_errors=True)
    return webm_opus(speech), len(speech) / 48_000


async def upload(http: aiohttp.ClientSession, base: str, client: Any, n: int, data: bytes) -> str:
    auth = {"Authorization": f"Bearer {client.token}"}
    spec = {
        "question_id": QUESTIONS[n % len(QUESTIONS)],
        "take": 1 + (n // len(QUESTIONS)) % 20,
        "mime": "audio/webm;codecs=opus",
    }
    url = f"{base}/api/rooms/{client.room_id}/clips"
    async with http.post(url, json=spec, headers=auth) as resp:
        clip_id = str((await resp.json())["clip_id"])
    async with http.put(f"{url}/{clip_id}/chunks/0", data=io.BytesIO(data), headers=auth) as resp:
        resp.raise_for_status()
    async with http.post(f"{url}/{clip_id}/finish", json={}, headers=auth) as resp:
        resp.raise_for_status()
    return clip_id


async def statuses(http: aiohttp.ClientSession, base: str, client: Any) -> list[str]:
    auth = {"Authorization": f"Bearer {client.token}"}
    async with http.get(f"{base}/api/rooms/{client.room_id}/review", headers=auth) as resp:
        review = await resp.json()
    return [c["transcript"]["status"] for q in review["questions"] for c in q["clips"]]


class AnsweringClient(sessions.Client):
    """A session sampled in its first answer window: the candidate skips the warm-up and starts
    talking (about a minute, sessions.speech_pcm) when the window opens, so every row measures
    the same phase."""

    answering = False
    finals = 0
    refused = 0

    def on_state(self, state: dict[str, Any]) -> None:
        super().on_state(state)
        if state["phase"] == "answer" and state["practice"]:
            # The warm-up question opens no answer window (nothing measured or captioned).
            self.tasks.append(
                asyncio.ensure_future(self.ws.send_json({"type": "scripted", "action": "done"}))
            )
        elif state["phase"] == "answer" and not self.answering:
            self.answering = True
            voice = self.pc.getSenders()[0].track
            assert isinstance(voice, VoiceTrack)
            voice.play([self.pcm])


class CaptionedClient(AnsweringClient):
    """A session whose candidate switched live captions on; counts what comes back."""

    async def connect(self) -> None:
        await super().connect()
        await self.ws.send_json({"type": "captions", "on": True})

    async def read_rest(self) -> None:
        async for msg in self.ws:
            data = json.loads(msg.data)
            if data.get("type") == "scripted-state":
                self.on_state(data["state"])
            elif data.get("type") == "caption":
                self.finals += bool(data.get("final"))
                self.refused += data["state"] == "unavailable"


def live_real_time(r: dict[str, Any]) -> bool:
    """capacity.real_time for a sample taken in the answer window, where the interviewer is
    silent: its voice sends only a keep-alive a second, which VoiceClock does not time, so the
    voice's lateness is not measured (inf) and only the CPU and the loop lag can say."""
    late = r["voice_late"]
    return bool(r["cores"] < capacity.BUDGET and r["lag_p99"] < 100 and (late < 100 or late == inf))


def tree_cpu(pid: int) -> float:
    proc = psutil.Process(pid)
    total = capacity.cpu_seconds(proc)
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):  # a worker that just exited
            total += capacity.cpu_seconds(child)
    return total


async def run(
    port: int,
    pid: int,
    n: int,
    duration: float,
    pcm: bytes,
    take: tuple[bytes, float] | None,
    captions: bool = False,
) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    kind = CaptionedClient if captions else AnsweringClient
    uploaders: list[asyncio.Task[None]] = []
    uploaded = [0]
    async with sessions.scripted_sessions(base, n, pcm, kind) as (http, clients):

        async def keep_answering(index: int, client: Any) -> None:
            assert take is not None
            data, seconds = take
            await asyncio.sleep(index * seconds / max(1, n))  # staggered, like real sessions
            count = 0
            while True:
                started = time.perf_counter()
                await upload(http, base, client, count, data)
                uploaded[0] += 1
                count += 1
                await asyncio.sleep(max(0.0, seconds - (time.perf_counter() - started)))

        if take is not None:
            uploaders = [asyncio.create_task(keep_answering(i, c)) for i, c in enumerate(clients)]
        for _ in range(600):  # every session in its answer window (about 15 s)
            if all(c.answering for c in clients):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        cpu_before, t0 = tree_cpu(pid), time.perf_counter()
        result = await capacity.measure(pid, port, duration, n)
        result["cores"] = (tree_cpu(pid) - cpu_before) / (time.perf_counter() - t0)
        for task in uploaders:
            task.cancel()
        await asyncio.gather(*uploaders, return_exceptions=True)
        waiting = 0
        if take is not None:
            states = [s for c in clients for s in await statuses(http, base, c)]
            waiting = sum(s in {"queued", "pending"} for s in states)
        result.update(uploaded=uploaded[0], backlog=waiting)
        result.update(
            finals=sum(c.finals for c in clients), refused=sum(c.refused for c in clients)
        )
    media = "audio+asr" if take else "audio+cc" if captions else "audio"
    result.update(media=media, n=n, offer_ms=0.0)
    await asyncio.sleep(1.0)
    return result


async def warm_up(port: int, pcm: bytes, take: tuple[bytes, float]) -> None:
    """Start the worker pool and load its model before anything is measured."""
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        client = sessions.Client(http, base, "audio", pcm)
        await client.connect()
        await upload(http, base, client, 0, take[0])
        while (await statuses(http, base, client)) != ["done"]:
            await asyncio.sleep(0.5)
        await client.close()


async def main(args: argparse.Namespace) -> int:
    pcm, take = sessions.speech_pcm(), take_clip()
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="mockroom-capacity-asr-"))
    server = capacity.start_process(
        [sys.executable, "-m", "mockroom", "serve", "--port", str(port), "--data-dir", str(data),
         "--log-level", "warning"],
        port,
        {"PYTHONPATH": str(REPO / "server"), "MOCKROOM_ASR_WORKERS": str(args.asr_workers),
         "MOCKROOM_CAPTION_STREAMS": str(args.sessions)},
    )  # fmt: skip
    rows = []
    try:
        await warm_up(port, pcm, take)
        for with_asr in (False, True):
            rows.append(
                await run(port, server.pid, args.sessions, args.duration, pcm,
                          take if with_asr else None)
            )  # fmt: skip
        rows.append(await run(port, server.pid, args.sessions, args.duration, pcm, None, True))
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(data, ignore_errors=True)
    print(f"{capacity.header()}  uploaded  backlog  finals  refused")
    for r in rows:
        print(
            f"{capacity.row(r)}  {r['uploaded']:>8}  {r['backlog']:>7}  {r['finals']:>6}"
            f"  {r['refused']:>7}"
        )
    base, asr, cc = rows
    per_cc = cc["cores"] / cc["n"]
    per_base, per_asr = base["cores"] / base["n"], asr["cores"] / asr["n"]
    # Kept up: at most the take each session has in flight is left, and some were finished.
    kept_up = asr["backlog"] <= args.sessions and asr["backlog"] < asr["uploaded"]
    live_ok = live_real_time(asr)
    print(
        f"\nper session: {per_base:.3f} cores without recognition, {per_asr:.3f} with it "
        f"({per_asr / per_base:.2f}x, a take of {take[1]:.1f} s every {take[1]:.1f} s per "
        f"session, {args.asr_workers} worker(s)); sessions on {capacity.CORES} cores: "
        f"{int(capacity.BUDGET / per_base)} without, {int(capacity.BUDGET / per_asr)} with "
        f"recognition (extrapolated); at N={args.sessions} live part real time: "
        f"{'yes' if live_ok else 'NO'}, recognition kept up: {'yes' if kept_up else 'NO'} "
        f"(backlog {asr['backlog']} of {asr['uploaded']} uploaded)"
    )
    print(
        f"live captions: {per_cc:.3f} cores per session with captions on, {per_base:.3f} off "
        f"(+{per_cc - per_base:.3f} core-s per session-s while the candidate talks, "
        f"{per_cc / per_base:.2f}x); sessions on {capacity.CORES} cores with captions: "
        f"{int(capacity.BUDGET / per_cc)} (extrapolated); at N={args.sessions} live part real "
        f"time: {'yes' if live_real_time(cc) else 'NO'}, {cc['finals']} final lines, "
        f"{cc['refused']} refused"
    )
    unit, alone = "core-s/s", "without recognition"
    write("capacity_asr", [
        figure("per_session_asr", f"with recognition: cores per session, N={args.sessions}",
               per_asr, unit, baseline=alone, baseline_value=per_base),
        figure("kept_up", "recognition kept up (1 = yes)", int(kept_up), "", min_value=1),
        figure("live_real_time", "live part real time with recognition (1 = yes)", int(live_ok),
               "", min_value=1),
        figure("per_session_captions", f"captions on: cores per session, N={args.sessions}",
               per_cc, unit, baseline="captions off", baseline_value=per_base),
    ])  # fmt: skip
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=4, help="audio sessions per run")
    parser.add_argument("--duration", type=float, default=45.0, help="seconds sampled per run")
    parser.add_argument("--asr-workers", type=int, default=1, help="MOCKROOM_ASR_WORKERS")
    sys.exit(asyncio.run(main(parser.parse_args())))
