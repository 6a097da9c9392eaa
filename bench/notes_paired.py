"""Notes latency, ours against the Yjs reference server, typed into at the same moments.

    .venv/bin/python bench/notes_paired.py [--rooms 50 --clients 3 --rate 5 --duration 30]

bench/notes.py runs the two servers one after the other; on a saturated shared host the load
swings between runs (p99 from 0.3 to 5 s for the same server), so the ratio of two runs mostly
measures the host. Here each round runs both servers at once, fed by ONE load generator process
(web/tools/notes-load.mjs, its targets tagged by server): half the rooms on ours (persisting every
update, SQLite), half on the reference (@y/websocket-server, in memory). Every keystroke of either
is typed by the same event loop in the same seconds, so a stall of the generator or of the host
lands on both. Three rounds (fresh servers each), the median of the per-round p99 ratios; each
server's CPU time per keystroke beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "bench")]

from notes import (  # noqa: E402
    Sampler,
    drive_load,
    ours_targets,
    reference_server,
    start_ours,
    stored_rows,
)
from support.live_server import stop_server  # noqa: E402


def paired_round(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    ours = start_ours(tmp)
    try:
        with reference_server() as (ref, ref_port):
            half = max(1, args.rooms // 2)
            targets = ours_targets(ours.url, ours.port, half, group="ours") + [
                {"server": f"ws://127.0.0.1:{ref_port}", "doc": f"room-{i}", "group": "ref"}
                for i in range(half)
            ]
            with (
                Sampler(psutil.Process(ours.process.pid)) as cpu_ours,
                Sampler(psutil.Process(ref.pid)) as cpu_ref,
            ):
                result = drive_load(targets, args, tmp)
        groups = result["groups"]
        for name, sampler in (("ours", cpu_ours), ("ref", cpu_ref)):
            groups[name]["us_per_key"] = sampler.us_per(groups[name]["typed"])
        rows, snapshots = stored_rows(tmp / "ours-data", None)
        groups["ours"]["durable"] = snapshots > 0 or rows >= groups["ours"]["typed"]
        groups["host"] = cpu_ours.host
        groups["converged"] = result["converged"]
        return dict(groups)
    finally:
        stop_server(ours)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=50, help="in all, half on each server")
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--rate", type=float, default=5.0, help="keystrokes per second per client")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of typing per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"notes, paired: {args.rooms // 2} rooms on each server x {args.clients} clients x "
        f"{args.rate:g} keystrokes/s, {args.duration:g} s x {args.rounds} rounds, one generator",
        flush=True,
    )
    rounds = []
    with tempfile.TemporaryDirectory(prefix="mockroom-bench-notes-paired-") as tmp_name:
        for i in range(args.rounds):
            run_dir = Path(tmp_name) / f"round-{i}"
            run_dir.mkdir()
            rounds.append(paired_round(args, run_dir))
            o, r = rounds[-1]["ours"], rounds[-1]["ref"]
            print(
                f"  round {i + 1}: p99 ours {o['p99_ms']:.2f} ms, reference {r['p99_ms']:.2f} ms "
                f"({o['p99_ms'] / r['p99_ms']:.2f}x); p50 {o['p50_ms']:.2f} / {r['p50_ms']:.2f} ms;"
                f" CPU per keystroke {o['us_per_key']:.0f} / {r['us_per_key']:.0f} us; lost "
                f"{o['lost']} / {r['lost']}; host {100 * rounds[-1]['host']:.0f}% busy",
                flush=True,
            )
    p99 = statistics.median(x["ours"]["p99_ms"] / x["ref"]["p99_ms"] for x in rounds)
    p50 = statistics.median(x["ours"]["p50_ms"] / x["ref"]["p50_ms"] for x in rounds)
    cpu = statistics.median(x["ours"]["us_per_key"] / x["ref"]["us_per_key"] for x in rounds)
    lost = sum(x["ours"]["lost"] for x in rounds)
    durable = all(x["ours"]["durable"] for x in rounds)
    converged = all(x["converged"] for x in rounds)
    one, five, _ = os.getloadavg()
    verdict = "met" if p99 <= 1.0 else "NOT MET"
    print(
        f"\np99 ratio ours/reference, median of {len(rounds)} paired rounds: {p99:.2f}x "
        f"(goal <= 1.00x: {verdict}); p50 {p50:.2f}x; CPU per keystroke {cpu:.2f}x; "
        f"ours lost {lost}, every update stored {durable}, converged {converged} "
        f"(load average {one:.1f}/{five:.1f} on {os.cpu_count()} cores)"
    )
    from results import figure, write  # the figures again, for bench/run_all.py's summary

    ours, ref = (statistics.median(x[k]["p99_ms"] for x in rounds) for k in ("ours", "ref"))
    us_ours, us_ref = (
        statistics.median(x[k]["us_per_key"] for x in rounds) for k in ("ours", "ref")
    )
    write("notes_paired", [
        figure("p99_ratio", f"keystroke → other client p99, {len(rounds)} paired rounds", ours,
               "ms", baseline="y-websocket-server", baseline_value=ref, ratio=p99, max_ratio=1.0),
        figure("lost", "updates lost (ours)", lost, "", max_value=0),
        figure("durable", "every update stored (1 = yes)", int(durable), "", min_value=1),
        figure("cpu_per_key", "server CPU per keystroke", us_ours, "us",
               baseline="y-websocket-server", baseline_value=us_ref, ratio=cpu),
    ])  # fmt: skip
    return 0 if lost == 0 and durable and converged else 1


if __name__ == "__main__":
    sys.exit(main())
