// Which peer connections survive a signaling reconnect (docs/protocol.md, "Heartbeat and
// reconnection"). Peer media goes browser to browser: a server that restarts, or a node that
// dies behind a load balancer, takes only the signaling socket with it. So after a reconnect a
// connection that still carries media is kept, and only one that failed (or was mid-way through
// a negotiation whose messages the outage swallowed) is made again. No DOM here.

/** @typedef {import("./call.js").RemotePeer} RemotePeer */
/** @typedef {import("./wire.js").Participant} ParticipantInfo */

/**
 * Whether a connection is worth keeping across a reconnect: settled (no offer in flight that
 * the outage may have lost) and connected, or only briefly disconnected (ICE may recover by
 * itself; if it fails instead, the usual ICE restart follows over the new socket).
 * @param {RTCPeerConnection} pc
 */
export function carriesMedia(pc) {
  return pc.signalingState === "stable" &&
    (pc.connectionState === "connected" || pc.connectionState === "disconnected");
}

/** The DTLS certificate fingerprint an SDP announces (the first one; "" if none).
 * @param {string|undefined} sdp */
export function dtlsFingerprint(sdp) {
  const m = /^a=fingerprint:(\S+ \S+)/m.exec(sdp || "");
  return m ? m[1].toUpperCase() : "";
}

/**
 * Whether an offer comes from a different connection than the one `pc` is talking to: the
 * other person reloaded (a new page, a new certificate) while we kept our side. Such an offer
 * cannot be applied to the old connection; the caller answers it on a fresh one. A
 * renegotiation or ICE restart of the same connection keeps its certificate.
 * @param {RTCPeerConnection} pc @param {RTCSessionDescriptionInit} description
 */
export function isNewRemote(pc, description) {
  if (description.type !== "offer" || !pc.remoteDescription) return false;
  const before = dtlsFingerprint(pc.remoteDescription.sdp);
  const now = dtlsFingerprint(description.sdp);
  return !!before && !!now && before !== now;
}

/**
 * A (re)connect's welcome lists who the server sees: of the peers we had, the ones it does not
 * list are dropped, except a connection that still carries media (the server restarted and they
 * are on their way back): that one is kept, marked `unseen` until they are announced again
 * (dropped if its media fails meanwhile).
 * @param {Map<string, RemotePeer>} peers @param {ParticipantInfo[]} listed
 * @returns {string[]} the ids to drop
 */
export function droppedAtWelcome(peers, listed) {
  const present = new Set(listed.map((p) => p.id));
  const dropped = [];
  for (const [id, peer] of peers) {
    if (present.has(id)) continue;
    if (peer.pc && carriesMedia(peer.pc)) peer.unseen = true;
    else dropped.push(id);
  }
  return dropped;
}

/**
 * Whether someone announced again (a welcome after a reconnect, their own `joined` when they
 * come back) keeps the connection we have with them: one that still carries media does; so do
 * two observers, who never connect to each other.
 * @param {RemotePeer} peer @param {ParticipantInfo} info @param {string} ourRole
 */
export function keepsConnection(peer, info, ourRole) {
  if (peer.pc) return carriesMedia(peer.pc);
  return ourRole === "observer" && info.role === "observer";
}
