// Joining a peer room and running the call: the click on Join → one RoomClient and one Call
// (the offer was made in the lobby), and nothing else in the click's task → the call view built
// hidden in small tasks after it and shown at the welcome (join-view.js) → the interview and
// links panes, and the notes editor, loaded once the media is up. Also what happens to a joined call later: reconnect
// notices, "join here instead" after another tab took the seat, the acting-role badge, Leave.
// room-page.js only wires this to the page; room-controls.js holds the call's buttons.

import { Call, prepareOffer } from "./call.js";
import { afterNextPaint } from "./after-paint.js";
import { mark } from "./join-timing.js";
import { $ } from "./dom.js";
import { callViewAhead, warmCallView } from "./join-view.js";
import { mediaUp, remembering, stylesheet } from "./late-mount.js";
import { mountLinksPanel } from "./links-panel.js";
import { RoomClient } from "./protocol.js";
import { bannerText } from "./reconnect.js";
import { PresenceNote } from "./presence-note.js";
import { RoomControls } from "./room-controls.js";
import { startStatsLoop } from "./room-stats.js";
import { RoomView, actingRole, notice } from "./room-ui.js";
import { CameraPip } from "./screen-pip.js";
import { prefs, session } from "./storage.js";

/** @typedef {import("./lobby.js").Lobby} Lobby */
/** @typedef {import("./room-probe.js").SocketProbe} SocketProbe */
/** @typedef {import("./wire.js").RoomInfo} RoomInfo */
/** @typedef {import("./wire.js").InterviewView} InterviewView */
/** @typedef {import("./protocol.js").ClientState} ClientState */
/** @typedef {import("./protocol.js").StateDetail} StateDetail */

/**
 * The joined call; null before the join and after Leave.
 * @typedef {object} LiveCall
 * @property {RoomClient} client
 * @property {Call} call
 * @property {RoomView} view
 * @property {MediaStreamTrack|null} camera our camera (kept while a screen is shared)
 * @property {MediaStreamTrack|null} screen the shared screen, if any
 * @property {CameraPip} pip our camera as picture-in-picture over a shared screen
 */

/** @typedef {{takeover?: boolean, without?: "video"|"all"}} JoinHow */

/** How long "Back — connected to the server again." stays up after an outage. */
const BACK_SHOWN_MS = 3000;

export class RoomJoin {
  /**
   * @param {{root: HTMLElement, roomId: string, role: string, roomMedia: string, token: string,
   *   lobby: Lobby, roomInfo: Promise<RoomInfo>, probe: SocketProbe}} opts
   */
  constructor(opts) {
    this.root = opts.root;
    this.roomId = opts.roomId;
    this.role = opts.role;
    this.roomMedia = opts.roomMedia;
    this.token = opts.token;
    this.lobby = opts.lobby;
    this.roomInfo = opts.roomInfo;
    this.probe = opts.probe;
    this.joinButton = /** @type {HTMLButtonElement} */ ($("join"));
    this.joinError = /** @type {HTMLElement} */ ($("join-error"));
    this.takeoverButton = /** @type {HTMLButtonElement} */ ($("join-takeover"));
    /** @type {LiveCall|null} */
    this.live = null;
    /** @type {import("./call.js").PreparedOffer|null} the offer made in the lobby, for join() */
    this.prepared = null;
    /** @type {{now: () => void}|null} prepare()'s offer, until it is made */
    this.preparing = null;
    this.presence = new PresenceNote($("presence-note"));
    /** @type {ReturnType<typeof setTimeout>|undefined} hides the "back" banner */
    this.bannerTimer = undefined;
    this.controls = new RoomControls({
      lobby: this.lobby, role: this.role, roomMedia: this.roomMedia,
      live: () => this.live, onleave: () => this.leave(),
    });
  }

  /** Offer and ICE candidates ready before the click (a Call with no client yet only prepares).
   * Made in a task of its own after the lobby's first frame, not in the module's task (the
   * embedded room info resolves at once): the RTCPeerConnection, its transceivers and the
   * offer were ~20 ms there under load, ahead of the first paint and of a click. It still comes
   * ~100 ms before a click-at-once (bench/lobby_busy.py); a click before it makes it at once.
   * @param {RoomInfo} info */
  prepare(info) {
    this.preparing = afterNextPaint(() => {
      this.prepared = prepareOffer({
        role: this.role, roomMedia: this.roomMedia, iceServers: info.ice_servers,
        stream: this.lobby.stream,
      });
    });
    warmCallView(this);
  }

  /** @param {string|null} text */
  showJoinError(text) {
    this.joinError.hidden = !text;
    this.joinError.textContent = text || "";
  }

