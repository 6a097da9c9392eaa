// What the scripted room's question card says for a scripted-state: the phase line, the take
// line and the interviewer's caption. Text only (scripted-page.js puts it on the page).

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

/** @param {ScriptedState} state @param {boolean} resuming the page asked to go on by itself */
export function phaseLine(state, resuming) {
  const phase = state.phase;
  // No timer while the interviewer is still speaking: say so instead of a frozen 0:00.
  const listening = !state.timer && ["intro", "think", "wrap_up"].includes(phase);
  return phase === "waiting" && !state.consented
    ? "Read how your answers are recorded, then accept to begin."
    : phase === "waiting" && resuming ? "Picking up where you were…"
      : phase === "waiting" && state.resume ? "Press Resume to continue where you left off."
      : listening && phase === "think" && state.follow_up
        ? "A follow-up question: answer as soon as it has been asked."
      : listening && phase === "think" ? "Listen to the question; think time starts when it ends."
        : state.practice && phase === "answer" ? "Answer now: this one is not recorded."
          : PHASE_TEXT[phase] || phase;
}

/** "Question 2 of 5 · take 1 (2 retakes left)"; "" for a practice question or none.
 * @param {ScriptedState} state */
export function takeLine(state) {
  const q = state.question;
  if (!q || state.practice) return "";
  const left = state.retakes_left;
  return `Question ${q.index + 1} of ${q.count} · ${state.follow_up ? "follow-up, " : ""}` +
    `take ${state.take}` + (left > 0 ? ` (${left} retake${left > 1 ? "s" : ""} left)` : "");
}

/** The caption of what the interviewer says, unless it is the question the card shows.
 * @param {ScriptedState} state */
export function saidLine(state) {
  return state.said && state.said !== state.question?.text ? `“${state.said}”` : "";
}
