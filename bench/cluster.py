"""Several nodes against one: relay latency, failover time, rooms and sockets per node.

    .venv/bin/python bench/cluster.py [--trips 200] [--rounds 5] [--rooms 20]

Starts its own redis-server and `mockroom serve` processes on free loopback ports (the nodes
share a private PostgreSQL, like tests/support/cluster.py), and measures, each next
to the single-node figure taken in the same run:

1. signaling relay latency, one way (half a signal round trip between two seats), p50 and p99:
   a single node without Redis (SQLite); the same on PostgreSQL (the async store alone); a
   cluster with both seats on the home node; a cluster with the seats on different nodes (every
   signal crosses Redis once);
2. failover: kill -9 the room's home, time until both seats have a welcome again through the
   other node (median of `--rounds`); single node: kill -9, restart it, both seats back;
3. rooms and sockets per node when `--rooms` rooms (two seats each) arrive round robin.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from results import figure, write  # noqa: E402
from support.cluster import start_node  # noqa: E402
from support.http import make_room  # noqa: E402
from support.live_server import LiveServer, start_server, stop_server  # noqa: E402
from support.postgres import start_postgres  # noqa: E402
from support.redis import start_redis  # noqa: E402

SDP = "v=0\r\n" + "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\n" * 60
METRICS_TOKEN = "bench-metrics"
ENV = {"MOCKROOM_METRICS_TOKEN": METRICS_TOKEN, "MOCKROOM_LOG_LEVEL": "warning"}


async def hello(
    http: aiohttp.ClientSession, node: LiveServer, room: dict[str, Any], role: str
) -> tuple[Any, str]:
    ws = await http.ws_connect(node.url.replace("http", "ws") + f"/ws/rooms/{room['room_id']}")
    await ws.send_json({"type": "hello", "version": 1, "token": room["tokens"][role]})
    msg = await ws.receive_json(timeout=10)
    if msg["type"] != "welcome":
        await ws.close()
        raise ConnectionError(msg)
    return ws, str(msg["participant_id"])


async def next_signal(ws: Any) -> None:
    while True:
        if (await ws.receive_json(timeout=10))["type"] == "signal":
            return


async def relay_ms(first: LiveServer, second: LiveServer, trips: int) -> list[float]:
    room = make_room(first.url)
    async with aiohttp.ClientSession() as http:
        a, a_id = await hello(http, first, room, "interviewer")  # first is the home
        b, b_id = await hello(http, second, room, "candidate")
        data = {"description": {"type": "offer", "sdp": SDP}}
        one_way = []
        for _ in range(trips):
            t0 = time.perf_counter()
            await a.send_json({"type": "signal", "to": b_id, "data": data})
            await next_signal(b)
            await b.send_json({"type": "signal", "to": a_id, "data": data})
            await next_signal(a)
            one_way.append((time.perf_counter() - t0) * 1000 / 2)
        await a.close()
        await b.close()
    return one_way


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def back(
    http: aiohttp.ClientSession, node: LiveServer, room: dict[str, Any], role: str
) -> Any:
    """Retry every 100 ms (protocol.js backs off 250 ms → 5 s; this measures the server side)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            ws, _ = await hello(http, node, room, role)
            return ws
        except (aiohttp.ClientError, ConnectionError, TimeoutError, TypeError):
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{role} not back within 30 s")


async def failover_s(home: LiveServer, other: LiveServer) -> float:
    """Both seats on the home (one directly, one relayed by `other`); kill it; both back."""
    room = make_room(home.url)
    async with aiohttp.ClientSession() as http:
        a, _ = await hello(http, home, room, "interviewer")
        b, _ = await hello(http, other, room, "candidate")
        stop_server(home, kill=True)
        killed = time.monotonic()
        await asyncio.gather(
            back(http, other, room, "interviewer"), back(http, other, room, "candidate")
        )
        took = time.monotonic() - killed
        for ws in (a, b):
            await ws.close()
    return took


async def restart_s(root: Path, node: LiveServer) -> tuple[float, LiveServer]:
    """One node: kill -9, start it again on the same port and data, both seats back."""
    room = make_room(node.url)
    async with aiohttp.ClientSession() as http:
        a, _ = await hello(http, node, room, "interviewer")
        b, _ = await hello(http, node, room, "candidate")
        stop_server(node, kill=True)
        killed = time.monotonic()
        fresh = await asyncio.to_thread(start_server, node.data_dir, node.port, ENV)
        await asyncio.gather(
            back(http, fresh, room, "interviewer"), back(http, fresh, room, "candidate")
        )
        took = time.monotonic() - killed
        for ws in (a, b):
            await ws.close()
    return took, fresh


