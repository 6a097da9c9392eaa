// A page-wide hold on deferred work while an answer of ours is on the critical path: from a
// newcomer's offer arriving until our answer is sent, the page's main thread belongs to the
// negotiation (Chromium starts the answerer's ICE gathering only once it is free: see
// bench/join_answerer.py). Deferred work — idle-later.js's redraws, the stats tick — waits
// while any hold is on and runs right after, each in a task of its own (not inside the task
// that sent the answer). Holds are counted (one per offer being answered) and each lets go by
// itself after a cap, so a negotiation that never settles (a connection closed mid-way leaves
// its promises pending) cannot hold the page forever.
// Module state, not an object passed around: there is one main thread per page, so one hold.

/** A hold lets go by itself after this long. */
export const HOLD_CAP_MS = 3000;

let holds = 0;
/** @type {Set<() => void>} */
const waiting = new Set();

/**
 * Holds deferred work until the returned release is called (once; later calls do nothing)
 * or capMs has passed.
 * @param {number} [capMs] @returns {() => void} release
 */
export function hold(capMs = HOLD_CAP_MS) {
  holds++;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearTimeout(timer);
    holds--;
    if (holds === 0) flush();
  };
  const timer = setTimeout(release, capMs);
  return release;
}

/** Whether deferred work should wait now. */
export function isHeld() {
  return holds > 0;
}

/**
 * Runs fn now if nothing holds, else in a task of its own once the last hold is released.
 * @param {() => void} fn @returns {() => void} cancels it if it has not run yet
 */
export function whenFree(fn) {
  if (!holds) {
    fn();
    return () => {};
  }
  let live = true;
  const entry = () => {
    if (!live) return;
    if (holds) { // held again before its task came
      waiting.add(entry);
      return;
    }
    live = false;
    fn();
  };
  waiting.add(entry);
  return () => {
    live = false;
    waiting.delete(entry);
  };
}

function flush() {
  const due = [...waiting];
  waiting.clear();
  // A task each, after the releasing one (the answer's): what waited must not lengthen it.
  for (const entry of due) setTimeout(entry, 0);
}
