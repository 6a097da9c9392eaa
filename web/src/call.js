// The peer-to-peer call: one RTCPeerConnection per remote participant (a mesh of up to three),
// "perfect negotiation" per pair, trickle ICE over the RoomClient's `signal` messages.
// No DOM here: the room UI listens to the callbacks. This module keeps the peers and decides
// who offers; call-negotiation.js is what each connection does with its signals, call-offer.js
// our m-lines and the lobby's prepared offer, call-resume.js which connections a signaling
// reconnect keeps, call-spare.js the connection kept ready for the next newcomer.

import { handleSignal, wirePc } from "./call-negotiation.js";
import {
  addTransceivers, fitTracks, matchTransceivers, mediaPlan, sendPrepared, senderOf, sendsMedia,
} from "./call-offer.js";
import { streamAhead } from "./call-media.js";
import { droppedAtWelcome, keepsConnection } from "./call-resume.js";
import { SpareConnection, dressSpare } from "./call-spare.js";
import { mark } from "./join-timing.js";

/** @typedef {import("./protocol.js").RoomClient} RoomClient */
/** @typedef {import("./wire.js").Participant} ParticipantInfo */
/** @typedef {import("./wire.js").SignalData} SignalData */
/** @typedef {import("./call-offer.js").PreparedOffer} PreparedOffer */

/**
 * @typedef {object} RemotePeer
 * @property {string} id
 * @property {ParticipantInfo} info
 * @property {RTCPeerConnection|null} pc  null for observers we do not connect to
 * @property {MediaStream} stream         the remote tracks, one per kind
 * @property {boolean} polite
 * @property {boolean} makingOffer
 * @property {boolean} ignoreOffer
 * @property {boolean} settingAnswer
 * @property {boolean} attached           our local tracks are on its transceivers
 * @property {boolean} announced          onpeer was called (a newcomer's waits for our answer)
 * @property {ReturnType<typeof setTimeout>} [announceTimer] announces it if no offer comes
 * @property {MediaStreamTrack[]} [heldTracks] arrived while a description was being applied:
 *   handed to onpeertrack together once it is (one media pipeline set-up, not one per track)
 * @property {boolean} [unseen]           kept across a reconnect whose welcome did not list it
 *   (the server restarted and has not seen it back yet): dropped if its media fails
 * @property {RTCIceCandidateInit[]} [heldTcp] its TCP "active" candidates, held while our side
 *   has no passive one to pair them with (call-candidates.js)
 * @property {Promise<void>} chain        signals are handled one after another
 * @property {() => void} [unhold]       ends the hold on deferred work while its offer is answered
 */

/** A newcomer's tile waits for our answer to its offer, at most this long. */
const ANNOUNCE_LATER_MS = 250;

export class Call {
  /**
   * @param {{client: RoomClient, role: string, roomMedia: string,
   *          iceServers?: RTCIceServer[], stream?: MediaStream, prepared?: PreparedOffer}} opts
   *   stream: the local stream (its tracks may arrive later through setTrack).
   *   prepared: from prepareOffer() with the same role, media and stream.
   */
  constructor(opts) {
    this.client = opts.client;
    this.role = opts.role;
    this.plan = mediaPlan(opts.role, opts.roomMedia);
    this.iceServers = opts.iceServers || [];
    /** The stream the remote side sees our tracks in (its msid). */
    this.localStream = opts.stream || new MediaStream();
    /** @type {{[kind: string]: MediaStreamTrack|null}} */
    this.tracks = { audio: null, video: null };
    for (const t of this.localStream.getTracks()) this.tracks[t.kind] = t;
    /** @type {Map<string, RemotePeer>} */
    this.peers = new Map();
    /** @type {(peer: RemotePeer) => void} a participant appeared (tile, roster) */
    this.onpeer = () => {};
    /** @type {(peer: RemotePeer) => void} its name / mute / camera state changed */
    this.onpeerinfo = () => {};
    /** @type {(peer: RemotePeer, track: MediaStreamTrack) => void} a remote track arrived */
    this.onpeertrack = () => {};
    /** @type {(peer: RemotePeer) => void} its RTCPeerConnection state changed */
    this.onpeerstate = () => {};
    /** @type {(id: string) => void} it left */
    this.onpeerleft = () => {};
    /** @type {(peer: RemotePeer) => void} a description of theirs was applied (their tracks
     * are in peer.stream), and our answer to an offer is out */
    this.onapplied = () => {};
    /** @type {(() => void)[]} */
    this._unsubscribe = [];
    /** @type {RTCCertificate|null} made once, ahead of time: a newcomer's offer need not wait
     * for key generation (each connection would otherwise make its own). */
    this.certificate = null;
    /** @type {Promise<void>} */
    this._certified = Promise.resolve(
      RTCPeerConnection.generateCertificate?.(/** @type {any} */ ({ name: "ECDSA", namedCurve: "P-256" })),
    ).then((cert) => { this.certificate = cert || null; }, () => {});
    /** The connection the next newcomer's offer is answered on (see call-spare.js), with our
     * tracks on it already. */
    this._spare = new SpareConnection(undefined,
      (pc, kinds) => dressSpare(pc, this.plan, this.tracks, this.localStream, kinds));
    /** @type {PreparedOffer|null} */
    this._prepared = opts.prepared || null;
    /** @type {string|null} the peer offerAhead sent the offer to, until the welcome */
    this._aheadId = null;
    // Tracks that arrived after the offer was made go onto its transceivers now.
    if (this._prepared) fitTracks(this._prepared.pc, this.plan, this.tracks);
  }

