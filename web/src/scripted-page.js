// The scripted-interviewer page: a device check, then one candidate, the server's aiortc
// interviewer (scripted-call.js) and a browser-side recording of every answer take
// (recorder.js), uploaded while it records.
//
// Signaling: docs/protocol.md, "Scripted interviewer". The server is the source of truth for the
// phase, the question, the timers and the take number; this page renders `scripted-state` and
// records exactly while `state.recording` is true. Before joining it asks where the session
// stands (GET /api/rooms/{id}/scripted), so a finished practice never turns the camera on.
// Through a server outage the session goes on by itself (scripted-outage.js). What the page
// shows, and the server's state drawn on it, is scripted-view.js.

import "./delete-room.js";

import { messageOf, takeToken, request } from "./api.js";
import { Lobby } from "./lobby.js";
import { scriptedView } from "./scripted-view.js";
import { prefs, session } from "./storage.js";

/** @typedef {import("./wire.js").ScriptedState} ScriptedState */

const root = /** @type {HTMLElement} */ (document.getElementById("scripted"));
const roomId = root.dataset.roomId || "";
const isVideo = root.dataset.media === "video";
const token = takeToken();
const view = scriptedView(root);
const { ui, byTestId, byData, say, notice, show: showView } = view;

const lobby = new Lobby({
  role: "candidate", media: isVideo ? "video" : "audio", needsDevices: true,
});
// The remembered captions choice shows before the join too (CaptionLine keeps it from then on).
byTestId("captions-toggle").checked = prefs.captions();
/** What only the live view needs loads with the join: the device check, all there is before
 * it, needs neither the socket nor the media link nor the recorder nor captions (their controls
 * are in the live view) nor the outage handling. The join waits for it (a few KiB, fetched in
 * parallel), so every handler finds it there. Kept once for a second try; forgotten after a
 * failed fetch.
 * @type {Promise<{ScriptedCall: typeof import("./scripted-call.js").ScriptedCall,
 *   RoomClient: typeof import("./protocol.js").RoomClient,
 *   captions: import("./scripted-captions.js").CaptionLine,
 *   takes: import("./scripted-takes.js").TakeFollower,
 *   outage: import("./scripted-outage.js").OutageFollower}>|null} */
let liveParts = null;
function loadLiveParts() {
  liveParts ||= Promise.all([
    import("./scripted-call.js"), import("./scripted-captions.js"), import("./scripted-takes.js"),
    import("./recorder.js"), import("./protocol.js"), import("./scripted-outage.js"),
    import("./scripted-answers.js"),
  ]).then(([
    { ScriptedCall }, { CaptionLine }, { TakeFollower }, { ClipApi }, { RoomClient },
    { OutageFollower }, { AnswerList },
  ]) => ({
    ScriptedCall,
    RoomClient,
    captions: new CaptionLine({
      toggle: byTestId("captions-toggle"), line: byTestId("captions"),
      send: (on) => { page.client?.send({ type: "captions", on }); },
    }),
    takes: new TakeFollower({
      api: new ClipApi({ roomId, token }), stream: lobby.stream,
      answers: new AnswerList(byData("uploads"), byData("uploads-section")),
      serverNow: () => page.client?.serverNow() || Date.now(),
    }),
    outage: new OutageFollower({
      say, status: ui.status, send: (msg) => { page.client?.send(msg); },
    }),
  }));
  liveParts.catch(() => { liveParts = null; });
  return liveParts;
}

/** Page state; the server's scripted-state is kept as `scripted`. */
const page = {
  /** @type {import("./protocol.js").RoomClient|null} */ client: null,
  /** @type {import("./scripted-call.js").ScriptedCall|null} */ call: null,
  /** @type {import("./scripted-takes.js").TakeFollower|null} from the join on */ takes: null,
  /** @type {ScriptedState|null} */ scripted: null,
  /** @type {import("./scripted-outage.js").OutageFollower|null} from the join on */
  outage: null,
  welcomes: 0,
  joined: false,
  finished: false,
};

// Before joining ------------------------------------------------------------------------------

