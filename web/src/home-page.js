// Entry for home.html: create a practice room and hand out each role's link.

const $ = (id) => document.getElementById(id);
const form = /** @type {HTMLFormElement} */ ($("create-room"));
const bankSelect = /** @type {HTMLSelectElement} */ ($("bank-select"));
const errorBox = /** @type {HTMLElement} */ ($("create-error"));
const linksBox = /** @type {HTMLElement} */ ($("room-links"));

/** Who gets which link, in plain words. */
const ROLE_HELP = {
  interviewer: ["Interviewer", "Keep this one: you ask the questions and see the hints and rubric."],
  candidate: ["Candidate", "Send this to the person practising. They answer the questions."],
  observer: ["Observer", "For a coach or classmate who watches and listens; their camera and " +
    "microphone stay off. Up to three."],
  reviewer: ["Reviewer", "Share this with a coach later: it opens your recorded answers for review."],
};

/** @type {any[]} */
let banks = [];

async function loadBanks() {
  try {
    const resp = await fetch("/api/banks");
    if (!resp.ok) return;
    banks = await resp.json();
  } catch {
    return; // the server-rendered options stay
  }
  const keep = bankSelect.value;
  const none = document.createElement("option");
  none.value = "";
  none.textContent = "No bank — free conversation";
  bankSelect.replaceChildren(none, ...banks.map((b) => {
    const o = document.createElement("option");
    o.value = b.id;
    o.textContent = `${b.title} (${b.questions} question${b.questions === 1 ? "" : "s"})`;
    return o;
  }));
  bankSelect.value = keep;
  describeBank();
}

function describeBank() {
  const bank = banks.find((b) => b.id === bankSelect.value);
  const p = $("bank-description");
  if (p) p.textContent = bank ? bank.description || "" : "";
}

function syncMode() {
  const data = new FormData(form);
  const scripted = data.get("mode") === "scripted";
  const realism = $("realism-field");
  // Phone-screen realism hides the question from a human candidate; scripted rooms speak it.
  if (realism) realism.hidden = scripted;
  syncScriptedSettings(scripted);
}

// The scripted (one-way) settings ---------------------------------------------------------------

/** @type {[string, string, number, number][]} form field, its words, lowest, highest */
const SCRIPTED_NUMBERS = [
  ["question_count", "Questions", 1, 50],
  ["think_seconds", "Think time", 0, 600],
  ["answer_seconds", "Answer time", 10, 1800],
  ["retakes", "Retakes", 0, 5],
];

/** @param {boolean} scripted */
function syncScriptedSettings(scripted) {
  const box = /** @type {HTMLFieldSetElement|null} */ ($("scripted-settings"));
  if (!box) return;
  box.hidden = !scripted;
  box.disabled = !scripted; // a hidden field is not sent nor checked
}

/**
 * The one-way settings as POST /api/rooms fields; a problem is thrown as plain words.
 * @param {FormData} data @returns {Record<string, number|boolean>}
 */
function scriptedSettings(data) {
  /** @type {Record<string, number|boolean>} */
  const out = { warm_up: data.get("warm_up") === "on" };
  for (const [name, words, low, high] of SCRIPTED_NUMBERS) {
    const raw = String(data.get(name) ?? "").trim();
    if (!raw) continue; // the bank's own value
    const value = Number(raw);
    if (!Number.isInteger(value) || value < low || value > high) {
      throw new Error(`${words} must be a whole number from ${low} to ${high}.`);
    }
    out[name] = value;
  }
  return out;
}

function showError(text) {
  errorBox.hidden = !text;
  errorBox.textContent = text || "";
}

