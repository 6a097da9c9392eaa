"""bench/thread_split.py's arithmetic (and trace_profile's samples) on small synthetic traces."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from thread_split import (
    Slice,
    Split,
    monotonic,
    outermost,
    slices,
    split,
    split_phases,
    thread_ids,
)
from trace_profile import samples, self_times

PID, TID = 7, 1


def x(ts: float, dur: float, tdur: float | None = None, tid: int = TID) -> dict[str, object]:
    e: dict[str, object] = {"ph": "X", "pid": PID, "tid": tid, "ts": ts, "dur": dur, "name": "t"}
    if tdur is not None:
        e["tdur"] = tdur
    return e


def tasks(events: list[dict[str, object]]) -> list[Slice]:
    return outermost(slices(events, PID, TID))


def test_nested_slices_count_once() -> None:
    # A 10 ms task (6 ms on the CPU) holding two nested slices, then 10 ms with nothing.
    events = [x(0, 10_000, 6_000), x(1_000, 3_000, 3_000), x(2_000, 500, 400), x(0, 0, 0, tid=2)]
    got = split(tasks(events), [], 0, 20_000)
    assert got == Split(ours=0.0, browser=6.0, off_cpu=4.0, idle=10.0)


def test_begin_end_pairs_use_thread_timestamps() -> None:
    events = [
        {"ph": "B", "pid": PID, "tid": TID, "ts": 1_000, "tts": 50},
        {"ph": "B", "pid": PID, "tid": TID, "ts": 2_000, "tts": 60},  # nested pair
        {"ph": "E", "pid": PID, "tid": TID, "ts": 3_000, "tts": 1_060},
        {"ph": "E", "pid": PID, "tid": TID, "ts": 5_000, "tts": 3_050},
        {"ph": "B", "pid": PID, "tid": TID, "ts": 9_000, "tts": 4_000},  # never closed
    ]
    assert sorted(slices(events, PID, TID), key=lambda s: s.ts) == [
        Slice(1_000, 4_000, 3_000),
        Slice(2_000, 1_000, 1_000),
    ]
    assert split(tasks(events), [], 0, 10_000) == Split(0.0, 3.0, 1.0, 6.0)


def test_a_task_straddling_a_boundary_splits_in_proportion() -> None:
    # 0..10 ms, half of it on the CPU; the phases cut it at 4 ms; the second ends at 12 ms.
    got = split_phases(tasks([x(0, 10_000, 5_000)]), [], [0, 4_000, 12_000])
    assert got == [Split(0.0, 2.0, 2.0, 0.0), Split(0.0, 3.0, 3.0, 2.0)]


def test_a_task_before_the_span_does_not_count() -> None:
    got = split(tasks([x(0, 1_000, 1_000), x(5_000, 1_000, 200)]), [], 2_000, 8_000)
    assert got == Split(0.0, 0.2, 0.8, 5.0)


def test_missing_thread_time_counts_as_on_cpu() -> None:
    got = split(tasks([x(0, 4_000), x(5_000, 1_000, 500)]), [], 0, 8_000)
    assert got == Split(0.0, 4.5, 0.5, 3.0)


def test_our_samples_come_out_of_the_cpu_time() -> None:
    # Samples stand for the interval before them: 2..3 ms and 3..5 ms are ours, 8..9 ms
    # straddles the span's end at 8.5 ms.
    ours = [(3_000.0, 1_000.0), (5_000.0, 2_000.0), (9_000.0, 1_000.0)]
    got = split(tasks([x(0, 10_000, 10_000)]), ours, 0, 8_500)
    assert got == Split(3.5, 5.0, 0.0, 0.0)


def test_our_samples_count_at_their_tasks_share_on_the_cpu() -> None:
    # The sampler ticks by the wall clock: a sample may cover time the thread was off the CPU.
    # A 4 ms task, half of it on the CPU, 2 ms of it sampled in our script: 1 ms is ours.
    got = split(tasks([x(0, 4_000, 2_000), x(6_000, 1_000, 1_000)]), [(2_000.0, 2_000.0)], 0, 8_000)
    assert got == Split(1.0, 2.0, 2.0, 3.0)
    # Samples outside every task (the thread idle) are nobody's.
    assert split(tasks([x(0, 1_000, 1_000)]), [(3_000.0, 1_000.0)], 0, 4_000).ours == 0.0


def test_a_slice_overlapping_its_neighbour_adds_only_its_extra_part() -> None:
    got = split(tasks([x(0, 4_000, 4_000), x(3_000, 2_000, 2_000)]), [], 0, 6_000)
    assert got == Split(0.0, 5.0, 0.0, 1.0)


def test_parts_add_up_to_each_phase() -> None:
    events = [x(500, 3_000, 1_000), x(4_000, 2_500, 2_500), x(4_100, 100, 100), x(8_000, 10)]
    bounds = [0.0, 1_000.0, 4_500.0, 9_000.0]
    got = split_phases(tasks(events), [(5_000.0, 600.0)], bounds)
    for s, lo, hi in zip(got, bounds[:-1], bounds[1:], strict=True):
        assert s.wall == pytest.approx((hi - lo) / 1000)
    assert sum(s.busy for s in got) == pytest.approx(5.51)
    # The sample 4.4..5 ms straddles the 4.5 ms boundary.
    assert got[1].ours == pytest.approx(0.1)
    assert got[2].ours == pytest.approx(0.5)


def test_boundaries_out_of_order_make_empty_phases() -> None:
    assert monotonic([0.0, None, 5.0, 3.0, 20.0, 10.0]) == [0.0, 0.0, 5.0, 5.0, 10.0, 10.0]
    with pytest.raises(ValueError):
        monotonic([0.0, 1.0, None])


def test_thread_ids_by_name() -> None:
    events = [
        {
            "ph": "M",
            "name": "thread_name",
            "pid": PID,
            "tid": 1,
            "args": {"name": "CrRendererMain"},
        },
        {"ph": "M", "name": "thread_name", "pid": PID, "tid": 2, "args": {"name": "WebRTC_W"}},
        {"ph": "M", "name": "thread_name", "pid": 8, "tid": 3, "args": {"name": "WebRTC_S"}},
    ]
    assert thread_ids(events, PID, lambda n: n.startswith("WebRTC")) == {2: "WebRTC_W"}


def test_samples_keep_the_script_address() -> None:
    node = {"id": 2, "callFrame": {"functionName": "join", "url": "http://h/b/call.js"}}
    root = {"id": 1, "callFrame": {"functionName": "(root)", "url": ""}}
    events = [
        {
            "name": "Profile",
            "pid": PID,
            "tid": TID,
            "id": "0x1",
            "args": {"data": {"startTime": 100}},
        },
        {
            "name": "ProfileChunk",
            "pid": PID,
            "tid": 99,  # chunks come from the sampler thread
            "id": "0x1",
            "ts": 200,
            "args": {
                "data": {
                    "cpuProfile": {"nodes": [root, node], "samples": [1, 2, 2]},
                    "timeDeltas": [10, 50, 40],
                }
            },
        },
    ]
    got = [(s.at, s.delta, s.function, s.url) for s in samples(events, PID, TID)]
    assert got == [
        (110.0, 0.0, "(root)", ""),
        (160.0, 50.0, "join", "http://h/b/call.js"),
        (200.0, 40.0, "join", "http://h/b/call.js"),
    ]
    assert self_times(events, PID, TID, 150, 200) == {"join call.js:": pytest.approx(0.09)}
