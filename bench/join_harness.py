"""The join bench's harness (bench/join.py): the servers, the pages and one run of each room.

A run seats the waiting page, opens the joining page in a fresh context with the probe installed
before any page script, clicks Join the moment it is enabled, and reads back what the page
stamped: the probe's moments, the room's own marks (mockroom:*), its resources and Server-Timing.
bench/join_busy.py, join_profile.py and weight.py drive pages through these same steps.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Route, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from support.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from support.browser import new_page as browser_page  # noqa: E402
from support.live_server import LiveServer, free_port, start_server, stop_server  # noqa: E402

# How long the waiting page sits in its room before the other joins (its page idle).
SETTLE_MS = 1000
# A waiting room page is in the call: the view shown (data-phase=call), not only built ahead,
# hidden, off to the side (join-view.js), whose #call box is unhidden for that layout.
ROOM_IN_CALL = "() => document.querySelector('[data-phase=call]') !== null"
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
    """A page in a fresh context, as the tests open them, but with no script of theirs (their
    CSP recorder would be page work inside the figure); `probe`: the joining page's probe."""
    return browser_page(browser, init_scripts=(PROBE,) if probe else ())


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


def open_until_join(page: Page, url: str, lands: str | None = None) -> None:
    """Navigate and return the moment the Join button is enabled.

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


def click_join(page: Page, url: str, lands: str | None = None) -> dict[str, float]:
    """Navigate, click Join the moment it is enabled, wait for the first remote frame."""
    open_until_join(page, url, lands)
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


@contextmanager
def servers_and_browser() -> Iterator[tuple[LiveServer, str, Browser]]:
    """MockRoom (rooms not rate-limited), the bare room (its base URL) and one headless
    Chromium, for a bench's rounds; all stopped afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", env={"MOCKROOM_ROOM_RATE_PER_HOUR": "0"})
        bare_proc, bare_base = start_bare()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS), headless=True
                )
                try:
                    yield server, bare_base, browser
                finally:
                    browser.close()
        finally:
            stop_server(server)
            bare_proc.terminate()
            bare_proc.wait(timeout=15)


@contextmanager
def waiting_and_joining(browser: Browser) -> Iterator[tuple[Page, Page]]:
    """The page that waits in the room and the joining page (probed), closed afterwards."""
    first = new_page(browser, probe=False)
    second = new_page(browser, probe=True)
    try:
        yield first, second
    finally:
        first.context.close()
        second.context.close()


def room_run(browser: Browser, base: str) -> dict[str, float]:
    room = make_room(base)
    with waiting_and_joining(browser) as (first, second):
        wait_in_room(first, absolute(base, room["links"]["interviewer"]))
        result = click_join(second, absolute(base, room["links"]["candidate"]), lands="sig=")
        return {**result, **peer_marks(first, second)}


def bare_run(browser: Browser, base: str, n: int) -> dict[str, float]:
    url = f"{base}/?room=r{n}"
    with waiting_and_joining(browser) as (first, second):
        first.goto(url)
        first.get_by_test_id("join-button").click()
        first.wait_for_function("() => window.__bare && window.__bare.ws.readyState === 1")
        first.wait_for_timeout(SETTLE_MS)
        result = click_join(second, url)
        return {**result, **peer_marks(first, second)}


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
