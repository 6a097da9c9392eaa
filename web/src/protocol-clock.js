// The server's clock as RoomClient (protocol.js) sees it: Date.now()'s offset from the server's
// time, the median of recent ping/pong samples, and the last round trip. Timers on the page
// count down on the server's clock, so two people see the same remaining time.
//
// A closure, not a class: its state is local variables the minifier shortens, so moving it out
// of RoomClient left the room lobby's first chunk the size it was (+66 bytes for all three
// protocol-*.js modules).

const OFFSET_SAMPLES = 9;

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function serverClock() {
  /** @type {number[]} */
  let offsets = [];
  let hadPong = false;
  /** @type {number|null} */
  let rtt = null;
  return {
    /** A first rough offset from the welcome; pings refine it within a few seconds.
     * @param {number|undefined} serverTime the welcome's server_time */
    welcome(serverTime) {
      if (!offsets.length && typeof serverTime === "number") offsets.push(serverTime - Date.now());
    },

    /** A pong's sample (the server's time halfway through the round trip).
     * @param {import("./wire.js").Pong} msg @returns {boolean} false: not a usable answer */
    pong(msg) {
      const now = Date.now();
      if (typeof msg.t !== "number" || typeof msg.server_time !== "number") return false;
      const took = now - msg.t;
      if (took < 0) return false;
      // The welcome's rough sample goes once real ones arrive.
      if (offsets.length === 1 && !hadPong) offsets = [];
      hadPong = true;
      offsets.push(msg.server_time - (msg.t + took / 2));
      if (offsets.length > OFFSET_SAMPLES) offsets.shift();
      rtt = took;
      return true;
    },

    /** How far the server's clock is ahead of Date.now() (0 before any sample). */
    offset() {
      return offsets.length ? median(offsets) : 0;
    },

    /** @returns {number|null} the last ping round trip */
    get rttMs() {
      return rtt;
    },
  };
}
