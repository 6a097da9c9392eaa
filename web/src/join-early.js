// The room page's Join, usable from the moment it is parsed. room.html loads this tiny module
// `async` (it waits for neither the parser nor the stylesheet, and the open page fetched it
// with the room's script), so Join is enabled while the page's own module (room-page.js,
// ~58 KiB) still loads and runs. A click that comes before that module is kept on the button
// (`data-early="clicked"`, the button disabled meanwhile) and room-page.js joins at once when
// it finds it. Once room-page.js is wired it marks the button `data-early="wired"`: from then
// on (and if this runs late, after it) this code stays out of the way.
// Without it a person — or a harness that clicks "as soon as enabled" — waits for the whole
// module before Join does anything, although the join needs none of it yet.

/** @param {HTMLButtonElement} join */
function arm(join) {
  if (join.dataset.early) return; // room-page.js was first
  join.dataset.early = "armed";
  join.addEventListener("click", () => {
    if (join.dataset.early !== "armed") return;
    join.dataset.early = "clicked";
    join.disabled = true;
  });
  join.disabled = false;
}

const found = () => /** @type {HTMLButtonElement|null} */ (document.getElementById("join"));
const now = found();
if (now) {
  arm(now);
} else if (document.readyState === "loading") {
  // Ran before the parser reached the button: arm it as soon as it is in the document.
  const watch = new MutationObserver(() => {
    const join = found();
    if (!join) return;
    watch.disconnect();
    arm(join);
  });
  watch.observe(document, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", () => watch.disconnect(), { once: true });
}
export {}; // a module (room.html loads it with type="module" async)
