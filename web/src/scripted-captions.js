// Live captions of the candidate's own answers (docs/protocol.md, "Live captions"): an opt-in
// toggle remembered in this browser (off by default), and one caption line under the video.
// The server decodes the audio it already receives; this module only asks and shows.
//
// The line is an aria-live="polite" region, marked aria-busy while its words are a partial
// guess, so a screen reader announces each line once, when it is final, not every 200 ms.

import { prefs } from "./storage.js";

/** @typedef {import("./wire.js").Caption} Caption */

/** The `caption` schema this page reads; a frame with another `v` is ignored. */
const KNOWN_VERSION = 1;
/** The line shows the end of what was said: the last line heard and the one being said, in at
 * most this many words (about two lines of text). */
const SHOWN_WORDS = 20;

/** @type {Record<string, string>} */
const PLACEHOLDER = {
  waiting: "Captions of your answer appear here while you answer.",
  live: "Listening…",
};

export class CaptionLine {
  /**
   * @param {{toggle: HTMLInputElement, line: HTMLElement, send: (on: boolean) => void}} parts
   *   toggle: the checkbox; line: the caption element; send: tells the server
   */
  constructor({ toggle, line, send }) {
    this.toggle = toggle;
    this.line = line;
    this.send = send;
    /** @type {Caption["state"]} */
    this.state = "off";
    /** @type {Map<number, string>} this answer's lines by number */
    this.lines = new Map();
    this.toggle.checked = prefs.captions();
    this.toggle.addEventListener("change", () => {
      prefs.saveCaptions(this.toggle.checked);
      this.send(this.toggle.checked);
      // Shown at once; the server's answer (a caption frame) says where captions stand.
      this._render(this.toggle.checked ? "waiting" : "off", "");
    });
    this._render("off", "");
  }

  /** After every welcome: a new socket starts with captions off, so ask again. */
  welcomed() {
    if (this.toggle.checked) this.send(true);
  }

  /** @param {Caption} frame */
  receive(frame) {
    if (frame.v !== KNOWN_VERSION) return;
    if (frame.state === "off" && this.toggle.checked) return; // an answer to an older toggle
    if (frame.text !== undefined && frame.line !== undefined) {
      this.lines.set(frame.line, frame.text);
      this.line.setAttribute("aria-busy", String(!frame.final));
    }
    if (frame.state === "unavailable") this.lines.clear();
    this._render(frame.state, frame.message || "");
  }

  /** @param {Caption["state"]} state @param {string} message */
  _render(state, message) {
    if (state !== this.state && state === "live") this.lines.clear(); // a new answer
    this.state = state;
    this.line.dataset.state = state;
    this.line.hidden = state === "off";
    const last = [...this.lines.keys()].sort((a, b) => a - b).slice(-2);
    const words = last.map((n) => this.lines.get(n) || "").join(" ").split(" ").filter(Boolean);
    const shown = words.length > SHOWN_WORDS ? "… " + words.slice(-SHOWN_WORDS).join(" ")
      : words.join(" ");
    this.line.textContent = shown || message || PLACEHOLDER[state] || "";
    this.line.classList.toggle("placeholder", !shown);
    if (!shown || state !== "live") this.line.setAttribute("aria-busy", "false");
  }
}
