"""The joining page's main thread from the answer to the first remote frame, task by task.

Each round joins a MockRoom room and a bare room (interleaved, bench/bare_room.py) under a
Chromium trace, like bench/join_busy.py, and lists the joining page's top-level main-thread
tasks that overlap the window from its `answer-received` mark to the first remote frame shown
(the harness's requestVideoFrameCallback): when each started (ms after the answer arrived), how
long it ran, and what ran in it — the script entry points (FunctionCall: function and file),
the events dispatched, timers, GC and the rendering steps. Then per room: tasks, busy ms and
ms of script in the window, and how many ICE candidates the page added (addIceCandidate) in it
and overall.

    .venv/bin/python bench/join_window.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
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
    servers_and_browser,
)
from trace_profile import self_times  # noqa: E402

CATEGORIES = [
    "toplevel",
    "blink.user_timing",
    "devtools.timeline",
    "v8",
    "webrtc",
    "disabled-by-default-v8.cpu_profiler",
    "__metadata",
]
TASKS = {"ThreadControllerImpl::RunTask", "RunTask"}
# What is worth naming inside a task (the rest is the task's own bookkeeping).
RENDER = {
    "UpdateLayoutTree",
    "Layout",
    "PrePaint",
    "Paint",
    "Layerize",
    "Commit",
    "HitTest",
    "ParseHTML",
    "MinorGC",
    "MajorGC",
    "V8.GC_SCAVENGER",
    "BlinkGC.AtomicPhase",
}
Event = dict[str, Any]


@dataclass
class Task:
    at: float  # ms after answer-received
    dur: float
    script: float = 0.0
    parts: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))


def top(parts: dict[str, float], n: int) -> list[tuple[str, float]]:
    return sorted(parts.items(), key=lambda kv: -kv[1])[:n]


SAVE: Path | None = None


def _label(e: Event) -> str | None:
    name = e.get("name", "")
    data = (e.get("args") or {}).get("data") or {}
    if name == "FunctionCall":
        fn = data.get("functionName") or "(anonymous)"
        url = str(data.get("url", "")).rsplit("/", 1)[-1]
        return f"js {fn} {url}:{data.get('lineNumber', '')}"
    if name == "EventDispatch":
        return f"event {data.get('type', '')}"
    if name in ("TimerFire", "FireAnimationFrame", "FireIdleCallback", "RunMicrotasks"):
        return str(name)
    if name in RENDER:
        return str(name)
    return None


def window_tasks(trace: Any, marks: dict[str, float]) -> dict[str, Any]:
    """The joining page's main-thread tasks overlapping answer-received → frame (ms on the
    page's clock in `marks`, aligned through the join-click mark)."""
    events: list[Event] = trace["traceEvents"] if isinstance(trace, dict) else trace
    click = next(e for e in events if e.get("name") == "mockroom:join-click")
    pid = click["pid"]
    mains = {
        e["tid"]
        for e in events
        if e.get("pid") == pid
        and e.get("name") == "thread_name"
        and (e.get("args") or {}).get("name") == "CrRendererMain"
    }
    origin = float(click["ts"]) - marks["join-click"] * 1000
    lo = origin + marks["answer-received"] * 1000
    hi = origin + marks["frame"] * 1000
    own = sorted(
        (e for e in events if e.get("pid") == pid and e.get("tid") in mains and e.get("ph") == "X"),
        key=lambda e: float(e["ts"]),
    )
    tasks: list[Task] = []
    end = 0.0  # a task nested in the previous one (a RunTask inside a RunTask) is not counted
    for t in own:
        if t.get("name") not in TASKS:
            continue
        a, b = float(t["ts"]), float(t["ts"]) + float(t.get("dur", 0))
        if b < lo or a > hi or b <= end:
            continue
        end = b
        task = Task(at=(a - lo) / 1000, dur=(b - a) / 1000)
        for e in own:
            ts = float(e["ts"])
            if ts < a or ts > b or e is t:
                continue
            label = _label(e)
            if label is None:
                continue
            dur = float(e.get("dur", 0)) / 1000
            task.parts[label] += dur
            if e.get("name") == "FunctionCall":
                task.script += dur
        tasks.append(task)
    adds = [
        float(e["ts"])
        for e in events
        if e.get("pid") == pid
        and "AddIceCandidate" in str(e.get("name", ""))
        and e.get("ph") in ("X", "B", "I", "i")
    ]
    # The rendering update that ran the frame's callback: how long it went on after it (its
    # paint and commit, i.e. the frame on screen, come at its end).
    span = (hi - lo) / 1000
    frame_task = next((t for t in tasks if t.at <= span <= t.at + t.dur), None)
    after_frame = frame_task.at + frame_task.dur - span if frame_task else 0.0
    profile: defaultdict[str, float] = defaultdict(float)
    for tid in mains:
        for label, ms in self_times(events, pid, tid, lo, hi).items():
            profile[label] += ms
    return {
        "profile": profile,
        "after_frame": after_frame,
        "window": (hi - lo) / 1000,
        "tasks": tasks,
        "busy": sum(max(0.0, min(t.at + t.dur, span) - max(t.at, 0.0)) for t in tasks),
        "script": sum(t.script for t in tasks),
        "adds_window": sum(lo <= x <= hi for x in adds),
        "adds": len(adds),
    }


