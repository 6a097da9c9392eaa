"""The first remote frame's way from camera to screen, read from a Chromium trace.

bench/first_frame.py records each join with the `webrtc`, `disabled-by-default-webrtc` and
`media` categories. Those events are stamped on WebRTC's and the media pipeline's own threads
(network, encoder, decoder, compositor), so they show when each step happened whatever the
pages' main threads were doing. Two renderers take part: the joining page's (the one that
stamped `mockroom:join-click` inside the trace) receives the frame; the other (the waiting
page) captures, encodes and sends it. Both pages send video, so each event is taken from the
right renderer.

`timeline(trace, click_ms)` gives the moments in ms on the joining page's clock (the same
clock as its performance marks), aligned through the `mockroom:join-click` mark, and the first
encoded frame's size in bytes (`keyframe-bytes`, not a moment).
"""

from __future__ import annotations

import re
from typing import Any

Event = dict[str, Any]

# (label, from moment, to moment, what it is). The sender is the waiting page (it answers and
# sends the video the join is timed by); "connected" is the joining page's pc-connected mark.
SUBPHASES: list[tuple[str, str, str, str]] = [
    ("connected (mark) → sender transport up", "pc-connected", "send-writable", "ICE/DTLS"),
    ("joining page: transport up → its mark", "recv-writable", "pc-connected", "main thread"),
    ("sender transport up → 1st camera frame", "send-writable", "first-camera-frame", "camera"),
    ("sender transport up → encoded frame's", "send-writable", "camera-frame", "camera"),
    ("camera frame → encode starts", "camera-frame", "encode-start", "encoder queue"),
    ("encode", "encode-start", "encoded", "encoder"),
    ("encoded → decode starts (receiver)", "encoded", "decode-start", "pacer + network"),
    ("decode", "decode-start", "decoded", "decoder"),
    # requestVideoFrameCallback runs in the page's next rendering once the frame reached the
    # video's compositor queue, before the compositor thread submits it (vsync) and long
    # before the display's presentation feedback: those two are shown, not summed.
    ("decoded → rVFC callback ran (shown)", "decoded", "frame", "media + main thread"),
    ("  decoded → submitted to compositor", "decoded", "submitted", "media pipeline (vsync)"),
    ("  submitted → presentation feedback", "submitted", "presented", "display compositor"),
    ("connected (mark) → frame shown", "pc-connected", "frame", "total"),
    ("sender transport up → frame shown", "send-writable", "frame", "total, network clock"),
]

FRAME_TIMESTAMP = re.compile(r"timestamp:(\d+)")


def _frame_timestamp(e: Event) -> str:
    m = FRAME_TIMESTAMP.search(str((e.get("args") or {}).get("frame", "")))
    return m.group(1) if m else ""


def _events(trace: Any) -> list[Event]:
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    return sorted((e for e in events if "ts" in e), key=lambda e: float(e["ts"]))


def _first(events: list[Event], pid: int, name: str, after: float, **match: Any) -> Event | None:
    for e in events:
        if e["pid"] != pid or e.get("name") != name or float(e["ts"]) < after:
            continue
        args = e.get("args") or {}
        if all(str(want) in str(args.get(key, "")) for key, want in match.items()):
            return e
    return None


def _last(events: list[Event], pid: int, name: str, after: float, before: float) -> Event | None:
    found = None
    for e in events:
        if e["pid"] == pid and e.get("name") == name and after <= float(e["ts"]) <= before:
            found = e
    return found


