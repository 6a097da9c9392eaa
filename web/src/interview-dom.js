// Tiny DOM helpers shared by the interview pane's modules.

/**
 * @param {string} tag @param {Record<string, any>} [attrs] @param {...(Node|string|null)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== "string") /** @type {any} */ (el)[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child != null) el.append(child);
  return el;
}

/** A list of strings as <ul>, or null when empty. @param {string[]} items @param {string} [cls] */
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

/** The checked value of a radio group inside `root`, as a number or string. */
export function radioValue(root, name) {
  const input = /** @type {HTMLInputElement|null} */ (
    root.querySelector(`input[type=radio][name="${CSS.escape(name)}"]:checked`));
  return input ? input.value : null;
}
