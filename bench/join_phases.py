"""The join's phases side by side, room against bare room: whose time each one is.

bench/join.py hands over each run's marks (the joining page's, and the waiting page's as
`peer:*` on the same clock; both pages stamp the same names, see web/src/join-timing.js and
bench/bare_room.py). Each phase is the median over the runs of the difference between two marks,
so a phase that costs the same in both (the browser's own work) shows as such, and one that
costs us more stands out. Who owns a phase is written next to it: `page` is our JavaScript and
the main thread it keeps busy, `server` our relay, `browser` what Chromium does whichever page
asks (getUserMedia, setRemoteDescription, ICE and DTLS, encoding and decoding a frame),
`harness` Playwright's click.
"""

from __future__ import annotations

import statistics

# (label, from mark, to mark, whose time it is). "nav" is navigation start (0 on the page's
# clock); the room's lobby starts the camera before the click, the bare room after it.
PHASES: list[tuple[str, str, str, str]] = [
    ("nav → document received", "nav", "doc-response-end", "server + browser"),
    ("document → script ready", "doc-response-end", "script-ready", "page (bundle) + browser"),
    ("script ready → Join enabled", "script-ready", "enabled", "page"),
    ("Join enabled → click", "enabled", "click", "harness (page's main thread)"),
    ("camera: getUserMedia", "gum-start", "gum-done", "browser (room: in the lobby)"),
    ("click → hello sent (ws open)", "click", "ws-open", "page (bare: + getUserMedia)"),
    ("hello → offer sent", "ws-open", "offer-sent", "page (bare: + offer)"),
    ("offer sent → waiting page has it", "offer-sent", "peer:offer-received", "server + peer page"),
    ("waiting page: offer applied", "peer:offer-received", "peer:offer-applied", "browser + peer"),
    ("waiting page: applied → answer sent", "peer:offer-applied", "peer:answer-sent", "browser"),
    ("answer sent → joining page has it", "peer:answer-sent", "answer-received", "server + page"),
    ("answer applied", "answer-received", "answer-applied", "browser + page"),
    ("answer applied → ICE+DTLS connected", "answer-applied", "pc-connected", "browser"),
    ("connected → first frame shown", "pc-connected", "frame", "browser (encode, decode)"),
]


def span(run: dict[str, float], start: str, end: str) -> float | None:
    if end not in run or (start != "nav" and start not in run):
        return None
    return run[end] - (0.0 if start == "nav" else run[start])


def phase_median(runs: list[dict[str, float]], start: str, end: str) -> float | None:
    spans = [s for r in runs if (s := span(r, start, end)) is not None]
    return statistics.median(spans) if spans else None


def print_steps(rooms: list[dict[str, float]], bares: list[dict[str, float]]) -> None:
    print("\nthe join's phases, room against bare room (median ms over the runs; peer: the")
    print("waiting page). A phase the two spend alike is the browser's; the rest is ours:")
    print(f"  {'phase':38s} {'room':>7s} {'bare':>7s} {'ratio':>6s}  whose time")
    for label, start, end, whose in PHASES:
        room, bare = phase_median(rooms, start, end), phase_median(bares, start, end)
        cells = [f"{v:7.1f}" if v is not None else f"{'-':>7s}" for v in (room, bare)]
        ratio = f"{room / bare:5.2f}x" if room is not None and bare else f"{'-':>6s}"
        print(f"  {label:38s} {cells[0]} {cells[1]} {ratio}  {whose}")
