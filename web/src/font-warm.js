// The fonts of a view not shown yet, looked up ahead of its first layout. The first text laid
// out in a font (a family at one size and weight: a "strike") costs Chromium a font lookup and,
// on Linux, a synchronous call to the browser process for the strike's render style: in traces
// of a join clicked at once, the call view's first layout was 40 ms, 35 of them in those
// lookups (its tile captions, names and badges use sizes and weights the lobby never laid out),
// and the first remote frame waited behind it. Laid out once, off-screen, each font is cached
// for the page's life, and the call view's first layout is about 1 ms.

import { nextTask } from "./next-task.js";

/** Text sampled for each font: a word, and signs the call view draws (the quality dot, the
 * stats toggle's marker, an ellipsis and a dash) in case the font lacks them (a fallback font
 * is another lookup). */
const SAMPLE = "Ag ●▶…—";

/**
 * The fonts the visible text under `root` is set in, distinct (as CSS `font` values). `root`
 * itself may be hidden: styles are computed for a hidden subtree too; text that its own
 * styles hide (a `[hidden]` button, a placeholder shown only with the camera off) is left out.
 * @param {HTMLElement} root @returns {string[]}
 */
export function fontsOf(root) {
  /** @type {Set<string>} */
  const fonts = new Set();
  /** @type {Map<Element, boolean>} */
  const shown = new Map();
  /** @param {Element|null} el @returns {boolean} */
  const isShown = (el) => {
    if (!el || el === root) return true;
    let known = shown.get(el);
    if (known === undefined) {
      known = getComputedStyle(el).display !== "none" && isShown(el.parentElement);
      shown.set(el, known);
    }
    return known;
  };
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.nodeValue?.trim() || !isShown(el)) continue;
    const s = getComputedStyle(el);
    fonts.add(`${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`);
  }
  return [...fonts];
}

/**
 * Lays a sample of each font out, off-screen and unseen, one font per task (nextTask: after
 * the input and the tasks queued, never ahead of a click as scheduler.yield's continuations
 * are), so that no task is longer than one lookup. `stop()` is asked before each: once it says
 * so (the view is shown) the rest is left, to the view's own first layout. Resolves with
 * whether all were laid out.
 * @param {string[]} fonts @param {() => boolean} stop @returns {Promise<boolean>}
 */
export async function warmFonts(fonts, stop) {
  const box = document.createElement("div");
  box.className = "font-warm";
  box.setAttribute("aria-hidden", "true");
  try {
    for (const font of fonts) {
      await nextTask();
      if (stop()) return false;
      if (!box.isConnected) document.body.append(box);
      const sample = document.createElement("span");
      sample.style.font = font;
      sample.textContent = SAMPLE;
      box.append(sample);
      // The layout, and with it the font's lookup, happens now, in this slice.
      void sample.offsetWidth;
    }
    return true;
  } finally {
    box.remove();
  }
}
