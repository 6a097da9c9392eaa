// Panes that load after Join (a dynamic import, so their code is not in the lobby's bundle)
// subscribe to the RoomClient late: a message that arrived meanwhile — the `interview-state`
// the server sends right after the welcome — would be missed. `remembering` keeps the latest
// message of each named type from the moment it is called, and hands the pane a client whose
// `on(type, fn)` first replays that latest message, then follows the live ones.

/** @typedef {import("./protocol.js").RoomClient} RoomClient */

/**
 * @param {RoomClient} client @param {(keyof import("./wire.js").ServerMessages)[]} types
 * @returns {{client: RoomClient, stop: () => void}} stop: forget (once the pane is mounted)
 */
export function remembering(client, types) {
  /** @type {Map<string, any>} */
  const latest = new Map();
  const offs = types.map((type) => client.on(type, (msg) => latest.set(type, msg)));
  /** @param {keyof import("./wire.js").ServerMessages} type @param {(msg: any) => void} fn */
  const on = (type, fn) => {
    const off = client.on(type, fn);
    const last = latest.get(type);
    if (last !== undefined) fn(last);
    return off;
  };
  const late = new Proxy(client, {
    get(target, key) {
      if (key === "on") return on;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    client: late,
    stop() {
      for (const off of offs) off();
      latest.clear();
    },
  };
}

/**
 * Resolves once the call's media is up — the first remote video frame shown (or, without
 * video, a connection connected) — so the panes loaded after Join (hundreds of KiB to parse)
 * never compete with the negotiation and the first frame for the page's main thread. Alone in
 * the room there is nothing to protect: it resolves at once. `maxMs` caps the wait (a call
 * that never connects still gets its panes).
 * @param {import("./call.js").Call} call @param {{maxMs?: number}} [opts]
 * @returns {Promise<void>}
 */
export function mediaUp(call, { maxMs = 1500 } = {}) {
  if (!call.peers.size) return Promise.resolve();
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(finish, maxMs);
    /** @param {import("./call.js").RemotePeer} peer */
    const check = (peer) => {
      if (done || peer.pc?.connectionState !== "connected") return;
      const video = /** @type {HTMLVideoElement|null} */ (
        document.querySelector(`video[data-testid=remote-media][data-peer-id="${peer.id}"]`));
      // Resolved a task after the frame's callback, not in it: the callback runs inside the
      // rendering update that puts the first frame on screen, and what waits for mediaUp (the
      // meters' AudioContext, the links panel, the interview pane) would run in its microtasks,
      // before that update's paint: the frame reached the screen 100-250 ms after its
      // callback in traces under load (bench/join_window.py).
      if (video && "requestVideoFrameCallback" in video) {
        video.requestVideoFrameCallback(() => setTimeout(finish, 0));
      } else {
        finish();
      }
    };
    const previous = call.onpeerstate;
    call.onpeerstate = (peer) => {
      previous(peer);
      check(peer);
    };
    // Watched from when the call view is up (join-view.js): a connection may be up already.
    for (const peer of call.peers.values()) check(peer);
  });
}

/**
 * Resolves a moment after a media element first shows something — a video's first presented
 * frame, an audio element playing — or after `maxMs` (a camera that is off shows no frame).
 * @param {HTMLMediaElement} media @param {{maxMs?: number}} [opts] @returns {Promise<void>}
 */
export function firstShown(media, { maxMs = 1500 } = {}) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, maxMs);
    // A task later: the work waiting on it must not delay the frame's own presentation.
    const done = () => {
      clearTimeout(timer);
      setTimeout(resolve, 0);
    };
    if (media instanceof HTMLVideoElement && "requestVideoFrameCallback" in media) {
      media.requestVideoFrameCallback(done);
    } else if (!media.paused && media.readyState >= 2) {
      done();
    } else {
      media.addEventListener("playing", done, { once: true });
    }
  });
}

/**
 * Links a stylesheet into the head (once per href); resolves when it has loaded or failed (a
 * pane without its styles is still better than no pane).
 * @param {string} href @returns {Promise<void>}
 */
export function stylesheet(href) {
  const have = /** @type {HTMLLinkElement|null} */ (
    document.querySelector(`link[rel=stylesheet][href="${href}"]`));
  if (have && have.sheet) return Promise.resolve();
  const link = have || Object.assign(document.createElement("link"), { rel: "stylesheet", href });
  const loaded = new Promise((resolve) => {
    link.addEventListener("load", () => resolve(undefined), { once: true });
    link.addEventListener("error", () => resolve(undefined), { once: true });
  }).then(() => {});
  if (!have) document.head.append(link);
  return loaded;
}
