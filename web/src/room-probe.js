// The lobby's reachability checks: how many STUN/TURN servers the room offers, and whether the
// browser can open the signaling socket at all. The probe's socket is opened without a hello
// and handed to the join (RoomClient's `socket` option), which saves a handshake on the click.

import { socketUrl } from "./api.js";

/** The server wants a hello within 10 s of the upgrade: give the socket back before that. */
const KEEP_MS = 8000;

/**
 * "Network: …" from the ICE servers the room hands out.
 * @param {HTMLElement|null} line @param {RTCIceServer[]} iceServers
 */
export function showNetwork(line, iceServers) {
  if (!line) return;
  const n = iceServers.length;
  line.dataset.state = n ? "ok" : "warn";
  line.textContent = n
    ? `Network: ${n} STUN/TURN server${n > 1 ? "s" : ""} configured.`
    : "Network: no STUN/TURN configured — works on the same network/LAN; your host may add " +
      "TURN for the internet.";
}

/** Can the browser open the signaling socket? Opened, reported, kept for the join a while. */
export class SocketProbe {
  /** @param {HTMLElement|null} line where the verdict is shown */
  constructor(line) {
    this.line = line;
    /** @type {WebSocket|null} */
    this.socket = null;
  }

  /** @param {string} path the room's signaling path (`info.signaling`) */
  start(path) {
    const check = this.line;
    if (!check) return;
    const ws = new WebSocket(socketUrl(path));
    /** @param {boolean} ok */
    const done = (ok) => {
      check.dataset.state = ok ? "ok" : "bad";
      check.textContent = ok ? "Room server: reachable."
        : "Room server: cannot open a live connection (a firewall or proxy may block WebSockets).";
      ws.onopen = ws.onerror = null;
    };
    ws.onopen = () => {
      done(true);
      setTimeout(() => {
        if (this.socket === ws) {
          this.socket = null;
          ws.close(1000);
        }
      }, KEEP_MS);
    };
    ws.onerror = () => done(false);
    this.socket = ws;
  }

  /** The link was refused: say so on the server line. */
  refused() {
    if (!this.line) return;
    this.line.dataset.state = "bad";
    this.line.textContent = "Room server: this link was refused.";
  }

  /** The probe's socket for the join, if it is still open or opening (once). */
  take() {
    const ws = this.socket;
    this.socket = null;
    return ws && ws.readyState <= 1 ? ws : null;
  }
}
