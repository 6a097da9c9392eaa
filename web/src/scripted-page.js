// The scripted-interviewer page: a device check, then one candidate, the server's aiortc
// interviewer (scripted-call.js) and a browser-side recording of every answer take
// (recorder.js), uploaded while it records.
//
// Signaling: docs/protocol.md, "Scripted interviewer". The server is the source of truth for the
// phase, the question, the timers and the take number; this page renders `scripted-state` and
// records exactly while `state.recording` is true. Before joining it asks where the session
// stands (GET /api/rooms/{id}/scripted), so a finished practice never turns the camera on.

import "./delete-room.js";
import "./links-mount.js"; // the owner's "Links and invites" (ui)

import { messageOf, takeToken, request } from "./api.js";
import { Lobby } from "./lobby.js";
import { RoomClient } from "./protocol.js";
import { bannerText } from "./reconnect.js";
import { AnswerList } from "./scripted-answers.js";
import { prefs, session } from "./storage.js";
import { formatClock, remainingMs } from "./timer.js";

/** @typedef {import("./wire.js").ScriptedState} ScriptedState */

/** @type {Record<string, string>} */
const PHASE_TEXT = {
  waiting: "Ready when you are: press Start.",
  intro: "The interviewer is introducing the session…",
  think: "Think time: recording starts when it ends, or press “Start recording”.",
  answer: "Answer now.",
  after_answer: "Answer saved. Retake it, or go on.",
  wrap_up: "Wrapping up…",
  done: "Finished. Thank you!",
};

const root = /** @type {HTMLElement} */ (document.getElementById("scripted"));
const roomId = root.dataset.roomId || "";
const isVideo = root.dataset.media === "video";
const token = takeToken();
/** @param {string} id @returns {any} */
const byTestId = (id) => root.querySelector(`[data-testid="${id}"]`);
/** @param {string} name @returns {any} */
const byData = (name) => root.querySelector(`[data-${name}]`);

const ui = {
  join: byTestId("join-button"),
  takeover: byTestId("join-takeover"),
  audioOnly: byTestId("join-audio-only"),
  start: byTestId("start-interview"),
  done: byTestId("done-answer"),
  next: byTestId("next-question"),
  accept: byTestId("accept-recording"),
  consent: byData("consent"),
  remote: byTestId("remote-media"),
  question: byTestId("question-text"),
  timer: byTestId("timer"),
  conn: byTestId("connection-state"),
  muteAudio: byTestId("mute-audio"),
  muteVideo: byTestId("mute-video"),
  practice: byData("practice"),
  phase: byData("phase"),
  take: byData("take"),
  rec: byData("recording"),
  said: byData("said"),
  status: byData("status"),
  notice: byData("notice"),
  resumeNote: byData("resume-note"),
  joinError: byData("join-error"),
  reviewLink: byData("review-link"),
  again: byData("practise-again-button"),
  actions: /** @type {HTMLElement[]} */ ([...root.querySelectorAll("[data-action]")]),
};
const sections = {
  check: byData("device-check"),
  stage: byData("stage"),
  controls: byData("controls"),
  finished: byData("finished"),
};

const lobby = new Lobby({
  role: "candidate", media: isVideo ? "video" : "audio", needsDevices: true,
});
const answers = new AnswerList(byData("uploads"), byData("uploads-section"));
// The remembered captions choice shows before the join too (CaptionLine keeps it from then on).
byTestId("captions-toggle").checked = prefs.captions();
/** What only the live view needs loads with the join: the device check, all there is before
 * it, needs neither the media link nor the recorder nor captions (their controls are in the live
 * view). The join waits for it (a few KiB, fetched in parallel), so every handler finds it there.
 * Kept once for a second try; forgotten after a failed fetch.
 * @type {Promise<{ScriptedCall: typeof import("./scripted-call.js").ScriptedCall,
 *   captions: import("./scripted-captions.js").CaptionLine,
 *   takes: import("./scripted-takes.js").TakeFollower}>|null} */
