"""Join speed: MockRoom against a bare-bones room and the in-page floor, interleaved.

    .venv/bin/python bench/join.py [--runs 10]

Room (what a person experiences): a fresh video room per run; the interviewer's page has joined
and waits. The candidate's page (a fresh browser context) navigates to its link, and its Join
button is clicked (a real, trusted click through Playwright) as soon as the button is enabled.
Measured in that page with performance.now() (0 = navigation start): the moment the remote
<video> presents its first frame (requestVideoFrameCallback). The lobby, getUserMedia, the
signaling socket and negotiation are all inside the figure.

Bare room (bench/bare_room.py, a process of its own): a Join button that calls getUserMedia, a
WebSocket relay, one peer connection; the same two-page scenario and the same probe.

Floor (the same machine and browser, nothing of ours): one page, served at the same origin,
that calls getUserMedia on the same fake camera and microphone and connects two
RTCPeerConnections inside the page; navigation → first presented remote frame.

Each round runs all three, in a rotating order (run-to-run noise is ±30 % here), each in fresh
contexts; ratios are taken per round and their median printed next to the ratio of medians.
The room's own performance marks (mockroom:*, web/src/join-timing.js) and the server's
Server-Timing give the breakdown of where the join's time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from join_harness import bare_run, floor_run, room_run, start_bare  # noqa: E402
from join_phases import print_steps  # noqa: E402
from join_tables import load, print_breakdown, print_figures, print_measures  # noqa: E402
from signal_probe import probe  # noqa: E402

# One list of Chromium flags and one server launcher, shared with the tests.
from support.browser import chromium  # noqa: E402
from support.live_server import start_server, stop_server  # noqa: E402

# Goals (issue 13): navigation ≤ 1.25x the bare room; click ≤ 0.8x the bare room.
GOAL_NAV = 1.25
GOAL_CLICK = 0.8
GOAL_CLICK_FLOOR = 1.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="interleaved rounds (default 10)")
    args = parser.parse_args()
    rooms: list[dict[str, float]] = []
    bares: list[dict[str, float]] = []
    floors: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", env={"MOCKROOM_ROOM_RATE_PER_HOUR": "0"})
        base = server.url
        bare_proc, bare_base = start_bare()
        try:
            with chromium() as browser:
                kinds: list[tuple[str, list[dict[str, float]], Callable[[int], dict[str, float]]]]
                kinds = [
                    ("room", rooms, lambda n: room_run(browser, base)),
                    ("bare", bares, lambda n: bare_run(browser, bare_base, n)),
                    ("floor", floors, lambda n: floor_run(browser, base)),
                ]
                for _, _, run in kinds:
                    run(-1)  # warm-up: caches, JIT, each server's first room
                for i in range(args.runs):
                    # Rotate the order, so drift on a shared machine hits all three alike.
                    for _, results, run in kinds[i % 3 :] + kinds[: i % 3]:
                        results.append(run(i))
                    r, b, f = rooms[-1], bares[-1], floors[-1]
                    print(
                        f"round {i + 1:2d}: room {r['frame']:6.0f} "
                        f"(click {r['frame'] - r['click']:5.0f})"
                        f"  bare {b['frame']:6.0f} (click {b['frame'] - b['click']:5.0f})"
                        f"  floor {f['frame']:6.0f} ms",
                        flush=True,
                    )
            # The server's own part, with no browser busy: hello → welcome, one signal relay.
            alone = asyncio.run(probe(base))
        finally:
            stop_server(server)
            bare_proc.terminate()
            bare_proc.wait(timeout=15)
    print_breakdown("room", rooms)
    print_breakdown("bare room", bares)
    print_steps(rooms, bares)
    nav = {"room": [r["frame"] for r in rooms], "bare": [b["frame"] for b in bares]}
    click = {
        "room": [r["frame"] - r["click"] for r in rooms],
        "bare": [b["frame"] - b["click"] for b in bares],
    }
    floor = [f["frame"] for f in floors]
    link = [r["hop"] + r["frame"] for r in rooms]
    rows = [
        ("room: link opened → room page navigation", [r["hop"] for r in rooms]),
        ("room: navigation → Join enabled", [r["enabled"] for r in rooms]),
        ("room: Join enabled → click (harness)", [r["click"] - r["enabled"] for r in rooms]),
        ("bare: navigation → Join enabled", [b["enabled"] for b in bares]),
        ("bare: Join enabled → click (harness)", [b["click"] - b["enabled"] for b in bares]),
    ]
    print_measures(rows)
    print(
        f"\nthe server alone (no browser running): hello → welcome "
        f"{alone['hello_welcome_ms']:.1f} ms, one signal relayed {alone['relay_ms']:.2f} ms"
    )
    print(f"\n{args.runs} interleaved rounds; load on this shared host: {load()}")
    print_figures(
        [
            ("navigation → first remote frame", nav["room"], nav["bare"], floor, GOAL_NAV, None),
            (
                "click → first remote frame",
                click["room"],
                click["bare"],
                floor,
                GOAL_CLICK,
                GOAL_CLICK_FLOOR,
            ),
            # What a person waits from opening the link: the open page's hop included.
            ("link opened → first remote frame", link, nav["bare"], floor, None, None),
        ]
    )
    # The figures again, for bench/run_all.py's summary (bench/results.py).
    from results import paired, write

    to_nav, to_click, room = "navigation → first remote frame", "click → first remote frame", "room"
    write("join", [
        paired("nav_frame", to_nav, nav[room], "bare room", nav["bare"], "ms", GOAL_NAV),
        paired("click_frame", to_click, click[room], "bare room", click["bare"], "ms", GOAL_CLICK),
        paired("click_frame_floor", to_click, click[room], "in-page floor", floor, "ms",
               GOAL_CLICK_FLOOR),
    ])  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
