"""The waiting page's side of a join (it answers the newcomer's offer): what it does, and when.

For each round (a MockRoom room, then a bare room, bench/bare_room.py, interleaved) both pages
get a probe before any page script that stamps, on one wall clock (both pages run in one
browser): each signaling frame sent and received (joined, updated, offer, answer, candidate),
each `icecandidate` event, each addIceCandidate; a Chromium trace gives the waiting page's
renderer main thread between its `joined` and its last candidate sent (busy ms, and the tasks,
by what they ran); getStats() on the waiting page's connection once connected gives its
candidate pairs (requests sent and received, the first request's time) and its DTLS role.

    .venv/bin/python bench/join_answerer.py --runs 4
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from join_busy import CATEGORIES, TASKS  # noqa: E402
from join_harness import (  # noqa: E402
    SETTLE_MS,
    absolute,
    click_join,
    make_room,
    servers_and_browser,
    wait_in_room,
    waiting_and_joining,
)

# Stamps (epoch ms) in window.__signals: what the page's signaling socket and connections did.
PROBE = """
(() => {
  const log = window.__signals = [];
  const now = () => performance.timeOrigin + performance.now();
  const kinds = (text) => {
    let m;
    try { m = JSON.parse(text); } catch { return []; }
    const list = Array.isArray(m) ? m : [m];
    return list.map((x) => {
      const d = (x && (x.data || x.signal || x)) || {};
      if (x.type === "signal" || d.description || d.candidate) {
        if (d.description) return d.description.type;
        if (d.candidate) return "candidate";
      }
      return x && x.type;
    }).filter(Boolean);
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data === "string") for (const k of kinds(data)) log.push([now(), "ws-out", k]);
    return send.call(this, data);
  };
  const Ws = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Ws(...args);
    ws.addEventListener("message", (ev) => {
      if (typeof ev.data !== "string") return;
      for (const k of kinds(ev.data)) log.push([now(), "ws-in", k]);
    });
    return ws;
  };
  window.WebSocket.prototype = Ws.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  const Pc = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Pc(...args);
    window.__pcs.push(pc);
    const c = (e) => e.candidate ? e.candidate.type + " " + e.candidate.protocol : "end";
    const on = (type, what) => pc.addEventListener(type, (e) => log.push([now(), ...what(e)]));
    on("icecandidate", (e) => ["icecandidate", c(e)]);
    on("icegatheringstatechange", () => ["gathering", pc.iceGatheringState]);
    on("iceconnectionstatechange", () => ["ice", pc.iceConnectionState]);
    on("connectionstatechange", () => ["pc", pc.connectionState]);
    return pc;
  };
  window.RTCPeerConnection.prototype = Pc.prototype;
  window.RTCPeerConnection.generateCertificate = Pc.generateCertificate;
  const add = Pc.prototype.addIceCandidate;
  Pc.prototype.addIceCandidate = function (c, ...rest) {
    log.push([now(), "addIceCandidate", ""]);
    return add.call(this, c, ...rest);
  };
  const stats = Pc.prototype.getStats;
  Pc.prototype.getStats = function (...a) {
    log.push([now(), "getStats", this.connectionState]);
    return stats.apply(this, a);
  };
  for (const name of ["setRemoteDescription", "setLocalDescription"]) {
    const f = Pc.prototype[name];
    Pc.prototype[name] = function (...a) {
      log.push([now(), name + " call", ""]);
      return f.apply(this, a).then((v) => { log.push([now(), name + " done", ""]); return v; });
    };
  }
})();
"""

# The connected connection's candidate pairs and transport, from the waiting page.
STATS = """async () => {
  const out = [];
  for (const pc of window.__pcs) {
    if (pc.connectionState !== "connected") continue;
    const rep = await pc.getStats();
    const rows = [];
    rep.forEach((s) => {
      if (s.type === "candidate-pair" || s.type === "transport") rows.push(s);
    });
    out.push({dtls: pc.localDescription && /a=setup:(\\w+)/.exec(pc.localDescription.sdp)[1],
              rows, origin: performance.timeOrigin});
  }
  return out;
}"""

SAVE: Path | None = None
WAITED = ("joined", "updated", "offer", "answer", "candidate")


def signals(page: Page) -> list[tuple[float, str, str]]:
    return [tuple(x) for x in page.evaluate("window.__signals")]  # type: ignore[misc]


def main_tasks(trace: dict[str, Any], mark: str, t0: float, t1: float) -> list[dict[str, Any]]:
    """The top-level tasks of the main thread of the renderer that stamped `mark`, overlapping
    [t0, t1] (epoch ms), each with the names of the longest events inside it."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    hit = next(e for e in events if e.get("name") == mark)
    pid = hit["pid"]
    mains = {
        e["tid"]
        for e in events
        if e.get("pid") == pid
        and e.get("name") == "thread_name"
        and e.get("args", {}).get("name") == "CrRendererMain"
    }
    # Trace clock → epoch: the mark's trace ts against its performance time is not in the
    # trace, so the caller passes [t0, t1] already on the trace clock (µs).
    inner = [
        e for e in events if e.get("pid") == pid and e.get("tid") in mains and e.get("ph") == "X"
    ]
    tasks = []
    for e in inner:
        if e.get("name") not in TASKS:
            continue
        a, b = float(e["ts"]), float(e["ts"]) + float(e.get("dur", 0))
        if b < t0 or a > t1:
            continue
        kids: Counter[str] = Counter()
        layouts = 0
        for k in inner:
            if k is e or k.get("name") in TASKS:
                continue
            if a <= float(k["ts"]) and float(k["ts"]) + float(k.get("dur", 0)) <= b:
                data = k.get("args", {}).get("data", {})
                label = k["name"]
                layouts += label == "Layout"
                if label in ("FunctionCall", "EventDispatch", "TimerFire"):
                    label += " " + str(data.get("functionName") or data.get("type") or "")
                kids[label] += int(k.get("dur", 0))
        top = [(name, us / 1000) for name, us in kids.most_common(4)]
        tasks.append({"at": a, "ms": (b - a) / 1000, "kids": top, "layouts": layouts})
    return tasks