def timeline(trace: Any, click_ms: float) -> dict[str, float]:
    """Moments of the first remote frame on the joining page's clock (ms after its navigation
    start); a step that is not in the trace is left out. `click_ms`: the page's join-click mark
    (the same mark the trace holds, so the two clocks meet there)."""
    events = _events(trace)
    click = next(e for e in events if e.get("name") == "mockroom:join-click")
    receiver = click["pid"]
    t0 = float(click["ts"])
    senders = {
        e["pid"]
        for e in events
        if e.get("name") == "VideoEncoder::Encode" and e["pid"] != receiver and e["ts"] > t0
    }
    if not senders:
        return {}
    sender = min(senders)

    def ms(e: Event | None, end: bool = False) -> float | None:
        if e is None:
            return None
        ts = float(e["ts"]) + (float(e.get("dur", 0)) if end else 0.0)
        return click_ms + (ts - t0) / 1000

    at: dict[str, float | None] = {}
    writable = _first(events, sender, "BaseChannel::ChannelWritable_n", t0)
    at["send-writable"] = ms(writable)
    at["recv-writable"] = ms(_first(events, receiver, "BaseChannel::ChannelWritable_n", t0))
    encode = _first(events, sender, "VideoEncoder::Encode", t0)
    if encode is not None:
        at["encode-start"] = ms(encode)
        at["encoded"] = ms(encode, end=True)
        size = _first(events, sender, "EncodedFrameSize", float(encode["ts"]))
        if size is not None:
            at["keyframe-bytes"] = float((size.get("args") or {}).get("value", 0))
        # The camera frame it encodes, and the first camera frame after the transport was up
        # (when it is an earlier one, that frame was not encoded).
        start = float(encode["ts"])
        at["camera-frame"] = ms(
            _last(events, sender, "FrameCadenceAdapterImpl::OnFrame", t0, start)
        )
        if writable is not None:
            after = float(writable["ts"])
            at["first-camera-frame"] = ms(
                _first(events, sender, "FrameCadenceAdapterImpl::OnFrame", after)
            )
        after_encode = float(encode["ts"])
        decode = next(
            (
                e
                for e in events
                if e["pid"] == receiver
                and e.get("name") == "VCMGenericDecoder::Decode"
                and e.get("ph") == "X"
                and float(e["ts"]) > after_encode
            ),
            None,
        )
        if decode is not None:
            at["decode-start"] = ms(decode)
            at["decoded"] = ms(decode, end=True)
            # The remote frames' timestamps, as the receiver's delegate handed them on: the
            # page's own preview goes through the same compositor thread with the camera's.
            remote = {
                str((e.get("args") or {}).get("Timestamp"))
                for e in events
                if e["pid"] == receiver
                and e.get("name") == "RemoteVideoSourceDelegate::RenderFrame"
            }
            submit = next(
                (
                    e
                    for e in events
                    if e["pid"] == receiver
                    and e.get("name") == "VideoFrameSubmitter::SubmitFrame"
                    and float(e["ts"]) >= float(decode["ts"])
                    and _frame_timestamp(e) in remote
                ),
                None,
            )
            if submit is not None:
                at["submitted"] = ms(submit)
                shown = next(
                    (
                        e
                        for e in events
                        if e["pid"] == receiver
                        and e["tid"] == submit["tid"]
                        and e.get("name") == "OnFramePresented"
                        and float(e["ts"]) > float(submit["ts"])
                    ),
                    None,
                )
                at["presented"] = ms(shown)
    return {k: v for k, v in at.items() if v is not None}


TASKS = {"ThreadControllerImpl::RunTask", "RunTask"}


def main_thread_busy(trace: Any, start_ms: float, end_ms: float, click_ms: float) -> float:
    """ms the joining page's main thread spent in tasks between two moments on its clock (the
    first frame of a new <video> needs one rendering update of that thread: a busy thread in
    this window is what holds the frame back)."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    click = next(e for e in events if e.get("name") == "mockroom:join-click")
    mains = {
        e["tid"]
        for e in events
        if e.get("pid") == click["pid"]
        and e.get("name") == "thread_name"
        and (e.get("args") or {}).get("name") == "CrRendererMain"
    }
    t0 = float(click["ts"]) - click_ms * 1000
    lo, hi = t0 + start_ms * 1000, t0 + end_ms * 1000
    busy = 0.0
    for e in events:
        if e.get("pid") != click["pid"] or e.get("tid") not in mains or e.get("ph") != "X":
            continue
        if e.get("name") in TASKS:
            a, b = float(e["ts"]), float(e["ts"]) + float(e.get("dur", 0))
            busy += max(0.0, min(b, hi) - max(a, lo)) / 1000
    return busy