  /** Starts from the client's current welcome and follows the room from then on. */
  start() {
    const c = this.client;
    this._unsubscribe.push(
      c.on("welcome", (msg) => this._onWelcome(msg)),
      c.on("joined", (msg) => this._onJoined(msg.participant)),
      c.on("left", (msg) => this._remove(msg.participant_id)),
      c.on("updated", (msg) => this._onUpdated(msg.participant)),
      c.on("signal", (msg) => this._onSignal(msg.from, msg.data, msg.from_role)),
      // A fatal error (link withdrawn or expired, refused) ends our part in the room: media
      // stops too, not only the signaling socket. A reconnect's welcome would rebuild it.
      c.on("error", (msg) => {
        if (msg.fatal) for (const id of [...this.peers.keys()]) this._remove(id);
      }),
    );
    if (c.welcome) this._onWelcome(c.welcome);
  }

  /**
   * Sends the lobby's offer to the seat the room info listed, right behind the hello (call it
   * from the client's `onhello`): the server relays it once it has admitted us, after the
   * `joined` it tells the others, so the click costs no round trip to the welcome. The
   * welcome then confirms that peer — or, if it left meanwhile, removes it and we offer anew.
   * @param {ParticipantInfo[]} participants who was in the room, from the room info
   */
  offerAhead(participants) {
    if (!this._prepared || this.peers.size || this.client.welcome) return;
    const seat = participants.find((p) => sendsMedia(p.role) && p.role !== this.role &&
      p.id !== this.client.participantId);
    if (!seat) return;
    this._aheadId = seat.id;
    mark("offer-ahead");
    this._addPeer(seat, true);
  }

  stop() {
    for (const off of this._unsubscribe.splice(0)) off();
    this._spare.stop();
    this._prepared?.pc.close();
    this._prepared = null;
    for (const id of [...this.peers.keys()]) this._remove(id);
  }

  /**
   * Puts a local track (or null) on every connection without renegotiating: the transceivers
   * exist from the first offer, so a camera switch, screen share or late getUserMedia is a
   * replaceTrack.
   * @param {"audio"|"video"} kind @param {MediaStreamTrack|null} track
   */
  async setTrack(kind, track) {
    const old = this.tracks[kind];
    if (old && old !== track) this.localStream.removeTrack(old);
    if (track && !this.localStream.getTracks().includes(track)) this.localStream.addTrack(track);
    this.tracks[kind] = track;
    const jobs = [];
    const prepared = this._prepared && senderOf(this._prepared.pc, kind);
    if (prepared) jobs.push(prepared.replaceTrack(track).catch((/** @type {unknown} */ err) => console.warn(err)));
    for (const peer of this.peers.values()) {
      const sender = peer.pc && peer.attached ? senderOf(peer.pc, kind) : null;
      if (sender) jobs.push(sender.replaceTrack(track).catch((/** @type {unknown} */ err) => console.warn(err)));
    }
    jobs.push(this._spare.putTrack(kind, track)); // the spare too (call-spare.js: why)
    await Promise.all(jobs);
  }

  // room events ---------------------------------------------------------------------------

