// What the interview pane says, by phase and acting role: the phase label, the line under it
// when no question is shown, and the interviewer's private material for the current question.

import { h } from "./dom.js";
import { checklist, list } from "./interview-dom.js";

/** @typedef {import("./wire.js").InterviewView} InterviewView */

/** @type {Record<string, string>} */
export const PHASE_LABELS = {
  lobby: "Waiting to start", intro: "Introductions", think: "Think time", answer: "Answer time",
  follow_ups: "Follow-up questions", wrap_up: "Wrap-up", feedback: "Feedback", done: "Finished",
};

/** The question, the phone-realism prompt, or what this phase asks of this person.
 * @param {InterviewView} s */
export function questionText(s) {
  if (s.question) return s.question.text;
  if (s.prompt) return s.prompt;
  const interviewing = s.role === "interviewer";
  if (s.phase === "lobby") {
    return interviewing ? "When you are both ready, start the interview."
      : "Waiting for the interviewer to start.";
  }
  if (s.phase === "intro") {
    return interviewing ? "Introduce yourself and the format, then begin the first question."
      : "Introductions: the interviewer explains the format.";
  }
  if (s.phase === "wrap_up") {
    return interviewing
      ? "Invite the candidate's questions, explain the next steps, then open feedback."
      : "Your turn to ask questions — about the team, the role, the next steps.";
  }
  if (s.phase === "feedback") return "Fill in the feedback form below.";
  return "The interview is over. Thank you both!";
}

/** "Question 2 of 5", or the count before the first. @param {InterviewView} s */
export function positionText(s) {
  return s.position && s.position.number
    ? `Question ${s.position.number} of ${s.position.total}` : `${s.position.total} questions`;
}

/**
 * The acting interviewer's private material: the current question's hints, follow-ups and
 * rubric (or the first question before it starts) and the recruiter checklist.
 * @param {InterviewView} s @param {string} roomId
 */
export function interviewerPane(s, roomId) {
  const q = s.question;
  const pane = h("section", { class: "iv-private", "data-testid": "interviewer-pane",
    "aria-label": "Interviewer's notes: only you can see this" },
  h("p", { class: "iv-only-you", text: "Only you can see this" }));
  if (q) {
    pane.append(h("p", { class: "small muted",
      text: `${q.kind} · think ${q.think_seconds} s · answer ${q.answer_seconds} s` }));
    /** @type {[string, string[]|undefined, string][]} */
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