  /** @param {JoinHow} [how] */
  async join(how = {}) {
    performance.mark("mockroom:join-click");
    this.joinButton.disabled = true;
    this.takeoverButton.hidden = true;
    this.showJoinError(null);
    let info;
    try {
      info = await this.roomInfo;
    } catch {
      return;
    }
    const lobby = this.lobby;
    this.preparing?.now(); // a click before the lobby's offer was made: made now
    if (how.without) {
      for (const t of lobby.stream.getTracks()) {
        if (how.without === "all" || t.kind === "video") {
          t.stop();
          lobby.stream.removeTrack(t);
        }
      }
      lobby.wantVideo = lobby.wantVideo && !how.without;
    }
    const name = lobby.displayName();
    prefs.saveName(name);
    /** @param {string} kind */
    const track = (kind) => lobby.stream.getTracks().find((t) => t.kind === kind) || null;
    const client = new RoomClient({
      url: info.signaling,
      token: this.token,
      name,
      participantId: session.participantId(this.roomId, this.role) || undefined,
      media: { audio: !!track("audio"), video: !!track("video") },
      socket: this.probe.take() || undefined,
    });
    // Subscribed before connect: the offer goes out the moment the welcome arrives, and it was
    // made already (certificate, offer, ICE candidates) while the page loaded.
    const call = new Call({
      client, role: this.role, roomMedia: this.roomMedia, iceServers: info.ice_servers,
      stream: lobby.stream, prepared: this.prepared || undefined,
    });
    this.prepared = null;
    call.start();
    // The offer follows the hello on the socket, to the seat the room info listed.
    client.onhello = () => call.offerAhead(info.participants || []);
    // Subscribed before the welcome: the interview pane's first state arrives right after it.
    const early = remembering(client, ["interview-state"]);
    const connecting = client.connect({ takeover: !!how.takeover });
    const view = new RoomView({ roomMedia: this.roomMedia, speakerId: lobby.speakerId() });
    // A meter costs an AudioContext and an analyser: none before the media is up.
    /** @type {(up: Promise<unknown>) => void} */
    let meters = () => {};
    view.holdMeters(new Promise((resolve) => { meters = resolve; }));
    this.live = {
      client, call, view, camera: lobby.stream.getVideoTracks()[0] || null, screen: null,
      pip: new CameraPip(call),
    };
    // The click's task ends here: the hello and the offer are on the socket, and the call view
    // is built in the tasks after it (join-view.js).
    const shown = callViewAhead(this, this.live, name || client.name);
    try {
      await connecting;
    } catch (err) {
      early.stop();
      call.stop();
      shown.undo();
      this.joinButton.disabled = false;
      const error = /** @type {import("./protocol.js").RoomError} */ (err);
      this.showJoinError(error.message);
      if (error.code === "role-taken") this.takeoverButton.hidden = false;
      return;
    }
    session.saveParticipantId(this.roomId, this.role, client.participantId);
    client.on("welcome", (w) => session.saveParticipantId(this.roomId, this.role, w.participant_id));
    this.enterCall(info, client, call, name || client.name, { early, meters, built: shown.built });
    // Devices still starting when Join was clicked join the call when they are ready.
    lobby.ready.then(() => {
      for (const kind of /** @type {const} */ (["audio", "video"])) {
        const t = track(kind);
        if (t && call.tracks[kind] !== t && !(this.live && this.live.screen)) call.setTrack(kind, t);
      }
      if (this.live) {
        this.live.camera = track("video");
        this.live.view.meterLocal(lobby.stream);
        this.controls.sendState({ ifChanged: true });
      }
    });
  }

  /**
   * Admitted (the welcome came): what the first remote frame does not need — the meters, the
   * acting-role badge, the links panel, the interview pane and the notes editor — waits until
   * the media is up (the first remote frame shown), so none of it competes with the answer,
   * the ICE handshake and the first frame for the page's main thread.
   * @param {RoomInfo} info @param {RoomClient} client @param {Call} call @param {string} name
   * @param {{early: ReturnType<typeof remembering>, meters: (up: Promise<unknown>) => void,
   *   built: Promise<void>}} held built: the call view is up (join-view.js)
   */
  enterCall(info, client, call, name, held) {
    const live = /** @type {LiveCall} */ (this.live);
    this.lobby.finish();
    client.onstatechange = (state, detail) => this.onClientState(state, detail);
    client.on("left", (msg) => this.presence.left(msg.participant_id, msg.reason));
    startStatsLoop(() => this.live);
    // Watched once the view is up: the view follows the call's callbacks from then on.
    const up = held.built.then(() => mediaUp(call));
    held.meters(up);
    up.then(() => {
      mark("call-deferred");
      live.view.meterLocal(this.lobby.stream);
      // Replays the state that came with the welcome, then follows it.
      held.early.client.on("interview-state", (msg) => this.showActingRole(msg.state));
      this.mountLinks(info);
      this.loadInterviewPane(info, held.early);
      setTimeout(() => this.loadNotes(info, name), 150);
    });
  }

