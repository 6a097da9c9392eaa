// One RTCPeerConnection made ahead of need, for the side that waits in the room: when someone
// arrives, their offer is applied to a connection that exists already (with the call's
// certificate), instead of the page constructing one between their `joined` and their offer.
// An idle connection has no transceivers and gathers nothing, so keeping one costs next to
// nothing; a new spare is made a moment after the last one was taken, never in the middle of
// a negotiation.

/** How long after a spare was taken the next one is made (the negotiation goes first). */
const REFILL_MS = 1000;

export class SpareConnection {
  /**
   * @param {(config: RTCConfiguration) => RTCPeerConnection} [make] the constructor (tests
   *   count connections through it)
   */
  constructor(make = (config) => new RTCPeerConnection(config)) {
    this.make = make;
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
    this.spare = { pc: this.make(config), key };
    // Tests and bench/join_phases.py tell a spare from the lobby's connection by this mark.
    performance.mark("mockroom:spare-made");
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

/** @param {RTCConfiguration} config */
function configKey(config) {
  return JSON.stringify(config.iceServers || []) + (config.certificates ? "+cert" : "");
}
