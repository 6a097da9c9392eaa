// Named moments of joining a call, as performance marks "mockroom:<name>" (bench/join.py reads
// them from both pages and prints where the time goes; the browser's performance panel shows
// them too). A mark costs about a microsecond, so they stay in production builds.

/** @param {string} name e.g. "offer-sent", "answer-received", "pc-connected" */
export function mark(name) {
  performance.mark(`mockroom:${name}`);
}

/** @type {Set<string>} */
const marked = new Set();

/** Marks only the first time a name is seen (e.g. the first `signal` frame to arrive): cheap
 * enough for every incoming message, and the mark buffer does not grow with a long call.
 * @param {string} name */
export function markFirst(name) {
  if (marked.has(name)) return;
  marked.add(name);
  mark(name);
}
