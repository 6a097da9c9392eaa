// The signaling client: one WebSocket per participant (docs/protocol.md). No DOM here — pages
// subscribe to messages with `on(type, fn)` and watch `onstatechange`, like Galène's protocol.js.
// The messages' shapes are in wire.js; `on("interview-state", fn)` hands `fn` an InterviewState.
//
// Request-like messages carry an `id` (protocol-requests.js), and `requestOf(frame)` says which
// message an error frame refuses; the server's clock is protocol-clock.js, and who listens to
// which message protocol-handlers.js.

/** @typedef {import("./wire.js").ServerMessages} ServerMessages */
/** @typedef {import("./wire.js").ServerMessage} ServerMessage */
/**
 * @template {keyof ServerMessages|"*"} K
 * @typedef {import("./protocol-handlers.js").Handler<K>} Handler
 */
/** @typedef {import("./wire.js").ClientMessage} ClientMessage */
/** @typedef {import("./wire.js").ErrorFrame} ErrorFrame */
/** @typedef {import("./wire.js").Welcome} Welcome */
/** @typedef {import("./wire.js").Participant} Participant */

import { socketUrl } from "./api.js";
import { CLOSE_MESSAGES, RoomError } from "./close-codes.js";

export { RoomError };

import { markFirst } from "./join-timing.js";
import { serverClock } from "./protocol-clock.js";
import { messageHandlers } from "./protocol-handlers.js";
import { sentRequests } from "./protocol-requests.js";
import { PongWatch, backoffDelay, shouldReconnect } from "./reconnect.js";

export const PROTOCOL_VERSION = 1;

const PING_EVERY_MS = 5000;
const QUEUE_LIMIT = 50;
/** Close code 1012 ("service restart"): the server drains before a restart; reconnect. */
const CLOSE_RESTART = 1012;

