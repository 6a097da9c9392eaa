"""Connected → first remote frame, taken apart: room against bare room, interleaved.

    .venv/bin/python bench/first_frame.py [--runs 8] [--poll 5]

bench/join.py's largest phase after the click is "ICE+DTLS connected → first remote frame
shown", and it is about the same in both rooms. This bench joins each room (bench/join_harness.py's
two pages: the waiting page answers and sends the video the joining page is timed by) with
bench/first_frame_stats.py's probe in both pages, and prints where that span goes: the sender's
DTLS, the first frame's capture and encode, the pacer, the network, the receiver's jitter buffer
and decoder, the compositor and the main thread's callback. Every moment but the last comes from
WebRTC's counters (getStats() timestamps) or the media pipeline's own frame metadata, so a busy
main thread moves only the last row. Each moment is the first poll that saw it: it is late by up
to one poll interval (the "poll gap" column).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from first_frame_stats import STATS_PROBE, milestones  # noqa: E402
from first_frame_trace import SUBPHASES, main_thread_busy, timeline  # noqa: E402
from join_harness import (  # noqa: E402
    SETTLE_MS,
    absolute,
    click_join,
    make_room,
    start_bare,
    wait_in_room,
    waiting_and_joining,
)
from join_tables import load  # noqa: E402
from support.browser import chromium  # noqa: E402
from support.live_server import start_server, stop_server  # noqa: E402

# WebRTC's and the media pipeline's threads, and the pages' marks (to align the clocks).
CATEGORIES = [
    "webrtc", "disabled-by-default-webrtc", "media", "blink.user_timing", "__metadata", "toplevel",
]  # fmt: skip

COLLECT = "() => ({samples: window.__ff.samples, frames: window.__ff.frames,"
COLLECT += " origin: performance.timeOrigin, polls: window.__ff.polls})"


def probe(page: Page, poll_ms: int) -> None:
    page.context.add_init_script(STATS_PROBE + f"\nwindow.__ff && (window.__ff.poll = {poll_ms});")


def one_join(browser: Browser, kind: str, base: str, n: int, poll_ms: int) -> dict[str, Any]:
    with waiting_and_joining(browser) as (sender, joiner):
        probe(sender, poll_ms)
        probe(joiner, poll_ms)
        if kind == "room":
            room = make_room(base)
            wait_in_room(sender, absolute(base, room["links"]["interviewer"]))
            url, lands = absolute(base, room["links"]["candidate"]), "sig="
        else:
            url, lands = f"{base}/?room=f{n}", None
            sender.goto(url)
            sender.get_by_test_id("join-button").click()
            sender.wait_for_function("() => window.__bare && window.__bare.ws.readyState === 1")
            sender.wait_for_timeout(SETTLE_MS)
        sender.evaluate("() => window.__ff.start()")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "trace.json"
            browser.start_tracing(path=str(path), categories=CATEGORIES)
            marks = click_join(joiner, url, lands=lands)
            browser.stop_tracing()
            trace = json.loads(path.read_text())
        # The sender's counters up to the frame are in; one more poll settles its last sample.
        got_in: dict[str, Any] = joiner.evaluate(COLLECT)
        got_out: dict[str, Any] = sender.evaluate(COLLECT)
        for page in (sender, joiner):
            page.evaluate("() => window.__ff.stop()")
    result = milestones(
        got_out["samples"], got_in["samples"], got_in["frames"], got_in["origin"], marks
    )
    result["polls"] = got_in["polls"] + got_out["polls"]
    # The precise moments from the trace; the page's own marks (connected, frame) as they are.
    result["stats_at"] = result["at"]
    result["at"] = {
        **timeline(trace, marks["join-click"]),
        **{k: marks[k] for k in ("pc-connected", "frame", "click") if k in marks},
    }
    at = result["at"]
    if "recv-writable" in at and "frame" in at:
        # The joining page's main thread from its transport up to the frame shown.
        busy = main_thread_busy(trace, at["recv-writable"], at["frame"], marks["join-click"])
        result["facts"]["main_busy_up_to_frame_ms"] = busy
    return result


def med(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def cell(value: float | None, width: int = 7) -> str:
    return f"{value:{width}.1f}" if value is not None else f"{'-':>{width}s}"


def spans(runs: list[dict[str, Any]], start: str, end: str) -> list[float]:
    return [r["at"][end] - r["at"][start] for r in runs if start in r["at"] and end in r["at"]]


def print_table(rooms: list[dict[str, Any]], bares: list[dict[str, Any]]) -> None:
    print("\nconnected → first frame shown, sub-phases (median ms over the runs; moments from the")
    print("trace's WebRTC and media threads, but 'connected' and 'frame shown': the page's marks)")
    print(f"  {'sub-phase':40s} {'room':>7s} {'bare':>7s} {'ratio':>6s}  whose")
    for label, start, end, whose in SUBPHASES:
        room, bare = med(spans(rooms, start, end)), med(spans(bares, start, end))
        ratio = f"{room / bare:5.2f}x" if room is not None and bare else f"{'-':>6s}"
        print(f"  {label:40s} {cell(room)} {cell(bare)} {ratio}  {whose}")
    sizes = {n: med([r["at"]["keyframe-bytes"] for r in runs if "keyframe-bytes" in r["at"]])
             for n, runs in (("room", rooms), ("bare", bares))}  # fmt: skip
    print(f"  {'first keyframe, bytes (trace)':40s} {cell(sizes['room'])} {cell(sizes['bare'])}")
    print("\nthe first frame, from getStats() (median; room | bare):")
    facts = sorted({k for r in rooms + bares for k in r["facts"]})
    for key in facts:
        pair = []
        for runs in (rooms, bares):
            values = [r["facts"][key] for r in runs if r["facts"].get(key) is not None]
            if values and all(isinstance(v, int | float) for v in values):
                pair.append(f"{statistics.median(values):.1f}")
            else:
                pair.append(",".join(sorted({str(v) for v in values})) or "-")
        print(f"  {key:22s} {pair[0]:>14s} | {pair[1]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="interleaved rounds (default 8)")
    parser.add_argument("--poll", type=int, default=20, help="getStats() poll interval, ms")
    args = parser.parse_args()
    rooms: list[dict[str, Any]] = []
    bares: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", env={"MOCKROOM_ROOM_RATE_PER_HOUR": "0"})
        bare_proc, bare_base = start_bare()
        try:
            with chromium() as browser:
                order = [("room", server.url, rooms), ("bare", bare_base, bares)]
                for i in range(-1, args.runs):
                    for kind, base, out in order if i % 2 else order[::-1]:
                        r = one_join(browser, kind, base, i, args.poll)
                        if i >= 0:  # the first round warms caches and each server's first room
                            out.append(r)
                    if i >= 0:
                        a, b = rooms[-1]["at"], bares[-1]["at"]
                        print(
                            f"round {i + 1:2d}: connected → frame room "
                            f"{a.get('frame', 0) - a.get('pc-connected', 0):5.1f}  bare "
                            f"{b.get('frame', 0) - b.get('pc-connected', 0):5.1f} ms",
                            flush=True,
                        )
        finally:
            stop_server(server)
            bare_proc.terminate()
            bare_proc.wait(timeout=15)
    print_table(rooms, bares)
    print(f"\n{args.runs} interleaved rounds; load on this shared host: {load()}")
    from results import paired, write

    total = [
        ("connected_frame", "ICE+DTLS connected (mark) → first remote frame shown",
         "pc-connected", "frame"),
        ("transport_frame", "sender transport up → first remote frame shown", "send-writable",
         "frame"),
        ("encoded_decode", "first frame encoded → decode starts (pacer + network)", "encoded",
         "decode-start"),
        ("decoded_shown", "first frame decoded → shown (rVFC)", "decoded", "frame"),
    ]  # fmt: skip
    figures = []
    for key, name, start, end in total:
        pairs = [
            (r["at"][end] - r["at"][start], b["at"][end] - b["at"][start])
            for r, b in zip(rooms, bares, strict=True)
            if start in r["at"] and end in r["at"] and start in b["at"] and end in b["at"]
        ]
        ours, theirs = [p[0] for p in pairs], [p[1] for p in pairs]
        figures.append(paired(key, name, ours, "bare room", theirs, "ms"))
    write("first_frame", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
