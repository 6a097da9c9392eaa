"""JavaScript self time per function in a span of a Chromium trace, from V8's sampling profiler.

A trace recorded with the `disabled-by-default-v8.cpu_profiler` category holds the profiler's
samples as `Profile` / `ProfileChunk` events of each renderer: nodes (function, file, line) and
per sample the node it was in and the time since the previous sample. `self_times` gives, for
one renderer's main thread, the ms of samples per function between two trace timestamps, so a
task listing (bench/join_window.py) can say which of our functions the script time went to;
`samples` gives the samples themselves (bench/join_whose.py sums those in our own scripts).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

Event = dict[str, Any]
# Not functions: where V8 sampled while no script ran.
IDLE = {"(idle)", "(program)", "(root)"}


@dataclass(frozen=True)
class Sample:
    at: float  # trace µs
    delta: float  # µs since the previous sample of its profile: the interval it stands for
    function: str
    url: str  # the script's full address ("" for injected and native code)
    line: int | str


def samples(events: list[Event], pid: int, tid: int) -> list[Sample]:
    """Every V8 sample of (pid, tid)'s profiles, in time order."""
    starts: dict[str, float] = {}
    for e in events:
        # The samples' chunks come from the sampler thread; the profile names the thread.
        if e.get("name") == "Profile" and e.get("pid") == pid and e.get("tid") == tid:
            starts[str(e.get("id"))] = float(e["args"]["data"]["startTime"])
    frames: dict[tuple[str, int], tuple[str, str, int | str]] = {}
    chunks = [
        e
        for e in events
        if e.get("name") == "ProfileChunk" and e.get("pid") == pid and str(e.get("id")) in starts
    ]
    clock = dict(starts)
    last: dict[str, float] = {}
    got: list[Sample] = []
    for e in sorted(chunks, key=lambda e: float(e["ts"])):
        pid_id = str(e["id"])
        data = e["args"]["data"]
        profile = data.get("cpuProfile") or {}
        for node in profile.get("nodes", []):
            frame = node.get("callFrame", {})
            name = frame.get("functionName") or "(anonymous)"
            url = str(frame.get("url", ""))
            frames[(pid_id, int(node["id"]))] = (name, url, frame.get("lineNumber", ""))
        deltas = data.get("timeDeltas", [])
        for sample, delta in zip(profile.get("samples", []), deltas, strict=False):
            clock[pid_id] += float(delta)
            at = clock[pid_id]
            prev = last.get(pid_id, at)
            last[pid_id] = at
            name, url, line = frames.get((pid_id, int(sample)), ("?", "", ""))
            got.append(Sample(at, at - prev, name, url, line))
    return sorted(got, key=lambda s: s.at)


def self_times(events: list[Event], pid: int, tid: int, lo: float, hi: float) -> dict[str, float]:
    """ms of samples per "function file:line" on (pid, tid) between trace timestamps lo and hi
    (µs); the garbage collector's samples are counted as "(garbage collector)"."""
    got: defaultdict[str, float] = defaultdict(float)
    for s in samples(events, pid, tid):
        if lo <= s.at <= hi and s.function not in IDLE:
            got[f"{s.function} {s.url.rsplit('/', 1)[-1]}:{s.line}"] += s.delta / 1000
    return dict(got)
