// The one DOM builder and lookup the pages share.

/**
 * An element with attributes and children. `class` sets className, `text` the text content,
 * `on…` adds a listener; other non-string values (`checked`, `disabled`, `hidden`) set the
 * property of that name where the element has one, `true` an empty attribute; null, undefined
 * and false are left out.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {Record<string, any>} [attrs] @param {...(Node|string|null|undefined)} children
 * @returns {HTMLElementTagNameMap[K]}
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

/**
 * The element with this id (the templates' stable ids), or null.
 * @param {string} id @returns {HTMLElement|null}
 */
export const $ = (id) => document.getElementById(id);
