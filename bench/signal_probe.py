"""The server's own share of a join: hello → welcome and a signal's relay, from a bare client.

Used by bench/join.py (imported) against the live `mockroom serve` it started; also runnable:
    .venv/bin/python bench/signal_probe.py http://127.0.0.1:8080
Two aiohttp WebSocket clients take the two seats of a fresh room; the candidate's hello →
welcome is timed, then signals of an offer's size go back and forth (each side answers the
other's at once), so a round trip is two relays through the server.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from typing import Any

import aiohttp

SDP = "v=0\r\n" + "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\n" * 60


async def _hello(session: aiohttp.ClientSession, base: str, link: str) -> tuple[Any, float, str]:
    room_id = link.split("/rooms/")[1].split("?")[0]
    token = link.split("token=")[1]
    # compress=15: offer permessage-deflate as browsers do (aiohttp's client does not by default).
    ws = await session.ws_connect(base.replace("http", "ws") + f"/ws/rooms/{room_id}", compress=15)
    t0 = time.perf_counter()
    await ws.send_str(json.dumps({"type": "hello", "version": 1, "token": token}))
    while True:
        msg = json.loads((await ws.receive()).data)
        if msg["type"] == "welcome":
            return ws, (time.perf_counter() - t0) * 1000, msg["participant_id"]


async def _next_signal(ws: Any) -> None:
    while True:
        if json.loads((await ws.receive()).data)["type"] == "signal":
            return


async def probe(base: str, rounds: int = 20) -> dict[str, float]:
    async with aiohttp.ClientSession() as session:
        async with session.post(base + "/api/rooms", json={"mode": "peer", "media": "video"}) as r:
            links = (await r.json())["links"]
        a, _, a_id = await _hello(session, base, links["interviewer"])
        b, welcome_ms, b_id = await _hello(session, base, links["candidate"])
        trips = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            data = {"description": {"type": "offer", "sdp": SDP}}
            await a.send_str(json.dumps({"type": "signal", "to": b_id, "data": data}))
            await _next_signal(b)
            await b.send_str(json.dumps({"type": "signal", "to": a_id, "data": data}))
            await _next_signal(a)
            trips.append((time.perf_counter() - t0) * 1000 / 2)
        await a.close()
        await b.close()
    return {"hello_welcome_ms": welcome_ms, "relay_ms": statistics.median(trips)}


if __name__ == "__main__":
    print(asyncio.run(probe(sys.argv[1])))
