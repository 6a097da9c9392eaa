// The interview pane's buttons: the interviewer's toolbar (start, next, pause, the CONTROLS
// row, Finish with its warning, "ask another question"), the candidate's "I'm done" and the
// role-swap offer. Each builder takes the current view and returns what to show; interview.js
// decides when to rebuild. A button is enabled exactly when the server lists its action.

import { h } from "./dom.js";
import { capitalised } from "./interview-people.js";

/** @typedef {import("./wire.js").InterviewView} InterviewView */

/**
 * What the builders need from the pane.
 * @typedef {object} ControlContext
 * @property {(action: string, extra?: Record<string, unknown>) => void} send
 * @property {(link: string) => string} nameOf "you", a name, or "your partner"
 * @property {(s: InterviewView) => string} waitingFor whose forms are missing, in words
 * @property {{warned: boolean}} finish true after a first click on Finish while a form is missing
 * @property {() => void} rerender
 */

/**
 * The interviewer's row of secondary controls: [action, label, testid, accessible name].
 * The accessible name starts with the visible text (WCAG 2.5.3, axe label-content-name-mismatch).
 * @type {[string, string, string, string][]}
 */
const CONTROLS = [
  ["repeat", "Repeat", "repeat-question", "Repeat the question; think time starts again"],
  ["extend", "+30 s", "extend-timer", "+30 s: add 30 seconds to the timer"],
  ["skip", "Skip", "skip-question", "Skip this question"],
  ["wrap_up", "Wrap up", "wrap-up", "End the questions and wrap up"],
  ["open_feedback", "Open feedback", "open-feedback", "Open feedback forms for both of you"],
  ["finish", "Finish", "finish-interview", "Finish the interview"],
];

/** Actions shown (disabled) during a question even when not allowed now. */
const IN_QUESTION = ["repeat", "extend", "skip", "wrap_up"];

/**
 * @typedef {{primary?: boolean, aria?: string, as?: string, extra?: Record<string, unknown>}} ButtonOptions
 */

/**
 * A button that sends `action`, enabled when the view allows it.
 * @param {InterviewView} s @param {ControlContext} ctx @param {string} action
 * @param {string} label @param {string} testid @param {ButtonOptions} [opts]
 */
function button(s, ctx, action, label, testid, opts = {}) {
  const sent = opts.as || action;
  return h("button", {
    type: "button", class: opts.primary ? "primary" : null, "data-testid": testid,
    "aria-label": opts.aria || label, title: opts.aria || label,
    disabled: !s.actions.includes(sent),
    onclick: () => ctx.send(sent, opts.extra || {}),
  }, label);
}

/** The region's key: it is rebuilt only when this changes.
 * @param {InterviewView} s @param {ControlContext} ctx */
export function controlsKey(s, ctx) {
  if (s.role === "observer") return "observer";
  if (s.role === "candidate") return JSON.stringify(["candidate", s.phase, s.actions]);
  return JSON.stringify(["interviewer", s.phase, s.actions, s.available,
    s.timer && s.timer.paused, ctx.finish.warned, ctx.waitingFor(s)]);
}

/** @param {InterviewView} s @param {ControlContext} ctx @returns {HTMLElement|null} */
export function controls(s, ctx) {
  if (s.role === "observer") return null;
  if (s.role === "candidate") {
    if (!["think", "answer"].includes(s.phase)) return null;
    const label = s.phase === "think" ? "I'm ready to answer" : "I'm done answering";
    return h("div", {}, button(s, ctx, "done", label, "candidate-done", { primary: true }));
  }
  const wrap = h("div", { class: "iv-controls-wrap" }, interviewerButtons(s, ctx));
  if (ctx.finish.warned && s.feedback_pending.length) wrap.append(finishWarning(s, ctx));
  const pick = pickQuestion(s, ctx);
  if (pick) wrap.append(pick);
  return wrap;
}

/** @param {InterviewView} s @param {ControlContext} ctx */
function interviewerButtons(s, ctx) {
  const box = h("div", { class: "iv-buttons" });
  if (s.phase === "lobby") {
    // One click to the first question; introductions first is the other choice.
    box.append(button(s, ctx, "start", "Start interview", "start-interview",
      { primary: true, extra: { data: { skip_intro: true } } }));
    box.append(button(s, ctx, "start", "Start with introductions", "start-intro"));
  } else if (s.phase === "intro") {
    box.append(button(s, ctx, "begin_question", "Begin first question", "start-interview",
      { primary: true }));
  }
  if (!["lobby", "wrap_up", "feedback", "done"].includes(s.phase)) {
    // In the follow-ups the next step *is* the next question: one button, not two.
    if (s.phase === "think" || s.phase === "answer") {
      const nextLabel = s.phase === "think" ? "Start answer" : "Follow-ups";
      box.append(button(s, ctx, "next", nextLabel, "next-step",
        { extra: { data: { step: "phase" } }, aria: `${nextLabel}: next step` }));
    }
    box.append(button(s, ctx, "next", "Next question", "next-question",
      { extra: { data: { step: "question" } }, primary: s.phase === "follow_ups",
        aria: "Move on to the next question" }));
  }
  if (s.timer) {
    box.append(s.timer.paused
      ? button(s, ctx, "resume", "Resume", "pause-timer", { aria: "Resume the timer" })
      : button(s, ctx, "pause", "Pause", "pause-timer", { aria: "Pause the timer" }));
  }
  for (const [action, label, testid, aria] of CONTROLS) {
    const allowed = s.actions.includes(action);
    if (action === "finish" && allowed && s.feedback_pending.length) {
      // Never throw a form away unannounced: the first click warns, the second finishes.
      box.append(h("button", { type: "button", "data-testid": testid, disabled: ctx.finish.warned,
        onclick: () => { ctx.finish.warned = true; ctx.rerender(); } }, label));
    } else if (allowed || (!!s.question && IN_QUESTION.includes(action))) {
      box.append(button(s, ctx, action, label, testid, { aria, primary: action === "open_feedback" }));
    }
  }
  return box;
}

