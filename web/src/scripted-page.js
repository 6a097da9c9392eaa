// The scripted-interviewer page: one candidate, the server's aiortc interviewer peer, and a
// browser-side recording of every answer take (recorder.js), uploaded while it records.
//
// Signaling: docs/protocol.md, "Scripted interviewer". The server is the source of truth for the
// phase, the question, the timers and the take number; this page renders `scripted-state` and
// records exactly while `state.recording` is true.

import { RoomClient } from "./protocol.js";
import { ClipApi, TakeRecorder, pickMimeType, progressText } from "./recorder.js";

const ICE_WAIT_MS = 1000; // aiortc has no trickle towards us; a full offer is cheap on a LAN
const PHASE_TEXT = {
  waiting: "Ready when you are: press Start.",
  intro: "The interviewer is introducing the session…",
  think: "Think time: the answer timer starts next (or press Done to start now).",
  answer: "Answer now.",
  after_answer: "Answer saved. Retake it, or go to the next question.",
  wrap_up: "Wrapping up…",
  done: "Finished. Thank you!",
};

const root = /** @type {HTMLElement} */ (document.getElementById("scripted"));
const roomId = root.dataset.roomId || "";
const isVideo = root.dataset.media === "video";
const token = readToken();
/** @param {string} id @returns {any} */
const byTestId = (id) => root.querySelector(`[data-testid="${id}"]`);
/** @param {string} name @returns {any} */
const byData = (name) => root.querySelector(`[data-${name}]`);

const ui = {
  join: byTestId("join-button"),
  start: byTestId("start-interview"),
  accept: byTestId("accept-recording"),
  consent: byData("consent"),
  remote: byTestId("remote-media"),
  local: byTestId("local-video"),
  question: byTestId("question-text"),
  timer: byTestId("timer"),
  conn: byTestId("connection-state"),
  muteAudio: byTestId("mute-audio"),
  muteVideo: byTestId("mute-video"),
  phase: byData("phase"),
  take: byData("take"),
  rec: byData("recording"),
  said: byData("said"),
  status: byData("status"),
  uploads: byData("uploads"),
  reviewLink: byData("review-link"),
  actions: /** @type {HTMLElement[]} */ ([...root.querySelectorAll("[data-action]")]),
};

/** Page state; the server's scripted-state is kept as `scripted`. */
const page = {
  /** @type {RoomClient|null} */ client: null,
  /** @type {RTCPeerConnection|null} */ pc: null,
  /** @type {MediaStream|null} */ stream: null,
  /** @type {any} */ scripted: null,
  /** @type {TakeRecorder|null} */ recorder: null,
  recordingKey: "",
  answerStartedAt: 0,
  welcomes: 0,
  api: new ClipApi({ roomId, token }),
  mime: pickMimeType(isVideo),
};

function readToken() {
  const query = new URLSearchParams(location.search).get("token");
  return query || new URLSearchParams(location.hash.slice(1)).get("token") || "";
}

function say(text) {
  ui.status.textContent = text;
}

function formatClock(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

// Joining -------------------------------------------------------------------------------------

async function join() {
  ui.join.disabled = true;
  say("Asking for your " + (isVideo ? "camera and microphone…" : "microphone…"));
  try {
    page.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: isVideo ? { width: 640, height: 480 } : false,
    });
  } catch (error) {
    ui.join.disabled = false;
    say(`Could not use your ${isVideo ? "camera or microphone" : "microphone"}: ${error.message}.`);
    return;
  }
  if (ui.local) ui.local.srcObject = page.stream;
  const pidKey = `mockroom:${roomId}:participant`;
  const client = new RoomClient({
    url: `/ws/rooms/${roomId}`, token, name: "Candidate",
    participantId: sessionStorage.getItem(pidKey) || undefined,
    media: { audio: true, video: isVideo },
  });
  page.client = client;
  client.on("scripted-state", (msg) => render(msg.state));
  client.on("scripted-answer", (msg) => {
    page.pc?.setRemoteDescription({ type: "answer", sdp: msg.sdp })
      .catch((error) => say(`Media negotiation failed: ${error.message}`));
  });
  client.on("error", (msg) => say(msg.message));
  client.on("welcome", (msg) => {
    sessionStorage.setItem(pidKey, msg.participant_id);
    page.welcomes += 1;
    // After a reconnect the server's interviewer peer is new: negotiate again.
    if (page.welcomes > 1) negotiate().catch((error) => say(error.message));
  });
  client.onstatechange = (state, detail) => {
    const lost = detail?.restarting ? "The server is restarting" : "Connection lost";
    if (state === "reconnecting") say(`${lost}, reconnecting… (recording continues)`);
    else if (state === "open") say("");
    else if (state === "closed" && detail?.error) say(detail.error.message);
  };
  try {
    await client.connect({ takeover: true }); // one candidate: this tab wins over an old one
  } catch (error) {
    ui.join.disabled = false;
    say(error.message);
    return;
  }
  ui.join.hidden = true;
  ui.muteAudio.hidden = false;
  if (ui.muteVideo) ui.muteVideo.hidden = false;
  await negotiate();
}