# On the joining page: each WebSocket message received and sent (its type; for a signal, what
# it carries: description, or the candidate's protocol and tcptype) with when and how long the
# page's handler of a received one ran; and each addIceCandidate call.
SIGNALS = """
(() => {
  const log = window.__signals = [];
  const what = (text) => {
    try {
      const m = JSON.parse(text);
      const c = m.data && m.data.candidate;
      if (c && c.candidate) {
        const tcp = / tcp /i.test(c.candidate);
        const type = (/tcptype (\\w+)/.exec(c.candidate) || [])[1];
        return "candidate " + (tcp ? "tcp " + type : "udp");
      }
      if (m.data && m.data.candidate) return "candidate end";
      const d = m.data && m.data.description;
      if (d) {
        const lines = (d.sdp || "").split("\\n").filter((l) => l.startsWith("a=candidate"));
        const tcp = lines.filter((l) => / tcp /i.test(l)).length;
        return `${d.type} (${lines.length - tcp} udp + ${tcp} tcp candidates)`;
      }
      return m.type;
    } catch { return "?"; }
  };
  const desc = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage");
  Object.defineProperty(WebSocket.prototype, "onmessage", {
    set(fn) {
      desc.set.call(this, fn && ((ev) => {
        const t = performance.now();
        try { return fn.call(this, ev); }
        finally { log.push(["in", what(ev.data), t, performance.now() - t]); }
      }));
    },
    get() { return desc.get.call(this); },
  });
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    log.push(["out", what(data), performance.now(), 0]);
    return send.call(this, data);
  };
  const proto = RTCPeerConnection.prototype;
  const state = Object.getOwnPropertyDescriptor(proto, "onconnectionstatechange");
  Object.defineProperty(RTCPeerConnection.prototype, "onconnectionstatechange", {
    set(fn) {
      state.set.call(this, fn && ((ev) => {
        const t = performance.now();
        try { return fn.call(this, ev); }
        finally { log.push(["state", this.connectionState, t, performance.now() - t]); }
      }));
    },
    get() { return state.get.call(this); },
  });
  const add = RTCPeerConnection.prototype.addIceCandidate;
  RTCPeerConnection.prototype.addIceCandidate = function (...args) {
    const t = performance.now();
    try { return add.apply(this, args); }
    finally {
      const kind = what(JSON.stringify({data: {candidate: args[0]}}));
      log.push(["add", kind, t, performance.now() - t]);
    }
  };
})();
"""


