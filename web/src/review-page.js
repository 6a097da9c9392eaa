// The review page: the server renders clips, figures, ratings and comments (it works without
// script); this module saves self-ratings, adds reviewer comments and deletes recordings.

import "./delete-room.js";
import "./links-mount.js"; // the owner's "Links and invites" (ui)

import { messageOf, takeToken, request } from "./api.js";

const root = /** @type {HTMLElement} */ (document.getElementById("review"));
const roomId = root.dataset.roomId || "";
const token = takeToken();
const api = `/api/rooms/${encodeURIComponent(roomId)}`;
const statusLine = /** @type {HTMLElement} */ (root.querySelector("[data-review-status]"));
// Words and figures seek their take's player; transcript search. Loaded only where a take has a
// transcript or figures to seek (most review pages have none yet): the page works without it.
if (root.querySelector("[data-seek], [data-word]")) {
  import("./transcript-view.js").then(({ mountTranscripts }) => mountTranscripts(root));
}

/** @param {string} text */
function say(text) {
  statusLine.textContent = text;
}

/** @param {string} method @param {string} path @param {unknown} [json] */
function call(method, path, json) {
  return request(api + path, { method, token, json });
}

/** A result shown beside the control it is about (the header may be far off-screen).
 * @param {HTMLElement|null} place @param {string} text @param {boolean} [failed] */
function sayAt(place, text, failed = false) {
  if (!place) return say(text);
  place.textContent = text;
  place.dataset.state = failed ? "error" : "ok";
}

// Self-ratings: one radio group per rubric item, saved as soon as it changes.
root.addEventListener("change", async (event) => {
  const input = /** @type {HTMLInputElement} */ (event.target);
  if (!input.matches("[data-rating]")) return;
  const section = /** @type {HTMLElement} */ (input.closest("[data-question-id]"));
  const fieldset = /** @type {HTMLElement} */ (input.closest("[data-item]"));
  const place = /** @type {HTMLElement|null} */ (fieldset.querySelector("[data-rating-status]"));
  sayAt(place, "Saving…");
  try {
    await call("PUT", "/review/ratings", {
      question_id: section.dataset.questionId,
      item: Number(fieldset.dataset.item),
      rating: Number(input.value),
    });
    sayAt(place, "Rating saved ✓");
  } catch (error) {
    sayAt(place, `Could not save the rating: ${messageOf(error)}`, true);
  }
});

// Reviewer comments.
for (const form of root.querySelectorAll("[data-comment-form]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const section = /** @type {HTMLElement} */ (form.closest("[data-question-id]"));
    const area = /** @type {HTMLTextAreaElement} */ (form.querySelector("textarea"));
    const commentStatus = /** @type {HTMLElement|null} */ (form.querySelector("[data-comment-status]"));
    try {
      const comment = await call("POST", "/review/comments", {
        question_id: section.dataset.questionId, text: area.value,
      });
      const item = document.createElement("li");
      const who = document.createElement("span");
      who.className = "muted";
      who.textContent = `${comment.author}: `;
      item.append(who, comment.text);
      section.querySelector("[data-comments]")?.append(item);
      section.querySelector("[data-no-comments]")?.remove();
      area.value = "";
      sayAt(commentStatus, "Comment added ✓");
    } catch (error) {
      sayAt(commentStatus,
        `Could not add the comment: ${messageOf(error)}`, true);
    }
  });
}

// Deleting the reader's recordings: a scripted room's candidate, each seat of a peer room its own.
root.querySelector("[data-delete-recordings]")?.addEventListener("click", async () => {
  if (!confirm("Delete your recordings in this room from the server? This cannot be undone.")) {
    return;
  }
  try {
    const result = await call("DELETE", "/clips");
    say(`Deleted ${result.deleted} recording${result.deleted === 1 ? "" : "s"}.`);
    for (const take of root.querySelectorAll(".take[data-owned]")) take.remove();
  } catch (error) {
    say(`Could not delete the recordings: ${messageOf(error)}`);
  }
});
