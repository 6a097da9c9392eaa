"""call-media.js under Node: the start bitrate our sender begins a call with is set on each
video codec of the description we apply, and nothing else in it changes.

Chromium reads `x-google-start-bitrate` from the codec parameters of the applied remote
description; bench/first_frame.py shows the first keyframe's packets leaving the pacer ~15 ms
sooner with it (notes/framepath.md in the task's notes; docs in call-media.js).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from support.node import run_node

pytestmark = pytest.mark.node

# The shape of a Chromium offer: audio (opus with fmtp), video with VP8 (no fmtp), its rtx
# (fmtp apt=), VP9 (fmtp profile-id), H264 (fmtp), red and ulpfec.
SDP = "\r\n".join([
    "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0", "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 102 116 117", "a=mid:1",
    "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack", "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
    "a=rtpmap:98 VP9/90000", "a=fmtp:98 profile-id=0",
    "a=rtpmap:102 H264/90000",
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
    "a=rtpmap:116 red/90000", "a=rtpmap:117 ulpfec/90000", "",
])  # fmt: skip

SCRIPT = r"""
const { withStartBitrate, START_KBPS } = await import(process.env.SRC + "/call-media.js");
const sdp = JSON.parse(process.env.SDP);
const offer = { type: "offer", sdp };
const once = withStartBitrate(offer);
const twice = withStartBitrate(once);
const lf = withStartBitrate({ type: "answer", sdp: sdp.replaceAll("\r\n", "\n") }, 1000);
const audioOnly = { type: "offer", sdp: sdp.split("m=video")[0] };
console.log(JSON.stringify({
  kbps: START_KBPS, lines: once.sdp.split("\r\n"), type: once.type, original: offer.sdp,
  twiceSame: twice.sdp === once.sdp, lf: lf.sdp.split("\n"), lfCr: lf.sdp.includes("\r"),
  rollback: withStartBitrate({ type: "rollback" }),
  audioSame: withStartBitrate(audioOnly) === audioOnly,
}));
process.exit(0);
"""


def munged() -> dict[str, Any]:
    out: dict[str, Any] = run_node(SCRIPT, SDP=json.dumps(SDP))
    return out


def test_each_video_codec_gets_the_start_bitrate_and_nothing_else_changes() -> None:
    out = munged()
    kbps = out["kbps"]
    assert kbps > 300  # above Chromium's own start
    lines = out["lines"]
    param = f"x-google-start-bitrate={kbps}"
    # VP8 had no fmtp line: one follows its rtpmap; VP9 and H264 keep their parameters and gain
    # it. Audio, rtx, red and ulpfec carry no estimate: untouched. Nothing else changes.
    expected: list[str] = []
    for line in out["original"].split("\r\n"):
        if line.startswith(("a=fmtp:98 ", "a=fmtp:102 ")):
            line = f"{line};{param}"
        expected.append(line)
        if line == "a=rtpmap:96 VP8/90000":
            expected.append(f"a=fmtp:96 {param}")
    assert lines == expected
    assert "a=fmtp:111 minptime=10;useinbandfec=1" in lines
    assert out["type"] == "offer"


def test_applied_twice_rollback_audio_only_and_line_endings() -> None:
    out = munged()
    assert out["twiceSame"] is True  # a description that names a start already is left alone
    assert out["rollback"] == {"type": "rollback"}
    assert out["audioSame"] is True
    # A description with bare \n keeps them; the value can be given.
    assert out["lfCr"] is False
    assert "a=fmtp:96 x-google-start-bitrate=1000" in out["lf"]
