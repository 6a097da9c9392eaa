"""bench/lobby_busy.py's reading of a Chromium trace (no browser): which tasks of the joining
page's main thread count, between which moments, and what each kind of work is charged."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import lobby_busy  # noqa: E402

PID, MAIN, OTHER = 7, 1, 2


def x(name: str, ts_ms: float, dur_ms: float, tid: int = MAIN, **data: Any) -> dict[str, Any]:
    """A complete ('X') event; times in ms, the trace's in µs."""
    event = {"name": name, "ph": "X", "pid": PID, "tid": tid, "ts": ts_ms * 1000}
    event["dur"] = dur_ms * 1000
    if data:
        event["args"] = {"data": data}
    return event


def trace() -> dict[str, Any]:
    nav = {"name": "navigationStart", "ph": "R", "pid": PID, "tid": MAIN}
    return {
        "traceEvents": [
            # The open page's navigation, then the room page's (the one that counts).
            {**nav, "ts": 0, "args": {"data": {"documentLoaderURL": "http://h/r/a#token=t"}}},
            {**nav, "ts": 100_000, "args": {"data": {"documentLoaderURL": "http://h/r/a?sig=s"}}},
            x("ThreadControllerImpl::RunTask", 50, 10),  # before the room page: not counted
            # The commit: 20 ms, 12 of them the parser's own, 8 the module inside it.
            x("ThreadControllerImpl::RunTask", 110, 20),
            x("ParseHTML", 110, 20),
            x("v8.evaluateModule", 115, 8),
            x("RunTask", 112, 2),  # a nested run loop's task: inside the one above
            # Layout with nothing else inside: all of it style + layout.
            x("ThreadControllerImpl::RunTask", 140, 6),
            x("Layout", 140, 6),
            # A message with no timeline event inside: the browser's.
            x("ThreadControllerImpl::RunTask", 150, 4),
            # Another thread's work: not the main thread's.
            x("ThreadControllerImpl::RunTask", 150, 30, tid=OTHER),
            # The task that dispatches the pointerdown ends the span (at 160 ms).
            x("ThreadControllerImpl::RunTask", 160, 5),
            x("EventDispatch", 160, 1, type="pointerdown"),
        ]
    }


def test_the_span_runs_from_the_room_pages_navigation_to_the_pointerdown() -> None:
    got = lobby_busy.lobby_tasks(trace(), "sig=")
    assert got["span"] == pytest.approx(60)
    # 20 + 6 + 4: the open page's task, the nested one, the other thread's and the
    # pointerdown's own task (from its start) are not counted.
    assert got["busy"] == pytest.approx(30)
    assert got["long"] == 2  # the commit (20 ms) and the layout (6 ms)
    kinds = got["kinds"]
    assert kinds[lobby_busy.PARSE] == pytest.approx(12)
    assert kinds[lobby_busy.MODULE] == pytest.approx(8)
    assert kinds[lobby_busy.LAYOUT] == pytest.approx(6)
    assert kinds[lobby_busy.NATIVE] == pytest.approx(4)
    assert [(round(ms), round(at), kind) for ms, at, kind in got["tasks"]] == [
        (20, 10, lobby_busy.PARSE),
        (6, 40, lobby_busy.LAYOUT),
        (4, 50, lobby_busy.NATIVE),
    ]


def test_a_devtools_evaluate_is_the_harness() -> None:
    events = trace()
    events["traceEvents"].append(x("EvaluateScript", 151, 3, url=""))
    kinds = lobby_busy.lobby_tasks(events, "sig=")["kinds"]
    assert kinds[lobby_busy.HARNESS] == pytest.approx(3)
    assert kinds[lobby_busy.NATIVE] == pytest.approx(1)


def test_the_script_an_idle_callback_runs_is_charged_to_it() -> None:
    events = trace()
    events["traceEvents"] += [x("FireIdleCallback", 150, 3), x("FunctionCall", 150.5, 2)]
    kinds = lobby_busy.lobby_tasks(events, "sig=")["kinds"]
    assert kinds[lobby_busy.IDLE] == pytest.approx(3)
    assert lobby_busy.CALLBACKS not in kinds