def traced_round(browser: Browser, run: Any) -> dict[str, Any]:
    with waiting_and_joining(browser) as (first, second), tempfile.TemporaryDirectory() as tmp:
        first.add_init_script(PROBE)
        second.add_init_script(PROBE)
        path = Path(tmp) / "trace.json"
        run.seat(first)
        browser.start_tracing(path=str(path), categories=CATEGORIES)
        result = run.join(second)
        second.wait_for_function(
            "() => window.__pcs.some((pc) => pc.connectionState === 'connected')"
        )
        first.wait_for_function(
            "() => window.__pcs.some((pc) => pc.connectionState === 'connected')"
        )
        stats = first.evaluate(STATS)
        browser.stop_tracing()
        trace = json.loads(path.read_text())
        origin = second.evaluate("performance.timeOrigin")
        click = origin + result["click"]
        w = [(t - click, where, k) for t, where, k in signals(first)]
        j = [(t - click, where, k) for t, where, k in signals(second)]
        # The waiting page's mark on both clocks: its trace ts (µs) and its performance time.
        marks = first.evaluate(
            """() => Object.fromEntries(performance.getEntriesByType("mark")
                .map((m) => [m.name, performance.timeOrigin + m.startTime]))"""
        )
        events = trace["traceEvents"] if isinstance(trace, dict) else trace
        sent = next(e for e in events if e.get("name") == "mockroom:answer-sent")
        shift = float(sent["ts"]) / 1000 - marks["mockroom:answer-sent"]  # trace ms - epoch ms
        joined_at = next((t for t, where, k in w if where == "ws-in" and k == "joined"), 0.0)
        last_out = max(
            (t for t, where, k in w if where == "ws-out" and k == "candidate"), default=0.0
        )
        t0 = (joined_at + click + shift) * 1000
        t1 = (last_out + click + shift) * 1000
        tasks = main_tasks(trace, "mockroom:answer-sent", t0, t1)
        for task in tasks:
            task["at"] = task["at"] / 1000 - shift - click
        if SAVE is not None:
            n = len(list(SAVE.glob("trace-*.json")))
            (SAVE / f"trace-{n}.json").write_text(json.dumps(trace))
            (SAVE / f"meta-{n}.json").write_text(
                json.dumps({"shift": shift, "click": click, "waiting": w, "joining": j})
            )
        return {"waiting": w, "joining": j, "stats": stats, "tasks": tasks, "click": click}


