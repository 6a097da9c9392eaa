// Entry for home.html: create a practice room and hand out each role's link; "My rooms" keeps
// the rooms made in this browser (localStorage only) with their owner's link.

import { ApiError, messageOf, readToken, request } from "./api.js";
import { copyText } from "./clipboard.js";
import { $ } from "./dom.js";
import { bearerDownload } from "./download.js";
import { inviteMessage } from "./invite-message.js";
import { myRooms } from "./storage.js";

const form = /** @type {HTMLFormElement} */ ($("create-room"));
const bankSelect = /** @type {HTMLSelectElement} */ ($("bank-select"));
const errorBox = /** @type {HTMLElement} */ ($("create-error"));
const linksBox = /** @type {HTMLElement} */ ($("room-links"));

/**
 * The answer to POST /api/rooms (and what the ready card shows of it).
 * @typedef {{room_id: string, title: string, mode: string, media: string, bank: string|null,
 *   links: Record<string, string>, expires_at?: number|null, scheduled?: boolean,
 *   [field: string]: unknown}} CreatedRoom
 * @typedef {Record<string, any>} RoomRequest the body of POST /api/rooms
 */

/** Who gets which link, in plain words. @type {Record<string, [string, string]>} */
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
    banks = await request("/api/banks");
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

/** @param {string|null} text */
function showError(text) {
  errorBox.hidden = !text;
  errorBox.textContent = text || "";
}

/** @param {SubmitEvent} event */
async function submit(event) {
  event.preventDefault();
  showError(null);
  const data = new FormData(form);
  /** @type {RoomRequest} */
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
  addJobTitle(data, body);
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
    const result = await request("/api/rooms", {
      method: "POST", json: body,
      fallback: (status) => `The server could not create the room (${status}).`,
    });
    showLinks({ ...result, scheduled: !!body.scheduled_at });
    rememberRoom(result, body);
  } catch (err) {
    showError(err instanceof ApiError ? err.message
      : "Could not reach the server. Check your connection and try again.");
  } finally {
    button.disabled = false;
  }
}

/** @param {string} url */
function absolute(url) {
  return new URL(url, location.href).toString();
}

/** "Add to calendar (.ics)" for one role: the invite carries that role's own link only. */
/** @param {string} roomId @param {string} role @param {string} label @param {string} url */
function calendarLink(roomId, role, label, url) {
  const token = readToken(new URL(url, location.href));
  const a = document.createElement("a");
  bearerDownload(a, `/api/rooms/${encodeURIComponent(roomId)}/invite.ics`, () => token,
    `mockroom-${role}.ics`);
  a.textContent = "Add to calendar (.ics)";
  a.className = "small";
  a.setAttribute("data-testid", `ics-${role}`);
  a.setAttribute("aria-label", `Add to calendar (.ics): the ${label.toLowerCase()} invite`);
  return a;
}

/** @param {CreatedRoom} room */
function showLinks(room) {
  const own = room.links.interviewer ? "interviewer" : "candidate";
  showReadySummary(room);
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
    if (role !== own) row.append(inviteButton(role, input.value, room.title));
    li.append(lab, p, row);
    if (room.scheduled) li.append(calendarLink(room.room_id, role, label, String(url)));
    list.append(li);
  }
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

/** @param {HTMLInputElement} input @param {HTMLButtonElement} button */
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

// job title, ready card, invites ------------------------------------------------------------

/** The optional job title (the report's letters use it instead of the room title). */
/** @param {FormData} data @param {RoomRequest} body */
function addJobTitle(data, body) {
  const job = String(data.get("job_title") || "").trim();
  if (job) body.job_title = job;
}

/** @type {Record<string, string>} */
const MODE_WORDS = { peer: "With a partner", scripted: "Alone with the scripted interviewer" };
/** @type {Record<string, string>} */
const MEDIA_WORDS = { video: "video", audio: "audio only (phone screen)" };

/** @param {string|null} bankId */
function bankTitle(bankId) {
  if (!bankId) return "no question bank (free conversation)";
  const bank = banks.find((b) => b.id === bankId);
  return bank ? bank.title : bankId;
}

