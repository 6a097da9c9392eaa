// The call's statistics loop: every 2 s, one getStats() sample per peer connection for the
// tiles' quality line and the connection indicator. It stops by itself once the call is gone.
// A connection still in its first handshake is not sampled: it has no media to measure yet
// (its tile says "Checking quality…" until then), and a getStats() between a newcomer's offer and
// their first frame is main-thread and network-thread work in the middle of the join (the
// bench's waiting page sat on this 2 s tick right then). Nor does a tick run while an offer is
// being answered: the other connections' samples and the indicator's rewrite wait for it.

import { whenFree } from "./idle-hold.js";
import { sampleStats } from "./stats.js";

/** @typedef {import("./call.js").Call} Call */
/** @typedef {import("./room-ui.js").RoomView} RoomView */
/** @typedef {import("./stats.js").StatsSample} StatsSample */

const EVERY_MS = 2000;

/** @param {() => {call: Call, view: RoomView}|null} current the live call, null once left */
export function startStatsLoop(current) {
  /** @type {Map<RTCPeerConnection, StatsSample>} */
  const previous = new Map();
  /** @returns {Promise<void>} */
  const tick = async () => {
    const live = current();
    if (!live) return;
    const { call, view } = live;
    for (const peer of call.peers.values()) {
      if (!peer.pc || !sampled(peer, previous)) continue;
      try {
        const sample = await sampleStats(peer.pc, previous.get(peer.pc) || null);
        previous.set(peer.pc, sample);
        view.showStats(peer.id, sample);
      } catch { /* closed meanwhile */ }
    }
    view.showConnection([...call.peers.values()]);
    later();
  };
  // Not while an offer of a newcomer is being answered (idle-hold.js): right after it.
  const later = () => setTimeout(() => whenFree(tick), EVERY_MS);
  later();
}

/** Worth a sample: it has a tile, and its media has been up once (a later ICE restart's
 * "connecting" is shown: the tile must not keep saying "failed").
 * @param {import("./call.js").RemotePeer} peer @param {Map<RTCPeerConnection, StatsSample>} previous */
function sampled(peer, previous) {
  const pc = /** @type {RTCPeerConnection} */ (peer.pc);
  if (!peer.announced) return false;
  return previous.has(pc) || !["new", "connecting"].includes(pc.connectionState);
}
