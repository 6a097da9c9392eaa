"""call.js / call-negotiation.js under Node: the candidates that queued behind a description
are handed to the connection together, not one per WebRTC round trip.

Each addIceCandidate blocks the page's main thread until WebRTC's signaling thread takes the
call, and awaiting each before the next put a round trip (a task of the loaded main thread)
between them: in traces the second came hundreds of ms after the first, right before the first
remote frame. The connection orders its own candidates (its operations chain), so the signal
chain only has to keep them behind the description.
"""

from __future__ import annotations

import pytest

from support.node import run_node

pytestmark = pytest.mark.node

QUEUED = r"""
globalThis.RTCPeerConnection = class {
  static generateCertificate() { return Promise.resolve(null); }
};
globalThis.MediaStream = class { getTracks() { return []; } };
const { Call } = await import(process.env.SRC + "/call.js");
const log = [];
let release = () => {};
const srd = new Promise((resolve) => { release = resolve; });
const pc = {
  signalingState: "have-local-offer",
  connectionState: "connecting",
  setRemoteDescription: async (d) => {
    log.push("srd " + d.type);
    await srd;
    log.push("applied");
  },
  localDescription: null,
  addEventListener: () => {},
  // Never resolves by itself: a busy signaling thread.
  addIceCandidate: (c) => { log.push("add " + c.candidate); return new Promise(() => {}); },
};
const failing = { ...pc, addIceCandidate: () => Promise.reject(new Error("stale ufrag")) };
const client = { on: () => () => {}, send: () => {}, participantId: "a" };
const call = new Call({ client, role: "candidate", roomMedia: "video" });
const peer = (id, conn) => ({
  id, info: { id, role: "interviewer" }, pc: conn, stream: new MediaStream(), polite: false,
  makingOffer: false, ignoreOffer: false, settingAnswer: false, attached: true,
  announced: true, chain: Promise.resolve(),
});
call.peers.set("b", peer("b", pc));
let applied = 0;
call.onapplied = () => { applied += 1; };
const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};
call._onSignal("b", { description: { type: "answer", sdp: "" } }, "interviewer");
call._onSignal("b", { candidate: { candidate: "c1", sdpMid: "0" } }, "interviewer");
call._onSignal("b", { candidate: { candidate: "c2", sdpMid: "0" } }, "interviewer");
// A TCP "active" one is held (call-candidates.js): a Chromium side cannot pair it.
const tcp = "candidate:9 1 tcp 1518280447 10.0.0.2 9 typ host tcptype active generation 0";
call._onSignal("b", { candidate: { candidate: tcp, sdpMid: "0" } }, "interviewer");
await flush();
const beforeApplied = [...log];
release();
await flush();
const appliedOnce = applied;
// A candidate that fails does not hold up what comes after it.
const warned = [];
console.warn = (...args) => warned.push(args.join(" "));
call.peers.set("c", peer("c", failing));
let second = 0;
failing.setRemoteDescription = async () => { second += 1; };
call._onSignal("c", { candidate: { candidate: "x", sdpMid: "0" } }, "interviewer");
call._onSignal("c", { description: { type: "answer", sdp: "" } }, "interviewer");
await flush();
const result = { beforeApplied, log, applied: appliedOnce, second, warned: warned.length };
console.log(JSON.stringify(result));
process.exit(0);
"""


def test_queued_candidates_are_added_together_after_the_description() -> None:
    out = run_node(QUEUED)
    # Nothing overtakes the description while it is being applied.
    assert out["beforeApplied"] == ["srd answer"]
    # Then both candidates at once, though the first one's addIceCandidate has not resolved;
    # the TCP "active" one is not added.
    assert out["log"] == ["srd answer", "applied", "add c1", "add c2"]
    assert out["applied"] == 1
    # A failed candidate is reported, and the description behind it is still applied.
    assert out["second"] == 1
    assert out["warned"] == 1
