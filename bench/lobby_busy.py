"""The joining page's main thread from navigation to the Join click: busy ms and long tasks.

bench/join.py clicks Join the moment it is enabled; the trusted click's pointerdown then waits
for whatever task the page's main thread is in. So what the lobby does before the click (parse
and style the room page, evaluate its module, paint, the preview, getUserMedia's replies, the
prepared offer) is in navigation → first frame twice over: as work, and as a click held back.
Each round joins a MockRoom room and a bare room (bench/bare_room.py), interleaved, under a
Chromium trace, and sums the top-level tasks of the joining page's renderer main thread between
the room page's navigation start and the start of the pointerdown's dispatch. Each task is
named after the biggest piece of work inside it (ParseHTML, EvaluateScript, Layout...).

    .venv/bin/python bench/lobby_busy.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from join_busy import BARE_READY, TASKS  # noqa: E402
from join_harness import (  # noqa: E402
    SETTLE_MS,
    absolute,
    click_join,
    make_room,
    new_page,
    servers_and_browser,
    wait_in_room,
)

# disabled-by-default-devtools.timeline: it names the devtools protocol's evaluates (a script
# with no URL), which is how the harness's share is told from the page's own work.
CATEGORIES = [
    "toplevel",
    "blink.user_timing",
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "loading",
    "__metadata",
]
LONG_MS = 5.0
SAVE: Path | None = None
# What names a task: the largest timeline event inside it, folded into a few kinds.
PARSE, MODULE, CALLBACKS = "page commit + HTML parse", "module compile + evaluation", "callbacks"
LAYOUT, PAINT, IDLE = "style + layout", "paint", "idle callbacks"
KINDS = {
    "DocumentLoader::CommitNavigation": PARSE,
    "ParseHTML": PARSE,
    "v8.compileModule": MODULE,
    "v8.evaluateModule": MODULE,
    "v8.compile": CALLBACKS,
    "FunctionCall": CALLBACKS,
    "TimerFire": CALLBACKS,
    "EventDispatch": CALLBACKS,
    "RunMicrotasks": CALLBACKS,
    "FireAnimationFrame": CALLBACKS,
    "FireIdleCallback": IDLE,
    "UpdateLayoutTree": LAYOUT,
    "Layout": LAYOUT,
    "ParseAuthorStyleSheet": LAYOUT,
    "PrePaint": PAINT,
    "Paint": PAINT,
    "Layerize": PAINT,
    "UpdateLayer": PAINT,
}
# A task with none of them inside: the browser's messages (media and WebRTC replies, the
# devtools protocol) and their native work.
NATIVE = "browser messages (devtools, media, WebRTC)"
# Playwright's own script (an evaluate over the devtools protocol has no script URL): the
# harness's, in both rooms.
HARNESS = "harness: Playwright's evaluates"


def kind_of(event: dict[str, Any]) -> str:
    data = event.get("args", {}).get("data", {})
    if event["name"] == "EvaluateScript":
        return HARNESS if not data.get("url") else CALLBACKS
    return KINDS[event["name"]]


def self_times(work: list[dict[str, Any]], share: float) -> dict[str, float]:
    """Each kind's own ms in one task (an event's time less that of the events inside it),
    times `share` (the part of the task inside the measured span)."""
    own: dict[str, float] = defaultdict(float)
    stack: list[tuple[float, str]] = []  # (end, kind) of the enclosing events
    for w in sorted(work, key=lambda w: (float(w["ts"]), -float(w.get("dur", 0)))):
        t0, dur = float(w["ts"]), float(w.get("dur", 0))
        while stack and stack[-1][0] <= t0:
            stack.pop()
        kind = kind_of(w)
        if stack and stack[-1][1] == IDLE and kind == CALLBACKS:
            kind = IDLE  # the script an idle callback runs is the idle callback's
        own[kind] += dur / 1000 * share
        if stack:
            own[stack[-1][1]] -= dur / 1000 * share
        stack.append((t0 + dur, kind))
    return own


def lobby_tasks(trace: Any, page_path: str) -> dict[str, Any]:
    """The joining page's main-thread tasks from the navigation to `page_path` (the last one in
    the renderer that dispatched the pointerdown) to the pointerdown's dispatch."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    down = next(
        e
        for e in events
        if e.get("name") == "EventDispatch"
        and e.get("args", {}).get("data", {}).get("type") == "pointerdown"
    )
    pid, tid, end = down["pid"], down["tid"], float(down["ts"])
    starts = [
        float(e["ts"])
        for e in events
        if e.get("pid") == pid
        and e.get("name") == "navigationStart"
        and page_path in str(e.get("args", {}).get("data", {}).get("documentLoaderURL", ""))
        and float(e["ts"]) < end
    ]
    start = max(starts)
    inside = sorted(
        (e for e in events if e.get("pid") == pid and e.get("tid") == tid and e.get("ph") == "X"),
        key=lambda e: float(e["ts"]),
    )
    tasks: list[tuple[float, float, str]] = []
    by_kind: dict[str, float] = defaultdict(float)
    outer_end = 0.0
    for e in inside:
        if e.get("name") not in TASKS:
            continue
        t0, t1 = float(e["ts"]), float(e["ts"]) + float(e.get("dur", 0))
        if t0 < outer_end:
            continue  # a task run inside another (a nested run loop): counted with it
        outer_end = t1
        overlap = min(t1, end) - max(t0, start)
        if overlap <= 0:
            continue
        work = [
            w
            for w in inside
            if (w.get("name") in KINDS or w.get("name") == "EvaluateScript")
            and t0 <= float(w["ts"])
            and float(w["ts"]) < t1
        ]
        split = self_times(work, overlap / (t1 - t0) if t1 > t0 else 0.0)
        split[NATIVE] += max(0.0, overlap / 1000 - sum(split.values()))
        kind = max(split, key=lambda k: split[k])
        tasks.append((overlap / 1000, (t0 - start) / 1000, kind))
        for name, ms in split.items():
            by_kind[name] += ms
    return {
        "span": (end - start) / 1000,
        "busy": sum(ms for ms, _, _ in tasks),
        "long": sum(ms >= LONG_MS for ms, _, _ in tasks),
        "kinds": dict(by_kind),
        "tasks": tasks,
    }


