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
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Route, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from join_phases import print_steps  # noqa: E402
from signal_probe import probe  # noqa: E402

# One list of Chromium flags and one server launcher, shared with the tests.
from support.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from support.live_server import free_port, start_server, stop_server  # noqa: E402

SETTLE_MS = 1000
# Goals (issue 13): navigation ≤ 1.25x the bare room; click ≤ 0.8x the bare room.
GOAL_NAV = 1.25
GOAL_CLICK = 0.8
GOAL_CLICK_FLOOR = 1.5
HERE = Path(__file__).resolve().parent

# Installed before any page script: watches for the remote <video> and stamps its first frame,
# the moment the Join button became enabled, and the click.
PROBE = """
(() => {
  const b = window.__bench = {};
  // A room link opens a short page first (it trades the token for a page ticket), then the
  // room page: the time from opening the link to this document's own navigation start.
  const opened = JSON.parse(sessionStorage.getItem("__bench_opened") || "null");
  if (opened === null) sessionStorage.setItem("__bench_opened", String(performance.timeOrigin));
  b.hop = opened === null ? 0 : performance.timeOrigin - opened;
  let video = null;
  const watch = () => {
    const v = document.querySelector("video[data-testid=remote-media]");
    if (v && v !== video) {
      video = v;
      v.requestVideoFrameCallback(() => { b.frame ??= performance.now(); });
    }
    const j = document.querySelector("[data-testid=join-button]");
    if (j && !j.disabled && b.enabled === undefined) b.enabled = performance.now();
    // Watching costs the page a query per DOM change: stop once there is nothing left to see.
    if (video && b.enabled !== undefined) observer.disconnect();
  };
  const observer = new MutationObserver(watch);
  observer.observe(document, {childList: true, subtree: true, attributes: true});
  document.addEventListener("pointerdown", () => { b.click ??= performance.now(); }, true);
})();
"""

FLOOR_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>floor</title></head>
<body><video id="remote" autoplay playsinline muted></video>
<script type="module">
const b = window.__bench = {};
const video = document.getElementById("remote");
video.requestVideoFrameCallback(() => { b.frame = performance.now(); });
const stream = await navigator.mediaDevices.getUserMedia(
  {audio: true, video: {width: {ideal: 640}, height: {ideal: 480}}});
const a = new RTCPeerConnection(), c = new RTCPeerConnection();
a.onicecandidate = (e) => e.candidate && c.addIceCandidate(e.candidate);
c.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
c.ontrack = (e) => { if (e.track.kind === "video") video.srcObject = new MediaStream([e.track]); };
for (const t of stream.getTracks()) a.addTrack(t, stream);
await a.setLocalDescription();
await c.setRemoteDescription(a.localDescription);
await c.setLocalDescription();
await a.setRemoteDescription(c.localDescription);
</script></body></html>"""


def wait_healthy(proc: subprocess.Popen[bytes], url: str) -> None:
    """The bare room is not ours, so support.live_server does not launch it: poll its /healthz."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{url}: server did not start")


def start_bare() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "bare_room.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(proc, url)
    return proc, url


