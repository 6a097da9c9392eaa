// Who listens to which server message, for RoomClient (protocol.js): `on(type, fn)` subscribes
// ("*": every message). A handler that throws is logged and the others still run, so one broken
// pane never stops the call. A closure, like protocol-clock.js, for the lobby's bytes.

/** @typedef {import("./wire.js").ServerMessages} ServerMessages */
/** @typedef {import("./wire.js").ServerMessage} ServerMessage */

/**
 * A handler for one message type ("*": every message).
 * @template {keyof ServerMessages|"*"} K
 * @typedef {(msg: K extends keyof ServerMessages ? ServerMessages[K] : ServerMessage) => void} Handler
 */

export function messageHandlers() {
  /** @type {Map<string, Set<(msg: any) => void>>} */
  const handlers = new Map();
  return {
    /**
     * @template {keyof ServerMessages|"*"} K
     * @param {K} type @param {Handler<K>} fn @returns {() => void} the unsubscribe function
     */
    on(type, fn) {
      let set = handlers.get(type);
      if (!set) handlers.set(type, (set = new Set()));
      set.add(fn);
      return () => { set.delete(fn); };
    },

    /** @param {ServerMessage} msg */
    emit(msg) {
      for (const key of [msg.type, "*"]) {
        const set = handlers.get(key);
        if (!set) continue;
        for (const fn of [...set]) {
          try {
            fn(msg);
          } catch (err) {
            console.error(`handler for ${msg.type} failed`, err);
          }
        }
      }
    },
  };
}