async function boot() {
  if (!token) {
    say("This page needs the full link you were sent, including its token.");
    return;
  }
  /** @type {ScriptedState} */
  let state;
  try {
    state = await request(`/api/rooms/${encodeURIComponent(roomId)}/scripted`, {
      token, fallback: (status) => `The server answered ${status}.`,
    });
  } catch (error) {
    notice(messageOf(error), { label: "Reload", onclick: () => location.reload() });
    return;
  }
  // The owner's "Links and invites" (a folded panel, and a request of its own): after the one
  // request the device check waits for, so it never delays it.
  import("./links-mount.js").catch(() => { /* the panel is a convenience; a reload retries */ });
  if (state.phase === "done") {
    showFinished(); // the camera stays off: there is nothing left to record
    return;
  }
  showView("check");
  if (state.resume) {
    const r = state.resume;
    ui.resumeNote.hidden = false;
    ui.resumeNote.textContent = `You left at question ${state.question.index + 1}, take ${r.take}.` +
      (r.interrupted ? " That take was cut off before it ended, so you will record it again." : "") +
      " Join to continue there.";
    ui.join.textContent = "Join and continue";
  }
  lobby.onchange = () => {
    ui.join.disabled = lobby.stream.getTracks().length === 0;
  };
  lobby.start();
}

// Joining -------------------------------------------------------------------------------------

/** @param {{takeover?: boolean}} [how] */
async function join(how = {}) {
  ui.join.disabled = true;
  ui.takeover.hidden = true;
  ui.joinError.hidden = true;
  const stream = lobby.stream;
  let live;
  try {
    live = await loadLiveParts();
  } catch (error) {
    ui.join.disabled = false;
    ui.joinError.hidden = false;
    ui.joinError.textContent = `Could not load this page's code; try again: ${messageOf(error)}`;
    return;
  }
  const { captions, takes, outage } = live;
  page.takes = takes;
  page.outage = outage;
  const client = new live.RoomClient({
    url: `/ws/rooms/${roomId}`, token, name: "Candidate",
    participantId: session.participantId(roomId, "candidate") || undefined,
    media: { audio: stream.getAudioTracks().length > 0, video: stream.getVideoTracks().length > 0 },
  });
  page.client = client;
  client.on("caption", (msg) => captions.receive(msg));
  client.on("scripted-state", (msg) => render(msg.state));
  client.on("scripted-answer", (msg) => {
    page.call?.answer(msg.sdp).catch((error) => say(`Media negotiation failed: ${error.message}`));
  });
  client.on("error", (msg) => {
    say(msg.message);
    if (outage.refused() && page.scripted) render(page.scripted);
  });
  client.on("welcome", (msg) => {
    session.saveParticipantId(roomId, "candidate", msg.participant_id);
    page.welcomes += 1;
    captions.welcomed();
    // After a reconnect the server's interviewer peer is new: negotiate again.
    if (page.welcomes > 1) page.call?.negotiate().catch((error) => say(error.message));
  });
  client.onstatechange = onClientState;
  try {
    await client.connect({ takeover: !!how.takeover });
  } catch (error) {
    page.client = null;
    ui.join.disabled = false;
    const taken = error.code === "role-taken";
    ui.joinError.hidden = false;
    ui.joinError.textContent = taken
      ? "This practice is open in another tab or window. Continue here, and that tab stops " +
        "recording and turns its camera off."
      : error.message;
    ui.join.hidden = taken;
    ui.takeover.hidden = !taken;
    return;
  }
  page.joined = true;
  say("");
  lobby.finish();
  showView("live");
  const self = byData("self-tile");
  if (self && lobby.video) self.prepend(lobby.video); // the preview becomes the "You" tile
  ui.muteAudio.hidden = !stream.getAudioTracks().length;
  if (ui.muteVideo) ui.muteVideo.hidden = !stream.getVideoTracks().length;
  const call = new live.ScriptedCall({
    send: (msg) => client.send(msg), stream, isVideo, iceServers: client.welcome?.ice_servers,
  });
  page.call = call;
  call.ontrack = (remote) => {
    if (ui.remote.srcObject !== remote) ui.remote.srcObject = remote;
    ui.remote.play?.().catch(() => {});
  };
  call.onstate = (state) => { ui.conn.textContent = state; };
  takes.api.list().then((clips) => takes.answers.load(clips, page.scripted?.resume || null))
    .catch(() => { /* the list is a convenience; the takes themselves are safe */ });
  await call.negotiate();
}

