// Who is who in the interview pane, in words: names by link role, the half being run, why the
// countdown is held, whose feedback is still missing. Pure: state in, text out (no DOM).
// People are named, never called by the link they opened; the acting role flips with a swap.

/** @typedef {import("./wire.js").InterviewView} InterviewView */

/**
 * A person's name by link role: "you" for oneself, else their name, else "your partner".
 * @param {InterviewView|null|undefined} state the interview state @param {Map<string, string>} known names from the roster
 * @param {string} link
 */
export function nameOf(state, known, link) {
  if (state && link === state.link_role) return "you";
  const person = state && state.people && state.people[link];
  return (person && person.name) || known.get(link) || "your partner";
}

/** @param {string} text */
export const capitalised = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/** "Half 2: Ben interviews you", or "" while the session has one half. @param {InterviewView} s
 * @param {(link: string) => string} name */
export function halfText(s, name) {
  if (!s.swap.swapped && (s.halves || []).length <= 1) return "";
  const verb = s.half.interviewer === s.link_role ? "interview" : "interviews";
  return `Half ${s.half.number}: ${capitalised(name(s.half.interviewer))} ${verb} ` +
    name(s.half.candidate);
}

/** "Paused: Ben left…" while the acting candidate is away and their countdown held. @param {InterviewView} s */
export function presenceText(s) {
  // Who left or is reconnecting is the room's presence note (presence-note.js); the pane only
  // says why the countdown is held.
  const lines = [];
  for (const link of ["candidate", "interviewer"]) {
    const person = s.people && s.people[link];
    if (!person || link === s.link_role) continue;
    const name = person.name || "Your partner";
    const actingCandidate = (s.swap.swapped ? "interviewer" : "candidate") === link;
    if (person.away && actingCandidate && s.timer && s.timer.held) {
      lines.push(`Paused: ${name} left. The countdown goes on when they are back.`);
    }
  }
  return lines.join(" ");
}

/** "Waiting for Ben's self-assessment (half 1)." from state.feedback_pending. @param {InterviewView} s
 * @param {(link: string) => string} name */
export function pendingText(s, name) {
  const items = (s.feedback_pending || []).filter((p) => p.link_role !== s.link_role)
    .map((p) => `${name(p.link_role)}'s ${p.form === "self" ? "self-assessment" : "feedback"}` +
      ((s.halves || []).length > 1 ? ` (half ${p.half})` : ""));
  return items.length ? `Waiting for ${items.join(" and ")}.` : "";
}
