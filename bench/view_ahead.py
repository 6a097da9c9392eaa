"""The call view built ahead (web/src/join-view.js, issue 13), A/B: this checkout against another
one (e.g. a clone of main, its web built) and the bare room, interleaved in the same run.

Each round joins a room of each MockRoom (and a bare room) under a Chromium trace, as
bench/join_window.py does, and reads the joining page's main thread from its answer-received
mark to the first remote frame: how many tasks ran there, how long they were busy, how much of
that was layout, and when the call view went up (call-view-built, ms after the answer: negative
when it was up before). Also click → first remote frame. Medians over the rounds; the order of
the two MockRooms alternates from round to round.

    cd web && node build.mjs     # in both checkouts
    .venv/bin/python bench/view_ahead.py --base /tmp/base-main --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from join_busy import BARE_READY  # noqa: E402
from join_harness import (  # noqa: E402
    ROOM_IN_CALL,
    absolute,
    make_room,
    servers_and_browser,
)
from join_window import traced  # noqa: E402
from support.live_server import start_server, stop_server  # noqa: E402


def figures(got: dict[str, Any]) -> dict[str, float]:
    marks = dict((k, v) for v, k in got["marks"])
    built = marks.get("call-view-built")
    return {
        "click→frame": marks["frame"] - marks["join-click"],
        "answer→frame": got["window"],
        "tasks": len(got["tasks"]),
        "busy": got["busy"],
        "layout": sum(t.parts.get("Layout", 0.0) for t in got["tasks"]),
        "view up": built if built is not None else float("nan"),
    }


def line(name: str, f: dict[str, float]) -> str:
    return (
        f"  {name:5} click→frame {f['click→frame']:6.1f} ms, answer→frame {f['answer→frame']:6.1f}"
        f" ms: {f['tasks']:3.0f} tasks, busy {f['busy']:5.1f} ms, layout {f['layout']:4.1f} ms;"
        f" view up at {f['view up']:+7.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    got: dict[str, list[dict[str, float]]] = {"this": [], "base": [], "bare": []}
    with (
        servers_and_browser() as (server, bare_base, browser),
        tempfile.TemporaryDirectory() as tmp,
    ):
        # The base checkout's package first on the path: its server, pages and built assets.
        base = start_server(
            Path(tmp) / "base",
            env={"MOCKROOM_ROOM_RATE_PER_HOUR": "0", "PYTHONPATH": str(args.base / "server")},
        )
        try:

            def room(url: str) -> Callable[[], dict[str, Any]]:
                def run() -> dict[str, Any]:
                    links = make_room(url)["links"]
                    return traced(
                        browser,
                        absolute(url, links["interviewer"]),
                        absolute(url, links["candidate"]),
                        ROOM_IN_CALL,
                    )

                return run

            def bare(i: int) -> dict[str, Any]:
                link = f"{bare_base}/?room=v{i}"
                return traced(browser, link, link, BARE_READY)

            rooms = {"this": room(server.url), "base": room(base.url)}
            for i in range(-1, args.runs):
                order = ["this", "base"] if i % 2 else ["base", "this"]
                round_ = {name: figures(rooms[name]()) for name in order}
                round_["bare"] = figures(bare(i))
                if i < 0:
                    continue  # warm-up
                print(f"round {i + 1}:", flush=True)
                for name in ("this", "base", "bare"):
                    print(line(name, round_[name]), flush=True)
                    got[name].append(round_[name])
        finally:
            stop_server(base)
    print(f"medians of {args.runs} rounds (base: {args.base}):")
    for name, rounds in got.items():
        med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
        print(line(name, med))
    bare_ms = statistics.median(r["click→frame"] for r in got["bare"])
    for name in ("this", "base"):
        ms = statistics.median(r["click→frame"] for r in got[name])
        print(f"  click→frame {name} / bare room: {ms / bare_ms:.2f}x (goal ≤ 0.8x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
