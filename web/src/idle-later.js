// Work that can wait until the page is quiet: run once, a while later, in an idle slice. For
// what a room event changes on the screen but nobody needs within the next few hundred ms —
// above all while a newcomer's offer, our answer and the ICE handshake are in flight right
// behind their `joined` (the answerer's ICE gathering does not start while its main thread is
// busy: see bench/join_answerer.py). Calls while one is pending coalesce into that one.

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
  const cancel = () => {
    clearTimeout(timer);
    if (idle !== undefined && "cancelIdleCallback" in window) cancelIdleCallback(idle);
    timer = idle = undefined;
  };
  const run = () => {
    cancel();
    fn();
  };
  return {
    schedule() {
      if (timer !== undefined || idle !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        if ("requestIdleCallback" in window) idle = requestIdleCallback(run, { timeout: idleTimeoutMs });
        else run();
      }, afterMs);
    },
    cancel,
    pending: () => timer !== undefined || idle !== undefined,
  };
}
