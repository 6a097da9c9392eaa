// The notes pane: tabs "Shared" / "My notes" / "Code", a CodeMirror 6 editor per document bound
// to Yjs, remote cursors, a save-status line and a Markdown download link.
//
//   const pane = mountNotes(container, {roomId, token, role, name, notes, serverUrl});
//   pane.destroy();
//
// Everything lives in an open shadow root inside `container`. That is how CodeMirror's styles
// get past our CSP (style-src 'self', no 'unsafe-inline'): style-mod writes a <style> element
// into a document's <head>, which the CSP blocks, but inside a shadow root it uses constructable
// stylesheets (adoptedStyleSheets), which CSP does not restrict. notes.css is linked inside the
// shadow root. Playwright's locators (get_by_test_id, get_by_role) pierce open shadow roots.
import { basicSetup } from "codemirror";
import { EditorView } from "@codemirror/view";
import { Compartment, EditorState } from "@codemirror/state";
import { markdown } from "@codemirror/lang-markdown";
import { javascript } from "@codemirror/lang-javascript";
import { python } from "@codemirror/lang-python";
import { ySync, ySyncFacet, YSyncConfig, yUndoManagerKeymap } from "y-codemirror.next";
import { keymap } from "@codemirror/view";
import * as Y from "yjs";
import { socketUrl } from "./api.js";
import { h } from "./dom.js";
import { NotesDoc } from "./notes-doc.js";
import { remoteCursors } from "./notes-cursors.js";
import { bearerDownload } from "./download.js";

const STYLESHEET = "/static/notes.css";
/** @type {Record<string, string>} */
const STATUS_TEXT = {
  connecting: "Connecting…",
  saved: "Saved",
  saving: "Saving…",
  reconnecting: "Reconnecting…",
  offline: "Offline — your edits will sync when you are back",
  refused: "Notes are not available",
};
// Worst first: the pane shows the worst status of its documents.
const STATUS_ORDER = ["refused", "offline", "reconnecting", "connecting", "saving", "saved"];
const LANGUAGES = { javascript: "JavaScript", python: "Python", plain: "Plain text" };

/**
 * @typedef {{roomId: string, token: string, role: string, name: string,
 *            notes: Record<string, string>, serverUrl?: string}} NotesContext
 */

/** @param {string} language @returns {import("@codemirror/state").Extension} */
function languageExtension(language) {
  if (language === "javascript") return javascript();
  if (language === "python") return python();
  return [];
}

/** @param {string} doc */
function tabLabel(doc) {
  if (doc === "shared") return "Shared";
  if (doc === "code") return "Code";
  return "My notes";
}

/**
 * @param {HTMLElement} container
 * @param {NotesContext} ctx
 * @returns {{destroy(): void}}
 */
