// The requests RoomClient (protocol.js) has sent, by id. Request-like messages (interview and
// scripted actions, state changes, captions) carry an `id`; the server echoes it in the `error`
// frame that refuses one, so a pane shows only the refusals of what it sent.
//
// A closure, not a class: its state is local variables the minifier shortens (the room lobby
// loads this before Join).

/** How many sent requests are remembered (errors answer within a round trip). */
const SENT_LIMIT = 50;
/** The message types that get an `id` (the others are never refused one by one). */
const REQUEST_TYPES = new Set(["interview", "scripted", "state", "captions"]);

/** @typedef {import("./wire.js").ClientMessage} ClientMessage */

export function sentRequests() {
  let nextId = 1;
  /** @type {Map<string, ClientMessage>} sent requests by id, the newest SENT_LIMIT */
  const sent = new Map();
  return {
    /**
     * Gives a request-like message its id (once: a queued message keeps it) and remembers it.
     * @param {ClientMessage} msg @returns {string|null} null: not a request-like message
     */
    track(msg) {
      if (!REQUEST_TYPES.has(msg.type)) return null;
      const request = /** @type {{id?: string}} */ (msg);
      if (!request.id) request.id = String(nextId++);
      sent.delete(request.id);
      sent.set(request.id, msg);
      if (sent.size > SENT_LIMIT) sent.delete(sent.keys().next().value || "");
      return request.id;
    },

    /**
     * The message an error frame refuses (see RoomClient.requestOf).
     * @param {import("./wire.js").ErrorFrame} frame @returns {ClientMessage|null|undefined}
     */
    of(frame) {
      if (frame.id == null) return undefined;
      return sent.get(String(frame.id)) || null;
    },
  };
}