def traced(browser: Browser, first_url: str, second_url: str, ready: str) -> dict[str, Any]:
    first = new_page(browser, probe=False)
    second = new_page(browser, probe=True)
    second.context.add_init_script(SIGNALS)
    first.context.add_init_script(SIGNALS)
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
        if SAVE is not None:
            n = len(list(SAVE.glob("*.json")))
            (SAVE / f"trace-{n}.json").write_text(json.dumps({**trace, "marks": result}))
        got = window_tasks(trace, result)
        origin = second.evaluate("performance.timeOrigin") - first.evaluate(
            "performance.timeOrigin"
        )
        got["waiting"] = [
            (round(t - origin - result["answer-received"], 1), way, kind, round(ms, 2))
            for way, kind, t, ms in first.evaluate("window.__signals || []")
            if (kind or "").startswith("candidate") and t - origin > result["join-click"]
        ]
        got["signals"] = [
            (round(t - result["answer-received"], 1), way, kind, round(ms, 2))
            for way, kind, t, ms in second.evaluate("window.__signals || []")
        ]
        got["marks"] = sorted(
            (v - result["answer-received"], k)
            for k, v in result.items()
            if k not in ("hop", "enabled", "click")
        )
        return got
    finally:
        first.context.close()
        second.context.close()


def show(kind: str, got: dict[str, Any]) -> None:
    print(
        f"  {kind}: answer-received → frame {got['window']:.1f} ms, {len(got['tasks'])} tasks, "
        f"busy {got['busy']:.1f} ms, script {got['script']:.1f} ms, addIceCandidate "
        f"{got['adds_window']} in window / {got['adds']} traced; the frame's rendering task "
        f"ran on {got['after_frame']:.1f} ms after its callback"
    )
    for t in got["tasks"]:
        if t.dur < 0.5:
            continue
        parts = ", ".join(f"{k} {v:.1f}" for k, v in top(t.parts, 6) if v >= 0.2)
        print(f"    {t.at:7.1f} +{t.dur:5.1f}  {parts}")
    after = [x for x in got["signals"] if x[1] != "?" and x[0] < 2000]
    print(
        "    socket (ms after answer-received, way, what, handler ms): "
        + "; ".join(f"{t} {way} {kind} {ms}" for t, way, kind, ms in after)
    )
    print(
        "    waiting page's candidates (ms after the joining page's answer-received): "
        + "; ".join(f"{t} {way} {kind} {ms}" for t, way, kind, ms in got["waiting"])
    )
    sampled = ", ".join(f"{k} {v:.1f}" for k, v in top(got["profile"], 12) if v >= 0.3)
    print(f"    JS self time in the window (sampled): {sampled}")
    print(
        "    marks (ms after answer-received): "
        + ", ".join(f"{k} {v:.1f}" for v, k in got["marks"] if v > -5)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--room-only", action="store_true", help="skip the bare room")
    parser.add_argument("--save", type=Path, help="keep each round's trace in this folder")
    args = parser.parse_args()
    global SAVE
    SAVE = args.save
    if SAVE:
        SAVE.mkdir(parents=True, exist_ok=True)
    got: dict[str, list[dict[str, Any]]] = {"room": [], "bare": []}
    with servers_and_browser() as (server, bare_base, browser):
        for i in range(-1, args.runs):
            links = make_room(server.url)["links"]
            r = traced(
                browser,
                absolute(server.url, links["interviewer"]),
                absolute(server.url, links["candidate"]),
                ROOM_IN_CALL,
            )
            b = None
            if not args.room_only:
                url = f"{bare_base}/?room=w{i}"
                b = traced(browser, url, url, BARE_READY)
            if i < 0:
                continue  # warm-up
            print(f"round {i + 1}:", flush=True)
            show("room", r)
            got["room"].append(r)
            if b is not None:
                show("bare", b)
                got["bare"].append(b)
    for kind, runs in got.items():
        if not runs:
            continue
        med = {
            key: statistics.median(
                float(len(r["tasks"]) if key == "tasks" else r[key]) for r in runs
            )
            for key in ("window", "tasks", "busy", "script", "after_frame")
        }
        print(
            f"{kind} (median of {len(runs)}): window {med['window']:.1f} ms, tasks "
            f"{med['tasks']:.0f}, busy {med['busy']:.1f} ms, script {med['script']:.1f} ms, "
            f"frame's task after its callback {med['after_frame']:.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
