// "Your answers" on the scripted page: one row per take with its upload progress, rebuilt from
// the server's clip list after a reload, so a take the reload cut off is shown as interrupted.

import { progressText } from "./clip-progress.js";

/** @typedef {import("./recorder.js").ClipProgress} ClipProgress type only: no code loaded */

export class AnswerList {
  /** @param {HTMLOListElement} list @param {HTMLElement} section shown once it has a row */
  constructor(list, section) {
    this.list = list;
    this.section = section;
    /** @type {string[]} question ids in the order they were first answered */
    this.order = [];
  }

  /** @param {string} questionId @param {number} take @param {number} [index] 0-based */
  row(questionId, take, index) {
    let row = /** @type {HTMLLIElement|null} */ (this.list.querySelector(
      `[data-question-id="${CSS.escape(questionId)}"][data-take="${take}"]`));
    if (!this.order.includes(questionId)) this.order.push(questionId);
    if (!row) {
      row = document.createElement("li");
      row.dataset.questionId = questionId;
      row.dataset.take = String(take);
      const label = document.createElement("span");
      label.className = "label";
      const progress = document.createElement("span");
      progress.className = "progress";
      row.append(label, progress);
      this.list.append(row);
    }
    const n = index === undefined ? this.order.indexOf(questionId) : index;
    /** @type {HTMLElement} */ (row.querySelector(".label")).textContent =
      `Question ${n + 1}, take ${take}: `;
    this.section.hidden = false;
    return row;
  }

  /** @param {HTMLLIElement} row @param {string} state @param {string} text */
  show(row, state, text) {
    row.dataset.state = state;
    /** @type {HTMLElement} */ (row.querySelector(".progress")).textContent = text;
  }

  /** @param {HTMLLIElement} row @param {ClipProgress} progress */
  progress(row, progress) {
    if (progress.clipId) row.dataset.clipId = progress.clipId;
    this.show(row, progress.state, progressText(progress));
  }

  /**
   * Rows for the clips the server holds (after a reload the page starts empty).
   * @param {any[]} clips GET /api/rooms/{id}/clips
   * @param {{question_id: string, take: number, interrupted: boolean}|null} resume
   */
  load(clips, resume) {
    for (const clip of clips) {
      const row = this.row(clip.question_id, clip.take);
      if (row.dataset.state === "recording" || row.dataset.state === "uploading") continue;
      row.dataset.clipId = clip.clip_id;
      if (clip.finished) {
        const seconds = clip.duration_ms ? ` (${(clip.duration_ms / 1000).toFixed(1)} s)` : "";
        this.show(row, "saved", `Saved ✓${seconds}`);
      } else if (resume && resume.interrupted && resume.question_id === clip.question_id &&
        resume.take === clip.take) {
        this.show(row, "interrupted",
          "Interrupted by the reload: not saved. You will record this take again.");
      } else {
        this.show(row, "interrupted", "Interrupted: the recording stopped before the end.");
      }
    }
  }
}
