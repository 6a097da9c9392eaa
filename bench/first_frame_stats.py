"""What "ICE+DTLS connected → first remote frame shown" is made of, from WebRTC's own counters.

bench/first_frame.py installs STATS_PROBE in both pages of a join. It polls getStats() on every
RTCPeerConnection of the page and keeps a sample each time a counter it watches moves. A
report's `timestamp` is the moment the browser read its counters (wall-clock ms, on the same
clock as `performance.timeOrigin + performance.now()`), so an event such as "the first frame
was encoded" lies between the last sample before it and the first sample after it, however
late the page's main thread got round to the answer: the bounds come from the browser's stats
clock, not from when a callback ran. The joining page also keeps its remote <video>'s first
requestVideoFrameCallback metadata (receiveTime, processingDuration, presentationTime, all
stamped by the media pipeline, not by the main thread).

`milestones()` turns one join's samples into moments on the joining page's clock (ms after its
navigation start) and what the first frame was; bench/first_frame_trace.py has the precise
moments, these are the counters' cross-check (late by up to a poll, see `gaps`).
"""

from __future__ import annotations

from typing import Any

# Polls every `__ffPoll` ms once started (the waiting page: by the bench before the other page
# opens; the joining page: at its Join pointerdown). A sample is kept only when a watched counter
# changed, so a poll that sees nothing new costs the page no memory.
STATS_PROBE = """
(() => {
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  const pcs = [];
  // Wrapped, not subclassed: the page's code sees the same constructor, prototype and statics.
  const Wrapped = function (...args) { const pc = new Native(...args); pcs.push(pc); return pc; };
  Wrapped.prototype = Native.prototype;
  Object.setPrototypeOf(Wrapped, Native);
  window.RTCPeerConnection = Wrapped;
  const OUT = ["framesEncoded", "keyFramesEncoded", "framesSent", "packetsSent", "bytesSent",
    "totalEncodeTime", "totalPacketSendDelay", "frameWidth", "frameHeight", "targetBitrate",
    "hugeFramesSent", "pliCount", "firCount", "nackCount", "qualityLimitationReason",
    "encoderImplementation"];
  const IN = ["packetsReceived", "bytesReceived", "framesReceived", "framesDecoded",
    "keyFramesDecoded", "totalDecodeTime", "totalProcessingDelay", "totalAssemblyTime",
    "jitterBufferDelay", "jitterBufferEmittedCount", "lastPacketReceivedTimestamp", "frameWidth",
    "frameHeight", "pliCount", "firCount", "nackCount", "framesDropped", "decoderImplementation"];
  const PAIR = ["availableOutgoingBitrate", "currentRoundTripTime", "lastPacketSentTimestamp",
    "lastPacketReceivedTimestamp", "requestsSent", "responsesReceived"];
  const pick = (s, keys) => Object.fromEntries(keys.filter((k) => s[k] !== undefined)
    .map((k) => [k, s[k]]));
  const ff = window.__ff = {samples: [], frames: [], running: false, poll: 5, polls: 0,
    origin: performance.timeOrigin};
  const last = new Map();
  const polled = new Map();
  const sample = async (pc, i) => {
    const report = await pc.getStats();
    const got = {pc: i, t: 0, out: null, in: null, pair: null, dtls: null, codec: null};
    const codecs = {};
    let pairId = null;
    report.forEach((s) => {
      got.t = s.timestamp;
      if (s.type === "codec") codecs[s.id] = s.mimeType;
      else if (s.type === "outbound-rtp" && s.kind === "video") got.out = {...pick(s, OUT),
        codecId: s.codecId};
      else if (s.type === "inbound-rtp" && s.kind === "video") got.in = pick(s, IN);
      else if (s.type === "transport") {
        got.dtls = s.dtlsState;
        pairId = s.selectedCandidatePairId;
      }
    });
    if (pairId && report.get(pairId)) got.pair = pick(report.get(pairId), PAIR);
    if (got.out) got.codec = codecs[got.out.codecId] || null;
    // Only counters and states: a timestamp alone moving is not news.
    const key = JSON.stringify([got.out, got.in && {...got.in, lastPacketReceivedTimestamp: 0},
      got.dtls]);
    // `prev`: this connection's previous poll, kept or not: the event lies in (prev, t].
    got.prev = polled.get(pc) ?? got.t;
    polled.set(pc, got.t);
    ff.polls += 1;
    if (last.get(pc) !== key) { last.set(pc, key); ff.samples.push(got); }
  };
  const loop = async () => {
    if (!ff.running) return;
    await Promise.all(pcs.filter((pc) => pc.signalingState !== "closed").map(sample));
    setTimeout(loop, ff.poll);
  };
  ff.start = () => { if (!ff.running) { ff.running = true; loop(); } };
  ff.stop = () => { ff.running = false; };
  document.addEventListener("pointerdown", () => ff.start(), true);
  // The remote <video>'s first presented frames, with what the media pipeline stamped on them.
  let video = null;
  const watch = () => {
    const v = document.querySelector("video[data-testid=remote-media]");
    if (!v || v === video) return;
    video = v;
    observer.disconnect();
    const each = (now, meta) => {
      ff.frames.push({callback: now, ...JSON.parse(JSON.stringify(meta))});
      if (ff.frames.length < 3) v.requestVideoFrameCallback(each);
    };
    v.requestVideoFrameCallback(each);
  };
  const observer = new MutationObserver(watch);
  observer.observe(document, {childList: true, subtree: true});
})();
"""

