// The feedback forms of a half (docs/protocol.md, "forms" of the interview state): the half's
// interviewer rates the other person's answers against the rubric; the half's candidate rates
// their own answers. Builds DOM, reads it back into the `feedback` data the server checks
// (interview_forms.checked_feedback), and keeps a draft in localStorage per room, link and half,
// so a reload, a crash or an early "Finish" never loses what someone typed.

import { h } from "./dom.js";
import { radioValue, scoreGroup } from "./interview-dom.js";
import { roomLocal } from "./storage.js";

const ADVANCE = [["yes", "Yes"], ["maybe", "Maybe"], ["no", "Not yet"]];

/** @param {string} s */
const slug = (s) => s.replace(/[^a-z0-9_-]/gi, "_");

/**
 * @typedef {{half: number, form: "rating"|"self", interviewer: string, candidate: string,
 *   questions: any[], submitted: any}} FormSpec
 * @typedef {{about: string, by: string, draftKey: string,
 *   submit: (data: any) => void}} FormContext
 */

/** Where this form's draft lives. @param {string} roomId @param {string} link @param {FormSpec} spec */
export function draftKey(roomId, link, spec) {
  return `${roomId}.${link}.${spec.half}.${spec.form}`;
}

/** @param {HTMLFormElement} form @param {string} key */
function keepDraft(form, key) {
  const saved = roomLocal.draft(key);
  for (const [name, value] of Object.entries(saved)) {
    for (const el of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
      const input = /** @type {HTMLInputElement} */ (el);
      if (input.type === "radio") input.checked = input.value === value;
      else input.value = String(value);
    }
  }
  const save = () => {
    /** @type {Record<string, string>} */
    const draft = {};
    for (const el of form.querySelectorAll("input[name], textarea[name]")) {
      const input = /** @type {HTMLInputElement} */ (el);
      if (input.type === "radio") {
        if (input.checked) draft[input.name] = input.value;
      } else if (input.value) draft[input.name] = input.value;
    }
    roomLocal.saveDraft(key, draft);
  };
  form.addEventListener("input", save);
  form.addEventListener("change", save);
}

/** Forget a draft once the server has the form. @param {string} key */
export function dropDraft(key) {
  roomLocal.saveDraft(key, null);
}

/** The rating of the other person's answers. @param {FormSpec} spec @param {FormContext} ctx */
export function ratingForm(spec, ctx) {
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "iv-form",
    "data-testid": "feedback-form", "data-form": "rating", "data-half": spec.half,
    "aria-label": `Your feedback on ${ctx.about}'s answers` }));
  form.append(h("p", { class: "muted small",
    text: `Score each rubric item from 1 (not yet) to 4 (strong). Leave an item blank if it ` +
      `did not come up. ${ctx.about} reads this once they have sent their own self-assessment.` }));
  for (const q of spec.questions) {
    const box = h("fieldset", { class: "iv-form-question", "data-question-id": q.id },
      h("legend", { text: `Question ${q.number}: ${q.text}${q.skipped ? " (skipped)" : ""}` }));
    (q.rubric || []).forEach((/** @type {string} */ item, /** @type {number} */ i) => {
      const name = `score-${slug(q.id)}-${i}`;
      box.append(h("div", { class: "iv-form-item" },
        scoreGroup(name, item),
        h("input", { type: "text", name: `${name}-comment`, maxlength: 4000,
          placeholder: "Comment (optional)", "aria-label": `Comment on: ${item}` })));
    });
    form.append(box);
  }
  form.append(h("fieldset", { class: "iv-advance", role: "radiogroup" },
    h("legend", { text: `Would you advance ${ctx.about}?` }),
    ...ADVANCE.map(([value, label]) => h("label", { class: "choice-inline" },
      h("input", { type: "radio", name: "would_advance", value, required: true }), ` ${label}`))));
  form.append(h("label", { class: "field" }, "Overall comment",
    h("textarea", { name: "comment", rows: 3, maxlength: 4000 })));
  const problem = h("p", { class: "form-error", role: "alert", hidden: true });
  form.append(problem, h("button", { type: "submit", class: "primary",
    "data-testid": "submit-feedback" }, `Send feedback to ${ctx.about}`));
  keepDraft(form, ctx.draftKey);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const advance = radioValue(form, "would_advance");
    if (!advance) {
      problem.hidden = false;
      problem.textContent = `Choose whether you would advance ${ctx.about}.`;
      return;
    }
    problem.hidden = true;
    /** @type {Record<string, any[]>} */
    const scores = {};
    for (const q of spec.questions) {
      scores[q.id] = (q.rubric || []).map((/** @type {string} */ _, /** @type {number} */ i) => {
        const name = `score-${slug(q.id)}-${i}`;
        const score = radioValue(form, name);
        const comment = /** @type {HTMLInputElement} */ (
          form.querySelector(`[name="${name}-comment"]`)).value.trim();
        return score ? { score: Number(score), comment } : null;
      });
    }
    const comment = /** @type {HTMLTextAreaElement} */ (form.querySelector("[name=comment]")).value;
    ctx.submit({ half: spec.half, would_advance: advance, comment: comment.trim(), scores });
  });
  return form;
}

/** The self-assessment of one's own answers. @param {FormSpec} spec @param {FormContext} ctx */
export function selfForm(spec, ctx) {
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "iv-form",
    "data-testid": "feedback-form", "data-form": "self", "data-half": spec.half,
    "aria-label": "Your self-assessment" }));
  form.append(h("p", { class: "muted small",
    text: "Rate how each of your answers went, 1 (not yet) to 4 (strong), then note what to " +
      `keep and what to change. You see ${ctx.about}'s marks once you have sent this.` }));
  for (const q of spec.questions) {
    form.append(scoreGroup(`self-${slug(q.id)}`, `Question ${q.number}: ${q.text}`));
  }
  form.append(h("label", { class: "field" }, "What went well",
    h("textarea", { name: "went_well", rows: 3, maxlength: 4000 })));
  form.append(h("label", { class: "field" }, "What I'd improve",
    h("textarea", { name: "to_improve", rows: 3, maxlength: 4000 })));
  form.append(h("button", { type: "submit", class: "primary", "data-testid": "submit-feedback" },
    "Send self-assessment"));
  keepDraft(form, ctx.draftKey);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    /** @type {Record<string, number|null>} */
    const selfScores = {};
    for (const q of spec.questions) {
      const v = radioValue(form, `self-${slug(q.id)}`);
      selfScores[q.id] = v ? Number(v) : null;
    }
    const text = (/** @type {string} */ name) => /** @type {HTMLTextAreaElement} */ (
      form.querySelector(`[name=${name}]`)).value.trim();
    ctx.submit({ half: spec.half, self_scores: selfScores, went_well: text("went_well"),
      to_improve: text("to_improve") });
  });
  return form;
}

/** What was sent, read back from the state (so a reload shows it too). @param {FormSpec} spec */
export function submittedSummary(spec) {
  const feedback = spec.submitted;
  const box = h("div", { class: "iv-submitted", "data-testid": "feedback-saved",
    "data-half": spec.half },
  h("p", { class: "iv-thanks", role: "status", text: "Thanks — saved." }));
  const byId = new Map((spec.questions || []).map((q) => [q.id, q]));
  if (spec.form === "rating") {
    const advance = ADVANCE.find(([value]) => value === feedback.would_advance);
    box.append(h("p", { text: `Would advance: ${advance ? advance[1] : feedback.would_advance}` }));
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
