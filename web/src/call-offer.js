// What our side of a call sends and receives, and the offer made ahead of the click: the
// m-lines (one transceiver per kind, made once, so a camera switch is a replaceTrack), the
// lobby's prepared connection with its offer and gathered candidates, and how that offer is
// sent to the seat the room info listed. No DOM here; call.js runs the negotiation.

import { mark } from "./join-timing.js";

/** @typedef {import("./wire.js").SignalData} SignalData */
/** @typedef {{kinds: ("audio"|"video")[], sends: boolean}} MediaPlan */

/** Only the two seats publish media; observers watch and listen. @param {string} role */
export function sendsMedia(role) {
  return role === "interviewer" || role === "candidate";
}

/**
 * What each role and room media send and receive.
 * @param {string} role @param {string} roomMedia @returns {MediaPlan}
 */
export function mediaPlan(role, roomMedia) {
  return {
    kinds: roomMedia === "video" ? ["audio", "video"] : ["audio"],
    sends: sendsMedia(role),
  };
}

/**
 * Our transceiver of this kind on a connection (not a stopped one), or null.
 * @param {RTCPeerConnection} pc @param {string} kind @returns {RTCRtpTransceiver|null}
 */
function transceiver(pc, kind) {
  return pc.getTransceivers().find((t) => t.receiver.track.kind === kind &&
    !(/** @type {{stopped?: boolean}} */ (t)).stopped) || null;
}

/** @param {RTCPeerConnection} pc @param {string} kind @returns {RTCRtpSender|null} */
export function senderOf(pc, kind) {
  const tr = transceiver(pc, kind);
  return tr ? tr.sender : null;
}

/**
 * Tracks that arrived after a connection's offer was made go onto its senders.
 * @param {RTCPeerConnection} pc @param {MediaPlan} plan
 * @param {{[kind: string]: MediaStreamTrack|null}} tracks
 */
export function fitTracks(pc, plan, tracks) {
  for (const kind of plan.kinds) {
    const sender = senderOf(pc, kind);
    const track = tracks[kind];
    if (sender && track && sender.track !== track) {
      sender.replaceTrack(track).catch((/** @type {unknown} */ err) => console.warn(err));
    }
  }
}

/**
 * The answerer's side: our tracks go onto the transceivers the remote offer created or took
 * (the spare's, which carry them already: then nothing changes, and nothing crosses to
 * WebRTC's signaling thread between the offer and our answer).
 * receive: false towards an observer (it sends nothing: we only send to it).
 * @param {RTCPeerConnection} pc @param {MediaPlan} plan @param {MediaStream} stream
 * @param {{[kind: string]: MediaStreamTrack|null}} tracks @param {boolean} receive
 */
export function matchTransceivers(pc, plan, stream, tracks, receive) {
  for (const kind of plan.kinds) {
    const track = tracks[kind];
    const tr = transceiver(pc, kind);
    if (!tr || !plan.sends) continue;
    const direction = receive ? "sendrecv" : "sendonly";
    if (tr.direction !== direction) tr.direction = direction;
    tr.sender.setStreams?.(stream);
    if (tr.sender.track !== track) { // the spare's sender may hold one we no longer send
      tr.sender.replaceTrack(track).catch((/** @type {unknown} */ err) => console.warn(err));
    }
  }
}

/**
 * Sends the lobby's ready-made offer (on `prep.pc`, already wired to its peer) and, after it,
 * the candidates gathered since; returns the promise the peer's signal chain waits on.
 * @param {PreparedOffer} prep @param {(data: SignalData) => void} signal
 * @param {() => boolean} current whether `prep.pc` is still the peer's connection
 * @returns {Promise<void>|null} null: sent at once
 */
export function sendPrepared(prep, signal, current) {
  const pc = prep.pc;
  let offered = false;
  // Candidates must not overtake the offer.
  pc.onicecandidate = ({ candidate }) => {
    if (!candidate) return;
    if (offered) signal({ candidate: candidate.toJSON() });
    else prep.candidates.push(candidate.toJSON());
  };
  /** @param {boolean} ok */
  const send = (ok) => {
    if (!current()) return;
    if (!ok || !pc.localDescription || pc.signalingState !== "have-local-offer") {
      pc.onnegotiationneeded?.(new Event("negotiationneeded"));
      offered = true;
      return;
    }
    // The description carries every candidate gathered so far (in the lobby, usually all
    // of them): one message instead of one per candidate, for the server to relay and the
    // other page to apply. Only later ones trickle.
    signal({ description: descriptionJSON(pc.localDescription) });
    mark("offer-sent");
    offered = true;
    prep.candidates.length = 0;
  };
  // Made in the lobby already (the usual case): sent now, in the hello's own task. A `.then`
  // would queue it behind the page's work in the same task (building the call view), which
  // costs a newcomer's offer tens of milliseconds.
  if (prep.settled !== null) {
    send(prep.settled);
    return null;
  }
  return prep.ready.then(send);
}

/**
 * @typedef {{pc: RTCPeerConnection, candidates: RTCIceCandidateInit[], ready: Promise<boolean>,
 *            settled: boolean|null}} PreparedOffer
 *   settled: what `ready` resolved to, once it has (null before).
 */

/**
 * A connection with our transceivers and its local offer already made, so certificate, offer
 * and ICE gathering happen while the person is still in the lobby. An offer is addressed to
 * nobody until it is sent: Call sends it to the first participant its welcome lists.
 * @param {{role: string, roomMedia: string, iceServers?: RTCIceServer[], stream: MediaStream}} opts
 * @returns {PreparedOffer}
 */
export function prepareOffer(opts) {
  mark("offer-start");
  const pc = new RTCPeerConnection({ iceServers: opts.iceServers || [] });
  /** @type {RTCIceCandidateInit[]} */
  const candidates = [];
  pc.onicecandidate = ({ candidate }) => {
    if (candidate) candidates.push(candidate.toJSON());
  };
  addTransceivers(pc, mediaPlan(opts.role, opts.roomMedia), opts.stream);
  /** @type {PreparedOffer} */
  const prepared = { pc, candidates, ready: Promise.resolve(false), settled: null };
  prepared.ready = pc.setLocalDescription().then(() => true, (err) => {
    console.warn("preparing the offer failed", err);
    return false;
  }).then((ok) => {
    prepared.settled = ok;
    mark("offer-prepared");
    return ok;
  });
  return prepared;
}

/**
 * Our side's m-lines: senders carry our tracks (or none yet), observers only receive.
 * receive: false towards an observer, who sends nothing (we only send to it).
 * @param {RTCPeerConnection} pc @param {MediaPlan} plan @param {MediaStream} stream
 * @param {boolean} [receive]
 */
export function addTransceivers(pc, plan, stream, receive = true) {
  for (const kind of plan.kinds) {
    const track = stream.getTracks().find((t) => t.kind === kind);
    pc.addTransceiver(track || kind, plan.sends
      ? { direction: receive ? "sendrecv" : "sendonly", streams: [stream] }
      : { direction: "recvonly" });
  }
}

/** @param {RTCSessionDescription} d @returns {RTCSessionDescriptionInit} */
export function descriptionJSON(d) {
  return { type: d.type, sdp: d.sdp };
}
