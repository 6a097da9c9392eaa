// The interview pane of a peer room: phase, question, shared countdown, the interviewer's
// controls and private material, role swap, feedback forms and the report link.
//
// Rendered from the latest `interview-state` only (docs/protocol.md): the server filters what
// each role may see, so this module never has anything to hide — it just draws what it got.
// Regions are rebuilt only when their own inputs change, so a broadcast (the other side
// submitting feedback, a timer extension) never wipes a form someone is typing in; the forms
// also keep a draft in localStorage (interview-feedback.js), so a reload does not either.
// `state.role` is the *acting* role (it flips with a swap); people are named, not called by
// the link they opened.

import { draftKey, dropDraft, ratingForm, selfForm, submittedSummary } from "./interview-feedback.js";
import { Beeper } from "./interview-beeper.js";
import { checklist, h, list } from "./interview-dom.js";
import { capitalised, halfText, nameOf as personName, pendingText, presenceText } from "./interview-people.js";
import { CueTracker, WARN_MS, formatClock, remainingMs } from "./timer.js";

const PHASE_LABELS = {
  lobby: "Waiting to start", intro: "Introductions", think: "Think time", answer: "Answer time",
  follow_ups: "Follow-up questions", wrap_up: "Wrap-up", feedback: "Feedback", done: "Finished",
};

/** The interviewer's controls: [action, label, testid, data?]. */
const CONTROLS = [
  ["repeat", "Repeat", "repeat-question", null, "Repeat the question; think time starts again"],
  // The accessible name starts with the visible text (WCAG 2.5.3, axe label-content-name-mismatch).
  ["extend", "+30 s", "extend-timer", null, "+30 s: add 30 seconds to the timer"],
  ["skip", "Skip", "skip-question", null, "Skip this question"],
  ["wrap_up", "Wrap up", "wrap-up", null, "End the questions and wrap up"],
  ["open_feedback", "Open feedback", "open-feedback", null, "Open feedback forms for both of you"],
  ["finish", "Finish", "finish-interview", null, "Finish the interview"],
];


/**
 * @param {HTMLElement} container the #interview-pane section
 * @param {{client: import("./protocol.js").RoomClient, role: string, roomInfo: any}} ctx
 */
