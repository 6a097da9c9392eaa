"""Whose time the join is, phase by phase: our script, the browser's work, off the CPU, idle.

Each round joins a MockRoom room and a bare room (bench/bare_room.py; interleaved, the one that
goes first alternating) under a Chromium trace with V8's sampling profiler, as bench/join_busy.py
and join_window.py do. The click → first remote frame span is cut at the marks both pages stamp
(web/src/join-timing.js, bench/bare_room.py; the waiting page's as peer:* on the joining page's
clock, bench/join_harness.py peer_marks), and each phase's wall time on the main thread of the
page on the critical path then (the waiting page from the offer sent to the answer sent, the
joining page otherwise) is split by bench/thread_split.py into ours (V8 samples in the page's
own scripts), browser (the rest of its tasks' CPU time), off-CPU (in a task, not on a CPU) and
idle. Then, per phase, the other page's main thread, the WebRTC threads of both renderers (CPU
ms), and how many cores the browser's traced threads kept busy: off-CPU time on the main thread
while a WebRTC thread is busy is a wait on that thread; while ~2 cores are busy, a wait for one.

    .venv/bin/python bench/join_whose.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from join_busy import BARE_READY  # noqa: E402
from join_harness import (  # noqa: E402
    ROOM_IN_CALL,
    SETTLE_MS,
    absolute,
    click_join,
    make_room,
    new_page,
    peer_marks,
    servers_and_browser,
)
from thread_split import Split, monotonic, outermost, slices, split, thread_ids  # noqa: E402
from trace_profile import samples  # noqa: E402

CATEGORIES = [
    "toplevel",
    "blink.user_timing",
    "devtools.timeline",
    "webrtc",
    "disabled-by-default-v8.cpu_profiler",
    "__metadata",
]
J, W = "joining", "waiting"
# (label, from mark, to mark, the page whose main thread is on the critical path).
PHASES = [
    ("click → offer sent", "click", "offer-sent", J),
    ("offer sent → waiting page has it", "offer-sent", "peer:offer-received", W),
    ("waiting page: offer applied", "peer:offer-received", "peer:offer-applied", W),
    ("waiting page: applied → answer sent", "peer:offer-applied", "peer:answer-sent", W),
    ("answer sent → joining page has it", "peer:answer-sent", "answer-received", J),
    ("answer applied", "answer-received", "answer-applied", J),
    ("answer applied → pc-connected", "answer-applied", "pc-connected", J),
    ("pc-connected → first frame", "pc-connected", "frame", J),
]
PARTS = ("ours", "browser", "off_cpu", "idle")
# Chromium's WebRTC threads in a renderer (names as its trace metadata gives them).
RTC = re.compile(r"^WebRTC")  # WebRTC_Signaling, WebRTC_W_and_N (worker and network)
SAVE: Path | None = None


def renderer(events: list[dict[str, Any]], pid: int) -> tuple[int, dict[int, str]]:
    """The renderer's main thread and its WebRTC threads."""
    main = thread_ids(events, pid, lambda n: n == "CrRendererMain")
    return next(iter(main)), thread_ids(events, pid, lambda n: bool(RTC.search(n)))


def attribute(
    events: list[dict[str, Any]], marks: dict[str, float], origin: str
) -> list[dict[str, Any]]:
    """Per phase: the critical page's Split, the other page's, the WebRTC threads' CPU ms
    (per thread name, both renderers) and the browser's traced threads' CPU ms."""
    click = next(e for e in events if e.get("name") == "mockroom:join-click")
    pid = {J: int(click["pid"])}
    waiting = next(
        e
        for e in events
        if str(e.get("name", "")).startswith("mockroom:") and e.get("pid") != click["pid"]
    )
    pid[W] = int(waiting["pid"])
    zero = float(click["ts"]) - marks["join-click"] * 1000  # the joining page's clock in µs
    at = [marks.get(PHASES[0][1])] + [marks.get(end) for _, _, end, _ in PHASES]
    bounds = [zero + m * 1000 for m in monotonic(at)]
    by_thread: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for e in events:
        if e.get("ph") in ("X", "B", "E"):
            by_thread.setdefault((e["pid"], e["tid"]), []).append(e)
    mains, tasks, ours, rtc = {}, {}, {}, []
    for page in (J, W):
        main, rtc_threads = renderer(events, pid[page])
        mains[page] = main
        tasks[page] = outermost(slices(by_thread.get((pid[page], main), []), pid[page], main))
        ours[page] = [
            (s.at, s.delta) for s in samples(events, pid[page], main) if s.url.startswith(origin)
        ]
        for tid, name in rtc_threads.items():
            own = by_thread.get((pid[page], tid), [])
            rtc.append((f"{page[0].upper()} {name}", outermost(slices(own, pid[page], tid))))
    # Every traced thread of the browser (all processes): how many cores it kept busy.
    everyone = [outermost(slices(own, p, t)) for (p, t), own in by_thread.items()]
    got = []
    for (_, _, _, page), lo, hi in zip(PHASES, bounds[:-1], bounds[1:], strict=True):
        other = W if page == J else J
        cpu = {name: split(ts, [], lo, hi).browser for name, ts in rtc}
        got.append(
            {
                "crit": split(tasks[page], ours[page], lo, hi),
                "other": split(tasks[other], ours[other], lo, hi),
                "rtc": cpu,
                "all_cpu": sum(split(ts, [], lo, hi).browser for ts in everyone),
            }
        )
    return got


