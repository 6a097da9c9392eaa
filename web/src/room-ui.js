// The room's call view: video/audio tiles, the participant list, the connection indicator and
// notices. It only renders; room-page.js decides what happens.

import { LevelMeters } from "./audio-level.js";
import { h } from "./dom.js";
import { firstShown } from "./late-mount.js";
import { describeStats, quality } from "./stats.js";

/** @typedef {import("./call.js").RemotePeer} RemotePeer */
/** @typedef {import("./stats.js").StatsSample} StatsSample */

const STATE_RANK = ["failed", "disconnected", "closed", "new", "connecting", "connected"];

/** The media connection's state in plain words (the raw state stays in #connection-state).
 * @type {Record<string, string>} */
const STATE_WORDS = {
  new: "Not connected yet",
  connecting: "Connecting to the others…",
  connected: "Connected: you can see and hear each other",
  disconnected: "Connection interrupted — trying again…",
  failed: "Could not connect to the others (a firewall may block the call)",
  closed: "Call ended",
};
/** @type {Record<string, string>} */
const AUDIO_STATE_WORDS = { ...STATE_WORDS, connected: "Connected: you can hear each other" };

/** After a swap the candidate link interviews and the interviewer link answers.
 * @param {string} linkRole @param {boolean} swapped */
export function actingRole(linkRole, swapped) {
  if (!swapped) return linkRole;
  if (linkRole === "interviewer") return "candidate";
  if (linkRole === "candidate") return "interviewer";
  return linkRole;
}

/** @param {string} name */
function initial(name) {
  return (name || "?").trim().charAt(0).toUpperCase() || "?";
}

/** @param {string} role */
function roleLabel(role) {
  return role ? role.charAt(0).toUpperCase() + role.slice(1) : "";
}

const QUALITY_WORDS = { good: "Good connection", poor: "Weak connection", bad: "No connection",
  pending: "Checking quality…" };

export class RoomView {
  /** @param {{roomMedia: string, speakerId?: string}} opts */
  constructor(opts) {
    this.roomMedia = opts.roomMedia;
    this.speakerId = opts.speakerId || "";
    this.tiles = /** @type {HTMLElement} */ (document.getElementById("tiles"));
    this.roster = /** @type {HTMLElement} */ (document.getElementById("participants"));
    this.connState = /** @type {HTMLElement} */ (document.getElementById("connection-state"));
    this.waiting = /** @type {HTMLElement} */ (document.getElementById("waiting-note"));
    this.connWords = document.getElementById("connection-words");
    /** roles follow the swap (interview-state's swap.swapped) */
    this.swapped = false;
    this.localRole = "";
    this.meters = new LevelMeters();
    /** @type {Map<string, () => void>} tile id -> stops its level meter */
    this.metering = new Map();
    /** @type {Promise<unknown>} meters start once this settles (see holdMeters) */
    this.meterGate = Promise.resolve();
    /** @type {Map<string, {tile: HTMLElement|null, media: HTMLMediaElement|null, item: HTMLElement}>} */
    this.views = new Map();
    this.local = null;
  }

  // the local participant -----------------------------------------------------------------

  /**
   * @param {{name: string, role: string, video: HTMLVideoElement|null}} me
   */
  addLocal(me) {
    this.localRole = me.role;
    const item = this.rosterItem("self", `${me.name} (you)`, me.role);
    this.roster.prepend(item);
    if (me.role === "observer") {
      this.local = { tile: null, item };
      return;
    }
    const tile = h("figure", { class: "tile local", "data-peer-id": "self" });
    tile.append(
      h("div", { class: "placeholder", "aria-hidden": "true" },
        h("span", { class: "avatar", text: initial(me.name) }),
        h("span", { class: "placeholder-text", text: this.roomMedia === "video" ? "Camera off" : "" }),
      ),
      h("figcaption", {},
        h("span", { class: "name", text: "You" }),
        h("span", { class: "mic-off", role: "img", "aria-label": "Your microphone is muted", text: "muted" }),
      ),
    );
    this.tiles.prepend(tile);
    this.local = { tile, item };
    if (me.video) this.showLocalVideo(me.video);
    this.layout();
  }

