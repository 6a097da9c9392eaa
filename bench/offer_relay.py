"""The server's share of a join's offer: a newcomer's hello and its offer, sent back to back as
the room page sends them (call.js offerAhead), until the seat waiting in the room has each.

    .venv/bin/python bench/offer_relay.py [--rounds 40]

In one process: the app on aiohttp's test server, a seat that stays, and per round a newcomer
that sends its hello and an offer of a real prepared offer's size (with its candidates) at
once, then leaves. Times are from the hello's send: the seat's `joined`, the seat's `signal`
(the offer), the newcomer's welcome. With --split, the steps of the server between them are
timed too (each wrapped, in the same loop), and the server's CPU per round is the process's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "server"))

from mockroom.app import create_app  # noqa: E402
from mockroom.settings import Settings  # noqa: E402

# A prepared offer as Chromium writes it for audio + video with 8 host candidates: ~5 KB.
_CANDIDATES = "".join(
    f"a=candidate:{n} 1 {proto} 2122260223 192.168.1.{n} {50000 + n} typ host"
    f"{' tcptype passive' if proto == 'tcp' else ''} generation 0 network-id {n}\r\n"
    for n, proto in enumerate(["udp"] * 4 + ["tcp"] * 4)
)
SDP = (
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
    + "".join(
        f"m={kind} 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101\r\nc=IN IP4 0.0.0.0\r\n"
        + _CANDIDATES
        + "".join(
            f"a=rtpmap:{96 + i} codec{i}/90000\r\na=rtcp-fb:{96 + i} nack\r\n" for i in range(6)
        )
        + "a=sendrecv\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
        for kind in ("audio", "video")
    )
    + "a=fingerprint:sha-256 "
    + ":".join(["AB"] * 32)
    + "\r\n" * 3
)

STEPS: dict[str, list[float]] = defaultdict(list)


def timed(name: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            STEPS[name].append((time.perf_counter() - t0) * 1000)

    return wrapper


def split(app: Any) -> None:
    """Time the handshake's awaited steps and the relay (signaling/*)."""
    from mockroom.signaling import handshake, service

    sig = next(v for k, v in app.items() if isinstance(v, service.Signaling))
    store = sig.store
    for name in ("get_room", "find_link", "touch_room", "record_join", "record_leave"):
        setattr(store, name, timed(f"store.{name}", getattr(store, name)))
    # Module functions the handshake calls by name: wrapped where it looks them up.
    hs: Any = handshake
    hs.authorize = timed("authorize (get_room+find_link+touch_room)", hs.authorize)
    sig.join_hooks[:] = [timed(f"join hook {i}", h) for i, h in enumerate(sig.join_hooks)]
    sig.handlers["signal"] = timed("on_signal", sig.handlers["signal"])
    hs._greet = timed("_greet (record_join ... hooks)", hs._greet)


async def receive(ws: Any, kind: str) -> float:
    while True:
        msg = await ws.receive(timeout=10)
        if json.loads(msg.data)["type"] == kind:
            return time.perf_counter()


async def run(rounds: int, with_split: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(data_dir=Path(tmp) / "data", room_rate_per_hour=0))
        client = TestClient(TestServer(app))
        await client.start_server()
        if with_split:
            split(app)
        try:
            resp = await client.post("/api/rooms", json={"mode": "peer", "media": "video"})
            links = (await resp.json())["links"]
            room_id = links["interviewer"].split("/rooms/")[1].split("?")[0]
            tokens = {r: u.split("token=")[1] for r, u in links.items()}
            seat = await client.ws_connect(f"/ws/rooms/{room_id}", compress=15)
            await seat.send_json({"type": "hello", "version": 1, "token": tokens["interviewer"]})
            seat_id = json.loads((await seat.receive()).data)["participant_id"]
            got: dict[str, list[float]] = defaultdict(list)
            cpu0 = time.process_time()
            for i in range(rounds + 2):
                new = await client.ws_connect(f"/ws/rooms/{room_id}", compress=15)
                hello = {"type": "hello", "version": 1, "token": tokens["candidate"], "name": "B"}
                offer = {"description": {"type": "offer", "sdp": SDP}}
                t0 = time.perf_counter()
                await new.send_str(json.dumps(hello))
                await new.send_str(json.dumps({"type": "signal", "to": seat_id, "data": offer}))
                joined = await receive(seat, "joined")
                signal = await receive(seat, "signal")
                welcome = await receive(new, "welcome")
                await new.close()
                await receive(seat, "left")
                if i >= 2:  # warm-up
                    got["seat has joined"].append((joined - t0) * 1000)
                    got["seat has the offer"].append((signal - t0) * 1000)
                    got["joined → offer at the seat"].append((signal - joined) * 1000)
                    got["newcomer has its welcome"].append((welcome - t0) * 1000)
            cpu = (time.process_time() - cpu0) * 1000 / (rounds + 2)
            await seat.close()
        finally:
            await client.close()
    print(f"{rounds} rounds, median ms (p25-p75) from the newcomer's hello sent:")
    for name, vals in got.items():
        q = statistics.quantiles(vals, n=4)
        print(f"  {name:34s} {statistics.median(vals):6.2f}  ({q[0]:.2f}-{q[2]:.2f})")
    print(f"  process CPU per round (client + server) {cpu:6.2f} ms")
    for name, vals in STEPS.items():
        print(f"  step {name:48s} {statistics.median(vals):6.3f} ms  (n={len(vals)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--split", action="store_true", help="time the server's steps too")
    args = parser.parse_args()
    asyncio.run(run(args.rounds, args.split))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
