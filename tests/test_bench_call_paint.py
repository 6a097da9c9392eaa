"""bench/call_paint.py reads the joining page's rendering out of a Chromium trace: a synthetic
trace with known steps, nested tasks and the two lookups it counts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from call_paint import rendering

PID, MAIN, OTHER = 7, 1, 2


def _x(name: str, ms: float, dur_ms: float, tid: int = MAIN, **args: Any) -> dict[str, Any]:
    return {
        "name": name,
        "ph": "X",
        "pid": PID,
        "tid": tid,
        "ts": ms * 1000,
        "dur": dur_ms * 1000,
        "args": args,
    }


def test_rendering_sums_the_window_and_counts_nested_tasks_once() -> None:
    events = [
        {
            "name": "thread_name",
            "ph": "M",
            "pid": PID,
            "tid": MAIN,
            "args": {"name": "CrRendererMain"},
        },
        {"name": "mockroom:join-click", "ph": "R", "pid": PID, "tid": MAIN, "ts": 1000 * 1000},
        # Before the answer (page clock 100 = trace 1000 ms): left out.
        _x("Layout", 1050, 30, beginData={"dirtyObjects": 99}),
        # The call view's rendering: a RunTask around a ThreadControllerImpl::RunTask.
        _x("RunTask", 1200, 12),
        _x("ThreadControllerImpl::RunTask", 1200, 12),
        _x("UpdateLayoutTree", 1200, 2, elementCount=57),
        _x("Layout", 1202, 8, beginData={"dirtyObjects": 68}),
        _x("WebSandboxSupportLinux::GetWebFontRenderStyleForStrike", 1203, 5),
        _x("Paint", 1210, 1),
        _x(
            "ThreadControllerImpl::RunTask",
            1230,
            6,
            src_file="third_party/blink/renderer/modules/audio_output_devices/"
            "html_media_element_audio_output_device.cc",
        ),
        # Another thread's layout, and one after the frame: left out.
        _x("Layout", 1240, 9, tid=OTHER),
        _x("Layout", 1400, 9),
    ]
    marks = {"click": 100.0, "answer-applied": 250.0, "frame": 350.0}
    got = rendering({"traceEvents": events}, marks)
    assert got["UpdateLayoutTree"] == 2 and got["Layout"] == 8 and got["Paint"] == 1
    assert got["elements"] == 57 and got["objects"] == 68
    assert got["font_ipcs"] == 1 and got["fonts"] == 5
    assert got["sink"] == 6
    assert got["busy"] == 18  # 12 (nested, once) + 6
    assert got["tasks"] == [12.0, 6.0]