  /** Our camera (the lobby's preview <video>) into our tile, built ahead without it while the
   * lobby still shows it (join-view.js). @param {HTMLVideoElement} video */
  showLocalVideo(video) {
    const tile = this.local?.tile;
    if (!tile || video.parentNode === tile) return;
    video.classList.add("mirror");
    tile.prepend(video);
  }

  /** The local microphone's level ring ("am I coming through?"); again when devices change. */
  /** @param {MediaStream} stream */
  meterLocal(stream) {
    const tile = this.local?.tile;
    if (tile) this.meter("self", tile, stream);
  }

  /**
   * Level meters wait until `until` settles (the call's media is up). A meter costs the main
   * thread an analyser and its first sample, the first one an AudioContext too: tens of
   * milliseconds that the answer, the ICE handshake and the first frame must not queue behind.
   * @param {Promise<unknown>} until
   */
  holdMeters(until) {
    this.meterGate = until;
  }

  /**
   * @param {string} id @param {HTMLElement} tile @param {MediaStream} stream
   * @param {Promise<unknown>} [after] also wait for this (the tile's media showing)
   */
  meter(id, tile, stream, after) {
    this.metering.get(id)?.();
    let stopped = false;
    let stop = () => { stopped = true; };
    this.metering.set(id, () => stop());
    Promise.all([this.meterGate, after]).then(() => {
      if (stopped) return;
      stop = this.meters.watch(stream, (bucket) => {
        tile.dataset.level = String(bucket);
        tile.dataset.speaking = bucket >= 2 ? "true" : "false";
      });
    });
  }

  /** @param {{audio: boolean, video: boolean, screen?: boolean}} state */
  setLocalState(state) {
    if (!this.local) return;
    for (const node of [this.local.tile, this.local.item]) {
      if (!node) continue;
      node.dataset.audio = state.audio ? "on" : "off";
      node.dataset.video = state.video || state.screen ? "on" : "off";
      node.dataset.screen = state.screen ? "on" : "off";
    }
    this.local.tile?.classList.toggle("mirror-off", !!state.screen);
  }

  // remote participants ---------------------------------------------------------------------

  /** @param {RemotePeer} peer */
  addPeer(peer) {
    this.removePeer(peer.id);
    const item = this.rosterItem(peer.id, peer.info.name, peer.info.role);
    this.roster.append(item);
    let tile = null;
    let media = null;
    if (peer.info.role !== "observer") {
      // Observers send nothing: they appear in the list, not as a tile.
      const video = this.roomMedia === "video";
      media = /** @type {HTMLMediaElement} */ (h(video ? "video" : "audio", {
        "data-testid": "remote-media",
        "data-peer-id": peer.id,
        autoplay: "",
        ...(video ? { playsinline: "" } : {}),
      }));
      // Attached once it has tracks (attachStream): a stream that gains tracks while an element
      // plays it has the element rebuild its pipeline for each one.
      if (peer.stream.getTracks().length) media.srcObject = peer.stream;
      this.applySink(media, { fresh: true });
      tile = h("figure", { class: "tile remote", "data-peer-id": peer.id, "data-testid": "remote-tile" },
        media,
        h("div", { class: "placeholder", "aria-hidden": "true" },
          h("span", { class: "avatar" }),
          h("span", { class: "placeholder-text" }),
        ),
        h("figcaption", {},
          h("span", { class: "name" }),
          h("span", { class: "role small" }),
          h("span", { class: "mic-off", role: "img", "aria-label": "microphone muted", text: "muted" }),
          h("details", { class: "tile-stats" },
            h("summary", { class: "quality", "data-quality": "pending" },
              h("span", { class: "quality-word", text: QUALITY_WORDS.pending }),
            ),
            h("span", { class: "stats-text", "data-testid": "tile-stats" }),
          ),
        ),
        h("p", { class: "share-label", "data-testid": "share-label" }),
        h("button", { type: "button", class: "unblock", hidden: "", text: "Click to hear and see them" }),
      );
      tile.querySelector(".unblock")?.addEventListener("click", () => this.play(peer.id));
      this.tiles.append(tile);
    }
    this.views.set(peer.id, { tile, media, item });
    this.updatePeer(peer);
    this.layout();
  }

