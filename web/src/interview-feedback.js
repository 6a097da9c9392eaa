// The feedback forms of the interview's feedback phase: the interviewer scores each asked
// question against its rubric; the candidate rates themselves. Builds DOM, reads it back into the
// `feedback` data the server checks (interview_state.checked_feedback).

import { h, radioValue, scoreGroup } from "./interview-dom.js";

const ADVANCE = [["yes", "Yes"], ["maybe", "Maybe"], ["no", "Not yet"]];

/** @param {string} s */
const slug = (s) => s.replace(/[^a-z0-9_-]/gi, "_");

/**
 * The acting interviewer's form. @param {any[]} asked state.asked (with id, text, rubric)
 * @param {(data: any) => void} submit
 */
export function interviewerForm(asked, submit) {
  const form = h("form", { class: "iv-form", "data-testid": "feedback-form",
    "aria-label": "Feedback on the candidate" });
  form.append(h("p", { class: "muted small",
    text: "Score each rubric item from 1 (not yet) to 4 (strong). Leave an item blank if it " +
      "did not come up. The candidate and any observer will read this in the report." }));
  for (const q of asked) {
    const box = h("fieldset", { class: "iv-form-question", "data-question-id": q.id },
      h("legend", { text: `Question ${q.number}: ${q.text}${q.skipped ? " (skipped)" : ""}` }));
    (q.rubric || []).forEach((item, i) => {
      const name = `score-${slug(q.id)}-${i}`;
      box.append(h("div", { class: "iv-form-item" },
        scoreGroup(name, item),
        h("input", { type: "text", name: `${name}-comment`, maxlength: 4000,
          placeholder: "Comment (optional)", "aria-label": `Comment on: ${item}` })));
    });
    form.append(box);
  }
  form.append(h("fieldset", { class: "iv-advance", role: "radiogroup" },
    h("legend", { text: "Would you advance this candidate?" }),
    ...ADVANCE.map(([value, label]) => h("label", { class: "choice-inline" },
      h("input", { type: "radio", name: "would_advance", value, required: true }), ` ${label}`))));
  form.append(h("label", { class: "field" }, "Overall comment",
    h("textarea", { name: "comment", rows: 3, maxlength: 4000 })));
  const problem = h("p", { class: "form-error", role: "alert", hidden: true });
  form.append(problem, h("button", { type: "submit", class: "primary",
    "data-testid": "submit-feedback" }, "Submit feedback"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const advance = radioValue(form, "would_advance");
    if (!advance) {
      problem.hidden = false;
      problem.textContent = "Choose whether you would advance this candidate.";
      return;
    }
    problem.hidden = true;
    /** @type {Record<string, any[]>} */
    const scores = {};
    for (const q of asked) {
      scores[q.id] = (q.rubric || []).map((_, i) => {
        const name = `score-${slug(q.id)}-${i}`;
        const score = radioValue(form, name);
        const comment = /** @type {HTMLInputElement} */ (
          form.querySelector(`[name="${name}-comment"]`)).value.trim();
        return score ? { score: Number(score), comment } : null;
      });
    }
    const comment = /** @type {HTMLTextAreaElement} */ (form.querySelector("[name=comment]")).value;
    submit({ would_advance: advance, comment: comment.trim(), scores });
  });
  return form;
}

/** The candidate's form. @param {any[]} asked @param {(data: any) => void} submit */
export function candidateForm(asked, submit) {
  const form = h("form", { class: "iv-form", "data-testid": "feedback-form",
    "aria-label": "Your self-assessment" });
  form.append(h("p", { class: "muted small",
    text: "Rate how each answer went, 1 (not yet) to 4 (strong), then note what to keep and " +
      "what to change. Honest notes make the next session better." }));
  for (const q of asked) {
    form.append(scoreGroup(`self-${slug(q.id)}`, `Question ${q.number}: ${q.text}`));
  }
  form.append(h("label", { class: "field" }, "What went well",
    h("textarea", { name: "went_well", rows: 3, maxlength: 4000 })));
  form.append(h("label", { class: "field" }, "What I'd improve",
    h("textarea", { name: "to_improve", rows: 3, maxlength: 4000 })));
  form.append(h("button", { type: "submit", class: "primary", "data-testid": "submit-feedback" },
    "Submit self-assessment"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    /** @type {Record<string, number|null>} */
    const selfScores = {};
    for (const q of asked) {
      const v = radioValue(form, `self-${slug(q.id)}`);
      selfScores[q.id] = v ? Number(v) : null;
    }
    const text = (name) => /** @type {HTMLTextAreaElement} */ (
      form.querySelector(`[name=${name}]`)).value.trim();
    submit({ self_scores: selfScores, went_well: text("went_well"), to_improve: text("to_improve") });
  });
  return form;
}

/** What was submitted, read back from the state (so a reload shows it too). */
export function submittedSummary(role, feedback, asked) {
  const box = h("div", { class: "iv-submitted", "data-testid": "feedback-saved" },
    h("p", { class: "iv-thanks", role: "status", text: "Thanks — saved." }));
  const byId = new Map((asked || []).map((q) => [q.id, q]));
  if (role === "interviewer") {
    box.append(h("p", { text: `Would advance: ${feedback.would_advance}` }));
    for (const [qid, marks] of Object.entries(feedback.scores || {})) {
      const q = byId.get(qid);
      const given = /** @type {any[]} */ (marks).filter(Boolean).map((m) => m.score);
      if (given.length) {
        box.append(h("p", { class: "small", text: `Question ${q ? q.number : qid}: ${given.join(", ")}` }));
      }
    }
  } else {
    for (const [qid, score] of Object.entries(feedback.self_scores || {})) {
      const q = byId.get(qid);
      box.append(h("p", { class: "small", text: `Question ${q ? q.number : qid}: ${score}/4` }));
    }
  }
  return box;
}
