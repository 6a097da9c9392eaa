"""call-candidates.js under Node: the other side's TCP "active" candidates are held while our
side has no passive TCP candidate to pair them with, and added once it has one.

RFC 6544 pairs an active TCP candidate only with a passive one. Chromium gathers active TCP
host candidates only, so between two Chromium pages each remote active one is an
addIceCandidate (a main-thread block on WebRTC's signaling thread) that can never connect. A
side that does gather passive ones (Firefox) gets them all: held ones are added the moment its
first passive candidate is gathered, later ones at once. Nothing else is held: UDP candidates,
relay candidates (TURN over TCP is `udp ... typ relay`), passive and simultaneous-open TCP.
"""

from __future__ import annotations

import pytest

from support.node import run_node

pytestmark = pytest.mark.node

HOLD = r"""
const { addRemoteCandidate, isActiveTcp } = await import(process.env.SRC + "/call-candidates.js");
const line = (proto, port, extra) =>
  `candidate:1 1 ${proto} 2122260223 10.0.0.2 ${port} typ host ${extra} generation 0`;
const udp = { candidate: line("udp", 50000, ""), sdpMid: "0" };
const active = { candidate: line("tcp", 9, "tcptype active"), sdpMid: "0" };
const active2 = { candidate: line("TCP", 9, "tcptype active"), sdpMid: "0" };
const passive = { candidate: line("tcp", 50001, "tcptype passive"), sdpMid: "0" };
const so = { candidate: line("tcp", 50002, "tcptype so"), sdpMid: "0" };
const relay = { candidate: "candidate:2 1 udp 41885439 10.0.0.9 3478 typ relay raddr 1.2.3.4 " +
  "rport 5000 generation 0", sdpMid: "0" };
const fakePc = (sdp) => {
  const listeners = new Set();
  return {
    added: [],
    localDescription: { type: "offer", sdp },
    addIceCandidate(c) {
      const f = c.candidate.split(" ");
      this.added.push(f[2] + " " + f[5]);
      return Promise.resolve();
    },
    addEventListener: (type, fn) => listeners.add(fn),
    removeEventListener: (type, fn) => listeners.delete(fn),
    fire(candidate) { for (const fn of [...listeners]) fn({ candidate }); },
    listeners,
  };
};
// Chromium-like: our candidates are udp and active tcp.
const ours = "v=0\r\na=candidate:" + line("udp", 40000, "").slice(10) + "\r\na=candidate:" +
  line("tcp", 9, "tcptype active").slice(10) + "\r\n";
const pc = fakePc(ours);
const peer = {};
for (const c of [udp, active, relay, passive, so, active2]) await addRemoteCandidate(peer, pc, c);
const chromium = [...pc.added];
const heldCount = peer.heldTcp.length;
// Our side gathers a udp one (nothing changes), then a passive TCP one: the held are added.
pc.fire({ candidate: line("udp", 40001, "") });
const afterUdp = [...pc.added];
pc.fire({ candidate: line("tcp", 40002, "tcptype passive") });
const afterPassive = [...pc.added];
const listening = pc.listeners.size;
// A side whose description already has a passive TCP candidate adds active ones at once.
const ourPassive = line("tcp", 40003, "tcptype passive").slice(10);
const withPassive = fakePc(ours + "a=candidate:" + ourPassive + "\r\n");
await addRemoteCandidate({}, withPassive, active);
console.log(JSON.stringify({
  chromium, heldCount, afterUdp, afterPassive, listening, firefox: withPassive.added,
  kinds: [udp, active, relay, passive, so].map(isActiveTcp),
}));
process.exit(0);
"""


def test_active_tcp_candidates_wait_for_a_passive_one_of_ours() -> None:
    out = run_node(HOLD)
    # Chromium-like side: everything but the two active TCP candidates is added, in order.
    assert out["chromium"] == ["udp 50000", "udp 3478", "tcp 50001", "tcp 50002"]
    assert out["heldCount"] == 2
    assert out["kinds"] == [False, True, False, False, False]
    # A local udp candidate changes nothing; a local passive one brings the held ones in.
    assert out["afterUdp"] == out["chromium"]
    assert out["afterPassive"] == [*out["chromium"], "tcp 9", "TCP 9"]
    assert out["listening"] == 0
    # A side with a passive TCP candidate of its own adds them at once.
    assert out["firefox"] == ["tcp 9"]