def traced(
    browser: Browser, first_url: str, second_url: str, ready: str, origin: str
) -> dict[str, Any]:
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
            lands = "sig=" if "#token=" in second_url else None
            result = click_join(second, second_url, lands=lands)
            browser.stop_tracing()
            trace = json.loads(path.read_text())
        marks = {**result, **peer_marks(first, second)}
        if SAVE is not None:
            n = len(list(SAVE.glob("*.json")))
            (SAVE / f"trace-{n}.json").write_text(json.dumps({**trace, "marks": marks}))
        events = trace["traceEvents"] if isinstance(trace, dict) else trace
        return {"span": marks["frame"] - marks["click"], "phases": attribute(events, marks, origin)}
    finally:
        first.context.close()
        second.context.close()


def med(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def whole(run: dict[str, Any]) -> Split:
    """The critical main thread over the whole click → frame span (the phases added up)."""
    sums = {p: sum(getattr(ph["crit"], p) for ph in run["phases"]) for p in PARTS}
    return Split(**sums)


def cells(splits: list[Split]) -> list[float]:
    return [med([getattr(s, p) for s in splits]) for p in PARTS]


def row(label: str, room: list[Split], bare: list[Split]) -> str:
    r, b = cells(room), cells(bare)
    fmt = " ".join(f"{v:6.1f}" for v in r)
    fmt_b = " ".join(f"{v:6.1f}" for v in b)
    diff = " ".join(f"{x - y:+6.1f}" for x, y in zip(r, b, strict=True))
    return f"  {label:40s} {fmt} | {fmt_b} | {diff}"


def report(got: dict[str, list[dict[str, Any]]]) -> None:
    n = len(got["room"])
    print(f"\nclick → first remote frame, phase by phase (median ms of {n} interleaved rounds), on")
    print("the main thread of the page on the critical path (W: waiting page, else joining):")
    head = " ".join(f"{p[:6]:>6s}" for p in PARTS)
    print(f"  {'phase':40s} {head} | {head} | room - bare")
    print(f"  {'':40s} {'room':^27s} | {'bare':^27s} |")
    for i, (label, _, _, page) in enumerate(PHASES):
        name = f"{label} {'(W)' if page == W else ''}".rstrip()
        room = [r["phases"][i]["crit"] for r in got["room"]]
        bare = [r["phases"][i]["crit"] for r in got["bare"]]
        print(row(name, room, bare))
    print(row("click → frame (sum of phases)", *[[whole(r) for r in got[k]] for k in got]))
    spans = {k: med([r["span"] for r in v]) for k, v in got.items()}
    print(f"  click → frame as measured: room {spans['room']:.1f} ms, bare {spans['bare']:.1f} ms")
    print("\nthe same phases elsewhere (median ms): the other page's main thread busy (ours +")
    print("browser + off-CPU), CPU of each page's WebRTC threads (J joining, W waiting), and")
    print("the CPU of every traced thread of the browser (cores busy = that / phase wall):")
    for i, (label, _, _, _) in enumerate(PHASES):
        for kind, runs in got.items():
            ph = [r["phases"][i] for r in runs]
            wall = med([p["crit"].wall for p in ph])
            other = med([p["other"].busy for p in ph])
            allc = med([p["all_cpu"] for p in ph])
            names = sorted({k for p in ph for k in p["rtc"]})
            rtc = ", ".join(
                f"{k} {v:.1f}" for k in names if (v := med([p["rtc"].get(k, 0.0) for p in ph]))
            )
            cores = allc / wall if wall else 0.0
            print(
                f"  {label[:30]:30s} {kind}: other main {other:5.1f}, all threads {allc:6.1f} "
                f"({cores:.2f} cores); webrtc: {rtc or '-'}"
            )


def save_figures(got: dict[str, list[dict[str, Any]]]) -> None:
    from results import paired, write

    room = [whole(r) for r in got["room"]]
    bare = [whole(r) for r in got["bare"]]
    figures = [
        paired(
            f"whose_{part}",
            f"click → frame, critical main thread: {part.replace('_', '-')}",
            [getattr(s, part) for s in room],
            "bare room",
            [getattr(s, part) for s in bare],
            "ms",
        )
        for part in PARTS
    ]
    write("join_whose", figures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--save", type=Path, help="keep each round's trace in this folder")
    args = parser.parse_args()
    global SAVE
    SAVE = args.save
    if SAVE:
        SAVE.mkdir(parents=True, exist_ok=True)
    got: dict[str, list[dict[str, Any]]] = {"room": [], "bare": []}
    with servers_and_browser() as (server, bare_base, browser):
        for i in range(-1, args.runs):

            def room(i: int) -> dict[str, Any]:
                links = make_room(server.url)["links"]
                return traced(
                    browser,
                    absolute(server.url, links["interviewer"]),
                    absolute(server.url, links["candidate"]),
                    ROOM_IN_CALL,
                    server.url,
                )

            def bare(i: int) -> dict[str, Any]:
                url = f"{bare_base}/?room=s{i}"
                return traced(browser, url, url, BARE_READY, bare_base)

            if i % 2 == 0:
                r, b = room(i), bare(i)
            else:
                b, r = bare(i), room(i)
            if i < 0:
                continue  # warm-up
            got["room"].append(r)
            got["bare"].append(b)
            wr, wb = whole(r), whole(b)
            print(
                f"round {i + 1}: room {r['span']:5.0f} ms (ours {wr.ours:5.1f}, off-CPU "
                f"{wr.off_cpu:5.1f}) | bare {b['span']:5.0f} ms (ours {wb.ours:5.1f}, off-CPU "
                f"{wb.off_cpu:5.1f})",
                flush=True,
            )
    report(got)
    save_figures(got)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
