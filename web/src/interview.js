// The interview pane of a peer room: phase, question, shared countdown, the interviewer's
// controls and private material, role swap, feedback forms and the report link.
//
// Rendered from the latest `interview-state` only (docs/protocol.md): the server filters what
// each role may see, so this module never has anything to hide — it just draws what it got.
// Regions are rebuilt only when their own inputs change (interview-dom.region), so a broadcast
// (the other side submitting feedback, a timer extension) never wipes a form someone is typing
// in; the forms also keep a draft (interview-feedback.js), so a reload does not either.
// `state.role` is the *acting* role (it flips with a swap); people are named, not called by
// the link they opened. Here: the pane's skeleton, the countdown and the subscriptions; the
// buttons are interview-controls.js's, the texts interview-view.js's, the forms
// interview-forms-pane.js's, and which errors to show interview-errors.js's.

import { takeToken } from "./api.js";
import { h } from "./dom.js";
import { Beeper } from "./interview-beeper.js";
import { controls, controlsKey, swapControls, swapKey } from "./interview-controls.js";
import { checklist, region } from "./interview-dom.js";
import { isInterviewError } from "./interview-errors.js";
import { FeedbackForms } from "./interview-forms-pane.js";
import { idleLater } from "./idle-later.js";
import { peerRecording } from "./peer-recording.js";
import { halfText, nameOf as personName, pendingText, presenceText } from "./interview-people.js";
import { PHASE_LABELS, interviewerPane, positionText, questionText } from "./interview-view.js";
import { CueTracker, WARN_MS, formatClock, remainingMs } from "./timer.js";

/** @typedef {import("./wire.js").InterviewView} InterviewView */
/** @typedef {import("./wire.js").RoomInfo} RoomInfo */
/** @typedef {import("./interview-controls.js").ControlContext} ControlContext */

/** The pane's fixed parts; regions inside them are rebuilt as the state changes. */
function skeleton(/** @type {string} */ reportHref) {
  const parts = {
    phase: h("span", { class: "iv-phase", "data-testid": "interview-phase" }, "Connecting…"),
    position: h("span", { class: "iv-position", "data-testid": "question-position" }),
    timer: h("span", { class: "iv-timer", "data-testid": "timer", role: "timer",
      "aria-label": "Time left", hidden: true }),
    question: h("p", { class: "iv-question", "data-testid": "question-text", "aria-live": "polite" }),
    half: h("p", { class: "iv-half small", "data-testid": "interview-half", hidden: true }),
    presence: h("p", { class: "iv-presence", "data-testid": "timer-hold", role: "status",
      hidden: true }),
    swap: h("div", { class: "iv-swap", "aria-live": "polite" }),
    controls: h("div", { class: "iv-controls", role: "toolbar", "aria-label": "Interview controls" }),
    error: h("p", { class: "iv-error", role: "alert", hidden: true }),
    private: h("div", { class: "iv-private-slot" }),
    checklist: h("div", { class: "iv-checklist-slot" }),
    waiting: h("div", { class: "iv-waiting", "data-testid": "feedback-waiting",
      "aria-live": "polite", hidden: true }),
    feedback: h("div", { class: "iv-feedback-slot" }),
    recording: h("div", { class: "iv-recording-slot" }),
    report: h("p", { class: "iv-report", hidden: true },
      h("a", { href: reportHref, "data-testid": "report-link", target: "_blank", rel: "noopener" },
        "Open the report (questions, timings, scores, notes)")),
  };
  const root = h("div", { class: "iv", "data-phase": "connecting" },
    h("h2", { class: "iv-title" }, "Interview"),
    h("div", { class: "iv-head" }, parts.phase, parts.position, parts.timer), parts.half,
    parts.presence, parts.recording, parts.question, parts.swap, parts.controls, parts.error, parts.private,
    parts.checklist, parts.waiting, parts.feedback, parts.report);
  return { root, ...parts };
}

/**
 * @param {HTMLElement} container the #interview-pane section
 * @param {{client: import("./protocol.js").RoomClient, role: string, roomInfo: RoomInfo|null,
 *   stream?: MediaStream|null}} ctx stream: this person's camera and microphone (answers are
 *   recorded from it, with consent: peer-recording.js)
 */
