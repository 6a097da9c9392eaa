// Countdown arithmetic for the shared interview timer. Pure: no DOM, no clock of its own — the
// caller passes `now` on the server's clock (RoomClient.serverNow()), so every screen agrees.

/**
 * @typedef {{phase: string, started_at: number, deadline: number|null, duration_ms: number,
 *            paused: boolean, remaining_ms: number|null}} TimerState
 */

/** Milliseconds left (never negative); a paused timer shows its frozen value.
 * @param {TimerState|null} timer @param {number} now @returns {number|null} */
export function remainingMs(timer, now) {
  if (!timer) return null;
  if (timer.paused || timer.deadline == null) return Math.max(0, timer.remaining_ms || 0);
  return Math.max(0, timer.deadline - now);
}

/** m:ss, counting whole seconds up (a countdown shows 0:20 at its start, 0:00 only at zero).
 * @param {number|null} ms @returns {string} */
export function formatClock(ms) {
  if (ms == null) return "";
  const total = Math.ceil(Math.max(0, ms) / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

export const WARN_MS = 30_000;

/**
 * Decides when to cue (30 s left, zero) — once each per timer. A timer is identified by its phase
 * and start: "+30 s" keeps the timer (no second warning), a repeat starts a new one.
 */
export class CueTracker {
  constructor() {
    /** @type {string|null} */
    this.key = null;
    /** @type {number|null} */
    this.last = null;
    /** @type {Set<string>} */
    this.fired = new Set();
  }

  /**
   * @param {TimerState|null} timer @param {number|null} remaining
   * @returns {"warn"|"zero"|null} the cue to give now, if any
   */
  update(timer, remaining) {
    if (!timer || remaining == null) {
      this.key = null;
      this.last = null;
      return null;
    }
    const key = `${timer.phase}@${timer.started_at}`;
    if (key !== this.key) {
      this.key = key;
      this.fired = new Set();
      this.last = remaining;
      return null; // a timer we just met: no cue for a threshold crossed before we saw it
    }
    const before = this.last;
    this.last = remaining;
    if (before == null) return null;
    if (before > 0 && remaining <= 0 && !this.fired.has("zero")) {
      this.fired.add("zero");
      return "zero";
    }
    if (before > WARN_MS && remaining <= WARN_MS && !this.fired.has("warn")) {
      this.fired.add("warn");
      return "warn";
    }
    return null;
  }
}
