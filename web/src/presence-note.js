// "Ben left" (Leave, or the tab closed) vs "Ben is reconnecting…" (the socket dropped): the
// server's `left` says which in `reason` (docs/protocol.md). A reconnect that never comes
// becomes "left" after a while; when the same seat fills again the note says they are back.

/** @typedef {import("./call.js").RemotePeer} RemotePeer */

const GIVE_UP_MS = 45_000;

export class PresenceNote {
  /** @param {HTMLElement|null} element the note (role=status, aria-live) */
  constructor(element) {
    this.element = element;
    /** @type {Map<string, {name: string, role: string}>} remembered past their `left` */
    this.people = new Map();
    /** @type {{id: string, role: string}|null} whom the note is about */
    this.about = null;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.timer = undefined;
  }

  /** A participant appeared or changed. @param {RemotePeer} peer */
  arrived(peer) {
    const known = this.people.has(peer.id);
    const who = { name: peer.info.name || roleWord(peer.info.role), role: peer.info.role };
    this.people.set(peer.id, who);
    const about = this.about;
    const sameSeat = about && (about.id === peer.id || (!!who.role && about.role === who.role));
    if (about && sameSeat && this.element && this.element.dataset.state !== "back") {
      this.say(known || about.role === who.role ? `${who.name} is back.` : null, "back");
    }
  }

  /** @param {string} id @param {string|undefined} reason "left" or "lost" */
  left(id, reason) {
    const who = this.people.get(id) || { name: "The other person", role: "" };
    this.about = { id, role: who.role };
    clearTimeout(this.timer);
    if (reason === "lost") {
      this.say(`${who.name} is reconnecting…`, "reconnecting");
      this.timer = setTimeout(() => this.say(`${who.name} left (the connection was lost).`, "left"),
        GIVE_UP_MS);
    } else {
      this.say(`${who.name} left the room.`, "left");
    }
  }

  /** @param {string|null} text @param {string} state */
  say(text, state) {
    if (state === "back") clearTimeout(this.timer);
    if (!this.element) return;
    this.element.hidden = !text;
    this.element.textContent = text || "";
    this.element.dataset.state = state;
  }
}

/** @param {string} role */
function roleWord(role) {
  return role ? role.charAt(0).toUpperCase() + role.slice(1) : "Someone";
}
