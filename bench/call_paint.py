"""The call view's first rendering on the joining page: cold (Join clicked at once) and warm.

Between the answer (the `answer-applied` mark) and the first remote frame shown, the joining
page builds the call view and renders it once; the first remote frame, decoded already, is shown
only by a rendering update of the page's main thread. This bench joins a room twice per round
under a Chromium trace, once clicking Join the moment it is enabled (as a harness or a quick
person does, before the lobby's warm-ups) and once a while later, and prints the rendering work
of the joining page's main thread in that window: style recalc (elements restyled), layout
(objects laid out), pre-paint, paint, layerize, commit, the tasks of 5 ms and more, and the
setSinkId output-device task; with --deep, the font-strike lookups (sync IPC) too.

    .venv/bin/python bench/call_paint.py --runs 3 [--late-ms 1200] [--save DIR] [--deep]
    .venv/bin/python bench/call_paint.py --runs 3 --base /tmp/old-checkout   # A/B, interleaved

`--base`: a second checkout (its web bundle built) served by a second server from its own code;
each round then joins both, one after the other, and the table compares them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from join_harness import (  # noqa: E402
    absolute,
    make_room,
    open_until_join,
    wait_frame,
    wait_in_room,
    waiting_and_joining,
)
from support.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from support.live_server import start_server, stop_server  # noqa: E402

CATEGORIES = ["toplevel", "blink.user_timing", "devtools.timeline", "__metadata"]
# --deep: what the steps are made of (font lookups, text shaping, synchronous IPC); the
# "fonts" figure (ms in the strike render-style IPC to the browser process) needs it.
DEEP = ["blink", "fonts", "mojom", "ipc", "disabled-by-default-devtools.timeline"]
TASKS = {"ThreadControllerImpl::RunTask", "RunTask"}
# The rendering update's steps as the devtools timeline names them.
STEPS = ("UpdateLayoutTree", "Layout", "PrePaint", "Paint", "Layerize", "Commit")


def _main_thread(events: list[dict[str, Any]]) -> tuple[int, set[int], dict[str, Any]]:
    click = next(e for e in events if e.get("name") == "mockroom:join-click")
    pid = click["pid"]
    mains = {
        e["tid"]
        for e in events
        if e.get("pid") == pid
        and e.get("name") == "thread_name"
        and (e.get("args") or {}).get("name") == "CrRendererMain"
    }
    return pid, mains, click


def rendering(trace: Any, marks: dict[str, float]) -> dict[str, Any]:
    """Sums of the rendering steps on the joining page's main thread from its answer-applied
    mark to its first remote frame (ms on the page's clock in `marks`), with the elements
    restyled and the layout objects laid out."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    pid, mains, click = _main_thread(events)
    origin = float(click["ts"]) - marks["click"] * 1000
    lo = origin + marks["answer-applied"] * 1000
    hi = origin + marks["frame"] * 1000
    out: dict[str, Any] = {s: 0.0 for s in STEPS}
    out.update(elements=0, objects=0, tasks=[], busy=0.0, fonts=0.0, font_ipcs=0, sink=0.0)
    # Tasks nest (RunTask around ThreadControllerImpl::RunTask with some categories): the
    # outermost of each span counts once.
    spans: list[tuple[float, float]] = []
    for e in events:
        if e.get("pid") != pid or e.get("tid") not in mains or e.get("ph") != "X":
            continue
        t0 = float(e["ts"])
        dur = float(e.get("dur", 0))
        if t0 + dur < lo or t0 > hi:
            continue
        name = e.get("name")
        args = e.get("args") or {}
        if name in TASKS:
            spans.append((t0, t0 + dur))
            # setSinkId's output-device check (room-ui.js applySink).
            if str(args.get("src_file", "")).endswith("html_media_element_audio_output_device.cc"):
                out["sink"] += dur / 1000
        elif name in STEPS:
            out[name] += dur / 1000
            if name == "UpdateLayoutTree":
                out["elements"] += int(args.get("elementCount") or 0)
            if name == "Layout":
                begin = args.get("beginData") or {}
                out["objects"] += int(begin.get("dirtyObjects") or 0)
        elif name == "WebSandboxSupportLinux::GetWebFontRenderStyleForStrike":
            out["fonts"] += dur / 1000
            out["font_ipcs"] += 1
    end = 0.0
    for a, b in sorted(spans):
        if b <= end:
            continue
        if a >= end and b - a >= 5000:
            out["tasks"].append(round((b - a) / 1000, 1))
        out["busy"] += (min(b, hi) - max(a, lo, end)) / 1000
        end = b
    return out


def one_join(browser: Browser, base: str, late_ms: int, deep: bool, label: str) -> dict[str, Any]:
    room = make_room(base)
    with waiting_and_joining(browser) as (first, second):
        wait_in_room(first, absolute(base, room["links"]["interviewer"]))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "trace.json"
            browser.start_tracing(path=str(path), categories=CATEGORIES + (DEEP if deep else []))
            open_until_join(second, absolute(base, room["links"]["candidate"]), lands="sig=")
            if late_ms:
                second.wait_for_timeout(late_ms)
            second.locator("[data-testid=join-button]").click(force=True)
            marks = wait_frame(second)
            browser.stop_tracing()
            trace = json.loads(path.read_text())
            if SAVE:
                n = len(list(SAVE.glob("*.json")))
                (SAVE / f"{label.replace(' ', '-')}-{n}.json").write_text(json.dumps(trace))
    got = rendering(trace, marks)
    got["applied→frame"] = marks["frame"] - marks["answer-applied"]
    got["click→frame"] = marks["frame"] - marks["click"]
    got["warm"] = "call-view-warm-tiles" in marks and marks["call-view-warm-tiles"] < marks["click"]
    return got


SAVE: Path | None = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--late-ms", type=int, default=1200, help="the warm join's wait")
    parser.add_argument("--save", type=Path, help="keep each join's trace in this folder")
    parser.add_argument("--deep", action="store_true", help="trace fonts, shaping and IPC too")
    parser.add_argument("--base", type=Path, help="a checkout to compare with, interleaved")
    args = parser.parse_args()
    global SAVE
    SAVE = args.save
    if SAVE:
        SAVE.mkdir(parents=True, exist_ok=True)
    got: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {"MOCKROOM_ROOM_RATE_PER_HOUR": "0"}
        servers = {"": start_server(Path(tmp) / "data", env=env)}
        try:
            if args.base:
                # Its own code and web bundle; its first start compiles them (slow when loaded).
                base_env = {**env, "PYTHONPATH": str(args.base.resolve() / "server")}
                servers["base "] = start_server(Path(tmp) / "base", env=base_env, timeout=60)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS), headless=True
                )
                for i in range(-1, args.runs):
                    for tag, kind, late in [
                        (tag, kind, late)
                        for kind, late in (("cold", 0), ("warm", args.late_ms))
                        for tag in servers
                    ]:
                        kind = tag + kind
                        r = one_join(browser, servers[tag].url, late, args.deep, kind)
                        if i < 0:
                            continue  # the browser's own first join
                        got.setdefault(kind, []).append(r)
                        steps = " ".join(f"{s} {r[s]:.1f}" for s in STEPS)
                        print(
                            f"round {i + 1} {kind} (warmed {r['warm']}): applied→frame "
                            f"{r['applied→frame']:.0f} ms, busy {r['busy']:.1f}; {steps}; "
                            f"elements {r['elements']}, layout objects {r['objects']}, "
                            f"font IPC {r['font_ipcs']}x {r['fonts']:.1f} ms, "
                            f"setSinkId task {r['sink']:.1f} ms, "
                            f"tasks ≥5 ms {r['tasks']}",
                            flush=True,
                        )
                browser.close()
        finally:
            for server in servers.values():
                stop_server(server)
    print("\nmedians (ms; counts summed over the window):")
    for kind, runs in got.items():
        keys = ["applied→frame", "click→frame", "busy", *STEPS, "elements", "objects"]
        keys += ["fonts", "font_ipcs", "sink"]
        cells = ", ".join(f"{k} {statistics.median(r[k] for r in runs):.1f}" for k in keys)
        print(f"  {kind}: {cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
