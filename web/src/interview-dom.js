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

const CHECK_KEY = "mockroom.checklist.";

/**
 * Tick boxes kept in this browser only, per room and list.
 * @param {string} title @param {any[]} items @param {string} roomId @param {string} kind
 */
export function checklist(title, items, roomId, kind) {
  const storeKey = `${CHECK_KEY}${roomId}.${kind}`;
  /** @type {Set<string>} */
  let ticked = new Set();
  try {
    ticked = new Set(JSON.parse(localStorage.getItem(storeKey) || "[]"));
  } catch { /* private mode: ticks last for this page only */ }
  const save = () => {
    try {
      localStorage.setItem(storeKey, JSON.stringify([...ticked]));
    } catch { /* ignore */ }
  };
  return h("details", { class: "iv-checklist", open: kind === "candidate",
    "data-testid": `checklist-${kind}` },
  h("summary", { text: title }),
  h("ul", {}, ...(items || []).map((item) => h("li", {}, h("label", { class: "check" },
    h("input", { type: "checkbox", checked: ticked.has(item.id), onchange: (e) => {
      if (e.target.checked) ticked.add(item.id);
      else ticked.delete(item.id);
      save();
    } }), ` ${item.text}`)))));
}