let liveParts = null;
function loadLiveParts() {
  liveParts ||= Promise.all([
    import("./scripted-call.js"), import("./scripted-captions.js"), import("./scripted-takes.js"),
    import("./recorder.js"),
  ]).then(([{ ScriptedCall }, { CaptionLine }, { TakeFollower }, { ClipApi }]) => ({
    ScriptedCall,
    captions: new CaptionLine({
      toggle: byTestId("captions-toggle"), line: byTestId("captions"),
      send: (on) => { page.client?.send({ type: "captions", on }); },
    }),
    takes: new TakeFollower({
      api: new ClipApi({ roomId, token }), stream: lobby.stream, answers,
      serverNow: () => page.client?.serverNow() || Date.now(),
    }),
  }));
  liveParts.catch(() => { liveParts = null; });
  return liveParts;
}

/** Page state; the server's scripted-state is kept as `scripted`. */
const page = {
  /** @type {RoomClient|null} */ client: null,
  /** @type {import("./scripted-call.js").ScriptedCall|null} */ call: null,
  /** @type {import("./scripted-takes.js").TakeFollower|null} from the join on */ takes: null,
  /** @type {ScriptedState|null} */ scripted: null,
  welcomes: 0,
  joined: false,
  finished: false,
  /** @type {ReturnType<typeof setTimeout>|undefined} clears "Back — connected…" */
  backTimer: undefined,
  /** Where the session stood when the server went away (null: no outage in progress).
   * @type {{phase: string, recording: {question_id: string, take: number}|null}|null} */
  outage: null,
  /** The page asked the new server to go on by itself; its reply is still on the way. */
  resuming: false,
};

/** @param {string} text */
function say(text) {
  ui.status.textContent = text;
}

/** A message that needs the person (another tab took over, the room closed).
 * @param {string|null} text @param {{label: string, onclick: () => void}} [action] */
function notice(text, action) {
  ui.notice.hidden = !text;
  byData("notice-text").textContent = text || "";
  const actions = byData("notice-actions");
  actions.replaceChildren();
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "primary";
    button.textContent = action.label;
    button.addEventListener("click", action.onclick);
    actions.append(button);
  }
}

