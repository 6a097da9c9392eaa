// The other side's ICE candidates that our side cannot pair with yet: TCP candidates of type
// "active". An active TCP candidate only ever connects to a passive one (RFC 6544, 6.2: active
// pairs with passive, simultaneous-open with simultaneous-open), and Chromium and Safari gather
// only active TCP host candidates (port 9): between two of them every remote active candidate
// is dead weight, and each addIceCandidate blocks the page's main thread until WebRTC's
// signaling thread takes it (1-50 ms under load in traces, 2-4 of them per join, arriving
// while the answer is made or the first frame is on its way). They are held, not dropped: once
// our side has a passive TCP candidate (Firefox gathers them), the held ones are added, so a
// TCP-only network still pairs their active with our passive. Relay candidates (TURN over TCP
// too) have protocol udp and are never held. No DOM here.

/** @typedef {import("./call.js").RemotePeer} RemotePeer */

/** @param {string} line a candidate's a=candidate text @returns {string|null} its tcptype */
function tcpType(line) {
  // candidate:<foundation> <component> <protocol> <priority> <ip> <port> typ <type> ...
  const fields = line.replace(/^a=/, "").split(" ");
  if ((fields[2] || "").toLowerCase() !== "tcp") return null;
  const at = fields.indexOf("tcptype");
  return at > 0 ? (fields[at + 1] || "").toLowerCase() : null;
}

/** @param {RTCIceCandidateInit} candidate @returns {boolean} */
export function isActiveTcp(candidate) {
  return tcpType(candidate.candidate || "") === "active";
}

/** Whether our side has a candidate an active one can pair with (in its description so far).
 * @param {RTCPeerConnection} pc */
function hasPassive(pc) {
  const sdp = pc.localDescription?.sdp || "";
  return sdp.split(/\r?\n/).some((line) => line.startsWith("a=candidate:") &&
    tcpType(line) === "passive");
}

/**
 * Adds a remote candidate, or holds it while our side cannot pair it (see the top).
 * @param {RemotePeer} peer @param {RTCPeerConnection} pc @param {RTCIceCandidateInit} candidate
 * @returns {Promise<void>}
 */
export function addRemoteCandidate(peer, pc, candidate) {
  if (!isActiveTcp(candidate) || hasPassive(pc)) return pc.addIceCandidate(candidate);
  if (!peer.heldTcp) {
    /** @type {RTCIceCandidateInit[]} */
    const held = [];
    peer.heldTcp = held;
    /** @param {RTCPeerConnectionIceEvent} ev */
    const onLocal = ({ candidate: local }) => {
      if (!local || tcpType(local.candidate) !== "passive") return;
      pc.removeEventListener("icecandidate", onLocal);
      peer.heldTcp = undefined;
      for (const c of held.splice(0)) pc.addIceCandidate(c).catch(() => {}); // a restart's leftovers
    };
    pc.addEventListener("icecandidate", onLocal);
  }
  /** @type {RTCIceCandidateInit[]} */ (peer.heldTcp).push(candidate);
  return Promise.resolve();
}
