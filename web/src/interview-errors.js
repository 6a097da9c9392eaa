// Which error frames the interview pane shows: the refusals of the interview actions it sent.
// The server echoes each request's `id` in the error that refuses it (RoomClient.requestOf);
// a frame without an id (a server from before ids, or a refusal of no message in particular)
// is shown as well, unless it is fatal (the room's own notice reports those) or came while the
// socket was still saying hello (join errors are the join's).

/** @typedef {import("./protocol.js").RoomClient} RoomClient */
/** @typedef {import("./wire.js").ErrorFrame} ErrorFrame */

/**
 * @param {RoomClient} client @param {ErrorFrame} frame
 * @returns {boolean} whether the interview pane should show this error
 */
export function isInterviewError(client, frame) {
  const request = client.requestOf(frame);
  if (request === undefined) return !frame.fatal && client.state === "open";
  return !!request && request.type === "interview";
}
