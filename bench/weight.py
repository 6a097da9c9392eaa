"""Page weight: the bytes of script and CSS each page loads before it is usable, against a budget.

    .venv/bin/python bench/weight.py

Measured in Chromium with the Resource Timing API (decodedBodySize: what the browser parses;
the server sends these files uncompressed, so it is also what crosses the network). "Usable":
the page's network is idle after load, and for the room lobby and the scripted page its Join button
is enabled (the open page: its document, read from the server); what a
page loads only later (the notes editor after Join) is not counted, which is the point. A page
over its budget fails this bench's line (exit status 1), never a test.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from join_harness import absolute  # noqa: E402
from results import figure, write  # noqa: E402
from support.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from support.live_server import start_server, stop_server  # noqa: E402  (one launcher)

# Budgets in KiB of script and of CSS, each a little above what the page needs today: a page
# that grows past them should say why (or load the new part after it is usable).
# `cd web && node build.mjs --analyze` lists the files each page loads at once and later.
BUDGETS_KIB: dict[str, tuple[float, float]] = {
    # 15 -> 14: the invite line has its own module, not the whole links panel (12.6 KiB).
    "home": (14, 20),
    # interview.css loads with its pane, after the join. Script 55 -> 58: the waiting side's
    # spare connection and deferred tile, and tracks handed over together (perfjoin2, +1.6 KiB).
    # 58 -> 59: join-early.js, Join usable before room-page.js runs (lobbyfast, +0.5 KiB).
    # 59 -> 61: the call view built after the answer and laid out unseen in the lobby's idle
    # time (join-view.js, clickpath), the lobby's extras after it settles (beforeclick), and
    # protocol.js in parts (websplit): 59.2 -> 60.2 KiB.
    # 61 -> 65: what the join's first second needs in place before the click: the start
    # bitrate (call-media.js) and the tiles' warm-up (61.8), the call view's fonts looked up
    # in the lobby (font-warm.js), the TCP candidates held (call-candidates.js), the offer made
    # after the first frame (after-paint.js), the spare dressed with our tracks: 64.5 KiB.
    # 65 -> 66: the call view built ahead in tasks after the click and the remote tracks
    # streamed before the answer (join-view.js, call-media.js), the waiting side's hold on
    # deferred work while it answers (idle-hold.js), the fonts after the settle (next-task.js):
    # 65.6 KiB, and the click-to-frame window has no tile, layout or redraw left in it.
    "room lobby": (66, 20),
    # 42 -> 38: the media link, captions, take recorder and uploader load with the join (36.6).
    # 38 -> 30: the socket, outage handling and "Your answers" load with the join too, and the
    # links panel after the first request (27.3, of which 3.2 is that panel).
    "scripted": (30, 25),
    # The page a #token= link opens first: its script is inlined in the document (counted
    # here), then it preloads the next page (counted on that page's row).
    "open page": (4, 20),
    "review": (11, 25),
    "report": (2, 22),
}

MEASURE = """() => {
  const out = {script: 0, css: 0, files: []};
  for (const r of performance.getEntriesByType("resource")) {
    const path = new URL(r.name).pathname;
    const kind = path.endsWith(".js") ? "script" : path.endsWith(".css") ? "css" : null;
    if (!kind) continue;
    out[kind] += r.decodedBodySize;
    out.files.push([path.split("/").pop(), r.decodedBodySize]);
  }
  return out;
}"""


def post(base: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(base + "/api/rooms", data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as resp:
        out: dict[str, Any] = json.loads(resp.read())
    return out


def pages(base: str) -> dict[str, str]:
    peer = post(base, {"mode": "peer", "media": "video", "title": "weight"})
    scripted = post(base, {"mode": "scripted", "media": "audio", "title": "weight"})
    token = peer["links"]["interviewer"].split("token=")[1]
    reviewer = scripted["links"]["reviewer"].split("token=")[1]
    return {
        "home": base + "/",
        "room lobby": absolute(base, peer["links"]["interviewer"]),
        "scripted": absolute(base, scripted["links"]["candidate"]),
        "review": f"{base}/rooms/{scripted['room_id']}/review?token={reviewer}",
        "report": f"{base}/rooms/{peer['room_id']}/report?token={token}",
    }


def open_page(base: str) -> dict[str, Any]:
    """The open page's own weight, read from the server (it replaces itself with the room at
    once, so no document is left to ask): its inlined script and the stylesheet it links."""
    peer = post(base, {"mode": "peer", "media": "video", "title": "weight"})
    with urllib.request.urlopen(f"{base}/rooms/{peer['room_id']}", timeout=10) as resp:
        html = resp.read().decode()
    script = sum(len(s.encode()) for s in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S))
    with urllib.request.urlopen(base + "/static/style.css", timeout=10) as resp:
        css = len(resp.read())
    return {"script": script, "css": css, "files": [["(inline)", script], ["style.css", css]]}


def measure(browser: Browser, url: str, name: str) -> dict[str, Any]:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url, wait_until="networkidle")
        if name in ("room lobby", "scripted"):
            page.locator("[data-testid=join-button]:not([disabled])").wait_for()
        result: dict[str, Any] = page.evaluate(MEASURE)
        return result
    finally:
        context.close()


def main() -> int:
    over = []
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", env={"MOCKROOM_ROOM_RATE_PER_HOUR": "0"})
        base = server.url
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS), headless=True
                )
                results = {name: measure(browser, url, name) for name, url in pages(base).items()}
                results["open page"] = open_page(base)
                browser.close()
        finally:
            stop_server(server)
    print("page weight before the page is usable (KiB, decoded; budget; ratio):")
    print(f"  {'page':12s} {'script':>7s} {'budget':>7s} {'ratio':>6s} {'css':>7s} {'budget':>7s}")
    for name, r in results.items():
        js, css = r["script"] / 1024, r["css"] / 1024
        js_budget, css_budget = BUDGETS_KIB[name]
        verdict = "ok" if js <= js_budget and css <= css_budget else "OVER BUDGET"
        if verdict != "ok":
            over.append(name)
        print(
            f"  {name:12s} {js:7.1f} {js_budget:7.0f} {js / js_budget:5.2f}x "
            f"{css:7.1f} {css_budget:7.0f} {css / css_budget:5.2f}x  {verdict}"
        )
        files = ", ".join(f"{f} {n / 1024:.1f}" for f, n in sorted(r["files"]))
        print(f"  {'':12s} {files}")
    if over:
        print(f"over budget: {', '.join(over)}")
    # The same figures for bench/run_all.py's summary: each page's script and CSS vs its budget.
    write(
        "weight",
        [
            figure(f"weight:{name} {kind}", f"{name}: {kind} before usable", r[key] / 1024, "KiB",
                   baseline="budget", baseline_value=budget, max_value=budget)
            for name, r in results.items()
            for (kind, key), budget in zip((("script", "script"), ("CSS", "css")),
                                           BUDGETS_KIB[name], strict=True)
        ],
    )  # fmt: skip
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
