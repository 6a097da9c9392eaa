// Perfect negotiation for one pair (one RTCPeerConnection per remote participant): the
// connection's events and each signal the other side sends. call.js keeps the peers and
// decides who offers; this module is what a connection does with its messages. No DOM here.

import { addRemoteCandidate } from "./call-candidates.js";
import { withStartBitrate } from "./call-media.js";
import { descriptionJSON, sendsMedia } from "./call-offer.js";
import { isNewRemote } from "./call-resume.js";
import { hold } from "./idle-hold.js";
import { mark } from "./join-timing.js";

/** @typedef {import("./call.js").Call} Call */
/** @typedef {import("./call.js").RemotePeer} RemotePeer */
/** @typedef {import("./wire.js").SignalData} SignalData */

/**
 * A connection's events: our offers (negotiationneeded), our candidates, the remote tracks
 * (only a seat's: an observer sends nothing), its state (the impolite side restarts ICE).
 * @param {Call} call @param {RemotePeer} peer @param {RTCPeerConnection} pc
 */
export function wirePc(call, peer, pc) {
  const signal = (/** @type {SignalData} */ data) => { call.client.send({ type: "signal", to: peer.id, data }); };
  pc.onnegotiationneeded = async () => {
    try {
      peer.makingOffer = true;
      await pc.setLocalDescription();
      if (pc.localDescription) signal({ description: descriptionJSON(pc.localDescription) });
      mark(`${pc.localDescription?.type}-sent`);
    } catch (err) {
      console.warn("offer failed", err);
    } finally {
      peer.makingOffer = false;
    }
  };
  pc.onicecandidate = ({ candidate }) => {
    if (candidate) signal({ candidate: candidate.toJSON() });
  };
  pc.ontrack = ({ track }) => {
    // Observers send no media (the server names the sender's role on every signal); a
    // modified observer page that offers tracks anyway is never shown or heard.
    if (!sendsMedia(peer.info.role)) {
      track.stop();
      return;
    }
    // Streamed ahead (our offer's receiver, call-media.js): the page has it in the stream
    // already, and nothing is redone for it while the answer is applied.
    if (peer.stream.getTracks().includes(track)) return;
    for (const old of peer.stream.getTracks()) {
      if (old.kind === track.kind) peer.stream.removeTrack(old);
    }
    peer.stream.addTrack(track);
    // Not yet announced (the offer is being applied): _announce hands its tracks over.
    if (peer.heldTracks) peer.heldTracks.push(track);
    else if (peer.announced) call.onpeertrack(peer, track);
  };
  pc.onconnectionstatechange = () => {
    // A path that failed may come back on another candidate pair: the impolite side restarts.
    // One kept across a reconnect that nobody announced again is gone for good.
    if (peer.unseen && (pc.connectionState === "failed" || pc.connectionState === "closed")) {
      call._remove(peer.id);
      return;
    }
    if (pc.connectionState === "failed" && !peer.polite) pc.restartIce();
    mark(`pc-${pc.connectionState}`);
    if (peer.announced) call.onpeerstate(peer);
    else call._announce(peer);
  };
}

/**
 * One signal from a peer, in turn (the peer's chain): perfect negotiation. The impolite side
 * ignores a colliding offer, the polite one rolls back (setRemoteDescription does); an offer
 * from a new connection of theirs (they reloaded) is answered on a new one of ours.
 * @param {Call} call @param {RemotePeer} peer @param {RTCPeerConnection|null} pc
 * @param {SignalData} data @returns {Promise<void>}
 */
export async function handleSignal(call, peer, pc, data) {
  if (peer.pc !== pc) return; // the connection was replaced meanwhile
  if (data.description && isNewRemote(pc, data.description)) {
    // They reloaded while we kept our side: answer their new connection with a new one.
    call._addPeer(peer.info, false);
    const fresh = /** @type {RemotePeer} */ (call.peers.get(peer.id));
    /** @type {Promise<void>} */
    const handled = handleSignal(call, fresh, fresh.pc, data);
    fresh.chain = handled.catch(() => {}); // their candidates wait for the offer
    return handled;
  }
  if (data.description) {
    // From their offer until our answer is out (or it failed, or they left: call.js
    // _closePc), deferred work waits (idle-hold.js): nothing else takes the main thread then.
    if (data.description.type === "offer") peer.unhold = hold();
    try {
      await applyDescription(call, peer, pc, data.description);
    } finally {
      peer.unhold?.();
      peer.unhold = undefined;
    }
  } else if (data.candidate) {
    // Not awaited: the connection applies its candidates in order itself (its operations
    // chain), so the ones queued behind a description are handed over together, in one task.
    // Awaiting each put a round trip to WebRTC's signaling thread between them: under load the
    // next candidate's addIceCandidate (which blocks the page's main thread until that thread
    // takes it, 1-50 ms in traces) came hundreds of ms later, between `connected` and the
    // first frame (bench/join_window.py).
    // One our side cannot pair (a TCP "active" one) is held instead: call-candidates.js.
    addRemoteCandidate(peer, pc, data.candidate).catch((err) => {
      if (!peer.ignoreOffer && peer.pc === pc) console.warn("candidate from", peer.id, "failed", err);
    });
  }
}

/**
 * A description of theirs, applied; an offer answered.
 * @param {Call} call @param {RemotePeer} peer @param {RTCPeerConnection} pc
 * @param {RTCSessionDescriptionInit} description
 */
async function applyDescription(call, peer, pc, description) {
  const readyForOffer = !peer.makingOffer &&
    (pc.signalingState === "stable" || peer.settingAnswer);
  const collision = description.type === "offer" && !readyForOffer;
  peer.ignoreOffer = !peer.polite && collision;
  if (peer.ignoreOffer) return;
  peer.settingAnswer = description.type === "answer";
  mark(`${description.type}-received`);
  // A newcomer's tile waits for our answer; the fallback timer their `joined` armed (call.js)
  // must not build it while their offer is applied: paused here, re-armed once the answer
  // is out (below), or if answering fails (the signal chain's catch, call.js).
  if (description.type === "offer") clearTimeout(peer.announceTimer);
  // Its tracks (ontrack fires once per kind while it is applied) reach the page together.
  peer.heldTracks = [];
  try {
    await pc.setRemoteDescription(withStartBitrate(description)); // call-media.js: why
  } finally {
    const held = peer.heldTracks;
    peer.heldTracks = undefined;
    if (peer.announced) for (const track of held) call.onpeertrack(peer, track);
  }
  mark(`${description.type}-applied`);
  peer.settingAnswer = false;
  if (description.type === "offer") {
    call._attach(peer, false);
    await pc.setLocalDescription();
    if (pc.localDescription) {
      call.client.send({
        type: "signal", to: peer.id, data: { description: descriptionJSON(pc.localDescription) },
      });
      mark("answer-sent");
    }
    // A newcomer's tile waits until our side of ICE is under way: its connectionstatechange
    // (below) announces it, the announce timer (counted from now) at the latest. Chromium
    // starts an answerer's ICE gathering only once the page's main thread is free, and a
    // tile built and laid out right here held the first check back by 20-50 ms (~5 without).
    if (pc.connectionState !== "new") call._announce(peer);
    else call._announceLater(peer);
  }
  // After our answer to an offer is out, not between: what waited may take the main thread.
  call.onapplied(peer);
}