/** @param {import("./protocol.js").ClientState} state
 * @param {import("./protocol.js").StateDetail} [detail] */
function onClientState(state, detail) {
  if (page.finished || !page.joined) return; // before the join, join() reports failures
  page.outage?.connection(state, detail, page.scripted, page.takes);
  if (state === "closed" && detail?.error?.code === "replaced") replaced();
  else if (state === "closed" && detail?.error) {
    notice(detail.error.message, { label: "Reload", onclick: () => location.reload() });
  }
}

/** Another tab took the session: stop recording and uploading here, and say so. */
function replaced() {
  page.takes?.abort("this practice continued in another tab");
  releaseMedia();
  showView("replaced");
  notice("You continued this practice in another tab or window, so this tab stopped " +
    "recording and turned your camera and microphone off.",
  { label: "Continue here instead", onclick: () => location.reload() });
}

function releaseMedia() {
  page.call?.close();
  page.call = null;
  lobby.release();
  ui.remote.srcObject = null;
}

// Rendering the server's state ----------------------------------------------------------------

/** @param {ScriptedState} state */
function render(state) {
  page.scripted = state;
  page.outage?.state(state);
  const resuming = !!page.outage?.resuming;
  view.render(state, { resuming, finished: page.finished });
  // While the new server takes the session up again, the take being recorded goes on: the
  // `waiting` it opens with must not stop it (that would end the clip the answer continues).
  if (!resuming) page.takes?.follow(state);
  if (state.phase === "done") void finish();
  tick();
}

/** The end: let the last take finish uploading, then hang up and turn the devices off. */
async function finish() {
  if (page.finished) return;
  page.finished = true;
  await page.takes?.settled();
  releaseMedia();
  page.client?.close();
  showFinished();
}

function showFinished() {
  view.showFinished(`/rooms/${roomId}/review#token=${encodeURIComponent(token)}`);
}

/** A new scripted room with this one's bank and settings, opened at once. A pasted bank has no
 * id the home page could ask for again, so the server copies this room's own (rooms/again.py). */
async function practiseAgain() {
  ui.again.disabled = true;
  try {
    const room = await request(`/api/rooms/${encodeURIComponent(roomId)}/again`, {
      method: "POST",
      token,
    });
    location.href = new URL(room.links.candidate, location.href).toString();
  } catch (err) {
    ui.again.disabled = false;
    say(`Could not make a new room: ${messageOf(err)}`);
  }
}

function tick() {
  view.showTimer(page.scripted?.timer, page.client);
}

// Controls ------------------------------------------------------------------------------------

/** @param {string} name */
function action(name) {
  page.client?.send({ type: "scripted", action: name });
}

/** @param {"audio"|"video"} kind @param {HTMLElement} button @param {string} onLabel
 * @param {string} offLabel */
function toggle(kind, button, onLabel, offLabel) {
  const tracks = lobby.stream.getTracks().filter((t) => t.kind === kind);
  const enabled = !tracks.every((t) => t.enabled);
  for (const track of tracks) track.enabled = enabled;
  button.setAttribute("aria-pressed", String(!enabled));
  button.textContent = enabled ? onLabel : offLabel;
  page.client?.send({ type: "state", [kind]: enabled });
}

ui.join.addEventListener("click", () => { void join(); });
ui.takeover.addEventListener("click", () => { void join({ takeover: true }); });
ui.audioOnly?.addEventListener("click", () => {
  for (const t of lobby.stream.getVideoTracks()) {
    t.stop();
    lobby.stream.removeTrack(t);
  }
  void join();
});
ui.accept.addEventListener("click", () => {
  action("consent");
  ui.consent.hidden = true;
});
ui.start.addEventListener("click", () => action("start"));
for (const button of ui.actions) {
  button.addEventListener("click", () => action(button.dataset.action));
}
ui.again.addEventListener("click", () => { void practiseAgain(); });
ui.muteAudio.addEventListener("click", () =>
  toggle("audio", ui.muteAudio, "Mute microphone", "Unmute microphone"));
ui.muteVideo?.addEventListener("click", () =>
  toggle("video", ui.muteVideo, "Turn camera off", "Turn camera on"));
setInterval(tick, 200);
window.addEventListener("pagehide", () => page.client?.close());
void boot();
