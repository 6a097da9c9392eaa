"""bench/join_network.py's reading of a Chromium trace (no browser): which renderer is which page,
which thread is WebRTC's, and the spans between the network thread's moments and the marks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import join_network  # noqa: E402

JOIN, WAIT = 7, 8  # the two renderers
MAIN, NET, OTHER = 1, 2, 3


def ev(name: str, ts_ms: float, pid: int, tid: int, ph: str = "X") -> dict[str, Any]:
    return {"name": name, "ph": ph, "pid": pid, "tid": tid, "ts": ts_ms * 1000, "dur": 100}


def thread(pid: int, tid: int, name: str) -> dict[str, Any]:
    return {"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}}


def trace() -> list[dict[str, Any]]:
    return [
        *(thread(p, MAIN, "CrRendererMain") for p in (JOIN, WAIT)),
        *(thread(p, NET, "WebRTC_W_and_N") for p in (JOIN, WAIT)),
        thread(JOIN, OTHER, "WebRTC_Signaling"),
        ev("mockroom:join-click", 1000, JOIN, MAIN, "I"),
        # The waiting page answers; its gathering is made at once but runs 30 ms later.
        ev("mockroom:answer-sent", 1041, WAIT, MAIN, "I"),
        ev(join_network.GATHER, 1040, WAIT, NET),
        ev(join_network.STATE, 1040.2, WAIT, NET),  # made together with the session: not it
        ev(join_network.STATE, 1070, WAIT, NET),
        # An earlier connection of the joining page's (its lobby) was writable long before.
        ev(join_network.WRITABLE, 500, JOIN, NET),
        ev(join_network.REMOTE_ICE, 1050, JOIN, NET),
        ev("mockroom:answer-applied", 1060, JOIN, MAIN, "I"),
        # The same name on another thread is not the network thread's.
        ev(join_network.WRITABLE, 1080, JOIN, OTHER),
        ev(join_network.WRITABLE, 1090, JOIN, NET),
        ev(join_network.WRITABLE, 1090.1, JOIN, NET),  # the second channel
        ev(join_network.WRITABLE, 1085, WAIT, NET),
        ev("mockroom:pc-connected", 1115, JOIN, MAIN, "I"),
        ev("mockroom:pc-connected", 1087, WAIT, MAIN, "I"),
    ]


def test_moments_are_read_per_page_and_thread_after_the_click() -> None:
    got = join_network.network_moments({"traceEvents": trace()})
    assert got["j:net answer"] == pytest.approx(50)
    assert got["j:net writable"] == pytest.approx(90)
    assert got["j:pc-connected"] == pytest.approx(115)
    assert got["w:answer-sent"] == pytest.approx(41)
    assert got["w:net gathering made"] == pytest.approx(40)
    assert got["w:net gathering runs"] == pytest.approx(70)
    assert got["w:net writable"] == pytest.approx(85)


def test_spans_say_how_late_the_mark_is_and_how_long_gathering_waited() -> None:
    got = join_network.spans(join_network.network_moments(trace()))
    assert got == pytest.approx(
        {
            "J: answer at network → writable": 40,
            "J: writable → pc-connected mark": 25,
            "J: answer-applied → pc-connected": 55,
            "W: gathering made → runs": 30,
            "W: answer sent → writable": 44,
        }
    )


def test_a_trace_without_the_waiting_page_gives_the_joining_pages_moments_only() -> None:
    only = [e for e in trace() if e["pid"] == JOIN]
    got = join_network.network_moments(only)
    assert not [k for k in got if k.startswith("w:")]
    assert "J: writable → pc-connected mark" in join_network.spans(got)