def make_room(base: str) -> dict[str, Any]:
    body = json.dumps({"mode": "peer", "media": "video", "title": "bench"}).encode()
    req = urllib.request.Request(
        base + "/api/rooms", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        room: dict[str, Any] = json.loads(resp.read())
    return room


def absolute(base: str, url: str) -> str:
    return url if url.startswith("http") else base + url


def new_page(browser: Browser, probe: bool) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    if probe:
        context.add_init_script(PROBE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


# What the page knows about its own load: the document's response, the entry bundle's arrival,
# DOMContentLoaded, the server's own time for the page (Server-Timing), and the app's marks.
COLLECT = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const out = {...window.__bench};
  if (nav) {
    out["doc-response-start"] = nav.responseStart;
    out["doc-response-end"] = nav.responseEnd;
    out["dom-content-loaded"] = nav.domContentLoadedEventEnd;
    for (const t of nav.serverTiming || []) out[`server-page-${t.name}`] = t.duration;
  }
  for (const r of performance.getEntriesByType("resource")) {
    const name = r.name.split("/").pop().split("?")[0];
    if (name === "room-page.js") out["entry-script-loaded"] = r.responseEnd;
    else if (/[.](js|css)$/.test(name)) {
      out[`loaded ${name.replace(/-[A-Z0-9]{8}[.]/, "-*.")}`] = r.responseEnd;
    }
    if (r.name.includes("/api/rooms/")) {
      out["room-info-response"] = r.responseEnd;
      for (const t of r.serverTiming || []) out[`server-api-${t.name}`] = t.duration;
    }
  }
  for (const m of performance.getEntriesByType("mark")) {
    if (m.name.startsWith("mockroom:")) out[m.name.slice(9)] ??= m.startTime;
  }
  return out;
}"""


# Waits in the page for the first frame with a plain timer. Not page.wait_for_function: its
# polling runs Playwright's injected predicate machinery on every animation frame, on the main
# thread of the very page being timed (about 14 ms of it per join, measured with a CPU profile).
FRAME_SEEN = """() => new Promise((resolve) => {
  const check = () => window.__bench && window.__bench.frame !== undefined
    ? resolve(true) : setTimeout(check, 25);
  check();
})"""


JOIN_ENABLED = """() => {
  const join = document.querySelector("[data-testid=join-button]");
  return join !== null && !join.disabled && join.offsetParent !== null;
}"""


def wait_frame(page: Page) -> dict[str, float]:
    page.evaluate(FRAME_SEEN)
    result: dict[str, float] = page.evaluate(COLLECT)
    return result


def peer_marks(first: Page, second: Page) -> dict[str, float]:
    """The waiting page's marks (it answers the offer) on the joining page's clock: both pages
    run in one browser, so their time origins are on the same wall clock."""
    origin = second.evaluate("performance.timeOrigin")
    marks: dict[str, float] = first.evaluate(
        """(origin) => Object.fromEntries(performance.getEntriesByType("mark")
             .filter((m) => m.name.startsWith("mockroom:"))
             .map((m) => ["peer:" + m.name.slice(9),
                          performance.timeOrigin + m.startTime - origin]))""",
        origin,
    )
    # Only what happened after the joining page opened (its lobby, offer and answer).
    return {k: v for k, v in marks.items() if v > 0}


def click_join(page: Page, url: str, lands: str | None = None) -> dict[str, float]:
    """Navigate, click Join the moment it is enabled, wait for the first remote frame.

    `lands`: a piece of the address of the page that holds Join, when the link first opens
    another page (the room's open page trades the token, then replaces itself)."""
    page.goto(url, wait_until="commit")
    if lands is not None:
        page.wait_for_url(lambda address: lands in address, wait_until="commit")
    # Watched in the page every 10 ms for both rooms. Playwright's own wait re-checks from the
    # driver at growing gaps (0, 20, 50, 100, 100, then 500 ms) counted from goto, so where a
    # page's Join became enabled within that schedule, not the page, decided when it was
    # clicked (and the room's schedule started on its open page).
    page.wait_for_function(JOIN_ENABLED, polling=10)
    # A trusted click (Playwright's mouse); its actionability checks would add two animation
    # frames, so they are done here instead.
    page.locator("[data-testid=join-button]").click(force=True)
    return wait_frame(page)


def wait_in_room(page: Page, link: str) -> None:
    """The interviewer joins and has been waiting a moment (its page is idle, its notes pane
    loaded), as when a person joins a room someone is already in."""
    page.goto(link)
    page.get_by_test_id("join-button").click()
    page.locator("#call").wait_for(state="visible")
    page.wait_for_timeout(SETTLE_MS)


def room_run(browser: Browser, base: str) -> dict[str, float]:
    room = make_room(base)
    first = new_page(browser, probe=False)
    second = new_page(browser, probe=True)
    try:
        wait_in_room(first, absolute(base, room["links"]["interviewer"]))
        result = click_join(second, absolute(base, room["links"]["candidate"]), lands="sig=")
        return {**result, **peer_marks(first, second)}
    finally:
        first.context.close()
        second.context.close()


def bare_run(browser: Browser, base: str, n: int) -> dict[str, float]:
    url = f"{base}/?room=r{n}"
    first = new_page(browser, probe=False)
    second = new_page(browser, probe=True)
    try:
        first.goto(url)
        first.get_by_test_id("join-button").click()
        first.wait_for_function("() => window.__bare && window.__bare.ws.readyState === 1")
        first.wait_for_timeout(SETTLE_MS)
        result = click_join(second, url)
        return {**result, **peer_marks(first, second)}
    finally:
        first.context.close()
        second.context.close()


def floor_run(browser: Browser, base: str) -> dict[str, float]:
    page = new_page(browser, probe=False)

    def serve(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=FLOOR_PAGE)

    try:
        # Same origin as the room (permissions, loopback), but a page of nothing but WebRTC.
        page.route(base + "/__floor", serve)
        page.goto(base + "/__floor", wait_until="commit")
        return wait_frame(page)
    finally:
        page.context.close()


def summary(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return statistics.median(ordered), p90, ordered[0]


def print_breakdown(name: str, rooms: list[dict[str, float]]) -> None:
    """Every milestone the room page stamps, as the median after navigation and after the click
    (negative: it happened in the lobby, before the click), in the order they happen."""
    skip = {"frame", "enabled", "click"}
    keys = sorted(
        {k for r in rooms for k in r} - skip,
        key=lambda k: statistics.median(r[k] for r in rooms if k in r),
    )
    print(f"\nwhere the {name}'s join goes (median ms; 'after click' < 0: before the click;")
    print("  peer:* = the waiting page's marks, on the joining page's clock):")
    print(f"  {'milestone':32s} {'after nav':>9s} {'after click':>11s} {'runs':>5s}")
    for key in [*keys, "frame"]:
        have = [r for r in rooms if key in r]
        if key.startswith("server-"):
            # A duration on the server, not a moment in the page.
            med = statistics.median(r[key] for r in have)
            print(f"  {key + ' (duration)':32s} {med:9.1f} {'':>11s} {len(have):5d}")
            continue
        nav = statistics.median(r[key] for r in have)
        click = statistics.median(r[key] - r["click"] for r in have)
        print(f"  {key:32s} {nav:9.1f} {click:11.1f} {len(have):5d}")


def quartiles(values: list[float]) -> tuple[float, float, float, float]:
    """min, p25, p75, max: the spread of the per-round ratios on this noisy host."""
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=4, method="inclusive") if len(ordered) > 1 else ordered * 3
    return ordered[0], q[0], q[2], ordered[-1]


Figure = tuple[str, list[float], list[float], list[float], float | None, float | None]


def print_figures(figures: list[Figure]) -> None:
    """Each figure: MockRoom, the bare room and the floor (medians, ms), the per-round ratios'
    median and spread, and the goals (issue 13) with a verdict on the per-round median."""
    print(
        f"\n  {'figure (median ms)':32s} {'MockRoom':>8s} {'bare':>7s} {'ratio':>6s} "
        f"{'spread (min p25-p75 max)':>25s} {'floor':>7s} {'/floor':>6s}  goal"
    )
    for label, ours, bare, floor, goal_bare, goal_floor in figures:
        ratios = [a / b for a, b in zip(ours, bare, strict=True)]
        of_floor = statistics.median(a / f for a, f in zip(ours, floor, strict=True))
        ratio = statistics.median(ratios)
        low, p25, p75, high = quartiles(ratios)
        goals = []
        if goal_bare is not None:
            goals.append(f"≤ {goal_bare:.2f}x bare: {'met' if ratio <= goal_bare else 'NOT MET'}")
        if goal_floor is not None:
            met = "met" if of_floor <= goal_floor else "NOT MET"
            goals.append(f"≤ {goal_floor:.2f}x floor: {met}")
        spread = f"{low:4.2f} {p25:4.2f}-{p75:4.2f} {high:4.2f}"
        print(
            f"  {label:32s} {statistics.median(ours):8.1f} {statistics.median(bare):7.1f} "
            f"{ratio:5.2f}x {spread:>25s} {statistics.median(floor):7.1f} {of_floor:5.2f}x  "
            + ("; ".join(goals) or "(no goal: reported)")
        )
    print("  (ratio: the median of the per-round ratios; the floor has no click, so both rows")
    print("   divide by its navigation → frame)")


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
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS), headless=True
                )
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
                browser.close()
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
    print(f"\n{'measure (ms)':44s} {'median':>8s} {'p90':>8s} {'min':>8s}")
    for label, values in rows:
        med, p90, low = summary(values)
        print(f"{label:44s} {med:8.1f} {p90:8.1f} {low:8.1f}")
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


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


if __name__ == "__main__":
    sys.exit(main())
