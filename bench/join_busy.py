"""The joining page's main thread between the Join click and the first remote frame: busy ms.

Timing a join on a shared, loaded host swings by a third; how long the joining page's main
thread is busy between the click and the first remote video frame does not, and it is what our
JavaScript adds to the join (the bare room, bench/bare_room.py, has next to nothing to do). Each
round joins a MockRoom room and a bare room (interleaved) under a Chromium trace and sums the
top-level tasks of the joining page's renderer main thread that overlap the click → frame span.
Also prints the order of the joining page's marks (deferred work runs after the frame), and the
ICE/DTLS handshake as Chromium's WebRTC thread saw it on both pages (bench/join_network.py): when
the connection was writable against when the page's `pc-connected` mark ran.

    .venv/bin/python bench/join_busy.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from join_harness import (  # noqa: E402
    ROOM_IN_CALL,
    SETTLE_MS,
    absolute,
    click_join,
    make_room,
    new_page,
    servers_and_browser,
)
from join_network import SPANS, network_moments, spans  # noqa: E402

CATEGORIES = ["toplevel", "blink.user_timing", "devtools.timeline", "webrtc", "__metadata"]
BARE_READY = "() => window.__bare && window.__bare.ws.readyState === 1"
SAVE: Path | None = None
TASKS = {"ThreadControllerImpl::RunTask", "RunTask"}


def busy_ms(trace: dict[str, Any], frame_after_click: float) -> tuple[float, int]:
    """Busy ms (and the number of tasks ≥ 5 ms) on the main thread of the renderer that stamped
    mockroom:join-click, from that mark to `frame_after_click` ms after it."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    click = next(e for e in events if e.get("name") == "mockroom:join-click")
    pid = click["pid"]
    mains = {
        e["tid"]
        for e in events
        if e.get("pid") == pid
        and e.get("name") == "thread_name"
        and e.get("args", {}).get("name") == "CrRendererMain"
    }
    start = float(click["ts"])
    end = start + frame_after_click * 1000
    busy = 0.0
    long = 0
    for e in events:
        if e.get("pid") != pid or e.get("tid") not in mains or e.get("ph") != "X":
            continue
        if e.get("name") not in TASKS:
            continue
        t0, t1 = float(e["ts"]), float(e["ts"]) + float(e.get("dur", 0))
        overlap = min(t1, end) - max(t0, start)
        if overlap > 0:
            busy += overlap / 1000
            long += (t1 - t0) >= 5000
    return busy, long


def traced_join(browser: Browser, first_url: str, second_url: str, ready: str) -> dict[str, Any]:
    first = new_page(browser, probe=False)
    second = new_page(browser, probe=True)
    try:
        first.goto(first_url)
        first.get_by_test_id("join-button").click()
        first.wait_for_function(ready)
        first.wait_for_timeout(SETTLE_MS)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "trace.json"
            browser.start_tracing(path=str(path), categories=CATEGORIES)
            # A room link opens the token-trading page first; Join is on the page it replaces
            # itself with.
            lands = "sig=" if "#token=" in second_url else None
            result = click_join(second, second_url, lands=lands)
            browser.stop_tracing()
            trace = json.loads(path.read_text())
            if SAVE:
                (SAVE / f"trace-{len(list(SAVE.glob('*.json')))}.json").write_text(
                    json.dumps(trace)
                )
        after = result["frame"] - result["click"]
        busy, long = busy_ms(trace, after)
        marks = sorted(
            (v - result["click"], k) for k, v in result.items() if k not in ("hop", "enabled")
        )
        return {
            "click_frame": after,
            "busy": busy,
            "long": long,
            "marks": marks,
            "network": spans(network_moments(trace)),
        }
    finally:
        first.context.close()
        second.context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--save", type=Path, help="keep each round's trace in this folder")
    args = parser.parse_args()
    global SAVE
    SAVE = args.save
    if SAVE:
        SAVE.mkdir(parents=True, exist_ok=True)
    got: dict[str, list[dict[str, Any]]] = {"room": [], "bare": []}
    with servers_and_browser() as (server, bare_base, browser):
        for i in range(-1, args.runs):
            room = make_room(server.url)
            links = room["links"]
            r = traced_join(
                browser,
                absolute(server.url, links["interviewer"]),
                absolute(server.url, links["candidate"]),
                ROOM_IN_CALL,
            )
            url = f"{bare_base}/?room=b{i}"
            b = traced_join(browser, url, url, BARE_READY)
            if i < 0:
                continue  # warm-up
            got["room"].append(r)
            got["bare"].append(b)
            print(
                f"round {i + 1}: room click→frame {r['click_frame']:5.0f} ms, busy "
                f"{r['busy']:5.1f} ms ({r['long']} tasks ≥5 ms) | bare "
                f"{b['click_frame']:5.0f} ms, busy {b['busy']:5.1f} ms ({b['long']})",
                flush=True,
            )
    for kind, runs in got.items():
        busy = sorted(r["busy"] for r in runs)
        frame = sorted(r["click_frame"] for r in runs)
        print(
            f"{kind}: main thread busy click→frame median {statistics.median(busy):.1f} ms "
            f"(min {busy[0]:.1f}, max {busy[-1]:.1f}); click→frame median "
            f"{statistics.median(frame):.0f} ms (min {frame[0]:.0f}, max {frame[-1]:.0f})"
        )
    print("\nICE + DTLS on the WebRTC thread against the pages' marks (median ms; J joining page,")
    print("W waiting page; bench/join_network.py):")
    for label, _, _ in SPANS:
        cells = []
        for kind in ("room", "bare"):
            values = [r["network"][label] for r in got[kind] if label in r["network"]]
            cells.append(f"{statistics.median(values):7.1f}" if values else f"{'-':>7s}")
        print(f"  {label:36s} room {cells[0]}  bare {cells[1]}")
    print("\nthe room's joining page, last round (ms after the click):")
    for at, name in got["room"][-1]["marks"]:
        print(f"  {at:8.1f}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
