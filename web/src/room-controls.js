// The call's own controls: microphone, camera, screen share and Leave, their buttons' labels
// and pressed states, and the single-key shortcuts (M, V, S). What the buttons act on — the
// joined call — is room-join.js's; this module only toggles tracks and reports the state.

import { $ } from "./dom.js";
import { bindShortcuts, mountShortcutSwitch } from "./shortcuts.js";

/** @typedef {import("./room-join.js").LiveCall} LiveCall */
/** @typedef {import("./lobby.js").Lobby} Lobby */

const KEYED = ["mute-audio", "mute-video", "share-screen"];

/** Phones and browsers without getDisplayMedia cannot share a screen: do not offer it. */
export function canShareScreen() {
  const md = /** @type {any} */ (navigator.mediaDevices);
  if (!md || typeof md.getDisplayMedia !== "function") return false;
  const uaData = /** @type {any} */ (navigator).userAgentData;
  if (uaData && uaData.mobile) return false;
  return !/Android|iPhone|iPad|iPod/i.test(navigator.userAgent);
}

/** " (M)" while the button's shortcut is on, "" when shortcuts are switched off.
 * @param {HTMLElement} button */
function keyHint(button) {
  const key = button.dataset.shortcut;
  return key ? ` (${key})` : "";
}

/**
 * A device's mute button: pressed while off, disabled without the device.
 * @param {HTMLButtonElement|null} button @param {boolean} has the device is there
 * @param {boolean} on it sends now @param {[string, string, string]} texts none, on, off
 * @param {[string, string]} titles on, off
 */
function showDevice(button, has, on, texts, titles) {
  if (!button) return;
  button.setAttribute("aria-pressed", String(!on));
  button.textContent = !has ? texts[0] : on ? texts[1] : texts[2];
  button.title = (on ? titles[0] : titles[1]) + keyHint(button);
  button.disabled = !has;
}

export class RoomControls {
  /**
   * @param {{lobby: Lobby, role: string, roomMedia: string, live: () => LiveCall|null,
   *   onleave: () => void}} opts live: the joined call, null before the join and after Leave
   */
  constructor(opts) {
    this.lobby = opts.lobby;
    this.role = opts.role;
    this.roomMedia = opts.roomMedia;
    this.live = opts.live;
    this.onleave = opts.onleave;
    this.ready = false;
  }

  /** Wires the buttons and shortcuts (once; a second join reuses them). */
  setup() {
    if (this.ready) return;
    this.ready = true;
    $("mute-audio")?.addEventListener("click", () => this.toggleAudio());
    $("mute-video")?.addEventListener("click", () => this.toggleVideo());
    $("share-screen")?.addEventListener("click", () => void this.toggleScreen());
    $("leave")?.addEventListener("click", () => this.onleave());
    if (this.role === "observer") {
      for (const id of KEYED) {
        const b = $(id);
        if (b) b.hidden = true;
      }
    }
    if (!canShareScreen()) {
      const b = $("share-screen");
      if (b) b.hidden = true;
    }
    if (this.role !== "observer") {
      bindShortcuts({
        m: () => this.toggleAudio(), v: () => this.toggleVideo(), s: () => void this.toggleScreen(),
      }, { enabled: () => !!this.live() });
    }
    const keyed = /** @type {HTMLElement[]} */ (KEYED.map($).filter(Boolean));
    mountShortcutSwitch(/** @type {HTMLInputElement|null} */ ($("shortcuts-on")), keyed);
    $("shortcuts-on")?.addEventListener("change", () => this.sendState());
  }

  /** What the others should see of us now. */
  localState() {
    const audio = this.lobby.stream.getAudioTracks()[0];
    const live = this.live();
    const camera = live && live.camera;
    return {
      audio: !!audio && audio.enabled,
      video: !!camera && camera.enabled && camera.readyState === "live",
      screen: !!(live && live.screen),
    };
  }

  /**
   * Tells the room our state and brings the buttons and our own tile in line with it.
   * @param {{ifChanged?: boolean}} [how] `ifChanged`: only tell the room what differs from what
   *   it already has (the hello carried it): at the join an `updated` to everyone would land on
   *   the other page while it answers our offer.
   */
  sendState(how) {
    const live = this.live();
    if (!live) return;
    const s = this.localState();
    const known = live.client.media;
    const same = known.audio === s.audio && known.video === s.video && !!known.screen === s.screen;
    if (!(how?.ifChanged && same)) {
      live.client.send({ type: "state", audio: s.audio, video: s.video, screen: s.screen });
    }
    live.view.setLocalState(s);
    showDevice(/** @type {HTMLButtonElement|null} */ ($("mute-audio")),
      this.lobby.stream.getAudioTracks().length > 0, s.audio,
      ["No microphone", "Mute", "Unmute"], ["Mute microphone", "Unmute microphone"]);
    showDevice(/** @type {HTMLButtonElement|null} */ ($("mute-video")), !!live.camera, s.video,
      ["No camera", "Camera off", "Camera on"], ["Turn camera off", "Turn camera on"]);
    const share = $("share-screen");
    if (share) {
      share.setAttribute("aria-pressed", String(s.screen));
      share.textContent = s.screen ? "Stop sharing" : "Share screen";
      share.title = (s.screen ? "Stop sharing your screen" : "Share your screen") + keyHint(share);
    }
  }

  toggleAudio() {
    const t = this.lobby.stream.getAudioTracks()[0];
    if (!t) return;
    t.enabled = !t.enabled;
    this.sendState();
  }

  toggleVideo() {
    const live = this.live();
    if (!live || !live.camera) return;
    live.camera.enabled = !live.camera.enabled;
    this.sendState();
  }

  async toggleScreen() {
    const live = this.live();
    if (!live || this.roomMedia !== "video" || this.role === "observer" || !canShareScreen()) return;
    if (live.screen) return this.stopScreen();
    let display;
    try {
      display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch {
      return; // the person cancelled the picker
    }
    const screen = display.getVideoTracks()[0];
    live.screen = screen;
    // The browser's own "Stop sharing" ends the track: go back to the camera.
    screen.addEventListener("ended", () => void this.stopScreen());
    await live.call.setTrack("video", screen);
    live.pip.start(live.camera);
    if (this.lobby.video) this.lobby.video.srcObject = new MediaStream([screen]);
    this.sendState();
  }

  async stopScreen() {
    const live = this.live();
    if (!live || !live.screen) return;
    const screen = live.screen;
    live.screen = null;
    screen.stop();
    live.pip.stop();
    await live.call.setTrack("video", live.camera);
    if (this.lobby.video) this.lobby.video.srcObject = this.lobby.stream;
    this.sendState();
  }
}