/** @param {"check"|"live"|"finished"|"replaced"} view */
function showView(view) {
  root.dataset.view = view;
  sections.check.hidden = view !== "check";
  sections.stage.hidden = view !== "live";
  sections.controls.hidden = view !== "live";
  sections.finished.hidden = view !== "finished";
  if (view !== "live") ui.consent.hidden = true;
}

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
  const { captions, takes } = live;
  page.takes = takes;
  const client = new RoomClient({
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
    if (page.resuming && page.scripted) {
      page.resuming = false; // the server would not go on by itself: Resume is the person's
      render(page.scripted);
    }
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
  takes.api.list().then((clips) => answers.load(clips, page.scripted?.resume || null))
    .catch(() => { /* the list is a convenience; the takes themselves are safe */ });
  await call.negotiate();
}

/** @param {import("./protocol.js").ClientState} state
 * @param {import("./protocol.js").StateDetail} [detail] */
function onClientState(state, detail) {
  if (page.finished || !page.joined) return; // before the join, join() reports failures
  if (state === "reconnecting" && !page.outage && page.scripted) {
    const takes = page.takes;
    const [questionId, take] = takes?.key ? takes.key.split(":") : [];
    page.outage = {
      phase: page.scripted.phase,
      recording: takes?.recorder && questionId ? { question_id: questionId, take: Number(take) } : null,
    };
  }
  if (state === "reconnecting" || state === "open") {
    // The interviewer's media comes from the server: it is down with it (no mediaUp).
    const banner = bannerText(state, { ...detail, mediaUp: false });
    const recording = state === "reconnecting" && page.scripted?.recording;
    say(banner ? banner.text + (recording ? " (recording continues)" : "") : "");
    ui.status.dataset.state = banner ? banner.state : "";
    clearTimeout(page.backTimer);
    if (banner?.state === "back") {
      page.backTimer = setTimeout(() => {
        say("");
        ui.status.dataset.state = "";
      }, 3000);
    }
  } else if (state === "closed" && detail?.error?.code === "replaced") replaced();
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
  if (page.outage) goOnAfterOutage(state);
  if (state.phase !== "waiting") page.resuming = false;
  const phase = state.phase;
  const q = state.question;
  // No timer while the interviewer is still speaking: say so instead of a frozen 0:00.
  const listening = !state.timer && ["intro", "think", "wrap_up"].includes(phase);
  ui.phase.textContent = phase === "waiting" && !state.consented
    ? "Read how your answers are recorded, then accept to begin."
    : phase === "waiting" && page.resuming ? "Picking up where you were…"
      : phase === "waiting" && state.resume ? "Press Resume to continue where you left off."
      : listening && phase === "think" && state.follow_up
        ? "A follow-up question: answer as soon as it has been asked."
      : listening && phase === "think" ? "Listen to the question; think time starts when it ends."
        : state.practice && phase === "answer" ? "Answer now: this one is not recorded."
          : PHASE_TEXT[phase] || phase;
  ui.practice.hidden = !(state.practice && q);
  ui.question.textContent = q ? q.text : "";
  ui.take.textContent = q && !state.practice
    ? `Question ${q.index + 1} of ${q.count} · ${state.follow_up ? "follow-up, " : ""}take ${state.take}` +
      (state.retakes_left > 0 ? ` (${state.retakes_left} retake${state.retakes_left > 1 ? "s" : ""} left)` : "")
    : "";
  // The caption of what the interviewer says, unless it is the question shown just above.
  ui.said.textContent = state.said && state.said !== q?.text ? `“${state.said}”` : "";
  ui.consent.hidden = !!state.consented || phase === "done" || page.finished;
  ui.start.hidden = !(phase === "waiting" && state.consented) || page.resuming;
  ui.start.textContent = state.resume ? "Resume" : "Start";
  ui.done.textContent = phase === "think"
    ? (state.practice ? "Start answering" : "Start recording")
    : "Done";
  /** @type {Record<string, boolean>} */
  const show = {
    done: phase === "think" || phase === "answer",
    repeat: phase === "think",
    retake: phase === "after_answer" && state.retakes_left > 0,
    next: phase === "after_answer",
    stop: !["waiting", "wrap_up", "done"].includes(phase),
  };
  for (const button of ui.actions) button.hidden = !show[button.dataset.action];
  const last = q && !state.practice && q.index + 1 >= q.count;
  ui.next.textContent = last ? "Finish" : "Next question";
  ui.rec.hidden = !state.recording;
  // While the new server takes the session up again, the take being recorded goes on: the
  // `waiting` it opens with must not stop it (that would end the clip the answer continues).
  if (!page.resuming) page.takes?.follow(state);
  if (phase === "done") void finish();
  tick();
}

/**
 * The first state from a server after an outage (another node, or the same one restarted): a
 * session that was running goes on by itself, at the same question and take. A take the page
 * kept recording through the outage goes on in its window (same clip, chunks kept); otherwise
 * the session resumes as Resume would. A session that was waiting stays for the person.
 * @param {ScriptedState} state
 */
function goOnAfterOutage(state) {
  const was = page.outage;
  page.outage = null;
  if (!was || ["waiting", "done"].includes(was.phase)) return;
  if (state.phase !== "waiting" || !state.consented) return;
  const kept = was.recording && state.resume?.interrupted &&
    state.resume.question_id === was.recording.question_id &&
    state.resume.take === was.recording.take ? was.recording : null;
  page.resuming = true;
  page.client?.send({ type: "scripted", action: "start", ...(kept ? { recording: kept } : {}) });
  say(kept
    ? "Back — the server changed over; your answer kept recording the whole time. Carry on."
    : "Back — the server changed over; picking up at the same question.");
  ui.status.dataset.state = "back";
  clearTimeout(page.backTimer);
  page.backTimer = setTimeout(() => {
    say("");
    ui.status.dataset.state = "";
  }, 8000);
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
  showView("finished");
  ui.reviewLink.href = `/rooms/${roomId}/review#token=${encodeURIComponent(token)}`;
  byData("finished")?.querySelector("h2")?.focus();
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
  const timer = page.scripted?.timer;
  if (!timer || !page.client) {
    ui.timer.textContent = "0:00";
    return;
  }
  ui.timer.textContent = formatClock(remainingMs(timer, page.client.serverNow()));
  ui.timer.dataset.phase = timer.phase;
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
