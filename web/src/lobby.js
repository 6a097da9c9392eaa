// The pre-join check: camera preview, microphone meter, speaker test, device pickers and
// plain-language fixes. It keeps the stream it acquired, so joining needs no new getUserMedia.
// Used by the peer lobby (room.html) and the scripted page (scripted.html): both carry the same
// element ids; the ones a page lacks (a name field, a speaker picker) are simply skipped.
//
// A missing, busy or refused device never costs the other one: the camera alone or the
// microphone alone is used, and the page is told which (`missing`), so it never offers
// "audio only" to someone whose microphone is what failed.

import { $ } from "./dom.js";
import { prefs } from "./storage.js";

/**
 * Plain-language text for getUserMedia failures.
 * @param {any} err @param {boolean} wantVideo
 * @param {boolean} [canJoinWithout] false where the page needs a device (a recorded answer)
 */
export function deviceProblem(err, wantVideo, canJoinWithout = true) {
  const what = wantVideo ? "camera and microphone" : "microphone";
  switch (err && err.name) {
    case "NotAllowedError":
    case "SecurityError":
      return `Your browser is not letting this page use your ${what}. Click the camera or lock ` +
        "icon in the address bar, allow access, then press “Try again”" +
        (canJoinWithout ? " — or join without them." : ".");
    case "NotFoundError":
    case "OverconstrainedError":
      return `No ${wantVideo ? "camera or microphone" : "microphone"} was found. Plug one in and ` +
        "press “Try again”" + (canJoinWithout ? ", or join without it." : ".");
    case "NotReadableError":
    case "AbortError":
      return `Your ${what} is busy — another app or tab may be using it. Close it and press ` +
        "“Try again”.";
    default:
      return `Could not start your ${what} (${(err && err.message) || err}).`;
  }
}

/** How long the peer lobby's extras wait after the page's start before they look for an idle
 * slice: the room page's first moments are its first frame, the camera preview, the prepared
 * offer and, often, the Join click (a harness clicks the moment Join is enabled). */
const SETTLE_MS = 600;

/** The preview's size, asked for with the camera (and kept by a switch of camera). */
const VIDEO_SIZE = { width: { ideal: 640 }, height: { ideal: 480 } };

/** @param {() => void} fn */
const atOnce = (fn) => fn();

/** getUserMedia that reports instead of throwing. @param {MediaStreamConstraints} c
 * @returns {Promise<{stream: MediaStream|null, error: any}>} */
async function tryMedia(c) {
  try {
    return { stream: await navigator.mediaDevices.getUserMedia(c), error: null };
  } catch (error) {
    return { stream: null, error };
  }
}

export class Lobby {
  /** @param {{role: string, media: string, needsDevices?: boolean,
   *   extrasWhenIdle?: () => boolean}} opts needsDevices: the page cannot join without a
   *   camera or microphone (the scripted page records answers); extrasWhenIdle: the meter and
   *   device lists wait for the page to settle and be idle, and not while this says the lobby
   *   is paused (the peer lobby, whose Join must answer at once) */
  constructor(opts) {
    /** @type {(fn: () => void) => void} */
    this.extras = opts.extrasWhenIdle ? this.afterSettling(opts.extrasWhenIdle) : atOnce;
    this.role = opts.role;
    this.canJoinWithout = !opts.needsDevices;
    this.sends = opts.role === "interviewer" || opts.role === "candidate";
    this.wantVideo = this.sends && opts.media === "video";
    /** @type {MediaStream} the tracks we will join with (may stay empty: listen-only) */
    this.stream = new MediaStream();
    /** @type {Promise<MediaStream>} resolves once acquisition settled (success or not) */
    this.ready = Promise.resolve(this.stream);
    /** @type {(kind: string, track: MediaStreamTrack|null) => void} a device was switched */
    this.ontrackchange = () => {};
    this.audioContext = null;
    this.meterTimer = 0;
    this.video = /** @type {HTMLVideoElement|null} */ ($("local-video"));
    /** which wanted kinds could not be started at the last try */
    this.missing = { audio: false, video: false };
    /** @type {() => void} the stream's tracks changed (acquired, retried, switched) */
    this.onchange = () => {};
    /** the lobby was left (finish): its meter stays off */
    this.finished = false;
    /** listDevices subscribed to `devicechange` */
    this.watchingDevices = false;
  }

