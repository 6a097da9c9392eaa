// One RTCPeerConnection made ahead of need, for the side that waits in the room: when someone
// arrives, their offer is applied to a connection that exists already (with the call's
// certificate), instead of the page constructing one between their `joined` and their offer.
// The spare also carries our tracks already (`dress`: addTrack, one transceiver per kind), so
// the offer's m-lines take those transceivers as they are: applying it creates no senders or
// receivers, and the answer needs no direction change or replaceTrack — each of those is a
// blocking hop from the page's main thread to WebRTC's signaling thread between the offer and
// the answer (bench/answer_apply.py, and the traces in bench/join_answerer.py). A remote offer
// reuses only transceivers made by addTrack (JSEP 5.10), never addTransceiver's.
// An idle connection gathers nothing and encodes nothing until it is negotiated, so keeping one
// costs next to nothing; a new spare is made a moment after the last one was taken, never in
// the middle of a negotiation. It is for answering only: its negotiationneeded fired while
// nobody listened, so an offer of ours made on it would never start (call.js `_createPc`).

import { senderOf } from "./call-offer.js";

/** @typedef {import("./call-offer.js").MediaPlan} MediaPlan */

/** The first spare is made this long after our own welcome (our join's negotiation first). */
const AFTER_WELCOME_MS = 600;
/** How long after a spare was taken the next one is made (the negotiation goes first). */
const REFILL_MS = 1000;

export class SpareConnection {
  /**
   * @param {(config: RTCConfiguration) => RTCPeerConnection} [make] the constructor (tests
   *   count connections through it)
   * @param {(pc: RTCPeerConnection, kinds?: ("audio"|"video")[]) => void} [dress] puts our
   *   tracks (of these kinds, else all) on a spare: dressSpare below
   */
  constructor(make = (config) => new RTCPeerConnection(config), dress = () => {}) {
    this.make = make;
    this.dress = dress;
    /** @type {{pc: RTCPeerConnection, key: string}|null} */
    this.spare = null;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.timer = undefined;
    this.stopped = false;
  }

  /**
   * Makes the spare now (if there is none) for this configuration.
   * @param {RTCConfiguration} config
   */
  fill(config) {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const key = configKey(config);
    if (this.spare && this.spare.key === key) return;
    this.spare?.pc.close();
    const pc = this.make(config);
    this.dress(pc);
    this.spare = { pc, key };
    // Tests and bench/join_phases.py tell a spare from the lobby's connection by this mark.
    performance.mark("mockroom:spare-made");
  }

  /**
   * The first spare, after our welcome: once this join's own negotiation is done; alone in the
   * room there is none, and the next person may arrive at any moment: made at once. (A spare
   * made later than someone's arrival leaves their offer to a new connection.)
   * @param {boolean} alone nobody else in the room @param {Promise<void>} ready the call's
   *   certificate @param {() => RTCConfiguration} config read when it is made
   */
  fillAfterWelcome(alone, ready, config) {
    const wait = alone ? 0 : AFTER_WELCOME_MS;
    ready.then(() => setTimeout(() => this.fill(config()), wait));
  }

  /**
   * A local track that changed (or came late) onto the spare as it waits: made before the
   * camera was ready, it would lack this kind, and the next newcomer's answer would add it
   * between their offer and our answer.
   * @param {"audio"|"video"} kind @param {MediaStreamTrack|null} track @returns {Promise<void>}
   */
  async putTrack(kind, track) {
    const pc = this.spare ? this.spare.pc : null;
    if (!pc) return;
    const sender = senderOf(pc, kind);
    if (sender) await sender.replaceTrack(track).catch((/** @type {unknown} */ err) => console.warn(err));
    else if (track) this.dress(pc, [kind]);
  }

  /**
   * The spare if it was made for this configuration (the ICE servers did not change since),
   * else null; another is made REFILL_MS later.
   * @param {RTCConfiguration} config @returns {RTCPeerConnection|null}
   */
  take(config) {
    const spare = this.spare;
    this.spare = null;
    if (spare && spare.key !== configKey(config)) spare.pc.close();
    clearTimeout(this.timer);
    if (!this.stopped) this.timer = setTimeout(() => this.fill(config), REFILL_MS);
    return spare && spare.key === configKey(config) && spare.pc.signalingState === "stable"
      ? spare.pc : null;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.spare?.pc.close();
    this.spare = null;
  }
}

/**
 * Our tracks onto a spare (addTrack: a remote offer's m-lines reuse only those transceivers),
 * so answering on it changes no transceiver. Observers send nothing.
 * @param {RTCPeerConnection} pc @param {MediaPlan} plan
 * @param {{[kind: string]: MediaStreamTrack|null}} tracks @param {MediaStream} stream
 * @param {("audio"|"video")[]} [kinds]
 */
export function dressSpare(pc, plan, tracks, stream, kinds = plan.kinds) {
  if (!plan.sends) return;
  for (const kind of kinds) {
    const track = tracks[kind];
    if (!plan.kinds.includes(kind)) continue;
    try {
      if (track) pc.addTrack(track, stream);
    } catch (err) {
      console.warn("the spare connection took no", kind, err); // the offer makes it then
    }
  }
}

/** @param {RTCConfiguration} config */
function configKey(config) {
  return JSON.stringify(config.iceServers || []) + (config.certificates ? "+cert" : "");
}
