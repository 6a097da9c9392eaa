"""The join's ICE and DTLS as the network thread saw them, from a Chromium trace (`webrtc`).

The `pc-connected` mark is made in a connectionstatechange handler on the page's main thread, so
a busy main thread makes it late even when the connection is not. Chromium's own WebRTC thread
(`WebRTC_W_and_N`, network and worker in one) records, in the `webrtc` trace category, when the
answer's ICE parameters reach the transport (`JsepTransport::SetRemoteIceParameters`), when a
port allocator session starts gathering (`BasicPortAllocatorSession::BasicPortAllocatorSession`),
each ICE/DTLS state update (`JsepTransportController::UpdateAggregateStates_n`) and when the
media channels become writable (`BaseChannel::ChannelWritable_n`: ICE and DTLS both done, SRTP
keys set). bench/join_busy.py reads these for both pages of a join, in both rooms.
"""

from __future__ import annotations

from typing import Any

NETWORK_THREAD = "WebRTC_W_and_N"
WRITABLE = "BaseChannel::ChannelWritable_n"
REMOTE_ICE = "JsepTransport::SetRemoteIceParameters"
GATHER = "BasicPortAllocatorSession::BasicPortAllocatorSession"
STATE = "JsepTransportController::UpdateAggregateStates_n"


def _events(trace: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return trace["traceEvents"] if isinstance(trace, dict) else trace


def _first(
    events: list[dict[str, Any]], pid: int, tids: set[int], name: str, after: float
) -> float | None:
    times = [
        float(e["ts"])
        for e in events
        if e.get("pid") == pid
        and e.get("tid") in tids
        and e.get("name") == name
        and float(e.get("ts", 0)) >= after
    ]
    return min(times) if times else None


def _mark(events: list[dict[str, Any]], pid: int, name: str) -> float | None:
    times = [float(e["ts"]) for e in events if e.get("pid") == pid and e.get("name") == name]
    return min(times) if times else None


def network_moments(trace: dict[str, Any] | list[dict[str, Any]]) -> dict[str, float]:
    """Moments of one join, in ms after the joining page's `mockroom:join-click`: `j:` the joining
    page, `w:` the waiting page (the other renderer that marked `mockroom:answer-sent`). Marks
    are the pages' own (main thread); `net` moments are the WebRTC thread's. Missing ones are
    left out."""
    events = _events(trace)
    click = next(e for e in events if e.get("name") == "mockroom:join-click")
    jpid, t0 = click["pid"], float(click["ts"])
    wpid = next(
        (
            e["pid"]
            for e in events
            if e.get("name") == "mockroom:answer-sent" and e.get("pid") != jpid
        ),
        None,
    )
    threads: dict[int, set[int]] = {}
    for e in events:
        if e.get("name") == "thread_name" and e.get("args", {}).get("name") == NETWORK_THREAD:
            threads.setdefault(e["pid"], set()).add(e["tid"])
    out: dict[str, float] = {}

    def put(key: str, ts: float | None) -> None:
        if ts is not None:
            out[key] = (ts - t0) / 1000

    jnet = threads.get(jpid, set())
    applied = _mark(events, jpid, "mockroom:answer-applied")
    put("j:answer-applied", applied)
    put("j:pc-connected", _mark(events, jpid, "mockroom:pc-connected"))
    put("j:net answer", _first(events, jpid, jnet, REMOTE_ICE, t0))
    put("j:net writable", _first(events, jpid, jnet, WRITABLE, t0))
    if wpid is not None:
        wnet = threads.get(wpid, set())
        answered = _mark(events, wpid, "mockroom:answer-sent")
        put("w:answer-sent", answered)
        put("w:pc-connected", _mark(events, wpid, "mockroom:pc-connected"))
        # The answer's own gathering: the allocator session its setLocalDescription made.
        gather = _first(events, wpid, wnet, GATHER, t0)
        put("w:net gathering made", gather)
        if gather is not None:
            put("w:net gathering runs", _first(events, wpid, wnet, STATE, gather + 500))
        put("w:net writable", _first(events, wpid, wnet, WRITABLE, t0))
    return out


# (label, from, to): spans over network_moments' keys, printed by bench/join_busy.py.
SPANS: list[tuple[str, str, str]] = [
    ("J: answer at network → writable", "j:net answer", "j:net writable"),
    ("J: writable → pc-connected mark", "j:net writable", "j:pc-connected"),
    ("J: answer-applied → pc-connected", "j:answer-applied", "j:pc-connected"),
    ("W: gathering made → runs", "w:net gathering made", "w:net gathering runs"),
    ("W: answer sent → writable", "w:answer-sent", "w:net writable"),
]


def spans(moments: dict[str, float]) -> dict[str, float]:
    return {
        label: moments[end] - moments[start]
        for label, start, end in SPANS
        if start in moments and end in moments
    }