def metrics(node: LiveServer) -> dict[str, float]:
    req = urllib.request.Request(
        node.url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        text = resp.read().decode()
    found = {}
    for line in text.splitlines():
        if line.startswith(("mockroom_cluster_", "mockroom_live_rooms ", "mockroom_participants")):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


async def spread(nodes: list[LiveServer], rooms: int) -> tuple[list[Any], list[dict[str, float]]]:
    """`rooms` rooms, each seat's socket to the next node in turn (a round-robin balancer)."""
    http = aiohttp.ClientSession()
    sockets, turn = [], 0
    for _ in range(rooms):
        room = make_room(nodes[turn % len(nodes)].url)  # the balancer's turn counts it too
        turn += 1
        for role in ("interviewer", "candidate"):
            ws, _ = await hello(http, nodes[turn % len(nodes)], room, role)
            sockets.append(ws)
            turn += 1
    figures = [await asyncio.to_thread(metrics, node) for node in nodes]
    for ws in sockets:
        await ws.close()
    await http.close()
    return sockets, figures


QUANTILES = (("p50", 0.5), ("p99", 0.99))


def seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({', '.join(f'{v:.2f}' for v in values)})"


def row(name: str, values: list[float], base: list[float]) -> str:
    p50, p99, b50 = pct(values, 0.5), pct(values, 0.99), pct(base, 0.5)
    return f"| {name} | {p50:.2f} | {p99:.2f} | {p50 / b50:.2f} x |"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trips", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rooms", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mockroom-bench-cluster-") as tmp:
        root = Path(tmp)
        (root / "redis").mkdir()
        redis = start_redis(root / "redis")
        postgres, stop_postgres = start_postgres()
        database = postgres.new_database()
        # The single node is the default set-up (SQLite in its data dir): what one box runs.
        single = start_server(root / "single" / "data", env=ENV)
        single_pg = start_server(
            root / "single-pg" / "data",
            env={**ENV, "MOCKROOM_DATABASE_URL": postgres.new_database()},
        )
        nodes = [start_node(root, f"n{i}", redis.url, database, env=ENV) for i in range(2)]
        try:
            base = await relay_ms(single, single, args.trips)
            on_pg = await relay_ms(single_pg, single_pg, args.trips)
            same = await relay_ms(nodes[0], nodes[0], args.trips)
            across = await relay_ms(nodes[0], nodes[1], args.trips)
            runs = {"single": base, "single_pg": on_pg, "same_node": same, "across": across}
            print("\nsignaling relay, one way (ms)\n| where | p50 | p99 | p50 vs single |")
            print("|---|---|---|---|")
            print(row("single node, no Redis", base, base))
            print(row("single node on PostgreSQL, no Redis", on_pg, base))
            print(row("cluster, both seats on the home", same, base))
            print(row("cluster, seats on two nodes", across, base))

            _, figures = await spread(nodes, args.rooms)
            _, single_figures = await spread([single], args.rooms)
            print(f"\n{args.rooms} rooms, 2 seats each, arriving round robin")
            for i, fig in enumerate(figures):
                rooms = fig.get("mockroom_cluster_home_rooms", 0)
                served = fig.get("mockroom_cluster_home_sockets", 0)
                relayed = fig.get("mockroom_cluster_relayed_out_sockets", 0)
                print(f"  node {i}: home of {rooms:.0f} rooms, {served:.0f} sockets served,")
                print(f"          {relayed:.0f} sockets relayed to the other node")
            print(f"  single node: {single_figures[0].get('mockroom_live_rooms', 0):.0f} rooms")

            failovers, restarts = [], []
            for i in range(args.rounds):
                home, other = nodes[i % 2], nodes[(i + 1) % 2]
                failovers.append(await failover_s(home, other))
                nodes[i % 2] = await asyncio.to_thread(
                    start_node, root, f"n{i % 2}-{i}", redis.url, database, None, ENV
                )
                took, single = await restart_s(root, single)
                restarts.append(took)
            print(f"\nkill -9 → both seats back, median of {args.rounds} (s)")
            print(f"  cluster failover: {seconds(failovers)}")
            print(f"  single node restart: {seconds(restarts)}")
            summary = {
                "relay_ms": {q: {k: pct(v, f) for k, v in runs.items()} for q, f in QUANTILES},
                "failover_s": statistics.median(failovers),
                "single_restart_s": statistics.median(restarts),
            }
            print(json.dumps(summary))
            write("cluster", [
                figure("relay_across", "signal relay across two nodes, one way p50",
                       pct(across, 0.5), "ms", baseline="single node",
                       baseline_value=pct(base, 0.5)),
                figure("failover_s", "kill -9 the home → both seats back (median)",
                       statistics.median(failovers), "s", baseline="single node restart",
                       baseline_value=statistics.median(restarts)),
            ])  # fmt: skip
        finally:
            for node in [*nodes, single, single_pg]:
                stop_server(node, kill=True)
            redis.process.terminate()
            redis.process.wait(timeout=10)
            subprocess.run(stop_postgres, check=False, capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
