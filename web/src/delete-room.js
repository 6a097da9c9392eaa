// "Delete this room": the room's owner (the interviewer; the candidate of a scripted room) deletes
// it now with DELETE /api/rooms/{id}, after a confirmation in the page. Importing this module
// mounts the control on every [data-delete-room] element the template rendered (only for the
// owner); the element's data-retention says how long the server keeps rooms otherwise.

import { messageOf, takeToken, request } from "./api.js";
import { h } from "./dom.js";

/**
 * @param {HTMLElement} container
 * @param {{roomId: string, token: string}} ctx
 */
export function mountDeleteRoom(container, { roomId, token }) {
  const retention = container.dataset.retention || "";
  const open =
    h("button", { type: "button", class: "danger", "data-testid": "delete-room" }, "Delete this room");
  const confirmButton = h("button",
    { type: "button", class: "danger", "data-testid": "confirm-delete-room" }, "Delete everything");
  const cancel =
    h("button", { type: "button", "data-testid": "cancel-delete-room" }, "Keep the room");
  const question = h("p", { id: `delete-room-question-${roomId}` },
    h("strong", {}, "Delete this room for everyone? "),
    "Its notes, recordings, report and links are deleted from the server now, and everyone in it " +
    "is disconnected. This cannot be undone.");
  const confirmBox = h("div", {
    class: "delete-room-confirm", role: "alertdialog", "aria-labelledby": question.id, hidden: "",
  }, question, h("p", {}, confirmButton, " ", cancel));
  const status = h("p", { class: "small", role: "status", "aria-live": "polite" });
  container.classList.add("delete-room");
  container.replaceChildren(
    h("p", { class: "muted small" }, retention), h("p", {}, open), confirmBox, status);

  open.addEventListener("click", () => {
    confirmBox.hidden = false;
    open.hidden = true;
    cancel.focus();
  });
  cancel.addEventListener("click", () => {
    confirmBox.hidden = true;
    open.hidden = false;
    open.focus();
  });
  confirmButton.addEventListener("click", async () => {
    confirmButton.disabled = cancel.disabled = true;
    status.textContent = "Deleting…";
    try {
      await request(`/api/rooms/${encodeURIComponent(roomId)}`, { method: "DELETE", token });
      showDeleted();
    } catch (err) {
      status.textContent = `Could not delete the room: ${messageOf(err)}`;
      confirmButton.disabled = cancel.disabled = false;
    }
  });
}

/** The page's own content is gone with the room: camera and microphone off, one message left. */
function showDeleted() {
  for (const media of document.querySelectorAll("video, audio")) {
    const stream = /** @type {HTMLMediaElement} */ (media).srcObject;
    if (stream instanceof MediaStream) for (const track of stream.getTracks()) track.stop();
  }
  const main = document.querySelector("main") || document.body;
  main.replaceChildren(h("section", { class: "card narrow", "data-testid": "room-deleted" },
    h("h1", {}, "Room deleted"),
    h("p", {}, "Its notes, recordings, report and links are gone from this server; " +
      "the links to it no longer open anything."),
    h("p", {}, h("a", { class: "button primary", href: "/" }, "Home"))));
}

const root = /** @type {HTMLElement|null} */ (document.querySelector("[data-room-id]"));
for (const el of document.querySelectorAll("[data-delete-room]")) {
  mountDeleteRoom(/** @type {HTMLElement} */ (el), {
    roomId: root?.dataset.roomId || "",
    token: takeToken(),
  });
}
