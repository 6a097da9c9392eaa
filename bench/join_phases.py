"""The join's steps side by side, room against bare room: whose time each one is.

bench/join.py hands over each run's marks (the joining page's, and the waiting page's as
`peer:*` on the same clock). Each step is the median over the runs of the difference between two
marks, so a step that costs the same in both (the browser's own work) shows as such, and one that
costs us more stands out. Who owns a step is written next to it: `page` is our JavaScript and the
main thread it keeps busy, `server` our relay, `browser` what WebRTC does whichever page asks.
"""

from __future__ import annotations

import statistics

# (label, from mark, to mark, whose time it is)
STEPS: list[tuple[str, str, str, str]] = [
    ("click → offer sent", "click", "offer-sent", "page (bare: getUserMedia, socket, offer)"),
    ("offer sent → waiting page has it", "offer-sent", "peer:offer-received", "server + peer page"),
    ("waiting page: offer → answer", "peer:offer-received", "peer:answer-sent", "browser + peer"),
    ("answer sent → joining page has it", "peer:answer-sent", "answer-received", "server + page"),
    ("answer → connected (ICE, DTLS)", "answer-received", "pc-connected", "browser + page"),
    ("connected → first frame shown", "pc-connected", "frame", "browser (encode, decode)"),
]


def step_median(runs: list[dict[str, float]], start: str, end: str) -> float | None:
    spans = [r[end] - r[start] for r in runs if start in r and end in r]
    return statistics.median(spans) if spans else None


def print_steps(rooms: list[dict[str, float]], bares: list[dict[str, float]]) -> None:
    print("\nthe click's steps, room against bare room (median ms over the runs):")
    print(f"  {'step':36s} {'room':>7s} {'bare':>7s}  whose time")
    for label, start, end, whose in STEPS:
        room, bare = step_median(rooms, start, end), step_median(bares, start, end)
        cells = [f"{v:7.1f}" if v is not None else f"{'-':>7s}" for v in (room, bare)]
        print(f"  {label:36s} {cells[0]} {cells[1]}  {whose}")
