// Transcripts on the review page (server-rendered in templates/transcript.html): choosing a word
// or a figure's moment plays the take from there; a search box marks the words that match, in
// every take, and says how many takes hold them. Needs only the markup: no request of its own.

/** @param {HTMLElement} root the page's element holding the takes */
export function mountTranscripts(root) {
  root.addEventListener("click", (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const seek = target.closest("[data-seek]");
    if (!(seek instanceof HTMLElement)) return;
    const take = seek.closest(".take");
    const player = take && take.querySelector("video, audio");
    if (!(player instanceof HTMLMediaElement)) return;
    player.currentTime = Number(seek.dataset.seek) || 0;
    player.play().catch(() => {}); // autoplay rules may refuse; the position is set anyway
  });
  const box = root.querySelector("[data-transcript-search]");
  if (!(box instanceof HTMLElement) || !root.querySelector("[data-word]")) return;
  box.hidden = false;
  const label = document.createElement("label");
  label.textContent = "Search the transcripts ";
  const input = document.createElement("input");
  input.type = "search";
  input.dataset.testid = "transcript-search";
  label.append(input);
  const result = document.createElement("span");
  result.className = "muted";
  result.setAttribute("role", "status");
  result.dataset.testid = "transcript-search-result";
  box.append(label, " ", result);
  input.addEventListener("input", () => search(root, input.value, result));
}

/**
 * @param {HTMLElement} root
 * @param {string} query
 * @param {HTMLElement} result
 */
function search(root, query, result) {
  const wanted = query.toLowerCase().split(/\s+/).filter(Boolean);
  let hits = 0;
  const takes = new Set();
  for (const word of root.querySelectorAll("[data-word]")) {
    const el = /** @type {HTMLElement} */ (word);
    const text = el.dataset.word || "";
    const match = wanted.length > 0 && wanted.some((w) => text.startsWith(w));
    el.classList.toggle("hit", match);
    if (match) {
      hits += 1;
      takes.add(el.closest(".take"));
    }
  }
  result.textContent = wanted.length
    ? `${hits} ${hits === 1 ? "word" : "words"} in ${takes.size} ${takes.size === 1 ? "take" : "takes"}`
    : "";
}
