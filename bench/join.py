"""Join speed: navigation → first remote video frame on the later joiner, against the floor.

Room (what a person experiences): a fresh video room per run; the interviewer's page has joined
and waits. The candidate's page (a fresh browser context) navigates to its link, and its Join
button is clicked (a real, trusted click through Playwright) as soon as the button is enabled.
Measured in that page with performance.now() (0 = navigation start): the moment the remote
<video> presents its first frame (requestVideoFrameCallback). The lobby, getUserMedia, the
signaling socket and negotiation are all inside the figure.

Floor (the same machine and browser, nothing of ours): one page, served at the same origin,
that calls getUserMedia on the same fake camera and microphone and connects two
RTCPeerConnections inside the page; navigation → first presented remote frame.

Room and floor runs alternate (run-to-run noise is ±30 % here), each in a fresh context.
Usage: .venv/bin/python bench/join.py [--runs 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Route, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
# One list of Chromium flags and one server launcher, shared with the tests.
from support.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from support.live_server import start_server, stop_server  # noqa: E402

SETTLE_MS = 1000

# Installed before any page script: watches for the remote <video> and stamps its first frame,
# the moment the Join button became enabled, and the click.
PROBE = """
(() => {
  const b = window.__bench = {};
  const watch = () => {
    const v = document.querySelector("video[data-testid=remote-media]");
    if (v && !v.__benchWatched) {
      v.__benchWatched = true;
      v.requestVideoFrameCallback(() => { b.frame = performance.now(); });
    }
    const j = document.querySelector("[data-testid=join-button]");
    if (j && !j.disabled && b.enabled === undefined) b.enabled = performance.now();
  };
  new MutationObserver(watch).observe(document, {childList: true, subtree: true, attributes: true});
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


def wait_frame(page: Page) -> dict[str, float]:
    page.wait_for_function("() => window.__bench && window.__bench.frame !== undefined")
    result: dict[str, float] = page.evaluate(
        """() => ({...window.__bench, ...Object.fromEntries(performance.getEntriesByType("mark")
             .filter((m) => m.name.startsWith("mockroom:"))
             .map((m) => [m.name.slice(9), m.startTime]))})"""
    )
    return result


def room_run(browser: Browser, base: str) -> dict[str, float]:
    room = make_room(base)
    first = new_page(browser, probe=False)
    second = new_page(browser, probe=True)
    try:
        first.goto(absolute(base, room["links"]["interviewer"]))
        first.get_by_test_id("join-button").click()
        first.locator("#call").wait_for(state="visible")
        # The interviewer has been waiting a moment (its page is idle, its notes pane loaded),
        # as when a person joins a room someone is already in.
        first.wait_for_timeout(SETTLE_MS)
        second.goto(absolute(base, room["links"]["candidate"]), wait_until="commit")
        # A trusted click (Playwright's mouse) the moment the button is enabled; its own
        # actionability checks would add two animation frames, so they are done here instead.
        join = second.locator("[data-testid=join-button]:not([disabled])")
        join.wait_for(state="visible")
        join.click(force=True)
        return wait_frame(second)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each (default 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data")
        base = server.url
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS), headless=True
                )
                room_run(browser, base)  # warm-up: caches, JIT, the server's first room
                floor_run(browser, base)
                rooms, floors = [], []
                for i in range(args.runs):
                    rooms.append(room_run(browser, base))
                    floors.append(floor_run(browser, base))
                    print(
                        f"run {i + 1:2d}: room {rooms[-1]['frame']:7.1f} ms   "
                        f"floor {floors[-1]['frame']:7.1f} ms",
                        flush=True,
                    )
                browser.close()
        finally:
            stop_server(server)
    rows = [
        ("room: navigation → first remote frame", [r["frame"] for r in rooms]),
        ("  of which navigation → Join enabled", [r["enabled"] for r in rooms]),
        ("  of which Join enabled → click (harness)", [r["click"] - r["enabled"] for r in rooms]),
        ("  of which click → first remote frame", [r["frame"] - r["click"] for r in rooms]),
        ("floor: navigation → first remote frame", [f["frame"] for f in floors]),
    ]
    marks = sorted(
        {k for r in rooms for k in r} - {"frame", "enabled", "click"},
        key=lambda k: statistics.median(r.get(k, 0) for r in rooms),
    )
    print("\nroom page milestones (ms after navigation start, median):")
    for key in marks:
        print(f"  {key:28s} {statistics.median(r[key] for r in rooms if key in r):8.1f}")
    print(f"\n{'measure (ms)':44s} {'median':>8s} {'p90':>8s} {'min':>8s}")
    for label, values in rows:
        med, p90, low = summary(values)
        print(f"{label:44s} {med:8.1f} {p90:8.1f} {low:8.1f}")
    # The app's own time if the click landed exactly when Join was enabled (no harness lag).
    app_only = [r["frame"] - (r["click"] - r["enabled"]) for r in rooms]
    med, p90, low = summary(app_only)
    print(f"{'room without harness click lag':44s} {med:8.1f} {p90:8.1f} {low:8.1f}")
    room_med = statistics.median(r["frame"] for r in rooms)
    floor_med = statistics.median(f["frame"] for f in floors)
    print(
        f"\nratio room/floor (medians, {args.runs} interleaved runs each): "
        f"{room_med / floor_med:.2f}x  (goal ≤ 1.25x); without the harness click lag: "
        f"{statistics.median(app_only) / floor_med:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
