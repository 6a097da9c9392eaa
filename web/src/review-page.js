// The review page: the server renders clips, figures, ratings and comments (it works without
// script); this module saves self-ratings, adds reviewer comments and deletes recordings.

import "./delete-room.js";
import "./links-mount.js"; // the owner's "Links and invites" (ui)

const root = /** @type {HTMLElement} */ (document.getElementById("review"));
const roomId = root.dataset.roomId || "";
const token = new URLSearchParams(location.search).get("token") ||
  new URLSearchParams(location.hash.slice(1)).get("token") || "";
const api = `/api/rooms/${encodeURIComponent(roomId)}`;
const statusLine = /** @type {HTMLElement} */ (root.querySelector("[data-review-status]"));

function say(text) {
  statusLine.textContent = text;
}

async function call(method, path, body) {
  const response = await fetch(api + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error((data && data.message) || `HTTP ${response.status}`);
  return data;
}

/** A result shown beside the control it is about (the header may be far off-screen). */
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
  const place = fieldset.querySelector("[data-rating-status]");
  sayAt(place, "Saving…");
  try {
    await call("PUT", "/review/ratings", {
      question_id: section.dataset.questionId,
      item: Number(fieldset.dataset.item),
      rating: Number(input.value),
    });
    sayAt(place, "Rating saved ✓");
  } catch (error) {
    sayAt(place, `Could not save the rating: ${error.message}`, true);
  }
});

// Reviewer comments.
for (const form of root.querySelectorAll("[data-comment-form]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const section = /** @type {HTMLElement} */ (form.closest("[data-question-id]"));
    const area = /** @type {HTMLTextAreaElement} */ (form.querySelector("textarea"));
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
      sayAt(form.querySelector("[data-comment-status]"), "Comment added ✓");
    } catch (error) {
      sayAt(form.querySelector("[data-comment-status]"),
        `Could not add the comment: ${error.message}`, true);
    }
  });
}

// Deleting every recording of the room (candidate only).
root.querySelector("[data-delete-recordings]")?.addEventListener("click", async () => {
  if (!confirm("Delete every recording of this room from the server? This cannot be undone.")) {
    return;
  }
  try {
    const result = await call("DELETE", "/clips");
    say(`Deleted ${result.deleted} recording${result.deleted === 1 ? "" : "s"}.`);
    for (const take of root.querySelectorAll(".take")) take.remove();
  } catch (error) {
    say(`Could not delete the recordings: ${error.message}`);
  }
});