  /**
   * Schedules the preview's extras — the meter's AudioContext, the device lists — once the
   * page has settled (SETTLE_MS after its navigation), in an idle slice (at most 300 ms on),
   * and not while `paused()` (the lobby is hidden: a join is under way, whose click and
   * negotiation they must not slow down; a refused join shows the lobby again, and they run
   * then). Once the lobby is left for the call they are dropped. Measured
   * (bench/lobby_busy.py): run at the first idle slice, they were two tasks of 5–13 ms between
   * the navigation and a click that came at once.
   * @param {() => boolean} paused
   * @returns {(fn: () => void) => void}
   */
  afterSettling(paused) {
    return (fn) => {
      const attempt = () => {
        if (this.finished) return;
        if (paused()) {
          setTimeout(attempt, SETTLE_MS);
          return;
        }
        // Each extra's go (tests read the first: the settle).
        performance.mark("mockroom:lobby-settled");
        if ("requestIdleCallback" in window) requestIdleCallback(fn, { timeout: 300 });
        else setTimeout(fn, 50);
      };
      setTimeout(attempt, Math.max(0, SETTLE_MS - performance.now()));
    };
  }

  /** Starts everything; call as early as possible (the join reuses this stream). The camera
   * and microphone are asked for first: the browser opens them while this page wires its
   * fields, reads the room and prepares its offer. */
  start() {
    if (this.sends) this.ready = this.acquire();
    else this.listDevices();
    const name = /** @type {HTMLInputElement|null} */ ($("display-name"));
    if (name) {
      // Join and the name field work before this module runs (join-early.js): a name typed
      // meanwhile is kept.
      if (!name.value) name.value = prefs.name();
      name.addEventListener("change", () => prefs.saveName(name.value.trim()));
    }
    $("speaker-test")?.addEventListener("click", () => this.playTestSound());
    $("retry-devices")?.addEventListener("click", () => this.acquire());
    for (const [id, kind] of [["camera-select", "video"], ["mic-select", "audio"]]) {
      $(id)?.addEventListener("change", (e) => {
        const value = /** @type {HTMLSelectElement} */ (e.target).value;
        prefs.saveDevices(kind === "video" ? { camera: value } : { mic: value });
        this.switchDevice(/** @type {"audio"|"video"} */ (kind), value);
      });
    }
    $("speaker-select")?.addEventListener("change", (e) => {
      prefs.saveDevices({ speaker: /** @type {HTMLSelectElement} */ (e.target).value });
    });
    // Chrome starts an AudioContext suspended until the person interacts with the page.
    const resume = () => this.audioContext?.resume();
    document.addEventListener("pointerdown", resume, { once: true });
    document.addEventListener("keydown", resume, { once: true });
    return this.ready;
  }

  displayName() {
    const name = /** @type {HTMLInputElement|null} */ ($("display-name"));
    return name ? name.value.trim() : "";
  }

  speakerId() {
    const sel = /** @type {HTMLSelectElement|null} */ ($("speaker-select"));
    return sel && sel.value ? sel.value : "";
  }