export function mountInterview(container, { client, roomInfo, stream }) {
  const roomId = (roomInfo && roomInfo.room_id) ||
    container.closest("[data-room-id]")?.getAttribute("data-room-id") || "";
  // In the fragment: the report tab takes it from there (api.takeToken), no server log sees it.
  const reportHref = `/rooms/${encodeURIComponent(roomId)}/report#token=${encodeURIComponent(takeToken())}`;
  const ui = skeleton(reportHref);
  container.replaceChildren(ui.root);

  /** @type {InterviewView|null|undefined} the latest state; undefined until the first one */
  let state;
  const cues = new CueTracker();
  const beeper = new Beeper();
  /** @type {Map<string, string>} link role -> display name */
  const names = new Map();

  function rememberPeople() {
    const w = client.welcome;
    if (!w) return;
    names.set(w.role, w.name);
    for (const p of w.participants || []) names.set(p.role, p.name);
  }
  rememberPeople();

  /** @param {string} link */
  const nameOf = (link) => personName(state, names, link);

  /** @param {string} action @param {Record<string, unknown>} [extra] */
  function send(action, extra = {}) {
    showError(null);
    client.send({ type: "interview", action, ...extra });
  }

  /** @param {string|null} text */
  function showError(text) {
    ui.error.hidden = !text;
    ui.error.textContent = text || "";
  }

  /** @type {ControlContext} */
  const controlContext = {
    send, nameOf, waitingFor: (s) => pendingText(s, nameOf), finish: { warned: false },
    rerender: () => render(),
  };
  const forms = new FeedbackForms(ui.feedback, { roomId, nameOf, send });
  const recording = peerRecording({ roomId, token: takeToken(), stream: stream || null, send, nameOf });
  ui.recording.append(recording.root);

  // A name learnt from the roster (`joined`, `updated`) shows in the next render, a moment later
  // in an idle slice: the newcomer's offer arrives right behind their `joined`, and drawing the
  // pane then would delay our answer and our ICE checks (see idle-later.js).
  const namesLater = idleLater(() => { if (state) render(); });

  /** @param {import("./wire.js").Participant} p */
  function learnName(p) {
    if (names.get(p.role) === p.name) return; // a mute or camera change: nothing here shows it
    names.set(p.role, p.name);
    if (state) namesLater.schedule();
  }

  function render() {
    namesLater.cancel(); // this render shows the names learnt meanwhile
    if (state === null) return renderFree();
    if (!state) return;
    const s = state;
    const acting = s.role;
    ui.root.dataset.phase = s.phase;
    ui.root.dataset.acting = acting;
    ui.phase.textContent = PHASE_LABELS[s.phase] || s.phase;
    ui.position.textContent = positionText(s);
    if (s.phase !== "feedback") controlContext.finish.warned = false;
    showLine(ui.half, halfText(s, nameOf));
    showLine(ui.presence, presenceText(s));
    ui.question.textContent = questionText(s);
    ui.question.classList.toggle("iv-question-live", !!(s.question || s.prompt));
    region(ui.swap, swapKey(s, controlContext, names), () => swapControls(s, controlContext));
    region(ui.controls, controlsKey(s, controlContext), () => controls(s, controlContext));
    region(ui.private, acting === "interviewer" ? JSON.stringify([s.phase, s.question, s.upcoming,
      s.checklist]) : "none", () => acting === "interviewer" ? interviewerPane(s, roomId) : null);
    const showPrep = acting === "candidate" && ["lobby", "intro"].includes(s.phase);
    region(ui.checklist, showPrep ? "prep" : "none",
      () => showPrep ? checklist("Before you start", s.checklist, roomId, "candidate") : null);
    showLine(ui.waiting, s.phase === "feedback" || s.phase === "done" ? pendingText(s, nameOf) : "");
    forms.render(s);
    recording.render(s);
    ui.report.hidden = !["wrap_up", "feedback", "done"].includes(s.phase);
    tick();
  }

  /** A room without a bank: no phases, no controls, just the report. */
  function renderFree() {
    ui.root.dataset.phase = "free";
    ui.phase.textContent = "Free conversation — no question bank";
    ui.position.textContent = "";
    ui.question.textContent = "Talk freely; use the notes to keep track. The report still " +
      "collects the notes and the letter templates.";
    ui.timer.hidden = true;
    ui.half.hidden = ui.presence.hidden = ui.waiting.hidden = true;
    for (const el of [ui.swap, ui.controls, ui.private, ui.checklist]) {
      el.replaceChildren();
      delete el.dataset.key;
    }
    forms.clear();
    ui.report.hidden = false;
  }

  /** @param {HTMLElement} el @param {string} text hidden when empty */
  function showLine(el, text) {
    el.hidden = !text;
    el.textContent = text;
  }

  // the countdown -----------------------------------------------------------------------------

  function tick() {
    const timer = state ? state.timer : null;
    const left = remainingMs(timer, client.serverNow());
    const el = ui.timer;
    el.hidden = left == null;
    const text = formatClock(left);
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle("iv-paused", !!(timer && timer.paused));
    el.classList.toggle("iv-warn", left != null && left <= WARN_MS && left > 0);
    el.classList.toggle("iv-zero", left === 0);
    el.setAttribute("aria-label", timer && timer.paused ? `Paused at ${text}` : `Time left ${text}`);
    const cue = cues.update(timer && !timer.paused ? timer : null, left);
    if (cue === "warn") beeper.beep(660, 0.18);
    else if (cue === "zero") beeper.beep(440, 0.35);
    if (cue) {
      el.classList.remove("iv-cue");
      void el.offsetWidth; // restart the animation
      el.classList.add("iv-cue");
    }
  }
  const interval = setInterval(tick, 200);

  // messages ----------------------------------------------------------------------------------

  const offs = [
    client.on("interview-state", (msg) => {
      state = msg.state;
      showError(null);
      render();
    }),
    client.on("error", (msg) => {
      // Only the refusals of what this pane sent; other errors belong to other panes.
      if (isInterviewError(client, msg)) showError(msg.message);
    }),
    client.on("welcome", () => rememberPeople()),
    client.on("joined", (msg) => learnName(msg.participant)),
    client.on("updated", (msg) => learnName(msg.participant)),
  ];

  return {
    destroy() {
      clearInterval(interval);
      namesLater.cancel();
      recording.destroy();
      for (const off of offs) off();
      container.replaceChildren();
    },
  };
}