  /** @param {import("./wire.js").Welcome} welcome */
  _onWelcome(welcome) {
    if (welcome.ice_servers) this.iceServers = welcome.ice_servers;
    // After a reconnect a connection that still carries media is kept (call-resume.js); any
    // other we make again, and we, the (re)joining side, offer.
    for (const id of droppedAtWelcome(this.peers, welcome.participants)) this._remove(id);
    if (welcome.participants.length) mark("peer-announced");
    const ahead = this._aheadId;
    this._aheadId = null;
    for (const info of welcome.participants) {
      const peer = this.peers.get(info.id);
      if (peer && info.id === ahead) {
        // Offered to before the welcome: keep that connection, now with our id's politeness.
        // Its tile is redrawn only if the room info was out of date (a redraw is a layout of
        // the call view while the answer is on its way).
        const changed = JSON.stringify(peer.info) !== JSON.stringify(info);
        peer.info = info;
        peer.polite = welcome.participant_id < info.id;
        if (changed) this.onpeerinfo(peer);
      } else if (!this._keep(info)) {
        this._addPeer(info, true);
      }
    }
    // Nobody to offer to: the next person to arrive offers to us instead.
    this._prepared?.pc.close();
    this._prepared = null;
    // A connection for the next newcomer (call-spare.js: when).
    this._spare.fillAfterWelcome(this.peers.size === 0, this._certified, () => this._config());
  }

  /** @param {ParticipantInfo} info */
  _onJoined(info) {
    // The newcomer offers; we only prepare. Someone coming back whose connection with us
    // still carries media keeps it (if they reloaded instead, their offer from a new
    // connection replaces ours: see call-negotiation.js handleSignal). One whose connection
    // failed is offered a new one by both sides; perfect negotiation settles the glare.
    mark("peer-announced");
    if (this._keep(info)) return;
    // A newcomer's tile and roster entry wait for our answer (or ANNOUNCE_LATER_MS): their
    // offer is on its way behind this `joined`, and must not queue behind building the tile.
    const known = this.peers.has(info.id);
    this._addPeer(info, known, { later: !known });
  }

  /** Keeps an existing peer's connection when it still carries media; updates its info.
   * @param {ParticipantInfo} info @returns {boolean} kept */
  _keep(info) {
    const peer = this.peers.get(info.id);
    if (!peer || !keepsConnection(peer, info, this.role)) return false;
    peer.unseen = false;
    peer.info = info;
    this._showInfo(peer);
    return true;
  }

  /** @param {ParticipantInfo} info */
  _onUpdated(info) {
    const peer = this.peers.get(info.id);
    if (!peer) return;
    peer.info = info;
    this._showInfo(peer);
  }

  /** Calls onpeer once per participant; any later callback about it follows that one.
   * @param {RemotePeer} peer */
  _announce(peer) {
    clearTimeout(peer.announceTimer);
    if (peer.announced || this.peers.get(peer.id) !== peer) return;
    peer.announced = true;
    this.onpeer(peer);
    this.onpeerstate(peer);
    for (const track of peer.stream.getTracks()) this.onpeertrack(peer, track);
  }

  /** Announces it ANNOUNCE_LATER_MS from now unless something announces it first.
   * @param {RemotePeer} peer */
  _announceLater(peer) {
    if (peer.announced) return;
    clearTimeout(peer.announceTimer);
    peer.announceTimer = setTimeout(() => this._announce(peer), ANNOUNCE_LATER_MS);
  }

  /** @param {RemotePeer} peer */
  _showInfo(peer) {
    if (peer.announced) this.onpeerinfo(peer);
    // A newcomer's tile waits for our answer (_onJoined): drawn then, with this info. An
    // `updated` of theirs must not build it in between, while their offer is being answered.
    else if (peer.announceTimer === undefined) this._announce(peer);
  }

  /** Creates (or recreates) the entry and connection for a participant.
   * later: the page hears of it once we answered its offer (see _onJoined).
   * @param {ParticipantInfo} info @param {boolean} offerer @param {{later?: boolean}} [opts] */
  _addPeer(info, offerer, { later = false } = {}) {
    const existing = this.peers.get(info.id);
    if (existing) {
      this._closePc(existing);
      clearTimeout(existing.announceTimer);
    }
    const connects = !(this.role === "observer" && info.role === "observer");
    /** @type {RemotePeer} */
    const peer = {
      id: info.id,
      info,
      pc: null,
      stream: existing ? existing.stream : new MediaStream(),
      polite: String(this.client.participantId) < info.id,
      makingOffer: false,
      ignoreOffer: false,
      settingAnswer: false,
      attached: false,
      announced: !!existing && existing.announced,
      chain: Promise.resolve(),
    };
    if (existing) for (const t of peer.stream.getTracks()) peer.stream.removeTrack(t);
    this.peers.set(info.id, peer);
    // The lobby's offer sends and receives: it is for a seat, never for an observer.
    if (connects && offerer && !existing && this._prepared && sendsMedia(info.role)) {
      this._usePrepared(peer);
    } else if (connects) {
      peer.pc = this._createPc(peer, !offerer);
      if (offerer) this._attach(peer, true); // addTransceiver fires negotiationneeded → offer
    }
    if (peer.announced) {
      this.onpeerinfo(peer);
      this.onpeerstate(peer);
      // Tracks streamed ahead (a new offer of ours) are the page's now: ontrack skips them.
      for (const track of peer.stream.getTracks()) this.onpeertrack(peer, track);
    } else if (later) {
      this._announceLater(peer);
    } else {
      this._announce(peer);
    }
  }

