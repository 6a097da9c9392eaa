// The interview pane's feedback region: one slot per form this link fills (a rating for the
// half it interviewed, a self-assessment for the half it answered), each rebuilt only when its
// form is sent, so a broadcast never wipes what someone is typing. The forms themselves, and
// their drafts, are interview-feedback.js's.

import { h } from "./dom.js";
import { region } from "./interview-dom.js";
import { draftKey, dropDraft, ratingForm, selfForm, submittedSummary } from "./interview-feedback.js";

/** @typedef {import("./wire.js").InterviewView} InterviewView */
/** @typedef {import("./wire.js").FormSpec} FormSpec */

export class FeedbackForms {
  /**
   * @param {HTMLElement} container the region's slot
   * @param {{roomId: string, nameOf: (link: string) => string,
   *   send: (action: string, extra?: Record<string, unknown>) => void}} ctx
   */
  constructor(container, ctx) {
    this.container = container;
    this.ctx = ctx;
    /** @type {Map<string, HTMLElement>} one slot per form, "half-form" */
    this.slots = new Map();
  }

  /** @param {InterviewView} s */
  render(s) {
    const specs = s.link_role === "observer" ? [] : (s.forms || []);
    const wanted = new Set();
    for (const spec of specs) {
      const id = `${spec.half}-${spec.form}`;
      wanted.add(id);
      let slot = this.slots.get(id);
      if (!slot) {
        slot = h("div", { class: "iv-form-slot" });
        this.slots.set(id, slot);
        this.container.append(slot);
      }
      region(slot, JSON.stringify([id, spec.submitted && spec.submitted.at]),
        () => this.section(s, spec));
    }
    for (const [id, slot] of this.slots) {
      if (!wanted.has(id)) {
        slot.remove();
        this.slots.delete(id);
      }
    }
  }

  /** Forgets every slot (a room without a bank shows none). */
  clear() {
    this.container.replaceChildren();
    this.slots.clear();
  }

  /** One form of one half, or what was sent. @param {InterviewView} s @param {FormSpec} spec */
  section(s, spec) {
    const rating = spec.form === "rating";
    const about = this.ctx.nameOf(rating ? spec.candidate : spec.interviewer);
    const several = (s.halves || []).length > 1;
    const title = rating ? `Your feedback on ${about}'s answers` : "Your self-assessment";
    const wrap = h("section", { class: "iv-feedback", "aria-label": title,
      "data-testid": `feedback-${spec.form}`, "data-half": spec.half },
    h("h3", { text: several ? `${title} (half ${spec.half})` : title }));
    const key = draftKey(this.ctx.roomId, s.link_role, spec);
    if (spec.submitted) {
      dropDraft(key);
      wrap.append(submittedSummary(spec));
      return wrap;
    }
    const form = { about, by: s.link_role, draftKey: key,
      submit: (/** @type {Record<string, unknown>} */ data) => this.ctx.send("feedback", { data }) };
    wrap.append(rating ? ratingForm(spec, form) : selfForm(spec, form));
    return wrap;
  }
}