Sample = dict[str, Any]


def first(samples: list[Sample], test: Any) -> tuple[float, float] | None:
    """(last sample before, first sample after) the first sample passing `test`, in wall ms;
    the event happened in between. Samples are per connection: the earliest connection wins."""
    best: tuple[float, float] | None = None
    for pc in sorted({s["pc"] for s in samples}):
        mine = [s for s in samples if s["pc"] == pc]
        for s in mine:
            if test(s):
                before = float(s["prev"] if s.get("prev") is not None else s["t"])
                if best is None or s["t"] < best[1]:
                    best = (before, s["t"])
                break
    return best


def _count(part: str, key: str, at_least: float = 1) -> Any:
    return lambda s: s.get(part) is not None and (s[part].get(key) or 0) >= at_least


def milestones(
    sender: list[Sample],
    receiver: list[Sample],
    frames: list[dict[str, float]],
    origin: float,
    marks: dict[str, float],
) -> dict[str, Any]:
    """One join's moments on the joining page's clock (ms after its navigation start), each the
    first sample that showed it (its bracket's width is in `gaps`), plus what the first frame
    was (size, bytes, encode and decode time, keyframes, bitrates)."""
    at: dict[str, float] = {}
    gaps: dict[str, float] = {}
    facts: dict[str, Any] = {}

    def put(name: str, bracket: tuple[float, float] | None) -> None:
        if bracket is not None:
            at[name] = bracket[1] - origin
            gaps[name] = bracket[1] - bracket[0]

    put("send-dtls", first(sender, lambda s: s.get("dtls") == "connected"))
    put("encoded", first(sender, _count("out", "framesEncoded")))
    put("packet-sent", first(sender, _count("out", "packetsSent")))
    put("frame-sent", first(sender, _count("out", "framesSent")))
    put("recv-dtls", first(receiver, lambda s: s.get("dtls") == "connected"))
    put("packet-received", first(receiver, _count("in", "packetsReceived")))
    put("frame-received", first(receiver, _count("in", "framesReceived")))
    put("decoded", first(receiver, _count("in", "framesDecoded")))
    enc = next((s["out"] for s in sender if _count("out", "framesEncoded")(s)), None)
    if enc is not None and "encoded" in at:
        # The first frame's own encode time (the counter holds exactly one frame's).
        facts["encode_ms"] = 1000 * float(enc.get("totalEncodeTime", 0))
        at["encode-start"] = at["encoded"] - facts["encode_ms"]
        facts["size"] = f"{enc.get('frameWidth')}x{enc.get('frameHeight')}"
        facts["encoder"] = enc.get("encoderImplementation")
        facts["target_kbps"] = (enc.get("targetBitrate") or 0) / 1000
    codec = next((s["codec"] for s in sender if s.get("codec")), None)
    facts["codec"] = codec
    sent = next((s["out"] for s in sender if _count("out", "framesSent")(s)), None)
    if sent is not None:
        facts["first_frame_bytes"] = sent.get("bytesSent")
        facts["first_frame_packets"] = sent.get("packetsSent")
        # The time the first frame's packets waited in the pacer, summed over them, and the
        # longest any of them can have waited (they leave in order).
        facts["pacer_total_ms"] = 1000 * float(sent.get("totalPacketSendDelay", 0))
    pair = next((s["pair"] for s in sender if s.get("pair")), None)
    if pair is not None:
        facts["available_kbps"] = (pair.get("availableOutgoingBitrate") or 0) / 1000
    dec = next((s["in"] for s in receiver if _count("in", "framesDecoded")(s)), None)
    if dec is not None:
        facts["decode_ms"] = 1000 * float(dec.get("totalDecodeTime", 0))
        facts["processing_ms"] = 1000 * float(dec.get("totalProcessingDelay", 0))
        facts["assembly_ms"] = 1000 * float(dec.get("totalAssemblyTime", 0))
        if dec.get("jitterBufferEmittedCount"):
            facts["jitter_buffer_ms"] = 1000 * float(dec.get("jitterBufferDelay", 0))
        facts["decoder"] = dec.get("decoderImplementation")
    last_out: dict[str, Any] = next((s["out"] for s in reversed(sender) if s.get("out")), {})
    last_in: dict[str, Any] = next((s["in"] for s in reversed(receiver) if s.get("in")), {})
    facts["keyframes_encoded"] = last_out.get("keyFramesEncoded")
    facts["plis"] = last_in.get("pliCount")
    if frames:
        # presentationTime and receiveTime are on the page's performance clock already.
        meta = frames[0]
        if "presentationTime" in meta:
            at["presented"] = float(meta["presentationTime"])
        if "receiveTime" in meta:
            at["last-packet"] = float(meta["receiveTime"])
        if "processingDuration" in meta:
            facts["rvfc_processing_ms"] = 1000 * float(meta["processingDuration"])
    for name in ("pc-connected", "frame", "click"):
        if name in marks:
            at[name] = marks[name]
    return {"at": at, "gaps": gaps, "facts": facts}
