// Entry for room.html (peer rooms): lobby → join → call, plus the interview and notes panes.

import { Call, prepareOffer } from "./call.js";
import "./delete-room.js";
import { mediaUp, remembering } from "./late-mount.js";
import { mountLinksPanel } from "./links-panel.js";
import { Lobby } from "./lobby.js";
import { RoomClient } from "./protocol.js";
import { RoomView, actingRole, notice } from "./room-ui.js";
import { PresenceNote } from "./presence-note.js";
import { CameraPip, followPips } from "./screen-pip.js";
import { bindShortcuts, mountShortcutSwitch } from "./shortcuts.js";
import { sampleStats } from "./stats.js";
import { prefs, session } from "./storage.js";

const $ = (id) => document.getElementById(id);
const root = /** @type {HTMLElement} */ ($("room"));
const roomId = root.dataset.roomId || "";
const role = root.dataset.role || "";
const roomMedia = root.dataset.media || "video";
const token = new URLSearchParams(location.search).get("token") ||
  new URLSearchParams(location.hash.slice(1)).get("token") || "";

const joinButton = /** @type {HTMLButtonElement} */ ($("join"));
const joinError = /** @type {HTMLElement} */ ($("join-error"));
const takeoverButton = /** @type {HTMLButtonElement} */ ($("join-takeover"));

// Devices first: the camera and microphone warm up while the page fetches the room.
const lobby = new Lobby({ role, media: roomMedia });
lobby.start();