class RoomRun:
    def __init__(self, base: str) -> None:
        self.base = base

    def seat(self, page: Page) -> None:
        self.room = make_room(self.base)
        wait_in_room(page, absolute(self.base, self.room["links"]["interviewer"]))

    def join(self, page: Page) -> dict[str, float]:
        return click_join(page, absolute(self.base, self.room["links"]["candidate"]), lands="sig=")


class BareRun:
    def __init__(self, base: str, n: int) -> None:
        self.url = f"{base}/?room=a{n}"

    def seat(self, page: Page) -> None:
        page.goto(self.url)
        page.get_by_test_id("join-button").click()
        page.wait_for_function("() => window.__bare && window.__bare.ws.readyState === 1")
        page.wait_for_timeout(SETTLE_MS)

    def join(self, page: Page) -> dict[str, float]:
        return click_join(page, self.url)


def show(kind: str, r: dict[str, Any]) -> None:
    print(f"\n== {kind}: the waiting page (ms after the click) ==")
    for t, where, k in r["waiting"]:
        if where in ("ws-in", "ws-out") and k not in WAITED:
            continue
        print(f"  {t:8.1f}  {where:22s} {k}")
    print(f"-- {kind}: the joining page --")
    for t, where, k in r["joining"]:
        if t < 0 or (where in ("ws-in", "ws-out") and k not in WAITED):
            continue
        print(f"  {t:8.1f}  {where:22s} {k}")
    print(f"-- {kind}: waiting page main-thread tasks from its joined to its last candidate --")
    for task in r["tasks"]:
        if task["ms"] >= 0.3:
            kids = ", ".join(f"{n} {ms:.1f}" for n, ms in task["kids"])
            print(f"  {task['at']:8.1f}  {task['ms']:6.1f} ms  {kids}")
    for s in r["stats"]:
        print(f"-- {kind}: waiting page stats (its a=setup:{s['dtls']}) --")
        for row in s["rows"]:
            if row["type"] == "transport":
                print(
                    f"  transport dtlsState={row.get('dtlsState')} role={row.get('dtlsRole')} "
                    f"iceRole={row.get('iceRole')} "
                    f"pairChanges={row.get('selectedCandidatePairChanges')}"
                )
            else:
                first_req = row.get("firstRequestTimestamp")
                at = f"{first_req - r['click']:.1f}" if first_req else "-"
                print(
                    f"  pair {row.get('state'):10s} nominated={row.get('nominated')} "
                    f"reqSent={row.get('requestsSent')} reqRecv={row.get('requestsReceived')} "
                    f"respRecv={row.get('responsesReceived')} firstReq@{at}"
                )


def busy(r: dict[str, Any]) -> float:
    return float(sum(t["ms"] for t in r["tasks"]))


def before_answer(r: dict[str, Any]) -> list[dict[str, Any]]:
    """The waiting page's tasks that began between the `joined` and the answer going out."""
    joined = first(r["waiting"], "ws-in", "joined") or 0.0
    answer = first(r["waiting"], "ws-out", "answer") or 0.0
    return [t for t in r["tasks"] if joined - 1 <= t["at"] <= answer]