/** The ready card repeats what was chosen: mode, media and bank. */
/** @param {CreatedRoom} room */
function showReadySummary(room) {
  const p = $("ready-summary");
  if (!p) return;
  p.textContent = `${room.title} · ${MODE_WORDS[room.mode] || room.mode} · ` +
    `${MEDIA_WORDS[room.media] || room.media} · ${bankTitle(room.bank)}`;
}

/** "Copy invite": a message ready to paste into a chat, with that role's link. */
/** @param {string} role @param {string} link @param {string} title */
function inviteButton(role, link, title) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = "Copy invite";
  b.setAttribute("aria-label", `Copy invite for the ${role}`);
  b.dataset.testid = `invite-${role}`;
  b.addEventListener("click", async () => {
    b.textContent = (await copyText(inviteMessage(role, link, title))) ? "Copied" : "Copy failed";
    setTimeout(() => (b.textContent = "Copy invite"), 1500);
  });
  return b;
}

// My rooms ------------------------------------------------------------------------------------

/** Keeps the new room in this browser: its owner's link, and what to ask for "practise again". */
/** @param {CreatedRoom} result @param {RoomRequest} body */
function rememberRoom(result, body) {
  const role = result.links.interviewer ? "interviewer" : "candidate";
  const request = { ...body };
  delete request.scheduled_at; // a new session is not the old appointment
  myRooms.add({
    room_id: result.room_id,
    title: result.title,
    role,
    link: absolute(result.links[role]),
    mode: result.mode,
    media: result.media,
    bank: result.bank || "",
    created_at: Date.now(),
    request,
  });
  renderMyRooms();
}

function renderMyRooms() {
  const box = $("my-rooms");
  const list = $("my-rooms-list");
  if (!box || !list) return;
  const rooms = myRooms.list();
  box.hidden = rooms.length === 0;
  list.replaceChildren(...rooms.map(savedRoomItem));
}

/** @param {import("./storage.js").SavedRoom} saved */
function savedRoomItem(saved) {
  const li = document.createElement("li");
  li.dataset.roomId = saved.room_id;
  const title = document.createElement("strong");
  title.textContent = saved.title;
  const facts = document.createElement("p");
  facts.className = "small muted";
  facts.textContent = `${new Date(saved.created_at).toLocaleString()} · you are the ${saved.role} · ` +
    `${MODE_WORDS[saved.mode] || saved.mode} · ${MEDIA_WORDS[saved.media] || saved.media}`;
  const actions = document.createElement("p");
  actions.className = "room-actions";
  const open = document.createElement("a");
  open.className = "button primary";
  open.href = saved.link;
  open.textContent = "Open";
  open.setAttribute("aria-label", `Open ${saved.title}`);
  const copy = document.createElement("button");
  copy.type = "button";
  copy.textContent = "Copy my link";
  copy.addEventListener("click", async () => {
    copy.textContent = (await copyText(saved.link)) ? "Copied" : "Copy failed";
    setTimeout(() => (copy.textContent = "Copy my link"), 1500);
  });
  const again = document.createElement("button");
  again.type = "button";
  again.textContent = "Practise again";
  again.dataset.testid = "practise-again";
  again.setAttribute("aria-label", `Practise again: a new room like ${saved.title}`);
  again.addEventListener("click", () => practiseAgain(saved, again));
  const forget = document.createElement("button");
  forget.type = "button";
  forget.textContent = "Forget";
  forget.setAttribute("aria-label", `Forget ${saved.title} in this browser`);
  forget.addEventListener("click", () => {
    myRooms.remove(saved.room_id);
    renderMyRooms();
  });
  actions.append(open, copy, again, forget);
  li.append(title, facts, actions);
  return li;
}

/** A new room with the same choices (mode, media, bank, title, options). */
/** @param {import("./storage.js").SavedRoom} saved @param {HTMLButtonElement} button */
async function practiseAgain(saved, button) {
  button.disabled = true;
  try {
    const result = await request("/api/rooms", { method: "POST", json: saved.request });
    showLinks({ ...result, scheduled: false });
    rememberRoom(result, saved.request);
  } catch (err) {
    showError(`Could not make a new room: ${messageOf(err)}`);
    form.hidden = false;
    linksBox.hidden = true;
  } finally {
    button.disabled = false;
  }
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
renderMyRooms();
