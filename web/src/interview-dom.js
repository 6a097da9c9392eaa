// Small builders shared by the interview pane's modules (lists, score groups, checklists).

import { h } from "./dom.js";
import { roomLocal } from "./storage.js";

/**
 * Rebuilds `slot` only when `key` changed, so a region someone is typing in survives a
 * broadcast that did not change it.
 * @param {HTMLElement} slot @param {string} key @param {() => HTMLElement|null} build
 */
export function region(slot, key, build) {
  if (slot.dataset.key === key) return;
  slot.dataset.key = key;
  const content = build();
  slot.replaceChildren(...(content ? [content] : []));
}

/** A list of strings as <ul>, or null when empty.
 * @param {string[]|undefined} items @param {string} [cls] */
export function list(items, cls) {
  if (!items || !items.length) return null;
  return h("ul", { class: cls }, ...items.map((t) => h("li", { text: t })));
}

/**
 * A 1–4 radio group with a legend. @param {string} name @param {string} legend
 * @param {number|null} [value] @returns {HTMLElement}
 */
export function scoreGroup(name, legend, value = null) {
  const labels = ["1 — not yet", "2 — partly", "3 — good", "4 — strong"];
  return h("fieldset", { class: "iv-score", role: "radiogroup" },
    h("legend", { text: legend }),
    ...labels.map((label, i) => h("label", { class: "iv-score-option", title: label },
      h("input", { type: "radio", name, value: String(i + 1), checked: value === i + 1,
        "aria-label": `${legend}: ${label}` }),
      h("span", { text: String(i + 1) }))));
}

/** The checked value of a radio group inside `root`, as a string.
 * @param {ParentNode} root @param {string} name */
export function radioValue(root, name) {
  const input = /** @type {HTMLInputElement|null} */ (
    root.querySelector(`input[type=radio][name="${CSS.escape(name)}"]:checked`));
  return input ? input.value : null;
}

/**
 * Tick boxes kept in this browser only, per room and list.
 * @param {string} title @param {{id: string, text: string}[]|undefined} items @param {string} roomId
 * @param {string} kind
 */
export function checklist(title, items, roomId, kind) {
  const ticked = new Set(roomLocal.checklist(roomId, kind));
  const save = () => roomLocal.saveChecklist(roomId, kind, [...ticked]);
  return h("details", { class: "iv-checklist", open: kind === "candidate",
    "data-testid": `checklist-${kind}` },
  h("summary", { text: title }),
  h("ul", {}, ...(items || []).map((item) => h("li", {}, h("label", { class: "check" },
    h("input", { type: "checkbox", checked: ticked.has(item.id), onchange: (/** @type {Event} */ e) => {
      if (/** @type {HTMLInputElement} */ (e.target).checked) ticked.add(item.id);
      else ticked.delete(item.id);
      save();
    } }), ` ${item.text}`)))));
}
