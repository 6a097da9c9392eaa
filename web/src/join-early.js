// The room page's Join, usable from the first paint. room.html runs this tiny classic script
// (built on its own, not a module) right after the button, so the button is enabled as soon as
// it is parsed, while the page's module (room-page.js, ~58 KiB) still loads and runs; the open
// page fetched it with the room's chunks (preload.json), so it comes from the cache. A click
// that comes before the module is kept on the button (`data-early="clicked"`, and the button is
// disabled meanwhile); room-page.js joins at once when it finds it. Once the module is wired it
// marks the button `data-early="wired"`, and this listener lets its clicks pass.
// Without this a person — or a test harness that clicks "as soon as enabled" — waits for the
// whole module before Join does anything, although the join itself needs none of it yet.
{
  const join = /** @type {HTMLButtonElement|null} */ (document.getElementById("join"));
  if (join) {
    join.addEventListener("click", () => {
      if (join.dataset.early === "wired") return;
      join.dataset.early = "clicked";
      join.disabled = true;
    });
    join.disabled = false;
  }
}