def traced(browser: Browser, seat: Any, url: str, page_path: str, lands: str | None) -> Any:
    """`seat(page)` seats the waiting page; then the joining page is traced to its first frame."""
    first = new_page(browser, probe=False)
    second = new_page(browser, probe=True)
    try:
        seat(first)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "trace.json"
            browser.start_tracing(path=str(path), categories=CATEGORIES)
            result = click_join(second, url, lands=lands)
            browser.stop_tracing()
            trace = json.loads(path.read_text())
        if SAVE:
            (SAVE / f"{page_path.strip('?=')}-{len(list(SAVE.glob('*.json')))}.json").write_text(
                json.dumps(trace)
            )
        got = lobby_tasks(trace, page_path)
        got["enabled_click"] = result["click"] - result["enabled"]
        got["nav_frame"] = result["frame"]
        return got
    finally:
        first.context.close()
        second.context.close()


def seat_room(link: str) -> Any:
    return lambda page: wait_in_room(page, link)


def seat_bare(url: str) -> Any:
    def seat(page: Any) -> None:
        page.goto(url)
        page.get_by_test_id("join-button").click()
        page.wait_for_function(BARE_READY)
        page.wait_for_timeout(SETTLE_MS)

    return seat


def med(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--save", type=Path, help="keep each traced join in this folder")
    args = parser.parse_args()
    global SAVE
    SAVE = args.save
    if SAVE:
        SAVE.mkdir(parents=True, exist_ok=True)
    got: dict[str, list[dict[str, Any]]] = {"room": [], "bare": []}
    with servers_and_browser() as (server, bare_base, browser):
        for i in range(-1, args.runs):
            links = make_room(server.url)["links"]
            interviewer = absolute(server.url, links["interviewer"])
            candidate = absolute(server.url, links["candidate"])
            bare = f"{bare_base}/?room=a{i}"
            rounds = [
                ("room", seat_room(interviewer), candidate, "sig=", "sig="),
                ("bare", seat_bare(bare), bare, "?room=", None),
            ]
            # Alternate which goes first, so drift on a shared host hits both alike.
            results = {}
            for kind, seat, url, path, lands in rounds[i % 2 :] + rounds[: i % 2]:
                results[kind] = traced(browser, seat, url, path, lands)
            if i < 0:
                continue  # warm-up: caches, JIT, each server's first room
            r, b = results["room"], results["bare"]
            got["room"].append(r)
            got["bare"].append(b)
            print(
                f"round {i + 1}: room nav→click {r['span']:5.0f} ms, busy "
                f"{r['busy']:5.1f} ms ({r['long']} tasks ≥{LONG_MS:.0f} ms) | bare "
                f"{b['span']:5.0f} ms, busy {b['busy']:5.1f} ms ({b['long']})",
                flush=True,
            )
    report(got)
    return 0


def report(got: dict[str, list[dict[str, Any]]]) -> None:
    head = "navigation → pointerdown (median)"
    print(f"\n  {head:44s} {'room':>8s} {'bare':>8s} {'ratio':>6s}")
    rows = [
        ("span ms", "span"),
        ("main thread busy ms", "busy"),
        (f"tasks ≥ {LONG_MS:.0f} ms", "long"),
        ("Join enabled → pointerdown ms", "enabled_click"),
        ("navigation → first remote frame ms", "nav_frame"),
    ]
    for label, key in rows:
        room, bare = med(got["room"], key), med(got["bare"], key)
        ratios = [a[key] / b[key] for a, b in zip(got["room"], got["bare"], strict=True) if b[key]]
        ratio = f"{statistics.median(ratios):5.2f}x" if ratios else "     -"
        print(f"  {label:44s} {room:8.1f} {bare:8.1f} {ratio}")
    kinds = sorted({k for r in got["room"] + got["bare"] for k in r["kinds"]})
    print("\n  busy by kind of task (median ms)")
    for kind in kinds:
        room = statistics.median(r["kinds"].get(kind, 0.0) for r in got["room"])
        bare = statistics.median(r["kinds"].get(kind, 0.0) for r in got["bare"])
        print(f"    {kind:42s} {room:8.1f} {bare:8.1f}")
    print(f"\n  the room's tasks ≥ {LONG_MS:.0f} ms, last round (ms after navigation: ms, kind)")
    for ms, at, kind in got["room"][-1]["tasks"]:
        if ms >= LONG_MS:
            print(f"    {at:7.1f}: {ms:5.1f}  {kind}")
    from results import paired, write

    write("lobby_busy", [
        paired("busy", "main thread busy, navigation → Join pointerdown", [r["busy"] for r in
               got["room"]], "bare room", [r["busy"] for r in got["bare"]], "ms"),
        paired("span", "navigation → Join pointerdown", [r["span"] for r in got["room"]],
               "bare room", [r["span"] for r in got["bare"]], "ms"),
    ])  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
