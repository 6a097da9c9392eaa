"""room-stats.js under Node: which connections the 2 s statistics loop samples.

A getStats() on a connection in its first handshake measures nothing (no media yet) and costs
the page's main thread and WebRTC's network thread in the middle of a join: the loop leaves a
connection alone until its tile exists and its media was up once. Fake timers (each tick runs
when the script says) and fake connections that count their getStats() calls.
"""

from __future__ import annotations

import pytest

from support.node import run_node

pytestmark = pytest.mark.node

SCRIPT = r"""
const timers = [];
globalThis.setTimeout = (fn) => { timers.push(fn); return timers.length; };
const tick = async () => { await timers.shift()(); };
const { startStatsLoop } = await import(process.env.SRC + "/room-stats.js");
const calls = {};
const pc = (name, state) => ({
  connectionState: state,
  async getStats() { calls[name] = (calls[name] || 0) + 1; return new Map(); },
});
const peers = new Map([
  ["answering", { id: "answering", announced: false, pc: pc("answering", "connecting") }],
  ["shown", { id: "shown", announced: true, pc: pc("shown", "new") }],
  ["handshake", { id: "handshake", announced: true, pc: pc("handshake", "connecting") }],
  ["up", { id: "up", announced: true, pc: pc("up", "connected") }],
  ["observer", { id: "observer", announced: true, pc: null }],
]);
const shown = [];
const view = { showStats: (id, s) => shown.push([id, s.state]), showConnection: () => {} };
startStatsLoop(() => ({ call: { peers }, view }));
await tick();
const first = { ...calls };
// The handshake ends; the connection that was up restarts its ICE.
peers.get("handshake").pc.connectionState = "connected";
peers.get("up").pc.connectionState = "connecting";
await tick();
console.log(JSON.stringify({ first, second: calls, shown, pending: timers.length }));
"""


def test_only_connections_whose_media_was_up_are_sampled() -> None:
    out = run_node(SCRIPT)
    # First tick: neither the one being answered (no tile yet) nor the two in their first
    # handshake; the connected one is.
    assert out["first"] == {"up": 1}
    # Second tick: the handshake is done; the restarting one keeps being sampled (its tile
    # shows "connecting", not its last state).
    assert out["second"] == {"up": 2, "handshake": 1}
    assert out["shown"] == [["up", "connected"], ["handshake", "connected"], ["up", "connecting"]]
    assert out["pending"] == 1  # the loop goes on