async function negotiate() {
  page.pc?.close();
  const pc = new RTCPeerConnection({ iceServers: page.client?.welcome?.ice_servers || [] });
  page.pc = pc;
  const stream = /** @type {MediaStream} */ (page.stream);
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  // aiortc needs an m-line for every kind it sends (WEBRTC-NOTES.md): audio always, video in
  // video rooms (the question card), even where this browser has no such track.
  for (const kind of isVideo ? ["audio", "video"] : ["audio"]) {
    if (!stream.getTracks().some((t) => t.kind === kind)) {
      pc.addTransceiver(kind, { direction: "recvonly" });
    }
  }
  const remote = new MediaStream();
  pc.ontrack = (event) => {
    remote.addTrack(event.track);
    if (ui.remote.srcObject !== remote) ui.remote.srcObject = remote;
    ui.remote.play?.().catch(() => {});
  };
  pc.onconnectionstatechange = () => {
    if (pc === page.pc) ui.conn.textContent = pc.connectionState;
  };
  let sent = false;
  pc.onicecandidate = (event) => {
    // Candidates found after the offer went out (gathering took longer than ICE_WAIT_MS).
    if (sent && event.candidate) {
      page.client?.send({ type: "scripted", action: "candidate", candidate: event.candidate.toJSON() });
    }
  };
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringDone(pc, ICE_WAIT_MS);
  page.client?.send({ type: "scripted", action: "offer", sdp: pc.localDescription?.sdp });
  sent = true;
}

/** @param {RTCPeerConnection} pc @param {number} limitMs */
function gatheringDone(pc, limitMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, limitMs);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
  });
}

// Rendering the server's state ----------------------------------------------------------------

function render(state) {
  page.scripted = state;
  const phase = state.phase;
  // No timer while the interviewer is still speaking: say so instead of a frozen 0:00.
  const listening = !state.timer && ["intro", "think", "wrap_up"].includes(phase);
  ui.phase.textContent = phase === "waiting" && !state.consented
    ? "Read how your answers are recorded, then accept to begin."
    : listening && phase === "think" ? "Listen to the question; think time starts when it ends."
      : PHASE_TEXT[phase] || phase;
  ui.question.textContent = state.question ? state.question.text : "";
  const q = state.question;
  ui.take.textContent = q
    ? `Question ${q.index + 1} of ${q.count} · take ${state.take}` +
      (state.retakes_left > 0 ? ` (${state.retakes_left} retake${state.retakes_left > 1 ? "s" : ""} left)` : "")
    : "";
  ui.said.textContent = state.said ? `“${state.said}”` : "";
  ui.consent.hidden = !!state.consented || phase === "done";
  ui.start.hidden = !(phase === "waiting" && state.consented);
  const show = {
    done: phase === "think" || phase === "answer",
    repeat: phase === "think",
    retake: phase === "after_answer" && state.retakes_left > 0,
    next: phase === "after_answer",
    stop: !["waiting", "wrap_up", "done"].includes(phase),
  };
  for (const button of ui.actions) button.hidden = !show[button.dataset.action];
  ui.rec.hidden = !state.recording;
  if (phase === "done") showReviewLink();
  followRecording(state);
  tick();
}