export function mountNotes(container, ctx) {
  const host = document.createElement("div");
  host.className = "mr-notes-host";
  const shadow = host.attachShadow({ mode: "open" });
  const stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = STYLESHEET;
  shadow.append(stylesheet);
  const readOnly = ctx.role === "observer" || ctx.role === "reviewer";
  const user = { name: ctx.name || ctx.role, role: ctx.role };
  const docNames = Object.keys(ctx.notes);

  const root = h("section", { class: "mr-notes" });
  const bar = h("div", { class: "mr-notes-bar" });
  const tabs = h("div", { class: "mr-notes-tabs" });
  tabs.setAttribute("role", "tablist");
  const status = h("span", { class: "mr-notes-status", text: STATUS_TEXT.connecting });
  status.setAttribute("role", "status");
  status.dataset.testid = "notes-status";
  const download = h("a", { class: "mr-notes-download", text: "Download notes" });
  bearerDownload(/** @type {HTMLAnchorElement} */ (download),
    `/api/rooms/${encodeURIComponent(ctx.roomId)}/notes.md`, () => ctx.token,
    `mockroom-${ctx.roomId}-notes.md`);
  bar.append(tabs, status, download);
  const panels = h("div", { class: "mr-notes-panels" });
  root.append(bar, panels);
  shadow.append(root);
  container.append(host);

  /** @type {{doc: NotesDoc, view: EditorView, tab: HTMLButtonElement, panel: HTMLElement, cleanup: () => void}[]} */
  const open = [];

  function updateStatus() {
    const worst = STATUS_ORDER.find((s) => open.some((o) => o.doc.status === s)) || "connecting";
    status.textContent = STATUS_TEXT[worst];
    status.dataset.state = worst;
    const refused = open.find((o) => o.doc.refusal);
    status.title = refused ? refused.doc.refusal : "";
  }

  /** @param {string} name */
  function select(name) {
    for (const o of open) {
      const active = o.doc.name === name;
      o.tab.setAttribute("aria-selected", String(active));
      o.panel.hidden = !active;
    }
  }

  for (const name of docNames) {
    const doc = new NotesDoc(socketUrl(ctx.notes[name], ctx.serverUrl || location.origin),
      ctx.token, user);
    const tab = /** @type {HTMLButtonElement} */ (h("button", { class: "mr-notes-tab", text: tabLabel(name) }));
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.dataset.doc = name;
    tab.addEventListener("click", () => select(name));
    tabs.append(tab);
    const panel = h("div", { class: "mr-notes-panel" });
    panel.setAttribute("role", "tabpanel");
    panels.append(panel);

    const language = new Compartment();
    const undoManager = new Y.UndoManager(doc.text);
    const extensions = [
      basicSetup,
      keymap.of(yUndoManagerKeymap),
      EditorView.lineWrapping,
      ySyncFacet.of(new YSyncConfig(doc.text, doc.awareness)),
      ySync,
      remoteCursors(doc.text, doc.awareness),
      language.of(name === "code" ? languageExtension(String(doc.meta.get("language") || "plain")) : markdown()),
      EditorView.contentAttributes.of({ "aria-label": `${tabLabel(name)} notes` }),
    ];
    if (readOnly) extensions.push(EditorState.readOnly.of(true));
    const view = new EditorView({
      parent: panel,
      root: shadow,
      state: EditorState.create({ doc: doc.text.toString(), extensions }),
    });
    if (name === "shared") view.dom.dataset.testid = "notes-editor";
    view.dom.dataset.doc = name;

    /** @type {(() => void)[]} */
    const cleanups = [doc.onStatus(updateStatus), () => undoManager.destroy()];
    if (name === "code") cleanups.push(codeControls(doc, view, language, panel, tab, readOnly, ctx.role));
    open.push({ doc, view, tab, panel, cleanup: () => cleanups.forEach((fn) => fn()) });
  }
  select(docNames[0]);
  updateStatus();

  return {
    destroy() {
      for (const o of open) {
        o.cleanup();
        o.view.destroy();
        o.doc.destroy();
      }
      open.length = 0;
      host.remove();
    },
  };
}

/**
 * The code pad's language picker and, for the interviewer, the "show to candidate" switch. The
 * candidate sees the Code tab only while the interviewer shows it.
 * @param {NotesDoc} doc @param {EditorView} view @param {Compartment} language
 * @param {HTMLElement} panel @param {HTMLElement} tab @param {boolean} readOnly @param {string} role
 */
function codeControls(doc, view, language, panel, tab, readOnly, role) {
  const controls = h("div", { class: "mr-code-controls" });
  const label = h("label", { class: "mr-code-language", text: "Language " });
  const picker = h("select", {});
  picker.dataset.testid = "code-language";
  for (const [value, text] of Object.entries(LANGUAGES)) {
    const option = h("option", { text });
    option.value = value;
    picker.append(option);
  }
  picker.disabled = readOnly;
  picker.addEventListener("change", () => doc.meta.set("language", picker.value));
  label.append(picker);
  controls.append(label);

  /** @type {HTMLInputElement | null} */
  let show = null;
  if (role === "interviewer") {
    const toggle = h("label", { class: "mr-code-visible" });
    show = h("input", {});
    show.type = "checkbox";
    show.dataset.testid = "code-visible";
    show.addEventListener("change", () => doc.meta.set("visible_to_candidate", Boolean(show?.checked)));
    toggle.append(show, " Show code pad to the candidate");
    controls.append(toggle);
  }
  panel.prepend(controls);

  let current = "";
  const apply = () => {
    const lang = String(doc.meta.get("language") || "plain");
    if (lang !== current) {
      current = lang;
      picker.value = lang in LANGUAGES ? lang : "plain";
      view.dispatch({ effects: language.reconfigure(languageExtension(lang)) });
    }
    const visible = doc.meta.get("visible_to_candidate") === true;
    if (show) show.checked = visible;
    if (role === "candidate") tab.hidden = !visible;
  };
  apply();
  doc.meta.observe(apply);
  return () => doc.meta.unobserve(apply);
}