  /** getUserMedia for what this role and room need; whatever works of the two is used. */
  async acquire() {
    this.showProblem(null);
    const saved = prefs.devices();
    const audio = saved.mic ? { deviceId: { ideal: saved.mic } } : true;
    const video = this.wantVideo
      ? { deviceId: saved.camera ? { ideal: saved.camera } : undefined, ...VIDEO_SIZE }
      : false;
    // An audio-only room never asks for the camera.
    performance.mark("mockroom:gum-start");
    let { stream, error } = await tryMedia({ audio, video });
    performance.mark("mockroom:gum-done");
    let micError = null;
    let camError = null;
    if (!stream && this.wantVideo) {
      // Which one failed? Each alone, so a working camera or microphone is still used.
      const mic = await tryMedia({ audio, video: false });
      const cam = await tryMedia({ audio: false, video });
      micError = mic.error;
      camError = cam.error;
      const tracks = [...(mic.stream?.getTracks() || []), ...(cam.stream?.getTracks() || [])];
      stream = tracks.length ? new MediaStream(tracks) : null;
    } else if (!stream) {
      micError = error;
    }
    this.missing = { audio: !!micError, video: !!camError };
    if (stream) this.useStream(stream);
    this.explain(error, micError, camError);
    if (!stream) this.onchange();
    $("preview")?.setAttribute("data-state", stream ? "live" : "failed");
    const placeholder = $("preview-placeholder");
    if (placeholder) {
      placeholder.textContent = this.stream.getVideoTracks().length ? "" : "Camera off";
    }
    this.extras(() => void this.listDevices());
    return this.stream;
  }

  /** Plain words for what could not be started and what the person can do.
   * @param {any} error @param {any} micError @param {any} camError */
  explain(error, micError, camError) {
    const quietly = ["NotFoundError", "NotReadableError", "OverconstrainedError"];
    const without = this.canJoinWithout;
    if (micError && camError) {
      this.showProblem(deviceProblem(error || micError, this.wantVideo, without), true);
    } else if (micError && this.wantVideo) {
      const fix = quietly.includes(micError.name) && micError.name !== "NotReadableError"
        ? "No microphone was found, so you will join with your camera only: nobody will hear " +
          "you. Plug one in and press “Try again”."
        : "Your microphone could not be started, so you will join with your camera only: " +
          `nobody will hear you. ${deviceProblem(micError, false, without)}`;
      this.showProblem(fix, true);
    } else if (micError) {
      this.showProblem(deviceProblem(micError, false, without), true);
    } else if (camError && quietly.includes(camError.name)) {
      this.showProblem("No camera could be started, so you will join with audio only.", false);
    } else if (camError) {
      this.showProblem(deviceProblem(camError, true, without), true);
    }
  }

  /** @param {MediaStream} stream */
  useStream(stream) {
    this.dropTracks();
    for (const t of stream.getTracks()) this.stream.addTrack(t);
    if (this.video) this.video.srcObject = this.stream;
    // Not if the lobby was left meanwhile (a click on Join before the page was idle).
    this.extras(() => this.finished || this.startMeter());
    this.onchange();
  }

  /** @param {"audio"|"video"} kind @param {string} deviceId */
  async switchDevice(kind, deviceId) {
    const constraints = kind === "video"
      ? { video: { deviceId: { exact: deviceId }, ...VIDEO_SIZE } }
      : { audio: { deviceId: { exact: deviceId } } };
    try {
      const s = await navigator.mediaDevices.getUserMedia(constraints);
      const track = s.getTracks()[0];
      for (const old of this.stream.getTracks().filter((t) => t.kind === kind)) {
        old.stop();
        this.stream.removeTrack(old);
      }
      this.stream.addTrack(track);
      if (kind === "audio") this.startMeter();
      if (this.video) this.video.srcObject = this.stream;
      this.ontrackchange(kind, track);
    } catch (err) {
      this.showProblem(deviceProblem(err, kind === "video"), false);
    }
  }

  async listDevices() {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    if (!this.watchingDevices) {
      // Subscribed with the first list, not at start: the browser enumerates the devices
      // for a new subscriber, which the first getUserMedia need not wait behind.
      this.watchingDevices = true;
      navigator.mediaDevices.addEventListener?.("devicechange", () => this.listDevices());
    }
    const devices = await navigator.mediaDevices.enumerateDevices();
    const saved = prefs.devices();
    const current = (/** @type {string} */ kind) => this.stream.getTracks().find((t) => t.kind === kind)
      ?.getSettings().deviceId;
    fill("camera-select", devices.filter((d) => d.kind === "videoinput"), current("video"), "Camera");
    fill("mic-select", devices.filter((d) => d.kind === "audioinput"), current("audio"), "Microphone");
    const outputs = devices.filter((d) => d.kind === "audiooutput");
    const canPick = "setSinkId" in HTMLMediaElement.prototype && outputs.length > 0;
    const field = $("speaker-field");
    if (field) field.hidden = !canPick;
    if (canPick) fill("speaker-select", outputs, saved.speaker, "Speaker");
  }

