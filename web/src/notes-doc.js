// One notes document: a Y.Doc kept in sync with the server by y-websocket, and its save status.
// No DOM here (the UI in notes.js only subscribes), like Galène's protocol.js.
//
// "Saved" is a real acknowledgement: the server stores an update before it handles the next
// message on the same socket, so once a sync step 1 sent after our edits is answered (step 2),
// everything typed before it is on the server's disk.
import * as Y from "yjs";
import { WebsocketProvider, messageSync } from "y-websocket";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";

const ACK_DELAY_MS = 300;
// After this many failed reconnects in a row we tell the person they are offline.
const OFFLINE_AFTER_FAILURES = 3;

/** @typedef {"connecting" | "saved" | "saving" | "reconnecting" | "offline" | "refused"} SaveStatus */

export class NotesDoc {
  /**
   * @param {string} wsUrl  full ws(s):// URL of the document, e.g. ws://host/ws/rooms/ID/notes/shared
   * @param {string} token
   * @param {{name: string, role: string}} user  shown next to this person's cursor
   */
  constructor(wsUrl, token, user) {
    const cut = wsUrl.lastIndexOf("/");
    this.name = wsUrl.slice(cut + 1);
    this.ydoc = new Y.Doc();
    this.text = this.ydoc.getText("notes");
    this.meta = this.ydoc.getMap("meta");
    this.provider = new WebsocketProvider(wsUrl.slice(0, cut), this.name, this.ydoc, {
      // The token travels in the subprotocol header, never in the URL (proxies log URLs).
      protocols: ["mockroom-notes", `token.${token}`],
      disableBc: true, // another tab of the same person must not bypass the server's role checks
    });
    this.awareness = this.provider.awareness;
    this.awareness.setLocalStateField("user", { name: user.name, role: user.role });
    /** @type {SaveStatus} */
    this.status = "connecting";
    this.refusal = "";
    this.dirty = false;
    this.ackTimer = 0;
    this.ackPending = false;
    this.editedSinceAck = false;
    /** @type {Set<(status: SaveStatus) => void>} */
    this.listeners = new Set();

    this.watchAcks();
    this.provider.on("status", () => this.refresh());
    this.provider.on("sync", () => this.refresh());
    this.provider.on("connection-close", () => this.refresh());
    this.provider.on("closed", (/** @type {{code: number, reason: string}} */ ev) => {
      this.refusal = ev.reason || `closed (${ev.code})`;
      this.refresh();
    });
    this.ydoc.on("update", (_update, origin) => {
      if (origin === this.provider) return;
      this.dirty = true;
      this.editedSinceAck = true;
      this.scheduleAck();
      this.refresh();
    });
  }

  watchAcks() {
    const original = this.provider.messageHandlers[messageSync];
    this.provider.messageHandlers[messageSync] = (encoder, decoder, provider, emitSynced, type) => {
      const subtype = decoder.arr[decoder.pos];
      original(encoder, decoder, provider, emitSynced, type);
      if (subtype === 1 && this.ackPending) {
        this.ackPending = false;
        if (this.editedSinceAck) this.scheduleAck();
        else this.dirty = false;
        this.refresh();
      }
    };
    // A reconnect replays everything the server lacks in step 2; ask again once it is open.
    this.provider.on("sync", (synced) => {
      if (synced && this.dirty) this.scheduleAck();
    });
  }

  scheduleAck() {
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = 0;
      const ws = this.provider.ws;
      if (!ws || ws.readyState !== 1 || !this.provider.synced) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, messageSync);
      syncProtocol.writeSyncStep1(encoder, this.ydoc);
      this.editedSinceAck = false;
      this.ackPending = true;
      ws.send(encoding.toUint8Array(encoder));
    }, ACK_DELAY_MS);
  }

  refresh() {
    const p = this.provider;
    /** @type {SaveStatus} */
    let status;
    if (this.refusal) status = "refused";
    else if (p.wsconnected && p.synced) status = this.dirty ? "saving" : "saved";
    else if (!p.synced && p.wsUnsuccessfulReconnects === 0 && this.status === "connecting") status = "connecting";
    else if (p.wsUnsuccessfulReconnects >= OFFLINE_AFTER_FAILURES || !navigator.onLine) status = "offline";
    else status = "reconnecting";
    if (status !== this.status) {
      this.status = status;
      this.listeners.forEach((fn) => fn(status));
    }
  }

  /** @param {(status: SaveStatus) => void} fn */
  onStatus(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  destroy() {
    clearTimeout(this.ackTimer);
    this.listeners.clear();
    this.provider.destroy();
    this.ydoc.destroy();
  }
}