def layouts_to_answer(r: dict[str, Any]) -> float:
    return float(sum(t["layouts"] for t in before_answer(r)))


def stats_mid_join(r: dict[str, Any]) -> float:
    """getStats() calls on a connection not yet connected (the stats loop in the handshake)."""
    return float(
        sum(1 for t, w, k in r["waiting"] if t > 0 and w == "getStats" and k != "connected")
    )


def busy_to_answer(r: dict[str, Any]) -> float:
    """Main-thread ms in tasks that began between the `joined` and the answer going out."""
    joined = first(r["waiting"], "ws-in", "joined") or 0.0
    answer = first(r["waiting"], "ws-out", "answer") or 0.0
    return float(sum(t["ms"] for t in r["tasks"] if joined - 1 <= t["at"] <= answer))


def first(rows: list[tuple[float, str, str]], where: str, kind: str) -> float | None:
    """The first such stamp after the click (the waiting page's own join came before it)."""
    return next((t for t, w, k in rows if w == where and k == kind and t > 0), None)


def summary(kind: str, runs: list[dict[str, Any]]) -> None:
    def med(f: Any) -> str:
        vals = [v for r in runs if (v := f(r)) is not None]
        return f"{statistics.median(vals):7.1f}" if vals else "      -"

    def w(where: str, k: str) -> Callable[[dict[str, Any]], float | None]:
        return lambda r: first(r["waiting"], where, k)

    def j(where: str, k: str) -> Callable[[dict[str, Any]], float | None]:
        return lambda r: first(r["joining"], where, k)

    print(f"\n{kind}: medians over {len(runs)} runs (ms after the click)")
    rows = [
        ("waiting: joined in", w("ws-in", "joined")),
        ("waiting: offer in", w("ws-in", "offer")),
        ("waiting: answer out", w("ws-out", "answer")),
        ("waiting: gathering", w("gathering", "gathering")),
        ("waiting: ICE checking", w("ice", "checking")),
        ("waiting: first icecandidate", w("icecandidate", "host udp")),
        ("waiting: first candidate out", w("ws-out", "candidate")),
        ("joining: answer in", j("ws-in", "answer")),
        ("joining: first candidate in", j("ws-in", "candidate")),
        ("joining: ICE checking", j("ice", "checking")),
        ("joining: connected", j("pc", "connected")),
        ("waiting: connected", w("pc", "connected")),
    ]
    for label, f in rows:
        print(f"  {label:32s} {med(f)}")
    print(f"  {'waiting: main busy joined→answer':32s} {med(busy_to_answer)}")
    layouts = [layouts_to_answer(r) for r in runs]
    print(f"  {'waiting: layouts joined→answer':32s} {sum(layouts):7.0f} in all ({layouts})")
    mid = [stats_mid_join(r) for r in runs]
    print(f"  {'waiting: getStats before connected':32s} {sum(mid):7.0f} in all ({mid})")
    print(f"  {'waiting: main busy joined→cand':32s} {med(busy)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--detail", action="store_true", help="print every round's stamps")
    parser.add_argument("--save", type=Path, help="keep each round's trace in this folder")
    args = parser.parse_args()
    global SAVE
    SAVE = args.save
    if SAVE:
        SAVE.mkdir(parents=True, exist_ok=True)
    got: dict[str, list[dict[str, Any]]] = {"room": [], "bare": []}
    with servers_and_browser() as (server, bare_base, browser):
        for i in range(-1, args.runs):
            r = traced_round(browser, RoomRun(server.url))
            b = traced_round(browser, BareRun(bare_base, i))
            if i < 0:
                continue  # warm-up
            got["room"].append(r)
            got["bare"].append(b)
            if args.detail:
                show("room", r)
                show("bare", b)
    show("room (last round)", got["room"][-1])
    show("bare (last round)", got["bare"][-1])
    for kind, runs in got.items():
        summary(kind, runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
