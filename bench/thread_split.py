"""Whose time a span of a thread was: our script, the browser's own work, off the CPU, or idle.

Pure arithmetic on Chromium trace events (no I/O), for bench/join_whose.py. A thread's tasks are
its outermost slices: `X` events (and `B`/`E` pairs, turned into slices) not nested in another.
For a span [lo, hi] (trace µs) the span's wall time is cut into four parts that add up to it:

- ours: V8 sampler time in our own scripts (samples from bench/trace_profile.py whose script
  is one of ours) inside tasks, at each task's share of time on the CPU;
- browser: the rest of the tasks' CPU time (thread time, `tdur`): layout, style, paint, IPC,
  Blink's own WebRTC proxies, the garbage collector;
- off_cpu: time inside tasks but not on the CPU (`dur - tdur`): blocked on a synchronous call
  to another thread, or runnable and waiting for a core;
- idle: no task running.

A task that straddles a span boundary counts in each span in proportion to its wall time there
(its CPU time is spread evenly over it: a trace says how much, not when). A task with no thread
time (`tdur` missing) counts as all on the CPU, so a trace without thread timestamps shows no
off-CPU time rather than an invented one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

Event = dict[str, Any]


@dataclass(frozen=True)
class Slice:
    ts: float  # µs
    dur: float  # wall µs
    tdur: float | None  # thread (CPU) µs, None when the trace has none


@dataclass(frozen=True)
class Split:
    """ms of one span of one thread."""

    ours: float = 0.0
    browser: float = 0.0
    off_cpu: float = 0.0
    idle: float = 0.0

    @property
    def wall(self) -> float:
        return self.ours + self.browser + self.off_cpu + self.idle

    @property
    def busy(self) -> float:
        return self.ours + self.browser + self.off_cpu


def overlap(a: float, b: float, lo: float, hi: float) -> float:
    return max(0.0, min(b, hi) - max(a, lo))


def slices(events: Iterable[Event], pid: int, tid: int) -> list[Slice]:
    """Every complete slice of (pid, tid): X events as they are, B/E pairs matched by nesting
    (an E closes the latest open B). Unclosed B events are dropped."""
    got: list[Slice] = []
    open_: list[Event] = []
    own = [e for e in events if e.get("pid") == pid and e.get("tid") == tid]
    for e in sorted(own, key=lambda e: float(e.get("ts", 0))):
        ph = e.get("ph")
        if ph == "X":
            tdur = e.get("tdur")
            got.append(Slice(float(e["ts"]), float(e.get("dur", 0)), _num(tdur)))
        elif ph == "B":
            open_.append(e)
        elif ph == "E" and open_:
            b = open_.pop()
            tdur = None
            if "tts" in b and "tts" in e:
                tdur = float(e["tts"]) - float(b["tts"])
            got.append(Slice(float(b["ts"]), float(e["ts"]) - float(b["ts"]), tdur))
    return got


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def outermost(all_slices: Iterable[Slice]) -> list[Slice]:
    """The slices not inside an earlier one: the thread's tasks (a nested slice's time is its
    parent's already)."""
    tasks: list[Slice] = []
    end = float("-inf")
    for s in sorted(all_slices, key=lambda s: (s.ts, -s.dur)):
        if s.ts >= end:
            tasks.append(s)
            end = s.ts + s.dur
        elif s.ts + s.dur > end:  # overlaps its neighbour without nesting: keep the extra part
            cut = end - s.ts
            tdur = None if s.tdur is None else s.tdur * (s.dur - cut) / s.dur
            tasks.append(Slice(end, s.dur - cut, tdur))
            end = s.ts + s.dur
    return tasks


def cpu_in(task: Slice, lo: float, hi: float) -> tuple[float, float]:
    """(wall µs, CPU µs) of the task inside [lo, hi]."""
    wall = overlap(task.ts, task.ts + task.dur, lo, hi)
    if task.dur <= 0 or wall <= 0:
        return 0.0, 0.0
    tdur = task.dur if task.tdur is None else min(task.tdur, task.dur)
    return wall, tdur * wall / task.dur


def samples_in(samples: Iterable[tuple[float, float]], lo: float, hi: float) -> float:
    """µs of samples inside [lo, hi]; a sample is (its time, µs since the previous sample)
    and stands for the interval just before it."""
    return sum(overlap(at - delta, at, lo, hi) for at, delta in samples)


def split(tasks: list[Slice], ours: list[tuple[float, float]], lo: float, hi: float) -> Split:
    """The four parts (ms) of [lo, hi] on a thread with these tasks (outermost slices) and
    these samples of our script. The sampler ticks by the wall clock, so a sample's interval
    may hold time off the CPU: a task's samples count as ours at its share of time on the CPU
    (its thread time over its wall time)."""
    if hi <= lo:
        return Split()
    ours = sorted(ours)
    times = [at for at, _ in ours]
    longest = max((delta for _, delta in ours), default=0.0)
    wall = cpu = mine = 0.0
    for t in tasks:
        w, c = cpu_in(t, lo, hi)
        if w <= 0:
            continue
        wall += w
        cpu += c
        a, b = max(lo, t.ts), min(hi, t.ts + t.dur)
        near = ours[bisect_right(times, a) : bisect_right(times, b + longest)]
        mine += min(samples_in(near, a, b), w) * c / w
    return Split(mine / 1000, (cpu - mine) / 1000, (wall - cpu) / 1000, (hi - lo - wall) / 1000)


def split_phases(
    tasks: list[Slice], ours: list[tuple[float, float]], bounds: list[float]
) -> list[Split]:
    """One Split per phase between consecutive boundaries (trace µs, in order)."""
    return [split(tasks, ours, lo, hi) for lo, hi in pairwise(bounds)]


def monotonic(bounds: list[float | None]) -> list[float]:
    """Phase boundaries in order, within [first, last] (both must be there): a missing mark,
    or one earlier than the previous boundary (the room's lobby may send the offer before the
    click), is the previous boundary, and one later than the last is the last, so a phase out
    of order is empty rather than negative and the phases still add up to first → last."""
    first, last = bounds[0], bounds[-1]
    if first is None or last is None:
        raise ValueError("the first and last boundaries must be there")
    out = [first]
    for b in bounds[1:]:
        out.append(min(max(out[-1], out[-1] if b is None else b), max(first, last)))
    return out


def thread_ids(events: Iterable[Event], pid: int, match: Callable[[str], bool]) -> dict[int, str]:
    """tid → name of pid's threads whose name (trace metadata) matches."""
    return {
        int(e["tid"]): str(e["args"]["name"])
        for e in events
        if e.get("ph") == "M"
        and e.get("name") == "thread_name"
        and e.get("pid") == pid
        and match(str((e.get("args") or {}).get("name", "")))
    }
