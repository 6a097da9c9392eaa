// Single-key shortcuts (M, V, S) for the call, WCAG 2.1.4-safe: they never fire while focus is
// in anything editable — including CodeMirror, whose editable element sits inside the notes'
// shadow root, where `event.target` is retargeted to the shadow host — and they can be switched
// off (remembered in localStorage).

import { prefs } from "./storage.js";

const EDITABLE_TAGS = new Set(["INPUT", "TEXTAREA", "SELECT"]);

/**
 * Is the key going to something that takes text? Walks the composed path, so an element inside
 * an (open) shadow root counts, not only the host the event was retargeted to.
 * @param {Event} event
 */
export function typingInto(event) {
  const path = typeof event.composedPath === "function" ? event.composedPath() : [event.target];
  for (const node of path) {
    if (!(node instanceof HTMLElement)) continue;
    if (node.isContentEditable || EDITABLE_TAGS.has(node.tagName)) return true;
    if (node.classList.contains("cm-editor") || node.getAttribute("role") === "textbox") return true;
  }
  // Focus itself may sit in a shadow root the event did not come through (belt and braces).
  let active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) {
    active = active.shadowRoot.activeElement;
  }
  return active instanceof HTMLElement &&
    (active.isContentEditable || EDITABLE_TAGS.has(active.tagName));
}

/**
 * Listens for the shortcuts on the document. `actions` maps a lower-case key to what it does.
 * @param {Record<string, () => void>} actions
 * @param {{enabled?: () => boolean}} [opts] enabled: e.g. false before joining
 * @returns {() => void} removes the listener
 */
export function bindShortcuts(actions, opts = {}) {
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    if (!prefs.shortcuts() || (opts.enabled && !opts.enabled()) || typingInto(e)) return;
    const action = actions[e.key.toLowerCase()];
    if (!action) return;
    e.preventDefault();
    action();
  };
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}

/**
 * The visible on/off switch: a checkbox, and the buttons' aria-keyshortcuts and titles follow it
 * (a shortcut that is off must not be announced).
 * @param {HTMLInputElement|null} checkbox
 * @param {HTMLElement[]} buttons the controls that carry aria-keyshortcuts
 */
export function mountShortcutSwitch(checkbox, buttons) {
  const keys = new Map(buttons.map((b) => [b, b.getAttribute("aria-keyshortcuts") || ""]));
  const apply = () => {
    const on = prefs.shortcuts();
    if (checkbox) checkbox.checked = on;
    for (const [b, key] of keys) {
      if (on && key) b.setAttribute("aria-keyshortcuts", key);
      else b.removeAttribute("aria-keyshortcuts");
      b.dataset.shortcut = on ? key : "";
    }
  };
  checkbox?.addEventListener("change", () => {
    prefs.saveShortcuts(checkbox.checked);
    apply();
  });
  apply();
  return apply;
}