/**
 * @typedef {"connecting"|"open"|"reconnecting"|"closed"} ClientState
 * @typedef {{code?: number, reason?: string, error?: RoomError, attempt?: number,
 *   delayMs?: number, restarting?: boolean, outageMs?: number, wasDown?: boolean}} StateDetail
 *   outageMs ("reconnecting"): how long the room has been unreachable; wasDown ("open"): this
 *   welcome ends an outage (reconnect.js words the banner from these)
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
    /** @type {Welcome|null} the latest welcome (it changes after a reconnect) */
    this.welcome = null;
    /** @type {ClientState} */
    this.state = "closed";
    /** @type {(state: ClientState, detail?: StateDetail) => void} */
    this.onstatechange = () => {};
    this._WebSocket = opts.WebSocketImpl || globalThis.WebSocket;
    this._handlers = messageHandlers();
    /** @type {WebSocket|null} */
    this._ws = null;
    this._clock = serverClock();
    /** @type {ClientMessage[]} */
    this._queue = [];
    this._attempt = 0;
    this._closedByUs = false;
    this._takeover = false;
    /** @type {ReturnType<typeof setInterval>|undefined} */
    this._pingTimer = undefined;
    /** @type {ReturnType<typeof setTimeout>|undefined} the second quick ping after a welcome */
    this._quickPing = undefined;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this._retryTimer = undefined;
    this._requests = sentRequests();
    /** set by a 1012 close (the server is restarting) until the next welcome */
    this._restarting = false;
    /** @type {WebSocket|null} */
    this._presocket = opts.socket || null;
    /** @type {WebSocket|null} the socket the latest hello went out on */
    this._helloSent = null;
    this._pongs = new PongWatch();
    /** @type {number|null} Date.now() when a welcomed socket dropped; null while connected */
    this._downSince = null;
    /** @type {() => void} the hello just went out (signals may follow it, see send) */
    this.onhello = () => {};
  }

  /**
   * Opens the socket and says hello. Resolves with the welcome; rejects with a RoomError.
   * @param {{takeover?: boolean}} [options] takeover: take a single seat another socket holds
   * @returns {Promise<Welcome|null>} null: a reconnect attempt failed and another is scheduled
   */
  connect(options = {}) {
    this._closedByUs = false;
    this._takeover = !!options.takeover;
    this._setState("connecting");
    return this._open();
  }

  /**
   * Sends a message now, or once the socket is back (interview and scripted actions).
   * @param {ClientMessage} msg
   * @returns {string|null} the `id` given to a request-like message (see requestOf)
   */
  send(msg) {
    if (msg.type === "state") {
      if (msg.audio !== undefined) this.media.audio = msg.audio;
      if (msg.video !== undefined) this.media.video = msg.video;
      if (msg.screen !== undefined) this.media.screen = msg.screen;
      if (msg.name !== undefined) this.name = msg.name;
    }
    const id = this._requests.track(msg);
    const open = this._ws && this._ws.readyState === 1;
    if (open && this.welcome && this.state === "open") {
      this._ws.send(JSON.stringify(msg));
    } else if (open && msg.type === "signal" && !this.welcome && this._helloSent === this._ws) {
      // Between the first hello and its welcome: the server reads frames in order and relays
      // this one once it has admitted us (the join's offer, sent without waiting a round trip).
      this._ws.send(JSON.stringify(msg));
    } else if (msg.type !== "signal" && msg.type !== "ping" && msg.type !== "state") {
      // Signals are tied to peer connections that a reconnect replaces, and states travel in
      // the next hello; anything else (an interview control) is sent once we are back.
      if (this._queue.length < QUEUE_LIMIT) this._queue.push(msg);
    }
    return id;
  }

  /**
   * The message an error frame refuses, found by the `id` the server echoes. Undefined when
   * the frame has no id (it answers nothing we sent, or the server predates ids); null when
   * the id is not one of ours any more.
   * @param {ErrorFrame} frame @returns {ClientMessage|null|undefined}
   */
  requestOf(frame) {
    return this._requests.of(frame);
  }

  /**
   * Subscribes to a server message type ("*" for all). Returns the unsubscribe function.
   * @template {keyof ServerMessages|"*"} K
   * @param {K} type @param {Handler<K>} fn @returns {() => void}
   */
  on(type, fn) {
    return this._handlers.on(type, fn);
  }

  /** Date.now() on the server's clock (median of recent ping/pong offsets). */
  serverNow() {
    return Date.now() + this.clockOffset();
  }

  clockOffset() {
    return this._clock.offset();
  }

  /** @returns {number|null} the last ping round trip */
  get rttMs() {
    return this._clock.rttMs;
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

  /** @param {ClientState} state @param {StateDetail} [detail] */
  _setState(state, detail) {
    if (this.state === state && detail === undefined) return;
    this.state = state;
    try {
      this.onstatechange(state, detail);
    } catch (err) {
      console.error(err);
    }
  }

  /** One socket attempt. Resolves on welcome, rejects on error/close before it. */
  _open() {
    return new Promise((resolve, reject) => {
      let pre = this._presocket;
      this._presocket = null;
      if (pre && pre.readyState > 1) pre = null;
      /** @type {WebSocket} */
      let ws;
      try {
        ws = pre || new this._WebSocket(this.url);
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
        /** @type {import("./wire.js").Hello} */
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
        this._helloSent = ws;
        this.onhello();
      };
      if (ws.readyState === 1) sayHello();
      else ws.onopen = sayHello;
      ws.onmessage = (event) => {
        if (ws !== this._ws) return;
        /** @type {ServerMessage} */
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
        this._handlers.emit(msg);
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
          if (this.welcome && shouldReconnect(code) && !lastError) {
            // A reconnect attempt failed on the network: keep trying.
            this._scheduleReconnect();
            return resolve(null);
          }
          this._setState("closed", { code, error: err });
          return reject(err);
        }
        if (this._closedByUs) return;
        if (code === CLOSE_RESTART) this._restarting = true;
        if (!shouldReconnect(code)) {
          const error = fatal || new RoomError(code === 4000 ? "replaced" : "closed",
            (code >= 4400 && event.reason) || CLOSE_MESSAGES[code] ||
              "The room closed the connection.", code);
          error.closeCode = code;
          this._setState("closed", { code, reason: event.reason, error });
        } else {
          this._downSince = Date.now();
          this._scheduleReconnect();
        }
      };
    });
  }

  /** A socket that stopped answering pings: give it up and reconnect (its close may take
   * minutes to arrive, or never, when the node vanished without closing TCP).
   * @param {WebSocket} ws */
  _giveUp(ws) {
    if (ws !== this._ws) return;
    this._ws = null; // its close event, whenever it comes, is then ignored
    this._stopTimers();
    try {
      ws.close();
    } catch { /* it is gone either way */ }
    this._downSince = Date.now();
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    const delay = backoffDelay(this._attempt);
    this._attempt += 1;
    this._setState("reconnecting", {
      attempt: this._attempt, delayMs: delay, restarting: this._restarting,
      outageMs: this._downSince === null ? 0 : Date.now() - this._downSince,
    });
    clearTimeout(this._retryTimer);
    this._retryTimer = setTimeout(() => {
      if (this._closedByUs) return;
      this._takeover = false;
      this._open().catch(() => { /* state "closed" already reported */ });
    }, delay);
  }

  /** @param {Welcome} msg */
  _onWelcome(msg) {
    this.welcome = msg;
    this.participantId = msg.participant_id;
    this.role = msg.role;
    this.name = msg.name;
    this._attempt = 0;
    this._takeover = false;
    this._restarting = false;
    const wasDown = this._downSince !== null;
    this._downSince = null;
    this._pongs.pong();
    this._clock.welcome(msg.server_time);
    this._setState("open", wasDown ? { wasDown } : undefined);
    const queued = this._queue.splice(0);
    for (const m of queued) this.send(m);
    this._startPings();
  }

  _startPings() {
    this._stopTimers();
    const ws = this._ws;
    const ping = () => {
      if (ws && this._pongs.ping()) this._giveUp(ws);
      else this.send({ type: "ping", t: Date.now() });
    };
    ping();
    this._quickPing = setTimeout(ping, 500); // two quick samples so timers are right from the start
    this._pingTimer = setInterval(ping, PING_EVERY_MS);
  }

  _stopTimers() {
    clearInterval(this._pingTimer);
    this._pingTimer = undefined;
    clearTimeout(this._quickPing);
    this._quickPing = undefined;
    clearTimeout(this._retryTimer);
  }

  /** @param {import("./wire.js").Pong} msg */
  _onPong(msg) {
    if (this._clock.pong(msg)) this._pongs.pong();
  }
}
