// The signaling client: one WebSocket per participant (docs/protocol.md). No DOM here — pages
// subscribe to messages with `on(type, fn)` and watch `onstatechange`, like Galène's protocol.js.

import { markFirst } from "./join-timing.js";

export const PROTOCOL_VERSION = 1;

const PING_EVERY_MS = 5000;
const OFFSET_SAMPLES = 9;
const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 5000];
const QUEUE_LIMIT = 50;
/** Close code 1012 ("service restart"): the server drains before a restart; reconnect. */
const CLOSE_RESTART = 1012;

/** Close codes after which reconnecting would only fail again or fight another tab. */
function isFinalClose(code) {
  return code === 1000 || code === 4000 || (code >= 4400 && code < 4500) || code === 1008 ||
    code === 1002 || code === 1009;
}

/** Plain-language text for close codes that arrive without an `error` frame. */
const CLOSE_MESSAGES = {
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

/** Turns "/ws/rooms/x" or "http(s)://host/ws/…" into a ws(s) URL. */
export function socketUrl(url) {
  const base = globalThis.location ? globalThis.location.href : "http://localhost/";
  const u = new URL(url, base);
  if (u.protocol === "http:") u.protocol = "ws:";
  if (u.protocol === "https:") u.protocol = "wss:";
  return u.toString();
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * @typedef {{id: string, role: string, name: string, audio: boolean, video: boolean, screen: boolean}} ParticipantInfo
 * @typedef {"connecting"|"open"|"reconnecting"|"closed"} ClientState
 */

export class RoomClient {
  /**
   * @param {{url: string, token: string, name?: string, participantId?: string,
   *          media?: {audio: boolean, video: boolean}, WebSocketImpl?: typeof WebSocket,
   *          socket?: WebSocket}} opts
   *   socket: a socket to the same URL opened earlier (e.g. by the lobby's check), not yet
   *   used for hello; the first connect uses it if it is still open, saving a handshake.
   */
  constructor(opts) {
    this.url = socketUrl(opts.url);
    this.token = opts.token;
    this.name = opts.name || "";
    /** @type {string|null} */
    this.participantId = opts.participantId || null;
    /** @type {{audio: boolean, video: boolean, screen?: boolean}} */
    this.media = { audio: true, video: true, ...(opts.media || {}) };
    /** @type {string|null} */
    this.role = null;
    /** @type {any} the latest welcome (it changes after a reconnect) */
    this.welcome = null;
    /** @type {ClientState} */
    this.state = "closed";
    /** @type {(state: ClientState, detail?: any) => void} */
    this.onstatechange = () => {};
    this._WebSocket = opts.WebSocketImpl || globalThis.WebSocket;
    /** @type {Map<string, Set<(msg: any) => void>>} */
    this._handlers = new Map();
    /** @type {WebSocket|null} */
    this._ws = null;
    this._offsets = [];
    this._queue = [];
    this._attempt = 0;
    this._closedByUs = false;
    this._takeover = false;
    this._pingTimer = null;
    this._retryTimer = null;
    this._hadPong = false;
    /** set by a 1012 close (the server is restarting) until the next welcome */
    this._restarting = false;
    /** @type {WebSocket|null} */
    this._presocket = opts.socket || null;
    /** @type {number|null} the last ping round trip */
    this.rttMs = null;
  }

  /**
   * Opens the socket and says hello. Resolves with the welcome; rejects with a RoomError.
   * @param {{takeover?: boolean}} [options] takeover: take a single seat another socket holds
   * @returns {Promise<any>}
   */
  connect(options = {}) {
    this._closedByUs = false;
    this._takeover = !!options.takeover;
    this._setState("connecting");
    return this._open();
  }

  /** @param {object} message */
  send(message) {
    const msg = /** @type {any} */ (message);
    if (msg.type === "state") {
      for (const key of ["audio", "video", "screen"]) if (key in msg) this.media[key] = msg[key];
      if ("name" in msg) this.name = msg.name;
    }
    if (this._ws && this._ws.readyState === 1 && this.welcome && this.state === "open") {
      this._ws.send(JSON.stringify(msg));
    } else if (msg.type !== "signal" && msg.type !== "ping" && msg.type !== "state") {
      // Signals are tied to peer connections that a reconnect replaces, and states travel in
      // the next hello; anything else (an interview control) is sent once we are back.
      if (this._queue.length < QUEUE_LIMIT) this._queue.push(msg);
    }
  }

  /**
   * Subscribes to a server message type ("*" for all). Returns the unsubscribe function.
   * @param {string} type @param {(msg: any) => void} fn @returns {() => void}
   */
  on(type, fn) {
    let set = this._handlers.get(type);
    if (!set) this._handlers.set(type, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Date.now() on the server's clock (median of recent ping/pong offsets). */
  serverNow() {
    return Date.now() + this.clockOffset();
  }

  clockOffset() {
    return this._offsets.length ? median(this._offsets) : 0;
  }

  /** Leaves the room: sends bye; no reconnect. */
  close() {
    this._closedByUs = true;
    this._stopTimers();
    const ws = this._ws;
    if (ws && ws.readyState === 1) {
      try {
        ws.send(JSON.stringify({ type: "bye" }));
      } catch { /* closing anyway */ }
    }
    if (ws && ws.readyState <= 1) ws.close(1000);
    this._ws = null;
    this._setState("closed", { code: 1000, reason: "left" });
  }

  // internals ----------------------------------------------------------------------------

  _setState(state, detail) {
    if (this.state === state && detail === undefined) return;
    this.state = state;
    try {
      this.onstatechange(state, detail);
    } catch (err) {
      console.error(err);
    }
  }

  _emit(msg) {
    for (const key of [msg.type, "*"]) {
      const set = this._handlers.get(key);
      if (!set) continue;
      for (const fn of [...set]) {
        try {
          fn(msg);
        } catch (err) {
          console.error(`handler for ${msg.type} failed`, err);
        }
      }
    }
  }

  /** One socket attempt. Resolves on welcome, rejects on error/close before it. */
  _open() {
    return new Promise((resolve, reject) => {
      let ws = this._presocket;
      this._presocket = null;
      if (ws && ws.readyState > 1) ws = null;
      try {
        ws = ws || new this._WebSocket(this.url);
      } catch (err) {
        reject(new RoomError("network", `Could not open the connection: ${err}`));
        return;
      }
      this._ws = ws;
      let welcomed = false;
      /** @type {RoomError|null} */
      let lastError = null;
      /** @type {RoomError|null} why the server is about to close a welcomed socket */
      let fatal = null;
      const sayHello = () => {
        performance.mark("mockroom:ws-open");
        const hello = {
          type: "hello",
          version: PROTOCOL_VERSION,
          token: this.token,
          media: { audio: !!this.media.audio, video: !!this.media.video },
        };
        if (this.name) hello.name = this.name;
        if (this.participantId) hello.participant_id = this.participantId;
        if (this._takeover) hello.takeover = true;
        ws.send(JSON.stringify(hello));
      };
      if (ws.readyState === 1) sayHello();
      else ws.onopen = sayHello;
      ws.onmessage = (event) => {
        if (ws !== this._ws) return;
        let msg;
        try {
          msg = JSON.parse(String(event.data));
        } catch {
          return;
        }
        if (!msg || typeof msg.type !== "string") return;
        markFirst(`got-${msg.type}`);
        if (msg.type === "welcome") {
          performance.mark("mockroom:welcome");
          welcomed = true;
          this._onWelcome(msg);
          resolve(msg);
        } else if (msg.type === "error" && !welcomed) {
          lastError = new RoomError(msg.code, msg.message);
        } else if (msg.type === "error" && msg.fatal) {
          // e.g. link-withdrawn, link-expired: the close that follows is final; say why.
          fatal = new RoomError(msg.code, msg.message);
        } else if (msg.type === "pong") {
          this._onPong(msg);
        }
        this._emit(msg);
      };
      ws.onclose = (event) => {
        if (ws !== this._ws) return; // an old socket we already replaced
        this._ws = null;
        this._stopTimers();
        const code = event.code;
        if (!welcomed) {
          const err = lastError ||
            new RoomError(code >= 4400 ? "closed" : "network",
              CLOSE_MESSAGES[code] || "Could not reach the room's server. Check your connection.",
              code);
          err.closeCode = code;
          if (this._closedByUs) return reject(err);
          if (this.welcome && !isFinalClose(code) && !lastError) {
            // A reconnect attempt failed on the network: keep trying.
            this._scheduleReconnect();
            return resolve(null);
          }
          this._setState("closed", { code, error: err });
          return reject(err);
        }
        if (this._closedByUs) return;
        if (code === CLOSE_RESTART) this._restarting = true;
        if (isFinalClose(code)) {
          const error = fatal || new RoomError(code === 4000 ? "replaced" : "closed",
            (code >= 4400 && event.reason) || CLOSE_MESSAGES[code] ||
              "The room closed the connection.", code);
          error.closeCode = code;
          this._setState("closed", { code, reason: event.reason, error });
        } else {
          this._scheduleReconnect();
        }
      };
    });
  }

  _scheduleReconnect() {
    const delay = BACKOFF_MS[Math.min(this._attempt, BACKOFF_MS.length - 1)];
    this._attempt += 1;
    this._setState("reconnecting", {
      attempt: this._attempt, delayMs: delay, restarting: this._restarting,
    });
    clearTimeout(this._retryTimer);
    this._retryTimer = setTimeout(() => {
      if (this._closedByUs) return;
      this._takeover = false;
      this._open().catch(() => { /* state "closed" already reported */ });
    }, delay);
  }

  _onWelcome(msg) {
    this.welcome = msg;
    this.participantId = msg.participant_id;
    this.role = msg.role;
    this.name = msg.name;
    this._attempt = 0;
    this._takeover = false;
    this._restarting = false;
    // A first rough offset from the welcome; pings refine it within a few seconds.
    if (!this._offsets.length && typeof msg.server_time === "number") {
      this._offsets.push(msg.server_time - Date.now());
    }
    this._setState("open");
    const queued = this._queue.splice(0);
    for (const m of queued) this.send(m);
    this._startPings();
  }

  _startPings() {
    this._stopTimers();
    const ping = () => this.send({ type: "ping", t: Date.now() });
    ping();
    setTimeout(ping, 500); // two quick samples so timers are right from the start
    this._pingTimer = setInterval(ping, PING_EVERY_MS);
  }

  _stopTimers() {
    clearInterval(this._pingTimer);
    this._pingTimer = null;
    clearTimeout(this._retryTimer);
  }

  _onPong(msg) {
    const now = Date.now();
    if (typeof msg.t !== "number" || typeof msg.server_time !== "number") return;
    const rtt = now - msg.t;
    if (rtt < 0) return;
    // The welcome's rough sample goes once real ones arrive.
    if (this._offsets.length === 1 && !this._hadPong) this._offsets = [];
    this._hadPong = true;
    this._offsets.push(msg.server_time - (msg.t + rtt / 2));
    if (this._offsets.length > OFFSET_SAMPLES) this._offsets.shift();
    this.rttMs = rtt;
  }
}
