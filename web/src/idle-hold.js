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
const HOLD_CAP_MS = 3000;

let holds = 0;
/** @type {(() => void)[]} */
const waiting = [];

/**
 * Holds deferred work until the returned release is called (once; later calls do nothing)
 * or capMs has passed.
 * @param {number} [capMs] @returns {() => void} release
 */
export function hold(capMs = HOLD_CAP_MS) {
  holds++;
  /** @type {ReturnType<typeof setTimeout>|0} */
  let timer = 0;
  const release = () => {
    if (!timer) return;
    clearTimeout(timer);
    timer = 0;
    // A task each, after the releasing one (the answer's): what waited must not lengthen it;
    // held again by then, it waits again.
    if (!--holds) for (const fn of waiting.splice(0)) setTimeout(() => whenFree(fn));
  };
  timer = setTimeout(release, capMs);
  return release;
}

/**
 * Runs fn now if nothing holds (and returns what it returned), else in a task of its own once
 * the last hold is released. (A caller that may change its mind checks, in fn, whether it
 * still wants it.)
 * @template T @param {() => T} fn @returns {T|undefined}
 */
export function whenFree(fn) {
  if (!holds) return fn();
  waiting.push(fn);
  return undefined;
}
