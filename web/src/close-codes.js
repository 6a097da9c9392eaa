// How a signaling socket ends, in words (docs/protocol.md, "Errors"): which close codes are
// final (reconnecting would only fail again or fight another tab) and the plain-language text
// for those that arrive without an `error` frame. No DOM here.

/** Close codes after which reconnecting would only fail again or fight another tab.
 * @param {number} code */
export function isFinalClose(code) {
  return code === 1000 || code === 4000 || (code >= 4400 && code < 4500) || code === 1008 ||
    code === 1002 || code === 1009;
}

/** Plain-language text for close codes that arrive without an `error` frame.
 * @type {Record<number, string>} */
export const CLOSE_MESSAGES = {
  4401: "This link has no access token. Open the full link you were sent.",
  4403: "This link does not open the room (it may be mistyped, withdrawn or expired).",
  4404: "This room does not exist.",
  4409: "Someone is already in this room in that role.",
  4429: "This link or room has too many connections open. Close other tabs, then reload.",
  4000: "You joined from another tab or device.",
};

/** An error the page can show as is: `.code` is the protocol's error code. */
export class RoomError extends Error {
  /** @param {string} code @param {string} message @param {number} [closeCode] */
  constructor(code, message, closeCode) {
    super(message);
    this.name = "RoomError";
    this.code = code;
    this.closeCode = closeCode;
  }
}