async function submit(event) {
  event.preventDefault();
  showError(null);
  const data = new FormData(form);
  const body = {
    mode: String(data.get("mode") || "peer"),
    media: String(data.get("media") || "video"),
  };
  const title = String(data.get("title") || "").trim();
  if (title) body.title = title;
  const toml = String(data.get("bank_toml") || "").trim();
  if (toml) body.bank_toml = toml;
  else if (data.get("bank")) body.bank = String(data.get("bank"));
  if (body.mode === "peer" && data.get("phone_realism")) body.phone_realism = true;
  if (body.mode === "scripted") {
    try {
      Object.assign(body, scriptedSettings(data));
    } catch (error) {
      showError(error.message);
      return;
    }
  }
  const when = String(data.get("scheduled_at") || "");
  if (when) {
    // datetime-local is the person's local time; the server stores an unambiguous UTC instant.
    const at = new Date(when);
    if (Number.isNaN(at.getTime())) {
      showError("The scheduled time is not a valid date.");
      return;
    }
    body.scheduled_at = at.toISOString();
  }
  const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
  button.disabled = true;
  try {
    const resp = await fetch("/api/rooms", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const result = await resp.json().catch(() => null);
    if (!resp.ok) {
      showError((result && result.message) || `The server could not create the room (${resp.status}).`);
      return;
    }
    showLinks({ ...result, scheduled: !!body.scheduled_at });
  } catch {
    showError("Could not reach the server. Check your connection and try again.");
  } finally {
    button.disabled = false;
  }
}

function absolute(url) {
  return new URL(url, location.href).toString();
}

/** "Add to calendar (.ics)" for one role: the invite carries that role's own link only. */
function calendarLink(roomId, role, label, url) {
  const token = new URL(url, location.href).searchParams.get("token") || "";
  const a = document.createElement("a");
  a.href = `/api/rooms/${encodeURIComponent(roomId)}/invite.ics?token=${encodeURIComponent(token)}`;
  a.textContent = "Add to calendar (.ics)";
  a.className = "small";
  a.setAttribute("download", `mockroom-${role}.ics`);
  a.setAttribute("data-testid", `ics-${role}`);
  a.setAttribute("aria-label", `Add to calendar: the ${label.toLowerCase()} invite (.ics)`);
  return a;
}

function showLinks(room) {
  const list = /** @type {HTMLElement} */ ($("link-list"));
  list.replaceChildren();
  for (const [role, url] of Object.entries(room.links)) {
    const [label, help] = ROLE_HELP[role] || [role, ""];
    const li = document.createElement("li");
    li.dataset.role = role;
    const id = `link-${role}`;
    const lab = document.createElement("label");
    lab.htmlFor = id;
    lab.className = "link-label";
    lab.textContent = label;
    const p = document.createElement("p");
    p.className = "muted small";
    p.textContent = help;
    const row = document.createElement("div");
    row.className = "link-row";
    const input = document.createElement("input");
    input.id = id;
    input.readOnly = true;
    input.value = absolute(String(url));
    input.dataset.testid = `link-${role}`;
    input.setAttribute("data-testid", `link-${role}`);
    input.addEventListener("focus", () => input.select());
    const copy = document.createElement("button");
    copy.type = "button";
    copy.textContent = "Copy";
    copy.setAttribute("aria-label", `Copy the ${label.toLowerCase()} link`);
    copy.addEventListener("click", () => copyLink(input, copy));
    row.append(input, copy);
    li.append(lab, p, row);
    if (room.scheduled) li.append(calendarLink(room.room_id, role, label, String(url)));
    list.append(li);
  }
  const own = room.links.interviewer ? "interviewer" : "candidate";
  const open = /** @type {HTMLAnchorElement} */ ($("open-own"));
  open.href = absolute(room.links[own]);
  open.textContent = own === "interviewer" ? "Open as interviewer" : "Open the room";
  const intro = $("links-intro");
  if (intro) {
    intro.textContent = room.mode === "scripted"
      ? "Open the room to start. Each link works on its own; anyone with a link can use it."
      : "Each link opens the room in one role. Send each to the right person; anyone with a " +
        "link can use it.";
  }
  form.hidden = true;
  linksBox.hidden = false;
  /** @type {HTMLElement} */ ($("links-title")).focus();
}

async function copyLink(input, button) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    document.execCommand("copy");
  }
  button.textContent = "Copied";
  setTimeout(() => (button.textContent = "Copy"), 1500);
}

form.addEventListener("submit", submit);
form.addEventListener("change", syncMode);
bankSelect.addEventListener("change", describeBank);
$("another-room")?.addEventListener("click", () => {
  linksBox.hidden = true;
  form.hidden = false;
  form.querySelector("input")?.focus();
});
syncMode();
loadBanks();