  /** @param {string} id */
  _remove(id) {
    const peer = this.peers.get(id);
    if (!peer) return;
    this._closePc(peer);
    clearTimeout(peer.announceTimer);
    this.peers.delete(id);
    if (peer.announced) this.onpeerleft(id);
  }

  /** @param {RemotePeer} peer */
  _closePc(peer) {
    peer.unhold?.(); // its offer will not be answered on this connection (idle-hold.js)
    if (!peer.pc) return;
    const pc = peer.pc;
    pc.onnegotiationneeded = pc.onicecandidate = pc.ontrack = pc.onconnectionstatechange = null;
    pc.close();
    peer.pc = null;
  }

  // WebRTC ------------------------------------------------------------------------------------

  /** Sends the lobby's ready-made offer and the candidates it gathered meanwhile.
   * @param {RemotePeer} peer */
  _usePrepared(peer) {
    const prep = /** @type {PreparedOffer} */ (this._prepared);
    this._prepared = null;
    const pc = prep.pc;
    peer.pc = pc;
    peer.attached = true;
    wirePc(this, peer, pc);
    streamAhead(peer.stream, pc); // its tile can be built before the answer (call-media.js)
    const signal = (/** @type {SignalData} */ data) => { this.client.send({ type: "signal", to: peer.id, data }); };
    const later = sendPrepared(prep, signal, () => peer.pc === pc);
    if (later) peer.chain = later;
  }

  /** Puts our side's transceivers on a connection: created (offerer) or matched (answerer).
   * @param {RemotePeer} peer @param {boolean} create */
  _attach(peer, create) {
    const pc = peer.pc;
    if (!pc || peer.attached) return;
    peer.attached = true;
    // Towards an observer we only send: its answer or offer never brings media to us.
    const receive = sendsMedia(peer.info.role);
    if (create) {
      addTransceivers(pc, this.plan, this.localStream, receive);
      streamAhead(peer.stream, pc);
    } else matchTransceivers(pc, this.plan, this.localStream, this.tracks, receive);
  }

  /** @returns {RTCConfiguration} */
  _config() {
    /** @type {RTCConfiguration} */
    const config = { iceServers: this.iceServers };
    if (this.certificate) config.certificates = [this.certificate];
    return config;
  }

  /** A connection for a peer; one we answer on is the spare if there is one (an offer of ours
   * must not be: see call-spare.js).
   * @param {RemotePeer} peer @param {boolean} answering */
  _createPc(peer, answering) {
    const config = this._config();
    const pc = (answering && this._spare.take(config)) || new RTCPeerConnection(config);
    wirePc(this, peer, pc);
    return pc;
  }

  /** @param {string} from @param {SignalData} data @param {string} [fromRole] from the server */
  _onSignal(from, data, fromRole) {
    let peer = this.peers.get(from);
    if (peer && fromRole && peer.info.role !== fromRole) peer.info = { ...peer.info, role: fromRole };
    if (!peer || !peer.pc) {
      // A signal from someone we have not heard join (a race with `joined`): prepare for it.
      if (peer && !peer.pc) return;
      const role = fromRole || "";
      const media = sendsMedia(role);
      this._addPeer({ id: from, role, name: "", audio: media, video: media, screen: false }, false);
      peer = this.peers.get(from);
    }
    const p = peer;
    const pc = p.pc;
    p.chain = p.chain.then(() => handleSignal(this, p, pc, data)).catch((err) => {
      console.warn("signal from", from, "failed", err);
      this._announceLater(p); // its tile is not left waiting on an answer that failed
    });
  }
}

export { mediaPlan, prepareOffer, sendsMedia } from "./call-offer.js";