  /** Live microphone level from an AnalyserNode, shown in a <meter>. */
  startMeter() {
    const meter = /** @type {HTMLMeterElement|null} */ ($("mic-meter"));
    const track = this.stream.getAudioTracks()[0];
    if (!meter || !track) return;
    this.stopMeter();
    const ctx = this.context();
    const source = ctx.createMediaStreamSource(new MediaStream([track]));
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const data = new Float32Array(analyser.fftSize);
    this.meterTimer = window.setInterval(() => {
      analyser.getFloatTimeDomainData(data);
      let sum = 0;
      for (const v of data) sum += v * v;
      // RMS scaled so that normal speech lands in the middle of the meter.
      meter.value = Math.min(1, Math.sqrt(sum / data.length) * 4);
    }, 100);
    this.meterSource = source;
  }

  stopMeter() {
    clearInterval(this.meterTimer);
    this.meterSource?.disconnect();
    this.meterSource = null;
  }

  context() {
    if (!this.audioContext) this.audioContext = new AudioContext();
    this.audioContext.resume().catch(() => {});
    return this.audioContext;
  }

  /** A short two-note chime through the chosen speaker. */
  async playTestSound() {
    const ctx = this.context();
    const sink = this.speakerId();
    const anyCtx = /** @type {any} */ (ctx);
    if (sink && typeof anyCtx.setSinkId === "function") {
      try {
        await anyCtx.setSinkId(sink);
      } catch { /* default output */ }
    }
    await ctx.resume();
    const t0 = ctx.currentTime + 0.02;
    for (const [i, freq] of [[0, 660], [1, 880]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      const start = t0 + i * 0.25;
      gain.gain.setValueAtTime(0, start);
      gain.gain.linearRampToValueAtTime(0.25, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.001, start + 0.35);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 0.4);
    }
  }

  /** @param {string|null} text @param {boolean} [offerChoices] */
  showProblem(text, offerChoices = false) {
    const p = $("device-problem");
    const actions = $("device-problem-actions");
    if (!p || !actions) return;
    p.hidden = !text;
    p.textContent = text || "";
    actions.hidden = !offerChoices;
    // "Audio only" only for someone whose microphone works (never when it is what failed).
    const audioOnly = $("join-audio-only");
    if (audioOnly) audioOnly.hidden = !this.wantVideo || !this.stream.getAudioTracks().length;
  }

  /** Stops the stream's tracks and takes them out of it. */
  dropTracks() {
    for (const t of this.stream.getTracks()) {
      t.stop();
      this.stream.removeTrack(t);
    }
  }

  /** Leaves the lobby: the meter stops, the tracks live on in the call. */
  finish() {
    this.finished = true;
    this.stopMeter();
  }

  /** The end: camera and microphone off (the browser's indicator goes out), meter closed. */
  release() {
    this.stopMeter();
    this.dropTracks();
    if (this.video) this.video.srcObject = null;
    this.audioContext?.close().catch(() => {});
    this.audioContext = null;
  }
}

/**
 * @param {string} id @param {MediaDeviceInfo[]} devices @param {string|undefined} selected
 * @param {string} noun
 */
function fill(id, devices, selected, noun) {
  const sel = /** @type {HTMLSelectElement|null} */ (document.getElementById(id));
  if (!sel) return;
  sel.replaceChildren(...devices.map((d, i) => {
    const o = document.createElement("option");
    o.value = d.deviceId;
    o.textContent = d.label || `${noun} ${i + 1}`;
    return o;
  }));
  if (!devices.length) {
    const o = document.createElement("option");
    o.value = "";
    o.textContent = `No ${noun.toLowerCase()} found`;
    sel.append(o);
  }
  if (selected && devices.some((d) => d.deviceId === selected)) sel.value = selected;
}
