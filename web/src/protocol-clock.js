// The server's clock as RoomClient (protocol.js) sees it: Date.now()'s offset from the server's
// time, the median of recent ping/pong samples, and the last round trip. Timers on the page
// count down on the server's clock, so two people see the same remaining time.

const OFFSET_SAMPLES = 9;

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export class ServerClock {
  constructor() {
    /** @type {number[]} */
    this._offsets = [];
    this._hadPong = false;
    /** @type {number|null} the last ping round trip */
    this.rttMs = null;
  }

  /** A first rough offset from the welcome; pings refine it within a few seconds.
   * @param {number|undefined} serverTime the welcome's server_time */
  welcome(serverTime) {
    if (!this._offsets.length && typeof serverTime === "number") {
      this._offsets.push(serverTime - Date.now());
    }
  }

  /** A pong's sample (the server's time halfway through the round trip).
   * @param {import("./wire.js").Pong} msg @returns {boolean} false: not a usable answer */
  pong(msg) {
    const now = Date.now();
    if (typeof msg.t !== "number" || typeof msg.server_time !== "number") return false;
    const rtt = now - msg.t;
    if (rtt < 0) return false;
    // The welcome's rough sample goes once real ones arrive.
    if (this._offsets.length === 1 && !this._hadPong) this._offsets = [];
    this._hadPong = true;
    this._offsets.push(msg.server_time - (msg.t + rtt / 2));
    if (this._offsets.length > OFFSET_SAMPLES) this._offsets.shift();
    this.rttMs = rtt;
    return true;
  }

  /** How far the server's clock is ahead of Date.now() (0 before any sample). */
  offset() {
    return this._offsets.length ? median(this._offsets) : 0;
  }
}