  /** @param {RemotePeer} peer */
  updatePeer(peer) {
    const v = this.views.get(peer.id);
    if (!v) return;
    const { info } = peer;
    for (const node of [v.tile, v.item]) {
      if (!node) continue;
      node.dataset.audio = info.audio ? "on" : "off";
      node.dataset.video = info.video || info.screen ? "on" : "off";
      node.dataset.screen = info.screen ? "on" : "off";
      node.dataset.role = info.role;
    }
    if (v.media) {
      v.media.dataset.audio = info.audio ? "on" : "off";
      v.media.dataset.video = info.video ? "on" : "off";
    }
    const acting = roleLabel(actingRole(info.role, this.swapped));
    const name = info.name || acting || "Guest";
    v.item.querySelector(".name").textContent = name;
    v.item.querySelector(".role").textContent = acting;
    if (v.tile) {
      v.tile.classList.toggle("screen-share", !!info.screen);
      // The sharer's name, never "their": the others must see whose screen fills the spotlight.
      v.tile.querySelector(".share-label").textContent = info.screen ? `${name}'s screen` : "";
      v.tile.querySelector("figcaption .name").textContent = name;
      v.tile.querySelector("figcaption .role").textContent = acting;
      v.tile.querySelector(".avatar").textContent = initial(name);
      v.tile.querySelector(".placeholder-text").textContent =
        this.roomMedia === "video" ? `${name} — camera off` : name;
      v.tile.querySelector(".mic-off").setAttribute("aria-label", `${name}'s microphone is muted`);
      v.tile.setAttribute("aria-label", `${name}, ${acting}`);
    }
    this.layout();
  }

  /**
   * The sharer's camera as picture-in-picture over their shared screen (shown while they share).
   * @param {string} id @param {MediaStreamTrack} camera
   */
  showPip(id, camera) {
    const v = this.views.get(id);
    if (!v || !v.tile) return;
    let pip = /** @type {HTMLVideoElement|null} */ (v.tile.querySelector("video.pip"));
    if (!pip) {
      pip = /** @type {HTMLVideoElement} */ (h("video", {
        class: "pip", "data-testid": "pip-camera", autoplay: "", playsinline: "", "aria-hidden": "true",
      }));
      pip.muted = true; // the sound comes with the main stream
      v.tile.append(pip);
    }
    pip.srcObject = new MediaStream([camera]);
    pip.play().catch(() => {});
  }

  /**
   * Labels follow the acting role after a swap: the badge, "In the room" and the tiles.
   * @param {boolean} swapped @param {RemotePeer[]} peers
   */
  setSwapped(swapped, peers) {
    this.swapped = swapped;
    const mine = roleLabel(actingRole(this.localRole || "", swapped));
    const role = this.local?.item.querySelector(".role");
    if (role) role.textContent = mine;
    for (const peer of peers) this.updatePeer(peer);
  }

  /** A new remote track: re-attach so the element picks up the stream's new tracks. */
  /** @param {RemotePeer} peer */
  attachStream(peer) {
    const v = this.views.get(peer.id);
    if (!v || !v.media) return;
    // The element follows the tracks of the stream it already plays; assigning it again
    // would restart its pipeline and hold back the first frame.
    if (v.media.srcObject !== peer.stream) v.media.srcObject = peer.stream;
    this.play(peer.id);
    // A newcomer's meter waits for its media to show: not to slow its answer and first frame.
    if (v.tile && peer.stream.getAudioTracks().length) {
      this.meter(peer.id, v.tile, peer.stream, firstShown(v.media));
    }
  }

  /** @param {string} id */
  play(id) {
    const v = this.views.get(id);
    if (!v || !v.media) return;
    const unblock = /** @type {HTMLElement|null} */ (v.tile?.querySelector(".unblock"));
    v.media.play().then(() => {
      if (unblock) unblock.hidden = true;
    }).catch((err) => {
      // Autoplay with sound was refused (no click on this page yet): offer a button.
      if (err && err.name === "NotAllowedError" && unblock) unblock.hidden = false;
    });
  }