  /** The owner's "Links and invites", and the waiting screen's "Copy the candidate link".
   * @param {RoomInfo} info */
  mountLinks(info) {
    const linksMount = $("links-mount");
    if (!linksMount) return;
    const panel = mountLinksPanel(linksMount, {
      roomId: this.roomId, token: this.token, title: info.title,
      renewable: ["candidate", "observer"],
    });
    $("copy-candidate-link")?.addEventListener("click", async () => {
      const said = $("copy-candidate-status");
      const ok = await panel.copy("candidate");
      if (said) said.textContent = ok ? "Copied — paste it to your partner." : "Open “Links and invites” to copy it.";
    });
  }

  /** The notes editor (CodeMirror + Yjs): loaded after the join, see enterCall.
   * @param {RoomInfo} info @param {string} name */
  loadNotes(info, name) {
    import("./notes.js").then(({ mountNotes }) => {
      mountNotes(/** @type {HTMLElement} */ ($("notes-pane")), {
        roomId: this.roomId, token: this.token, role: this.role, name, notes: info.notes,
        serverUrl: location.origin,
      });
    }).catch((err) => console.error("notes pane failed", err));
  }

  /**
   * The interview pane (questions, timers, feedback forms) is loaded after Join: the lobby never
   * needs its code. Its first `interview-state` arrived before the import resolves, so the pane
   * gets a client that replays it.
   * @param {RoomInfo} info @param {ReturnType<typeof remembering>} early
   */
  loadInterviewPane(info, early) {
    // Its stylesheet too is the pane's: not in the lobby's head, where it would block the page.
    const styled = stylesheet("/static/interview.css");
    Promise.all([import("./interview.js"), styled]).then(([{ mountInterview }]) => {
      // A feature pane of another module; one failing must not take the call down.
      mountInterview(/** @type {HTMLElement} */ ($("interview-pane")), {
        client: early.client, role: this.role, roomInfo: info, stream: this.lobby.stream,
      });
    }).catch((err) => console.error("interview pane failed", err)).finally(() => early.stop());
  }

  /** @param {ClientState} state @param {StateDetail} [detail] */
  onClientState(state, detail) {
    if (!this.live) return;
    if (state === "reconnecting" || state === "open") {
      // The call itself goes on: peer media never passes through the server.
      const mediaUp = [...this.live.call.peers.values()].some((p) => p.pc?.connectionState === "connected");
      this.showBanner(bannerText(state, { ...detail, mediaUp }));
      if (state === "open") this.controls.sendState();
    } else if (state === "closed" && detail && detail.code !== 1000) {
      this.showBanner(null);
      const err = detail.error;
      if (err && err.code === "replaced") {
        notice("You joined from another tab or device, so this tab left the call.", [
          { label: "Join here instead", primary: true, onclick: () => void this.takeOver() },
        ]);
      } else {
        notice((err && err.message) || "The room closed the connection.", [
          { label: "Reload", primary: true, onclick: () => location.reload() },
        ]);
      }
    }
  }

  /** The connection banner (#notice, data-state): "reconnecting", "long" (with Reload) or a
   * short-lived "back". @param {{state: string, text: string}|null} banner */
  showBanner(banner) {
    const box = /** @type {HTMLElement} */ ($("notice"));
    clearTimeout(this.bannerTimer);
    if (!banner) {
      // Only our own banner goes away by itself; another notice (a refusal) stays.
      if (box.dataset.state) notice(null);
      delete box.dataset.state;
      return;
    }
    notice(banner.text, banner.state === "long"
      ? [{ label: "Reload", onclick: () => location.reload() }] : []);
    box.dataset.state = banner.state;
    if (banner.state === "back") this.bannerTimer = setTimeout(() => this.showBanner(null), BACK_SHOWN_MS);
  }

  async takeOver() {
    if (!this.live) return;
    notice("Joining here…");
    try {
      await this.live.client.connect({ takeover: true });
      notice(null);
    } catch (err) {
      notice(/** @type {Error} */ (err).message, [{ label: "Reload", onclick: () => location.reload() }]);
    }
  }

  /** The badge, the roster and the tiles follow the role each person is acting in.
   * @param {InterviewView|null} state */
  showActingRole(state) {
    if (!this.live || !state) return;
    const swapped = !!(state.swap && state.swap.swapped);
    const acting = state.role || actingRole(this.role, swapped);
    const badge = $("role-badge");
    if (badge) {
      badge.textContent = acting;
      badge.className = `role-badge role-${acting}`;
      badge.title = swapped ? `You joined as the ${this.role}; roles are swapped.` : "";
    }
    this.live.view.setSwapped(swapped, [...this.live.call.peers.values()]);
  }

  leave() {
    const live = this.live;
    if (!live) return;
    live.client.close();
    live.call.stop();
    for (const t of this.lobby.stream.getTracks()) t.stop();
    live.screen?.stop();
    this.live = null;
    this.root.dataset.phase = "left";
    /** @type {HTMLElement} */ ($("call")).hidden = true;
    /** @type {HTMLElement} */ ($("left-view")).hidden = false;
    notice(null);
  }
}
