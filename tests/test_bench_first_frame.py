"""bench/first_frame.py's readings, without a browser: the first remote frame's steps from a
synthetic Chromium trace (which renderer sends, which frame is the remote one, the clocks
aligned at the join-click mark), and the first frame's facts from getStats() samples."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from first_frame_stats import milestones  # noqa: E402
from first_frame_trace import timeline  # noqa: E402

JOINER, SENDER = 10, 20


def ev(
    pid: int, name: str, at_ms: float, dur_ms: float = 0, tid: int = 1, **args: Any
) -> dict[str, Any]:
    e: dict[str, Any] = {"pid": pid, "tid": tid, "name": name, "ts": at_ms * 1000}
    e["ph"] = "X" if dur_ms else "I"
    if dur_ms:
        e["dur"] = dur_ms * 1000
    if args:
        e["args"] = args
    return e


def frame(ts: int) -> str:
    return f"format:PIXEL_FORMAT_I420 coded_size:640x480 timestamp:{ts} color_space: {{}}"


def trace() -> list[dict[str, Any]]:
    return [
        ev(JOINER, "mockroom:join-click", 1000),
        # Before the click: not this join's.
        ev(SENDER, "VideoEncoder::Encode", 900, 5),
        ev(SENDER, "BaseChannel::ChannelWritable_n", 1100),
        ev(JOINER, "BaseChannel::ChannelWritable_n", 1102),
        # The joining page encodes its own video too: not the frame it is shown.
        ev(JOINER, "VideoEncoder::Encode", 1105, 4),
        ev(SENDER, "FrameCadenceAdapterImpl::OnFrame", 1110),  # paused: not encoded
        ev(SENDER, "FrameCadenceAdapterImpl::OnFrame", 1160),
        ev(SENDER, "VideoEncoder::Encode", 1161, 6),
        ev(SENDER, "EncodedFrameSize", 1167, value=2758),
        ev(JOINER, "VCMGenericDecoder::Decode", 1190, 3),
        # The preview's frame (the camera's timestamps) shares the compositor thread: skipped.
        ev(JOINER, "RemoteVideoSourceDelegate::RenderFrame", 1194, Timestamp=0),
        ev(JOINER, "VideoFrameSubmitter::SubmitFrame", 1198, 1, tid=5, frame=frame(2675573)),
        ev(JOINER, "VideoFrameSubmitter::SubmitFrame", 1205, 1, tid=5, frame=frame(0)),
        ev(JOINER, "OnFramePresented", 1220, tid=6),  # another video's thread
        ev(JOINER, "OnFramePresented", 1222, tid=5),
    ]


def test_the_remote_frames_steps_on_the_joining_pages_clock() -> None:
    # The page stamped its join-click at 300 ms after its navigation: the trace's 1000 ms.
    at = timeline({"traceEvents": trace()}, 300.0)
    assert at == {
        "send-writable": 400.0,
        "recv-writable": 402.0,
        "first-camera-frame": 410.0,
        "camera-frame": 460.0,
        "encode-start": 461.0,
        "encoded": 467.0,
        "keyframe-bytes": 2758.0,
        "decode-start": 490.0,
        "decoded": 493.0,
        "submitted": 505.0,
        "presented": 522.0,
    }


def test_no_frame_sent_after_the_click_gives_no_steps() -> None:
    assert timeline(trace()[:3], 300.0) == {}


def sample(pc: int, t: float, prev: float, **parts: Any) -> dict[str, Any]:
    return {"pc": pc, "t": t, "prev": prev, "out": None, "in": None, "pair": None,
            "dtls": None, "codec": None, **parts}  # fmt: skip


def test_stats_moments_are_bracketed_by_the_polls_and_facts_read_at_the_first_frame() -> None:
    origin = 1_000_000.0  # the joining page's timeOrigin, wall-clock ms
    out0 = {"framesEncoded": 0, "packetsSent": 0, "framesSent": 0}
    out1 = {
        "framesEncoded": 1, "keyFramesEncoded": 1, "packetsSent": 3, "framesSent": 1,
        "bytesSent": 2758, "totalEncodeTime": 0.006, "totalPacketSendDelay": 0.011,
        "frameWidth": 640, "frameHeight": 480, "targetBitrate": 590000, "codecId": "c",
    }  # fmt: skip
    sender = [
        sample(0, origin + 100, origin + 95, dtls="connected", out=out0),
        sample(0, origin + 170, origin + 160, dtls="connected", out=out1, codec="video/VP8"),
    ]
    in1 = {"packetsReceived": 3, "framesReceived": 1, "framesDecoded": 1, "keyFramesDecoded": 1,
           "totalDecodeTime": 0.004, "totalProcessingDelay": 0.02, "totalAssemblyTime": 0.008,
           "jitterBufferDelay": 0.012, "jitterBufferEmittedCount": 1, "pliCount": 0}  # fmt: skip
    receiver = [sample(1, origin + 200, origin + 190, dtls="connected", **{"in": in1})]
    got = milestones(sender, receiver, [], origin, {"pc-connected": 90.0})
    assert got["at"]["encoded"] == 170.0
    assert got["gaps"]["encoded"] == 10.0  # it happened after the poll at 160
    assert got["at"]["encode-start"] == 164.0
    assert got["at"]["decoded"] == 200.0
    facts = got["facts"]
    assert facts["first_frame_bytes"] == 2758 and facts["size"] == "640x480"
    assert facts["codec"] == "video/VP8" and facts["target_kbps"] == 590.0
    assert round(facts["pacer_total_ms"], 6) == 11.0
    assert round(facts["assembly_ms"], 6) == 8.0 and round(facts["jitter_buffer_ms"], 6) == 12.0


def test_main_thread_busy_counts_only_the_joining_pages_main_thread_in_the_window() -> None:
    from first_frame_trace import main_thread_busy

    names = [
        {"pid": JOINER, "tid": 1, "name": "thread_name", "args": {"name": "CrRendererMain"}},
        {"pid": SENDER, "tid": 1, "name": "thread_name", "args": {"name": "CrRendererMain"}},
    ]
    tasks = [
        ev(JOINER, "ThreadControllerImpl::RunTask", 1090, 20),  # 10 ms inside (from 1100)
        ev(JOINER, "ThreadControllerImpl::RunTask", 1150, 5),  # inside
        ev(JOINER, "ThreadControllerImpl::RunTask", 1150, 5, tid=2),  # another thread
        ev(SENDER, "ThreadControllerImpl::RunTask", 1150, 30),  # the other page
        ev(JOINER, "ThreadControllerImpl::RunTask", 1195, 20),  # 5 ms inside (to 1200)
    ]
    events = [ev(JOINER, "mockroom:join-click", 1000), *names, *tasks]
    # On the page's clock the click is at 300 ms: the window 1100 to 1200 is 400 to 500 there.
    assert main_thread_busy(events, 400.0, 500.0, 300.0) == 20.0