  /** @param {string} id */
  removePeer(id) {
    const v = this.views.get(id);
    if (!v) return;
    v.tile?.remove();
    v.item.remove();
    this.metering.get(id)?.();
    this.metering.delete(id);
    this.views.delete(id);
    this.layout();
  }

  /** @param {string} sinkId */
  setSpeaker(sinkId) {
    this.speakerId = sinkId;
    for (const v of this.views.values()) if (v.media) this.applySink(v.media);
  }

  /**
   * @param {HTMLMediaElement} media
   * @param {{fresh?: boolean}} [opts] fresh: a new element, which plays on the default output
   *   already: setSinkId("default") on it (the lobby's speaker list starts there) cost the main
   *   thread a task of 5-35 ms (the output device's check) right before the first remote frame,
   *   in traces of a join clicked after the lobby had listed its devices, and changed nothing.
   */
  applySink(media, { fresh = false } = {}) {
    const m = /** @type {any} */ (media);
    if (fresh && this.speakerId === "default") return;
    if (this.speakerId && typeof m.setSinkId === "function") {
      m.setSinkId(this.speakerId).catch(() => {});
    }
  }

  // connection indicator -------------------------------------------------------------------

  /** @param {RemotePeer[]} peers */
  showConnection(peers) {
    const states = peers.filter((p) => p.pc).map((p) => p.pc.connectionState);
    let worst = "new";
    if (states.length) worst = states.reduce((a, b) => (STATE_RANK.indexOf(a) <= STATE_RANK.indexOf(b) ? a : b));
    this.connState.textContent = worst;
    this.connState.dataset.state = worst;
    if (this.connWords) {
      const alone = peers.length === 0;
      this.connWords.dataset.state = alone ? "alone" : worst;
      this.connWords.textContent = alone ? "You are the only one here."
        : (this.roomMedia === "video" ? STATE_WORDS : AUDIO_STATE_WORDS)[worst] || worst;
    }
    this.waiting.hidden = peers.length > 0;
  }

  /** @param {string} id @param {StatsSample} sample */
  showStats(id, sample) {
    const v = this.views.get(id);
    const badge = v?.tile?.querySelector(".quality");
    if (!badge) return;
    const verdict = quality(sample);
    badge.setAttribute("data-quality", verdict);
    /** @type {HTMLElement} */ (badge.querySelector(".quality-word")).textContent =
      QUALITY_WORDS[verdict] || verdict;
    /** @type {HTMLElement} */ (v.tile.querySelector(".stats-text")).textContent =
      sample.state === "connected" ? describeStats(sample) : sample.state;
  }

  // helpers --------------------------------------------------------------------------------

  /** @param {string} id @param {string} name @param {string} role */
  rosterItem(id, name, role) {
    return h("li", { "data-peer-id": id, "data-role": role },
      h("span", { class: "name", text: name }),
      h("span", { class: "role small muted", text: roleLabel(role) }),
      h("span", { class: "mic-off small", role: "img", "aria-label": "microphone muted", text: "muted" }),
    );
  }

  layout() {
    this.tiles.dataset.count = String(this.tiles.children.length);
    // A shared screen takes the stage; the other tiles become picture-in-picture.
    this.tiles.dataset.spotlight = this.tiles.querySelector(".tile.screen-share") ? "on" : "off";
  }
}

/**
 * Shows a notice with optional buttons. Pass null to hide it.
 * @param {string|null} text @param {{label: string, onclick: () => void, primary?: boolean}[]} [actions]
 */
export function notice(text, actions = []) {
  const box = document.getElementById("notice");
  const p = document.getElementById("notice-text");
  const row = document.getElementById("notice-actions");
  if (!box || !p || !row) return;
  box.hidden = !text;
  p.textContent = text || "";
  row.replaceChildren(...actions.map((a) => {
    const b = h("button", { type: "button", class: a.primary ? "primary" : "", text: a.label });
    b.addEventListener("click", a.onclick);
    return b;
  }));
}
