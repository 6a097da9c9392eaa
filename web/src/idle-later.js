// Work that can wait until the page is quiet: run once, a while later, in an idle slice. For
// what a room event changes on the screen but nobody needs within the next few hundred ms —
// above all while a newcomer's offer, our answer and the ICE handshake are in flight right
// behind their `joined` (the answerer's ICE gathering does not start while its main thread is
// busy: see bench/join_answerer.py). Calls while one is pending coalesce into that one.
// An answer slower than the wait (under load 450-1900 ms) is covered too: while an offer is
// being answered (idle-hold.js) it waits on, and runs in an idle slice right after.

import { whenFree } from "./idle-hold.js";

/**
 * @param {() => void} fn
 * @param {{afterMs?: number, idleTimeoutMs?: number}} [opts] afterMs: not before this long;
 *   idleTimeoutMs: then at the latest this long for an idle slice
 * @returns {{schedule: () => void, cancel: () => void, pending: () => boolean}}
 */
export function idleLater(fn, { afterMs = 400, idleTimeoutMs = 1000 } = {}) {
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  /** @type {number|undefined} */
  let idle;
  /** Waiting for a hold to end; a cancel or a later schedule makes that wait's turn stale. */
  let held = false;
  let turn = 0;
  const cancel = () => {
    clearTimeout(timer);
    if (idle !== undefined && "cancelIdleCallback" in window) cancelIdleCallback(idle);
    timer = idle = undefined;
    held = false;
    turn++;
  };
  const run = () => {
    cancel();
    fn();
  };
  /** next() once nothing holds (at once, usually). @param {() => void} next */
  const afterHold = (next) => {
    const mine = turn;
    held = true;
    whenFree(() => {
      if (mine !== turn) return;
      held = false;
      next();
    });
  };
  const askIdle = () => {
    if (!("requestIdleCallback" in window)) return run();
    idle = requestIdleCallback(() => {
      idle = undefined;
      afterHold(run); // a hold may have begun since the slice was asked for
    }, { timeout: idleTimeoutMs });
  };
  const pending = () => timer !== undefined || idle !== undefined || held;
  return {
    schedule() {
      if (pending()) return;
      timer = setTimeout(() => {
        timer = undefined;
        afterHold(askIdle);
      }, afterMs);
    },
    cancel,
    pending,
  };
}
