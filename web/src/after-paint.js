// Work that must not hold back a page's first frame but is wanted soon after it: run once,
// in a task of its own right after the page's next rendering update (a rAF callback runs just
// before the frame; a timer set from it, after). A hidden page renders no frames: a fallback
// timer runs it anyway. `now()` runs it at once instead, for a caller that cannot wait (the
// Join click). Each runs `fn` at most once.

/** A page that renders no frame within this long (hidden, or starved) runs it anyway. */
const FALLBACK_MS = 150;

/**
 * @param {() => void} fn
 * @returns {{now: () => void, pending: () => boolean}}
 */
export function afterNextPaint(fn) {
  let waiting = true;
  const run = () => {
    if (!waiting) return;
    waiting = false;
    fn();
  };
  requestAnimationFrame(() => setTimeout(run, 0));
  setTimeout(run, FALLBACK_MS);
  return { now: run, pending: () => waiting };
}