/** @returns {Promise<any>} the room as this role sees it (GET /api/rooms/{id}) */
async function fetchRoom() {
  const resp = await fetch(`/api/rooms/${encodeURIComponent(roomId)}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  let body = null;
  try {
    body = await resp.json();
  } catch { /* not JSON: use the status below */ }
  if (!resp.ok) {
    const fallback = resp.status === 404 ? "This room does not exist."
      : resp.status === 401 || resp.status === 403
        ? "This link does not open the room. Ask the interviewer for a new link."
        : `The server answered ${resp.status}.`;
    throw new Error((body && body.message) || fallback);
  }
  return body;
}

const roomInfo = fetchRoom();
// Clickable at once: a click before the room info arrives waits for it inside join().
joinButton.disabled = false;

/** @type {import("./call.js").PreparedOffer|null} the offer made in the lobby, for join() */
let prepared = null;
/** @type {WebSocket|null} the lobby check's socket, kept open for the join */
let checkSocket = null;

roomInfo.then((info) => {
  const net = $("check-network");
  if (net) {
    const n = (info.ice_servers || []).length;
    net.dataset.state = n ? "ok" : "warn";
    net.textContent = n
      ? `Network: ${n} STUN/TURN server${n > 1 ? "s" : ""} configured.`
      : "Network: no STUN/TURN configured — works on the same network/LAN; your host may add " +
        "TURN for the internet.";
  }
  checkServer(info.signaling);
  // Offer and ICE candidates ready before the click (a Call with no client yet only prepares).
  prepared = prepareOffer({ role, roomMedia, iceServers: info.ice_servers, stream: lobby.stream });
}, (err) => {
  joinButton.disabled = true;
  showJoinError(err.message);
  const check = $("check-server");
  if (check) {
    check.dataset.state = "bad";
    check.textContent = "Room server: this link was refused.";
  }
});

/** Can the browser open the signaling socket? Opened and closed without saying hello. */
function checkServer(path) {
  const check = $("check-server");
  if (!check) return;
  const url = new URL(path, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(url);
  const done = (ok) => {
    check.dataset.state = ok ? "ok" : "bad";
    check.textContent = ok ? "Room server: reachable."
      : "Room server: cannot open a live connection (a firewall or proxy may block WebSockets).";
    ws.onopen = ws.onerror = null;
  };
  ws.onopen = () => {
    done(true);
    // Kept for the join (saves a handshake); the server wants a hello within 10 s.
    checkSocket = ws;
    setTimeout(() => {
      if (checkSocket === ws) {
        checkSocket = null;
        ws.close(1000);
      }
    }, 8000);
  };
  checkSocket = ws;
  ws.onerror = () => done(false);
}

function showJoinError(text) {
  joinError.hidden = !text;
  joinError.textContent = text || "";
}

// joining ---------------------------------------------------------------------------------

/** @type {{client: RoomClient, call: Call, view: RoomView, camera: MediaStreamTrack|null,
 *          screen: MediaStreamTrack|null, pip: CameraPip}|null} */
let live = null;

/** @param {{takeover?: boolean, without?: "video"|"all"}} [how] */
async function join(how = {}) {
  performance.mark("mockroom:join-click");
  joinButton.disabled = true;
  takeoverButton.hidden = true;
  showJoinError(null);
  let info;
  try {
    info = await roomInfo;
  } catch {
    return;
  }
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
  const track = (kind) => lobby.stream.getTracks().find((t) => t.kind === kind) || null;
  const socket = checkSocket;
  checkSocket = null;
  const client = new RoomClient({
    url: info.signaling,
    token,
    name,
    participantId: session.participantId(roomId, role) || undefined,
    media: { audio: !!track("audio"), video: !!track("video") },
    socket: socket && socket.readyState <= 1 ? socket : undefined,
  });
  // Subscribed before connect: the offer goes out the moment the welcome arrives, and it was
  // made already (certificate, offer, ICE candidates) while the page loaded.
  const call = new Call({
    client, role, roomMedia, iceServers: info.ice_servers, stream: lobby.stream,
    prepared: prepared || undefined,
  });
  prepared = null;
  call.start();
  try {
    await client.connect({ takeover: !!how.takeover });
  } catch (err) {
    call.stop();
    joinButton.disabled = false;
    showJoinError(err.message);
    if (err.code === "role-taken") takeoverButton.hidden = false;
    return;
  }
  session.saveParticipantId(roomId, role, client.participantId);
  client.on("welcome", (w) => session.saveParticipantId(roomId, role, w.participant_id));
  enterCall(info, client, call, name || client.name);
  // Devices still starting when Join was clicked join the call when they are ready.
  lobby.ready.then(() => {
    for (const kind of /** @type {const} */ (["audio", "video"])) {
      const t = track(kind);
      if (t && call.tracks[kind] !== t && !(live && live.screen)) call.setTrack(kind, t);
    }
    if (live) {
      live.camera = track("video");
      live.view.meterLocal(lobby.stream);
      sendState({ ifChanged: true });
    }
  });
}

/** @param {any} info @param {RoomClient} client @param {Call} call @param {string} name */
function enterCall(info, client, call, name) {
  lobby.finish();
  root.dataset.phase = "call";
  /** @type {HTMLElement} */ ($("lobby")).hidden = true;
  /** @type {HTMLElement} */ ($("call")).hidden = false;
  const view = new RoomView({ roomMedia, speakerId: lobby.speakerId() });
  live = {
    client, call, view, camera: lobby.stream.getVideoTracks()[0] || null, screen: null,
    pip: new CameraPip(call),
  };
  const followPip = followPips((id, camera) => view.showPip(id, camera));
  view.addLocal({ name, role, video: lobby.video });
  view.meterLocal(lobby.stream);
  // On a phone the lobby was scrolled: land on the call, not half way down the page.
  window.scrollTo({ top: 0 });

  call.onpeer = (peer) => {
    followPip(peer);
    view.addPeer(peer);
    view.showConnection([...call.peers.values()]);
    presence.arrived(peer);
  };
  call.onpeerinfo = (peer) => {
    followPip(peer);
    view.updatePeer(peer);
    presence.arrived(peer);
  };
  call.onpeertrack = (peer) => view.attachStream(peer);
  call.onpeerstate = () => view.showConnection([...call.peers.values()]);
  call.onpeerleft = (id) => {
    view.removePeer(id);
    view.showConnection([...call.peers.values()]);
  };
  for (const peer of call.peers.values()) {
    followPip(peer);
    view.addPeer(peer);
  }
  view.showConnection([...call.peers.values()]);
  client.onstatechange = (state, detail) => onClientState(state, detail);
  client.on("left", (msg) => presence.left(msg.participant_id, msg.reason));
  client.on("interview-state", (msg) => showActingRole(msg.state));
  setupControls();
  startStatsLoop();
  sendState({ ifChanged: true });

  const linksMount = $("links-mount");
  if (linksMount) {
    const panel = mountLinksPanel(linksMount, {
      roomId, token, title: info.title, renewable: ["candidate", "observer"],
    });
    const copyCandidate = $("copy-candidate-link");
    copyCandidate?.addEventListener("click", async () => {
      const said = $("copy-candidate-status");
      const ok = await panel.copy("candidate");
      if (said) said.textContent = ok ? "Copied — paste it to your partner." : "Open “Links and invites” to copy it.";
    });
  }
  // The interview pane, then the notes editor (CodeMirror + Yjs, most of the page's code),
  // load once the media is up: they never delay the join nor the first frame.
  // Subscribed now: the pane's first state arrives right after the welcome.
  const early = remembering(client, ["interview-state"]);
  mediaUp(call).then(() => {
    loadInterviewPane(info, early);
    setTimeout(() => loadNotes(info, name), 150);
  });
}

/** @param {any} info @param {string} name */
function loadNotes(info, name) {
  import("./notes.js").then(({ mountNotes }) => {
    mountNotes(/** @type {HTMLElement} */ ($("notes-pane")), {
      roomId, token, role, name, notes: info.notes, serverUrl: location.origin,
    });
  }).catch((err) => console.error("notes pane failed", err));
}

/**
 * The interview pane (questions, timers, feedback forms) is loaded after Join: the lobby never
 * needs its code. Its first `interview-state` arrived before the import resolves, so the pane
 * gets a client that replays it.
 * @param {any} info @param {ReturnType<typeof remembering>} early
 */
function loadInterviewPane(info, early) {
  import("./interview.js").then(({ mountInterview }) => {
    // A feature pane of another module; one failing must not take the call down.
    mountInterview(/** @type {HTMLElement} */ ($("interview-pane")),
      { client: early.client, role, roomInfo: info });
  }).catch((err) => console.error("interview pane failed", err)).finally(() => early.stop());
}

function onClientState(state, detail) {
  if (!live) return;
  if (state === "reconnecting") {
    notice(detail?.restarting ? "The server is restarting — reconnecting…"
      : "The connection to the room dropped — reconnecting…");
  } else if (state === "open") {
    notice(null);
    sendState();
  } else if (state === "closed" && detail && detail.code !== 1000) {
    const err = detail.error;
    if (err && err.code === "replaced") {
      notice("You joined from another tab or device, so this tab left the call.", [
        { label: "Join here instead", primary: true, onclick: () => takeOver() },
      ]);
    } else {
      notice((err && err.message) || "The room closed the connection.", [
        { label: "Reload", primary: true, onclick: () => location.reload() },
      ]);
    }
  }
}

async function takeOver() {
  if (!live) return;
  notice("Joining here…");
  try {
    await live.client.connect({ takeover: true });
    notice(null);
  } catch (err) {
    notice(err.message, [{ label: "Reload", onclick: () => location.reload() }]);
  }
}

// presence and roles -------------------------------------------------------------------------

const presence = new PresenceNote($("presence-note"));

/** The badge, the roster and the tiles follow the role each person is acting in. */
function showActingRole(state) {
  if (!live || !state) return;
  const swapped = !!(state.swap && state.swap.swapped);
  const acting = state.role || actingRole(role, swapped);
  const badge = $("role-badge");
  if (badge) {
    badge.textContent = acting;
    badge.className = `role-badge role-${acting}`;
    badge.title = swapped ? `You joined as the ${role}; roles are swapped.` : "";
  }
  live.view.setSwapped(swapped, [...live.call.peers.values()]);
}

// controls ----------------------------------------------------------------------------------

function localState() {
  const audio = lobby.stream.getAudioTracks()[0];
  const camera = live && live.camera;
  return {
    audio: !!audio && audio.enabled,
    video: !!camera && camera.enabled && camera.readyState === "live",
    screen: !!(live && live.screen),
  };
}

/** " (M)" while the button's shortcut is on, "" when shortcuts are switched off. */
function keyHint(button) {
  const key = button.dataset.shortcut;
  return key ? ` (${key})` : "";
}

/**
 * Shows our mute / camera / screen state and tells the room.
 * @param {any} [how] `{ifChanged: true}`: only what differs from what the room already has
 *   (the hello carried it): at the join an `updated` to everyone would land on the other page
 *   while it answers our offer.
 */
function sendState(how) {
  if (!live) return;
  const s = localState();
  const known = live.client.media;
  const same = known.audio === s.audio && known.video === s.video && !!known.screen === s.screen;
  if (!(how && how.ifChanged === true && same)) {
    live.client.send({ type: "state", audio: s.audio, video: s.video, screen: s.screen });
  }
  live.view.setLocalState(s);
  const mic = $("mute-audio");
  if (mic) {
    const has = lobby.stream.getAudioTracks().length > 0;
    mic.setAttribute("aria-pressed", String(!s.audio));
    mic.textContent = !has ? "No microphone" : s.audio ? "Mute" : "Unmute";
    mic.title = (s.audio ? "Mute microphone" : "Unmute microphone") + keyHint(mic);
    /** @type {HTMLButtonElement} */ (mic).disabled = !has;
  }
  const cam = $("mute-video");
  if (cam) {
    const has = !!(live.camera);
    cam.setAttribute("aria-pressed", String(!s.video));
    cam.textContent = !has ? "No camera" : s.video ? "Camera off" : "Camera on";
    cam.title = (s.video ? "Turn camera off" : "Turn camera on") + keyHint(cam);
    /** @type {HTMLButtonElement} */ (cam).disabled = !has;
  }
  const share = $("share-screen");
  if (share) {
    share.setAttribute("aria-pressed", String(s.screen));
    share.textContent = s.screen ? "Stop sharing" : "Share screen";
    share.title = (s.screen ? "Stop sharing your screen" : "Share your screen") + keyHint(share);
  }
}

function toggleAudio() {
  const t = lobby.stream.getAudioTracks()[0];
  if (!t) return;
  t.enabled = !t.enabled;
  sendState();
}

function toggleVideo() {
  if (!live || !live.camera) return;
  live.camera.enabled = !live.camera.enabled;
  sendState();
}

async function toggleScreen() {
  if (!live || roomMedia !== "video" || role === "observer" || !canShareScreen()) return;
  if (live.screen) return stopScreen();
  let display;
  try {
    display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch {
    return; // the person cancelled the picker
  }
  const screen = display.getVideoTracks()[0];
  live.screen = screen;
  // The browser's own "Stop sharing" ends the track: go back to the camera.
  screen.addEventListener("ended", () => stopScreen());
  await live.call.setTrack("video", screen);
  live.pip.start(live.camera);
  if (lobby.video) lobby.video.srcObject = new MediaStream([screen]);
  sendState();
}

async function stopScreen() {
  if (!live || !live.screen) return;
  const screen = live.screen;
  live.screen = null;
  screen.stop();
  live.pip.stop();
  await live.call.setTrack("video", live.camera);
  if (lobby.video) lobby.video.srcObject = lobby.stream;
  sendState();
}

function leave() {
  if (!live) return;
  live.client.close();
  live.call.stop();
  for (const t of lobby.stream.getTracks()) t.stop();
  live.screen?.stop();
  live = null;
  root.dataset.phase = "left";
  /** @type {HTMLElement} */ ($("call")).hidden = true;
  /** @type {HTMLElement} */ ($("left-view")).hidden = false;
  notice(null);
}

/** Phones and browsers without getDisplayMedia cannot share a screen: do not offer it. */
function canShareScreen() {
  const md = /** @type {any} */ (navigator.mediaDevices);
  if (!md || typeof md.getDisplayMedia !== "function") return false;
  const uaData = /** @type {any} */ (navigator).userAgentData;
  if (uaData && uaData.mobile) return false;
  return !/Android|iPhone|iPad|iPod/i.test(navigator.userAgent);
}

let controlsReady = false;
function setupControls() {
  if (controlsReady) return;
  controlsReady = true;
  $("mute-audio")?.addEventListener("click", toggleAudio);
  $("mute-video")?.addEventListener("click", toggleVideo);
  $("share-screen")?.addEventListener("click", toggleScreen);
  $("leave")?.addEventListener("click", leave);
  if (role === "observer") {
    for (const id of ["mute-audio", "mute-video", "share-screen"]) {
      const b = $(id);
      if (b) b.hidden = true;
    }
  }
  if (!canShareScreen()) {
    const b = $("share-screen");
    if (b) b.hidden = true;
  }
  if (role !== "observer") {
    bindShortcuts({ m: toggleAudio, v: toggleVideo, s: toggleScreen }, { enabled: () => !!live });
  }
  const keyed = ["mute-audio", "mute-video", "share-screen"].map($).filter(Boolean);
  mountShortcutSwitch(/** @type {HTMLInputElement|null} */ ($("shortcuts-on")),
    /** @type {HTMLElement[]} */ (keyed));
  $("shortcuts-on")?.addEventListener("change", sendState);
}

function startStatsLoop() {
  /** @type {Map<RTCPeerConnection, any>} */
  const previous = new Map();
  const tick = async () => {
    if (!live) return;
    const { call, view } = live;
    for (const peer of call.peers.values()) {
      if (!peer.pc) continue;
      try {
        const sample = await sampleStats(peer.pc, previous.get(peer.pc) || null);
        previous.set(peer.pc, sample);
        view.showStats(peer.id, sample);
      } catch { /* closed meanwhile */ }
    }
    view.showConnection([...call.peers.values()]);
    setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
}

joinButton.addEventListener("click", () => join());
takeoverButton.addEventListener("click", () => join({ takeover: true }));
$("join-audio-only")?.addEventListener("click", () => join({ without: "video" }));
$("join-listen-only")?.addEventListener("click", () => join({ without: "all" }));
$("rejoin")?.addEventListener("click", () => location.reload());
