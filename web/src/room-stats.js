// The call's statistics loop: every 2 s, one getStats() sample per peer connection for the
// tiles' quality line and the connection indicator. It stops by itself once the call is gone.

import { sampleStats } from "./stats.js";

/** @typedef {import("./call.js").Call} Call */
/** @typedef {import("./room-ui.js").RoomView} RoomView */
/** @typedef {import("./stats.js").StatsSample} StatsSample */

const EVERY_MS = 2000;

/** @param {() => {call: Call, view: RoomView}|null} current the live call, null once left */
export function startStatsLoop(current) {
  /** @type {Map<RTCPeerConnection, StatsSample>} */
  const previous = new Map();
  const tick = async () => {
    const live = current();
    if (!live) return;
    const { call, view } = live;
    for (const peer of call.peers.values()) {
      if (!peer.pc) continue;
      try {
        const sample = await sampleStats(peer.pc, previous.get(peer.pc) || null);
        previous.set(peer.pc, sample);
        view.showStats(peer.id, sample);
      } catch { /* closed meanwhile */ }
    }
    view.showConnection([...call.peers.values()]);
    setTimeout(tick, EVERY_MS);
  };
  setTimeout(tick, EVERY_MS);
}
