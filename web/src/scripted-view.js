// What the scripted-interviewer page shows (scripted-page.js runs it): its elements, which view
// is up (device check, live, finished, replaced), the status line and notices, and the server's
// scripted-state put on the question card and the controls. No socket and no media here: the
// page decides, this module only draws. A closure, not a class: the page's first bundle is all
// loaded before Join, and local names minify to a letter where `this.ui.` would not.

import { phaseLine, saidLine, takeLine } from "./scripted-card.js";
import { formatClock, remainingMs } from "./timer.js";

/** @typedef {import("./wire.js").ScriptedState} ScriptedState */

/** @param {HTMLElement} root the page's #scripted element */
export function scriptedView(root) {
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

  /** @param {"check"|"live"|"finished"|"replaced"} view */
  function show(view) {
    root.dataset.view = view;
    sections.check.hidden = view !== "check";
    sections.stage.hidden = view !== "live";
    sections.controls.hidden = view !== "live";
    sections.finished.hidden = view !== "finished";
    if (view !== "live") ui.consent.hidden = true;
  }

  return {
    ui,
    byTestId,
    byData,
    show,

    /** @param {string} text */
    say(text) {
      ui.status.textContent = text;
    },

    /** A message that needs the person (another tab took over, the room closed).
     * @param {string|null} text @param {{label: string, onclick: () => void}} [action] */
    notice(text, action) {
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
    },

    /** The end of the session: the finished view, with the link to its review.
     * @param {string} reviewHref */
    showFinished(reviewHref) {
      show("finished");
      ui.reviewLink.href = reviewHref;
      byData("finished")?.querySelector("h2")?.focus();
    },

    /** The server's state on the card and the controls.
     * @param {ScriptedState} state
     * @param {{resuming: boolean, finished: boolean}} page resuming: the page goes on by
     *   itself after an outage (scripted-outage.js); finished: the page ended the session */
    render(state, { resuming, finished }) {
      const phase = state.phase;
      const q = state.question;
      ui.phase.textContent = phaseLine(state, resuming);
      ui.practice.hidden = !(state.practice && q);
      ui.question.textContent = q ? q.text : "";
      ui.take.textContent = takeLine(state);
      ui.said.textContent = saidLine(state);
      ui.consent.hidden = !!state.consented || phase === "done" || finished;
      ui.start.hidden = !(phase === "waiting" && state.consented) || resuming;
      ui.start.textContent = state.resume ? "Resume" : "Start";
      ui.done.textContent = phase === "think"
        ? (state.practice ? "Start answering" : "Start recording")
        : "Done";
      /** @type {Record<string, boolean>} */
      const shown = {
        done: phase === "think" || phase === "answer",
        repeat: phase === "think",
        retake: phase === "after_answer" && state.retakes_left > 0,
        next: phase === "after_answer",
        stop: !["waiting", "wrap_up", "done"].includes(phase),
      };
      for (const button of ui.actions) button.hidden = !shown[button.dataset.action];
      const last = q && !state.practice && q.index + 1 >= q.count;
      ui.next.textContent = last ? "Finish" : "Next question";
      ui.rec.hidden = !state.recording;
    },

    /** The phase timer on the server's clock; 0:00 with no timer or no connection yet.
     * @param {ScriptedState["timer"]|undefined} timer
     * @param {{serverNow: () => number}|null} clock */
    showTimer(timer, clock) {
      if (!timer || !clock) {
        ui.timer.textContent = "0:00";
        return;
      }
      ui.timer.textContent = formatClock(remainingMs(timer, clock.serverNow()));
      ui.timer.dataset.phase = timer.phase;
    },
  };
}
