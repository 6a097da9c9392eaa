// When and how fast a dropped signaling socket comes back (docs/protocol.md, "Heartbeat and
// reconnection"): which closes are final, the backoff between attempts, the watchdog that
// calls a silent socket dead, and the words a page shows meanwhile. No DOM, no sockets:
// RoomClient (protocol.js) drives it, and a node test checks the policy on its own.
//
// A node that dies looks the same to a browser as one restarting behind a load balancer: the
// socket closes (1006) or simply goes quiet. Either way the client keeps its peer connections
// and retries with capped, jittered backoff until a node answers.

import { isFinalClose } from "./close-codes.js";

/** The first retry waits about this long; each failed attempt doubles it ... */
export const BACKOFF_BASE_MS = 250;
/** ... up to this ceiling, so a node back after a crash is found within 3 s of it. */
export const BACKOFF_CAP_MS = 3000;
/** After this long without the server the banner says what the person can do. */
export const LONG_OUTAGE_MS = 30000;
/** Pings in a row without a pong before the socket counts as dead (a node that vanished
 * without closing its TCP connections: a power cut, a network partition). */
export const MISSED_PONGS_LIMIT = 3;

/** Whether a socket that closed with `code` should be reconnected.
 * 1000 (we left), 4000 (another tab took the seat), 44xx (link refused, withdrawn, expired, room
 * deleted), 1002/1008/1009 (our own bad frame, a policy refusal): a retry would only repeat it.
 * @param {number} code */
export function shouldReconnect(code) {
  return !isFinalClose(code);
}

/**
 * The wait before reconnect attempt `attempt` (0 = the first after the drop).
 * "Equal jitter": half the exponential step is fixed, half random, so a retry never comes at
 * once (the node is still gone) and the many clients of a node that died do not all come
 * back in the same millisecond.
 * @param {number} attempt @param {() => number} [random] in [0, 1)
 */
export function backoffDelay(attempt, random = Math.random) {
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Counts pings that got no pong: `ping()` before each ping; `pong()` when one answers. Returns
 * true from `ping()` once MISSED_PONGS_LIMIT pings went unanswered: the socket is dead even
 * though the browser has not noticed (it may take minutes to time a TCP connection out).
 */
export class PongWatch {
  /** @param {number} [limit] */
  constructor(limit = MISSED_PONGS_LIMIT) {
    this.limit = limit;
    this.unanswered = 0;
  }

  /** @returns {boolean} dead: close the socket and reconnect */
  ping() {
    this.unanswered += 1;
    return this.unanswered > this.limit;
  }

  pong() {
    this.unanswered = 0;
  }
}

/**
 * What the page's connection banner says for the client's state, as `{state, text}`; `state`
 * is the banner's data-state ("reconnecting", "long", "back"); null: no banner.
 * @param {"reconnecting"|"open"} state
 * @param {{restarting?: boolean, outageMs?: number, mediaUp?: boolean, wasDown?: boolean}} detail
 *   restarting: the server said it is restarting (1012); outageMs: how long we have been without
 *   it; mediaUp: a peer connection is still carrying the call; wasDown: "open" after an outage
 * @returns {{state: string, text: string}|null}
 */
export function bannerText(state, detail) {
  if (state === "open") return detail.wasDown ? { state: "back", text: "Back — connected to the server again." } : null;
  if ((detail.outageMs || 0) >= LONG_OUTAGE_MS) {
    return {
      state: "long",
      text: (detail.mediaUp ? "The server is still unreachable. Your call goes on; notes and the " +
        "interview catch up when it is back. " : "The server is still unreachable. ") +
        "Check your network; if this goes on, reload the page.",
    };
  }
  const head = detail.restarting ? "The server is restarting — reconnecting…"
    : "Connection to the server lost — reconnecting…";
  return { state: "reconnecting", text: head };
}