/** @param {InterviewView} s @param {ControlContext} ctx */
function finishWarning(s, ctx) {
  return h("div", { class: "iv-warning", role: "alert", "data-testid": "finish-warning" },
    h("p", { text: `${ctx.waitingFor(s)} If you finish now, the forms stay open: ` +
      "they can still be sent afterwards, and the report updates." }),
    h("button", { type: "button", class: "primary", "data-testid": "finish-anyway",
      onclick: () => { ctx.finish.warned = false; ctx.send("finish", { data: { force: true } }); } },
    "Finish anyway"), " ",
    h("button", { type: "button", "data-testid": "finish-wait",
      onclick: () => { ctx.finish.warned = false; ctx.rerender(); } }, "Keep waiting"));
}

/** "Ask another question…": any question of the bank not asked yet, next.
 * @param {InterviewView} s @param {ControlContext} ctx */
function pickQuestion(s, ctx) {
  if (!s.actions.includes("pick") || !s.available || !s.available.length) return null;
  const select = h("select", { "aria-label": "Question to ask next", "data-testid": "pick-select" },
    ...s.available.map((q) => h("option", { value: q.id, text: q.text })));
  return h("details", { class: "iv-pick" }, h("summary", {}, "Ask another question…"),
    h("div", { class: "iv-pick-row" }, select,
      h("button", { type: "button", "data-testid": "pick-question",
        onclick: () => ctx.send("pick", { question_id: select.value }) }, "Ask it next")));
}

/** @param {InterviewView} s @param {ControlContext} ctx @param {Map<string, string>} names */
export function swapKey(s, ctx, names) {
  const other = s.link_role === "interviewer" ? "candidate" : "interviewer";
  return JSON.stringify([s.swap, s.link_role !== "observer", s.actions.includes("request_swap"),
    names.get(s.swap.requested_by || ""), ctx.nameOf(other), s.phase]);
}

/** The role swap: ask, confirm or decline, or why not now.
 * @param {InterviewView} s @param {ControlContext} ctx @returns {HTMLElement|null} */
export function swapControls(s, ctx) {
  const sw = s.swap;
  const pending = sw.requested_by;
  /** @param {string} link */
  const Name = (link) => capitalised(ctx.nameOf(link));
  const other = s.link_role === "interviewer" ? "candidate" : "interviewer";
  if (s.link_role === "observer") {
    return pending ? h("p", { class: "small muted", text: `${Name(pending)} asked to swap roles.` }) : null;
  }
  if (pending && pending !== s.link_role) {
    return h("div", { class: "iv-swap-ask", "data-testid": "swap-request" },
      h("p", { text: `${Name(pending)} asks to swap roles.` }),
      button(s, ctx, "confirm_swap", "Confirm", "confirm-swap", { primary: true, aria: "Confirm the role swap" }),
      " ",
      button(s, ctx, "cancel_swap", "Decline", "decline-swap", { aria: "Decline the role swap" }));
  }
  if (pending) {
    return h("p", { class: "small" }, `Waiting for ${ctx.nameOf(other)} to confirm the swap… `,
      button(s, ctx, "cancel_swap", "Cancel", "cancel-swap", { aria: "Cancel the swap request" }));
  }
  if (sw.suggested) {
    // The half-way mark: the moment to hand over, said to both.
    const next = s.role === "interviewer" ? `${Name(other)} interviews you next` : `you interview ${ctx.nameOf(other)} next`;
    return h("div", { class: "iv-swap-ask", "data-testid": "swap-prompt" },
      h("p", { text: `Half way: time to swap roles? ${capitalised(next)}.` }),
      button(s, ctx, "request_swap", "Swap roles", "swap-roles",
        { primary: true, aria: "Swap roles now: ask your partner to confirm" }));
  }
  if (!sw.allowed) {
    // Mid-question: say why instead of letting the button vanish. After the questions there
    // is nothing to swap for.
    if (!["think", "answer"].includes(s.phase)) return null;
    return h("p", { class: "small" },
      h("button", { type: "button", "data-testid": "swap-roles", disabled: true,
        "aria-describedby": "iv-swap-why" }, "Swap roles"),
      " ", h("span", { id: "iv-swap-why", class: "muted", "data-testid": "swap-why",
        text: sw.reason || "" }));
  }
  return h("p", {}, button(s, ctx, "request_swap", "Swap roles", "swap-roles",
    { aria: "Swap roles: ask your partner to confirm" }));
}