/** Starts a take when the answer window opens and stops it when it closes. */
function followRecording(state) {
  const key = state.recording && state.question ? `${state.question.id}:${state.take}` : "";
  if (key === page.recordingKey) return;
  if (page.recorder) {
    // The window closed: the server's next timer (after_answer) starts at the closing moment.
    const closedAt = state.timer?.phase === "after_answer" ? state.timer.started_at
      : page.client?.serverNow() || 0;
    stopTake(page.recorder, closedAt - page.answerStartedAt);
  }
  page.recorder = null;
  page.recordingKey = key;
  if (!key || !page.stream) return;
  page.answerStartedAt = state.timer?.started_at || page.client?.serverNow() || 0;
  const row = uploadRow(state.question, state.take);
  const recorder = new TakeRecorder({
    api: page.api, stream: page.stream, mime: page.mime,
    questionId: state.question.id, take: state.take,
    onprogress: (progress) => {
      row.dataset.state = progress.state;
      if (progress.clipId) row.dataset.clipId = progress.clipId;
      row.querySelector(".progress").textContent = progressText(progress);
    },
  });
  page.recorder = recorder;
  try {
    recorder.start();
  } catch (error) {
    row.dataset.state = "error";
    row.querySelector(".progress").textContent = `Cannot record here: ${error.message}`;
    page.recorder = null;
  }
}

async function stopTake(recorder, windowMs) {
  const row = ui.uploads.querySelector(
    `[data-question-id="${recorder.progress.questionId}"][data-take="${recorder.progress.take}"]`);
  if (row) row.dataset.windowMs = String(Math.round(windowMs));
  const result = await recorder.stop();
  if (row) row.dataset.durationMs = String(Math.round(result.durationMs));
}

function uploadRow(question, take) {
  let row = ui.uploads.querySelector(`[data-question-id="${question.id}"][data-take="${take}"]`);
  if (!row) {
    row = document.createElement("li");
    row.dataset.questionId = question.id;
    row.dataset.take = String(take);
    const label = document.createElement("span");
    label.textContent = `Question ${question.index + 1}, take ${take}: `;
    const progress = document.createElement("span");
    progress.className = "progress";
    row.append(label, progress);
    ui.uploads.append(row);
  }
  row.dataset.state = "starting";
  return row;
}

function showReviewLink() {
  const link = ui.reviewLink.querySelector("a");
  link.href = `/rooms/${roomId}/review?token=${encodeURIComponent(token)}`;
  ui.reviewLink.hidden = false;
}

function tick() {
  const timer = page.scripted?.timer;
  if (!timer || !page.client) {
    ui.timer.textContent = "0:00";
    return;
  }
  const left = timer.paused ? timer.remaining_ms : timer.deadline - page.client.serverNow();
  ui.timer.textContent = formatClock(left);
  ui.timer.dataset.phase = timer.phase;
}

// Controls ------------------------------------------------------------------------------------

function action(name) {
  page.client?.send({ type: "scripted", action: name });
}

function toggle(kind, button, onLabel, offLabel) {
  const tracks = page.stream ? page.stream.getTracks().filter((t) => t.kind === kind) : [];
  const enabled = !tracks.every((t) => t.enabled);
  for (const track of tracks) track.enabled = enabled;
  button.setAttribute("aria-pressed", String(!enabled));
  button.textContent = enabled ? onLabel : offLabel;
  page.client?.send({ type: "state", [kind]: enabled });
}

ui.join.addEventListener("click", () => void join());
ui.accept.addEventListener("click", () => {
  action("consent");
  ui.consent.hidden = true;
});
ui.start.addEventListener("click", () => action("start"));
for (const button of ui.actions) {
  button.addEventListener("click", () => action(button.dataset.action));
}
ui.muteAudio.addEventListener("click", () =>
  toggle("audio", ui.muteAudio, "Mute microphone", "Unmute microphone"));
ui.muteVideo?.addEventListener("click", () =>
  toggle("video", ui.muteVideo, "Turn camera off", "Turn camera on"));
setInterval(tick, 200);
window.addEventListener("pagehide", () => page.client?.close());
if (!token) say("This page needs the full link you were sent, including its token.");