export function mountInterview(container, { client, role, roomInfo }) {
  const roomId = (roomInfo && roomInfo.room_id) || container.closest("[data-room-id]")?.getAttribute("data-room-id") || "";
  const token = new URLSearchParams(location.search).get("token") ||
    new URLSearchParams(location.hash.slice(1)).get("token") || "";
  const reportHref = `/rooms/${encodeURIComponent(roomId)}/report?token=${encodeURIComponent(token)}`;

  const phaseEl = h("span", { class: "iv-phase", "data-testid": "interview-phase" }, "Connecting…");
  const positionEl = h("span", { class: "iv-position", "data-testid": "question-position" });
  const timerEl = h("span", { class: "iv-timer", "data-testid": "timer", role: "timer",
    "aria-label": "Time left", hidden: true });
  const questionEl = h("p", { class: "iv-question", "data-testid": "question-text",
    "aria-live": "polite" });
  const halfEl = h("p", { class: "iv-half small", "data-testid": "interview-half", hidden: true });
  const presenceEl = h("p", { class: "iv-presence", "data-testid": "timer-hold", role: "status",
    hidden: true });
  const swapEl = h("div", { class: "iv-swap", "aria-live": "polite" });
  const controlsEl = h("div", { class: "iv-controls", role: "toolbar",
    "aria-label": "Interview controls" });
  const errorEl = h("p", { class: "iv-error", role: "alert", hidden: true });
  const privateEl = h("div", { class: "iv-private-slot" });
  const checklistEl = h("div", { class: "iv-checklist-slot" });
  const waitingEl = h("div", { class: "iv-waiting", "data-testid": "feedback-waiting",
    "aria-live": "polite", hidden: true });
  const feedbackEl = h("div", { class: "iv-feedback-slot" });
  const reportEl = h("p", { class: "iv-report", hidden: true },
    h("a", { href: reportHref, "data-testid": "report-link", target: "_blank", rel: "noopener" },
      "Open the report (questions, timings, scores, notes)"));
  const root = h("div", { class: "iv", "data-phase": "connecting" },
    h("h2", { class: "iv-title" }, "Interview"),
    h("div", { class: "iv-head" }, phaseEl, positionEl, timerEl), halfEl, presenceEl,
    questionEl, swapEl, controlsEl, errorEl, privateEl, checklistEl, waitingEl, feedbackEl,
    reportEl);
  container.replaceChildren(root);

  /** @type {any} the latest state; undefined until the first one arrives */
  let state;
  let lastSentAt = 0;
  /** True after a first click on Finish while a form is missing: shows the warning. */
  let finishWarned = false;
  /** @type {Map<string, HTMLElement>} one slot per feedback form, "half-form" */
  const formSlots = new Map();
  const cues = new CueTracker();
  const beeper = new Beeper();
  /** @type {Map<string, string>} link role -> display name */
  const names = new Map();

  function rememberPeople() {
    const w = client.welcome;
    if (!w) return;
    names.set(w.role, w.name);
    for (const p of w.participants || []) {
      names.set(p.role, p.name);
    }
  }
  rememberPeople();

  /** @param {string} link */
  const nameOf = (link) => personName(state, names, link);
  /** @param {string} link */
  const Name = (link) => capitalised(nameOf(link));

  /** @param {string} action @param {Record<string, any>} [extra] */
  function send(action, extra = {}) {
    lastSentAt = Date.now();
    showError(null);
    client.send({ type: "interview", action, ...extra });
  }

  function showError(text) {
    errorEl.hidden = !text;
    errorEl.textContent = text || "";
  }

  /** Rebuilds `slot` only when `key` changed. @param {HTMLElement} slot @param {string} key */
  function region(slot, key, build) {
    if (slot.dataset.key === key) return;
    slot.dataset.key = key;
    const content = build();
    slot.replaceChildren(...(content ? [content] : []));
  }

  const allowed = (action) => !!state && state.actions.includes(action);

  /** @param {string} action @param {string} label @param {string} testid */
  function button(action, label, testid, opts = {}) {
    return h("button", {
      type: "button", class: opts.primary ? "primary" : null, "data-testid": testid,
      "aria-label": opts.aria || label, title: opts.aria || label,
      disabled: !allowed(opts.as || action),
      onclick: () => send(opts.as || action, opts.extra || {}),
    }, label);
  }

  // rendering ---------------------------------------------------------------------------------

  function render() {
    if (state === null) return renderFree();
    const s = state;
    const acting = s.role;
    root.dataset.phase = s.phase;
    root.dataset.acting = acting;
    phaseEl.textContent = PHASE_LABELS[s.phase] || s.phase;
    positionEl.textContent = s.position && s.position.number
      ? `Question ${s.position.number} of ${s.position.total}` : `${s.position.total} questions`;
    if (s.phase !== "feedback") finishWarned = false;
    renderHalf(s);
    renderPresence(s);
    renderQuestion(s);
    renderSwap(s);
    renderControls(s);
    region(privateEl, acting === "interviewer" ? JSON.stringify([s.phase, s.question, s.upcoming,
      s.checklist]) : "none", () => acting === "interviewer" ? interviewerPane(s) : null);
    const showPrep = acting === "candidate" && ["lobby", "intro"].includes(s.phase);
    region(checklistEl, showPrep ? "prep" : "none",
      () => showPrep ? checklist("Before you start", s.checklist, roomId, "candidate") : null);
    renderFeedback(s);
    reportEl.hidden = !["wrap_up", "feedback", "done"].includes(s.phase);
    tick();
  }

  function renderFree() {
    root.dataset.phase = "free";
    phaseEl.textContent = "Free conversation — no question bank";
    positionEl.textContent = "";
    questionEl.textContent = "Talk freely; use the notes to keep track. The report still " +
      "collects the notes and the letter templates.";
    timerEl.hidden = true;
    halfEl.hidden = presenceEl.hidden = waitingEl.hidden = true;
    for (const el of [swapEl, controlsEl, privateEl, checklistEl, feedbackEl]) {
      el.replaceChildren();
      delete el.dataset.key;
    }
    reportEl.hidden = false;
  }

  function renderQuestion(s) {
    let text;
    if (s.question) text = s.question.text;
    else if (s.prompt) text = s.prompt;
    else if (s.phase === "lobby") {
      text = s.role === "interviewer" ? "When you are both ready, start the interview."
        : "Waiting for the interviewer to start.";
    } else if (s.phase === "intro") {
      text = s.role === "interviewer"
        ? "Introduce yourself and the format, then begin the first question."
        : "Introductions: the interviewer explains the format.";
    } else if (s.phase === "wrap_up") {
      text = s.role === "interviewer"
        ? "Invite the candidate's questions, explain the next steps, then open feedback."
        : "Your turn to ask questions — about the team, the role, the next steps.";
    } else if (s.phase === "feedback") text = "Fill in the feedback form below.";
    else text = "The interview is over. Thank you both!";
    questionEl.textContent = text;
    questionEl.classList.toggle("iv-question-live", !!(s.question || s.prompt));
  }

  function renderHalf(s) {
    const text = halfText(s, nameOf);
    halfEl.hidden = !text;
    halfEl.textContent = text;
  }

  function renderPresence(s) {
    const text = presenceText(s);
    presenceEl.hidden = !text;
    presenceEl.textContent = text;
  }

  function renderSwap(s) {
    const sw = s.swap;
    const isSeat = s.link_role !== "observer";
    const pending = sw.requested_by;
    const who = (r) => Name(r);
    const other = s.link_role === "interviewer" ? "candidate" : "interviewer";
    const key = JSON.stringify([sw, isSeat, s.actions.includes("request_swap"),
      names.get(pending || ""), nameOf(other), s.phase]);
    region(swapEl, key, () => {
      if (!isSeat) {
        return pending ? h("p", { class: "small muted", text: `${who(pending)} asked to swap roles.` }) : null;
      }
      if (pending && pending !== s.link_role) {
        return h("div", { class: "iv-swap-ask", "data-testid": "swap-request" },
          h("p", { text: `${who(pending)} asks to swap roles.` }),
          button("confirm_swap", "Confirm", "confirm-swap", { primary: true, aria: "Confirm the role swap" }),
          " ",
          button("cancel_swap", "Decline", "decline-swap", { aria: "Decline the role swap" }));
      }
      if (pending) {
        return h("p", { class: "small" }, `Waiting for ${nameOf(other)} to confirm the swap… `,
          button("cancel_swap", "Cancel", "cancel-swap", { aria: "Cancel the swap request" }));
      }
      if (sw.suggested) {
        // The half-way mark: the moment to hand over, said to both.
        const next = s.role === "interviewer" ? `${Name(other)} interviews you next` : `you interview ${nameOf(other)} next`;
        return h("div", { class: "iv-swap-ask", "data-testid": "swap-prompt" },
          h("p", { text: `Half way: time to swap roles? ${next.charAt(0).toUpperCase()}${next.slice(1)}.` }),
          button("request_swap", "Swap roles", "swap-roles",
            { primary: true, aria: "Swap roles now: ask your partner to confirm" }));
      }
      if (!sw.allowed) {
        // Mid-question: say why instead of letting the button vanish. After the questions
        // there is nothing to swap for.
        if (!["think", "answer"].includes(s.phase)) return null;
        // Say why instead of letting the button vanish.
        return h("p", { class: "small" },
          h("button", { type: "button", "data-testid": "swap-roles", disabled: true,
            "aria-describedby": "iv-swap-why" }, "Swap roles"),
          " ", h("span", { id: "iv-swap-why", class: "muted", "data-testid": "swap-why",
            text: sw.reason || "" }));
      }
      return h("p", {}, button("request_swap", "Swap roles", "swap-roles",
        { aria: "Swap roles: ask your partner to confirm" }));
    });
  }

  function renderControls(s) {
    if (s.role === "observer") return region(controlsEl, "observer", () => null);
    if (s.role === "candidate") {
      const key = JSON.stringify(["candidate", s.phase, s.actions]);
      return region(controlsEl, key, () => {
        if (!["think", "answer"].includes(s.phase)) return null;
        const label = s.phase === "think" ? "I'm ready to answer" : "I'm done answering";
        return h("div", {}, button("done", label, "candidate-done", { primary: true }));
      });
    }
    const key = JSON.stringify(["interviewer", s.phase, s.actions, s.available,
      s.timer && s.timer.paused, finishWarned, waitingFor(s)]);
    region(controlsEl, key, () => {
      const box = h("div", { class: "iv-buttons" });
      if (s.phase === "lobby") {
        // One click to the first question; introductions first is the other choice.
        box.append(button("start", "Start interview", "start-interview",
          { primary: true, extra: { data: { skip_intro: true } } }));
        box.append(button("start", "Start with introductions", "start-intro"));
      } else if (s.phase === "intro") {
        box.append(button("begin_question", "Begin first question", "start-interview",
          { primary: true }));
      }
      if (!["lobby", "wrap_up", "feedback", "done"].includes(s.phase)) {
        // In the follow-ups the next step *is* the next question: one button, not two.
        if (s.phase === "think" || s.phase === "answer") {
          const nextLabel = s.phase === "think" ? "Start answer" : "Follow-ups";
          box.append(button("next", nextLabel, "next-step",
            { extra: { data: { step: "phase" } }, aria: `${nextLabel}: next step` }));
        }
        box.append(button("next", "Next question", "next-question",
          { extra: { data: { step: "question" } }, primary: s.phase === "follow_ups",
            aria: "Move on to the next question" }));
      }
      if (s.timer) {
        box.append(s.timer.paused
          ? button("resume", "Resume", "pause-timer", { aria: "Resume the timer" })
          : button("pause", "Pause", "pause-timer", { aria: "Pause the timer" }));
      }
      for (const [action, label, testid, , aria] of CONTROLS) {
        const inQuestion = !!s.question && ["repeat", "extend", "skip", "wrap_up"].includes(action);
        if (action === "finish" && allowed("finish") && s.feedback_pending.length) {
          // Never throw a form away unannounced: the first click warns, the second finishes.
          box.append(h("button", { type: "button", "data-testid": testid, disabled: finishWarned,
            onclick: () => { finishWarned = true; render(); } }, label));
        } else if (allowed(action) || inQuestion) {
          box.append(button(action, label, testid, { aria, primary: action === "open_feedback" }));
        }
      }
      const wrap = h("div", { class: "iv-controls-wrap" }, box);
      if (finishWarned && s.feedback_pending.length) {
        wrap.append(h("div", { class: "iv-warning", role: "alert", "data-testid": "finish-warning" },
          h("p", { text: `${waitingFor(s)} If you finish now, the forms stay open: ` +
            "they can still be sent afterwards, and the report updates." }),
          h("button", { type: "button", class: "primary", "data-testid": "finish-anyway",
            onclick: () => { finishWarned = false; send("finish", { data: { force: true } }); } },
          "Finish anyway"), " ",
          h("button", { type: "button", "data-testid": "finish-wait",
            onclick: () => { finishWarned = false; render(); } }, "Keep waiting")));
      }
      if (allowed("pick") && s.available && s.available.length) {
        const select = /** @type {HTMLSelectElement} */ (h("select", {
          "aria-label": "Question to ask next", "data-testid": "pick-select" },
        ...s.available.map((q) => h("option", { value: q.id, text: q.text }))));
        wrap.append(h("details", { class: "iv-pick" }, h("summary", {}, "Ask another question…"),
          h("div", { class: "iv-pick-row" }, select,
            h("button", { type: "button", "data-testid": "pick-question",
              onclick: () => send("pick", { question_id: select.value }) }, "Ask it next"))));
      }
      return wrap;
    });
  }

  function interviewerPane(s) {
    const q = s.question;
    const pane = h("section", { class: "iv-private", "data-testid": "interviewer-pane",
      "aria-label": "Interviewer's notes: only you can see this" },
    h("p", { class: "iv-only-you", text: "Only you can see this" }));
    if (q) {
      pane.append(h("p", { class: "small muted",
        text: `${q.kind} · think ${q.think_seconds} s · answer ${q.answer_seconds} s` }));
      const sections = [["What a good answer has", q.hints, "iv-hints"],
        ["Follow-ups", q.follow_ups, "iv-follow-ups"], ["Rubric", q.rubric, "iv-rubric"]];
      for (const [title, items, cls] of sections) {
        const ul = list(items, cls);
        if (ul) pane.append(h("h3", { text: title }), ul);
      }
    } else if (s.upcoming && s.upcoming.length && ["lobby", "intro"].includes(s.phase)) {
      pane.append(h("h3", { text: "First question" }), h("p", { text: s.upcoming[0].text }));
    }
    if (s.checklist) pane.append(checklist("Recruiter checklist", s.checklist, roomId, "interviewer"));
    return pane;
  }

  const waitingFor = (s) => pendingText(s, nameOf);

  function renderFeedback(s) {
    const text = s.phase === "feedback" || s.phase === "done" ? waitingFor(s) : "";
    waitingEl.hidden = !text;
    waitingEl.textContent = text;
    const specs = s.link_role === "observer" ? [] : (s.forms || []);
    const wanted = new Set();
    for (const spec of specs) {
      const id = `${spec.half}-${spec.form}`;
      wanted.add(id);
      let slot = formSlots.get(id);
      if (!slot) {
        slot = h("div", { class: "iv-form-slot" });
        formSlots.set(id, slot);
        feedbackEl.append(slot);
      }
      region(slot, JSON.stringify([id, spec.submitted && spec.submitted.at]), () => formSection(spec));
    }
    for (const [id, slot] of formSlots) {
      if (!wanted.has(id)) {
        slot.remove();
        formSlots.delete(id);
      }
    }
  }

  /** One form of one half, or what was sent. @param {any} spec */
  function formSection(spec) {
    const rating = spec.form === "rating";
    const about = nameOf(rating ? spec.candidate : spec.interviewer);
    const several = (state.halves || []).length > 1;
    const title = rating ? `Your feedback on ${about}'s answers` : "Your self-assessment";
    const wrap = h("section", { class: "iv-feedback", "aria-label": title,
      "data-testid": `feedback-${spec.form}`, "data-half": spec.half },
    h("h3", { text: several ? `${title} (half ${spec.half})` : title }));
    const key = draftKey(roomId, state.link_role, spec);
    if (spec.submitted) {
      dropDraft(key);
      wrap.append(submittedSummary(spec));
      return wrap;
    }
    const ctx = { about, by: state.link_role, draftKey: key,
      submit: (data) => send("feedback", { data }) };
    wrap.append(rating ? ratingForm(spec, ctx) : selfForm(spec, ctx));
    return wrap;
  }

  // the countdown -----------------------------------------------------------------------------

  function tick() {
    const timer = state ? state.timer : null;
    const left = remainingMs(timer, client.serverNow());
    timerEl.hidden = left == null;
    const text = formatClock(left);
    if (timerEl.textContent !== text) timerEl.textContent = text;
    timerEl.classList.toggle("iv-paused", !!(timer && timer.paused));
    timerEl.classList.toggle("iv-warn", left != null && left <= WARN_MS && left > 0);
    timerEl.classList.toggle("iv-zero", left === 0);
    timerEl.setAttribute("aria-label", timer && timer.paused ? `Paused at ${text}` : `Time left ${text}`);
    const cue = cues.update(timer && !timer.paused ? timer : null, left);
    if (cue === "warn") beeper.beep(660, 0.18);
    else if (cue === "zero") beeper.beep(440, 0.35);
    if (cue) {
      timerEl.classList.remove("iv-cue");
      void timerEl.offsetWidth; // restart the animation
      timerEl.classList.add("iv-cue");
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
      // Interview refusals answer what we just sent; other errors belong to other panes.
      if (Date.now() - lastSentAt < 5000) showError(msg.message);
    }),
    client.on("welcome", () => rememberPeople()),
    client.on("joined", (msg) => {
      names.set(msg.participant.role, msg.participant.name);
      if (state) render();
    }),
    client.on("updated", (msg) => {
      names.set(msg.participant.role, msg.participant.name);
      if (state) render();
    }),
  ];

  return {
    destroy() {
      clearInterval(interval);
      for (const off of offs) off();
      container.replaceChildren();
    },
  };
}
