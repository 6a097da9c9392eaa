"""Server CPU per relayed signal and per join, against the bare room's relay (bench/bare_room.py).

    .venv/bin/python bench/signal_cpu.py [--relays 2000] [--joins 200] [--rounds 3]

Both servers run as processes of their own; the same aiohttp client drives each in turn
(interleaved rounds: the host is shared and its speed swings). CPU time is the server process's
own, read from /proc/<pid>/task/*/schedstat (nanoseconds on the CPU, every thread), before and
after a batch; the client's work is not in it. Wall time would be mostly the client and the
scheduler.

- relay: one side sends an offer-sized signal (or an answer, or a candidate), the other waits
  for it, then answers the same way back: one message in flight at a time, so nothing batches.
- join: a fresh socket, hello → welcome (the room's other seat hears "joined"), then a close
  (1000) and the other seat hears "left". The bare room's join is connect → {"peer": true} → close.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from results import paired, write  # noqa: E402
from support.live_server import free_port, start_server, stop_server  # noqa: E402

# Browsers offer permessage-deflate on every WebSocket (aiohttp's client does not unless asked).
BROWSER_DEFLATE = 15
SDP = "v=0\r\n" + "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\n" * 60
SIGNALS: dict[str, dict[str, Any]] = {
    "offer": {"description": {"type": "offer", "sdp": SDP}},
    "answer": {"description": {"type": "answer", "sdp": SDP}},
    "candidate": {
        "candidate": {
            "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
            "sdpMid": "0",
            "sdpMLineIndex": 0,
        }
    },
}
NAMES = {
    "offer_us": "server CPU per relayed offer",
    "answer_us": "server CPU per relayed answer",
    "candidate_us": "server CPU per relayed candidate",
    "join_us": "server CPU per join (hello → welcome, then leave)",
}


def cpu_ns(pid: int) -> int:
    """Nanoseconds every thread of `pid` has spent on a CPU so far."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:  # a thread that just ended
            continue
    return total


async def per_op_us(pid: int, count: int, op: Callable[[], Awaitable[None]]) -> float:
    for _ in range(max(10, count // 20)):  # warm up (caches, first-use paths)
        await op()
    before = cpu_ns(pid)
    for _ in range(count):
        await op()
    return (cpu_ns(pid) - before) / count / 1000


async def _until(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    while True:
        msg = await ws.receive()
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise RuntimeError(f"socket ended while waiting for {kind!r}: {msg}")
        data: dict[str, Any] = json.loads(msg.data)
        if data.get("type") == kind:
            return data


class Room:
    """MockRoom: a fresh peer room, its interviewer seated; `join` seats the candidate."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session, self.base = session, base
        self.ws_base = base.replace("http", "ws")

    async def setup(self) -> None:
        async with self.session.post(
            self.base + "/api/rooms", json={"mode": "peer", "media": "video"}
        ) as r:
            links = (await r.json())["links"]
        self.room_id = links["interviewer"].split("/rooms/")[1].split("?")[0]
        self.tokens = {role: links[role].split("token=")[1] for role in links}
        self.a, self.a_id = await self._hello("interviewer")
        self.b, self.b_id = await self._hello("candidate")

    async def _hello(self, role: str) -> tuple[aiohttp.ClientWebSocketResponse, str]:
        ws = await self.session.ws_connect(
            f"{self.ws_base}/ws/rooms/{self.room_id}", compress=BROWSER_DEFLATE
        )
        await ws.send_str(json.dumps({"type": "hello", "version": 1, "token": self.tokens[role]}))
        return ws, (await _until(ws, "welcome"))["participant_id"]

    def relay(self, kind: str) -> Callable[[], Awaitable[None]]:
        there = json.dumps({"type": "signal", "to": self.b_id, "data": SIGNALS[kind]})
        back = json.dumps({"type": "signal", "to": self.a_id, "data": SIGNALS[kind]})

        async def once() -> None:  # two relays
            await self.a.send_str(there)
            await _until(self.b, "signal")
            await self.b.send_str(back)
            await _until(self.a, "signal")

        return once

    async def join(self) -> None:
        await self.b.close()  # 1000: a leave
        await _until(self.a, "left")
        self.b, self.b_id = await self._hello("candidate")
        await _until(self.a, "joined")

    async def close(self) -> None:
        await self.a.close()
        await self.b.close()


class Bare:
    """bench/bare_room.py's relay: frames are forwarded as they are."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session, self.url = session, base.replace("http", "ws") + "/ws?room=cpu"

    async def setup(self) -> None:
        self.a = await self.session.ws_connect(self.url, compress=BROWSER_DEFLATE)
        self.b = await self.session.ws_connect(self.url, compress=BROWSER_DEFLATE)
        await self.b.receive()  # {"peer": true}

    def relay(self, kind: str) -> Callable[[], Awaitable[None]]:
        frame = json.dumps(SIGNALS[kind])

        async def once() -> None:
            await self.a.send_str(frame)
            await self.b.receive()
            await self.b.send_str(frame)
            await self.a.receive()

        return once

    async def join(self) -> None:
        await self.b.close()
        self.b = await self.session.ws_connect(self.url, compress=BROWSER_DEFLATE)
        await self.b.receive()

    async def close(self) -> None:
        await self.a.close()
        await self.b.close()


async def measure(
    make: Callable[[aiohttp.ClientSession], Room | Bare], pid: int, relays: int, joins: int
) -> dict[str, float]:
    async with aiohttp.ClientSession() as session:
        side = make(session)
        await side.setup()
        out = {
            f"{kind}_us": await per_op_us(pid, relays // 2, side.relay(kind)) / 2
            for kind in SIGNALS
        }
        out["join_us"] = await per_op_us(pid, joins, side.join)
        await side.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relays", type=int, default=2000)
    parser.add_argument("--joins", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        room = start_server(Path(tmp) / "data")
        port = free_port()
        bare = subprocess.Popen([sys.executable, str(HERE / "bare_room.py"), "--port", str(port)])
        bare_base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(bare_base + "/healthz", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)  # a subprocess gives no other readiness signal
            results: dict[str, dict[str, list[float]]] = {"mockroom": {}, "bare": {}}
            for _ in range(args.rounds):
                for name, make, pid in (
                    ("mockroom", lambda s: Room(s, room.url), room.process.pid),
                    ("bare", lambda s: Bare(s, bare_base), bare.pid),
                ):
                    got = asyncio.run(measure(make, pid, args.relays, args.joins))
                    for key, value in got.items():
                        results[name].setdefault(key, []).append(value)
        finally:
            stop_server(room)
            bare.terminate()
            bare.wait()
    print(f"server CPU µs per operation: medians of {args.rounds} interleaved rounds, ratio =")
    print("median of the per-round ratios (this host's drift between rounds cancels out)")
    print(f"{'':14}{'mockroom':>10}{'bare':>10}{'ratio':>8}")
    figures = [
        paired(key, NAMES[key], results["mockroom"][key], "bare room", results["bare"][key], "µs")
        for key in results["mockroom"]
    ]
    for fig in figures:
        base = fig.baseline.value if fig.baseline else None
        print(f"{fig.key:14}{fig.value or 0:10.1f}{base or 0:10.1f}{fig.ratio or 0:8.2f}")
    write("signal_cpu", figures)


if __name__ == "__main__":
    main()
