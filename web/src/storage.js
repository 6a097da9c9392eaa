// Small, failure-tolerant wrappers around localStorage / sessionStorage (private modes throw).

const PREFIX = "mockroom.";

/** @param {Storage} store @param {string} key */
function read(store, key) {
  try {
    const raw = store.getItem(PREFIX + key);
    return raw == null ? null : JSON.parse(raw);
  } catch {
    return null;
  }
}

/** @param {Storage} store @param {string} key @param {any} value */
function write(store, key, value) {
  try {
    if (value == null) store.removeItem(PREFIX + key);
    else store.setItem(PREFIX + key, JSON.stringify(value));
  } catch { /* storage full or disabled: the app works without it */ }
}

/** Remembered across visits: chosen devices and display name. */
export const prefs = {
  /** @returns {{camera?: string, mic?: string, speaker?: string}} */
  devices: () => read(localStorage, "devices") || {},
  /** @param {{camera?: string, mic?: string, speaker?: string}} d */
  saveDevices: (d) => write(localStorage, "devices", { ...prefs.devices(), ...d }),
  /** @returns {string} */
  name: () => read(localStorage, "name") || "",
  /** @param {string} name */
  saveName: (name) => write(localStorage, "name", name),
  /** Single-key shortcuts (M, V, S) on unless switched off (WCAG 2.1.4). @returns {boolean} */
  shortcuts: () => read(localStorage, "shortcuts") !== false,
  /** @param {boolean} on */
  saveShortcuts: (on) => write(localStorage, "shortcuts", on),
  /** Live captions of my answers in scripted rooms: off unless switched on. @returns {boolean} */
  captions: () => read(localStorage, "captions") === true,
  /** @param {boolean} on */
  saveCaptions: (on) => write(localStorage, "captions", on),
};

/** Per tab and room: the participant id that lets a reload keep its seat. */
export const session = {
  /** @param {string} roomId @param {string} role @returns {string|null} */
  participantId: (roomId, role) => read(sessionStorage, `pid.${roomId}.${role}`),
  /** @param {string} roomId @param {string} role @param {string|null} id */
  saveParticipantId: (roomId, role, id) => write(sessionStorage, `pid.${roomId}.${role}`, id),
};

/** Per room and seat, in this browser only: checklist ticks and unsent feedback drafts. */
export const roomLocal = {
  /** @param {string} roomId @param {string} kind @returns {string[]} the ticked item ids */
  checklist: (roomId, kind) => {
    const ids = read(localStorage, `checklist.${roomId}.${kind}`);
    return Array.isArray(ids) ? ids : [];
  },
  /** @param {string} roomId @param {string} kind @param {string[]} ids */
  saveChecklist: (roomId, kind, ids) => write(localStorage, `checklist.${roomId}.${kind}`, ids),
  /** @param {string} key a draft key (interview-feedback.draftKey) @returns {Record<string, string>} */
  draft: (key) => {
    const saved = read(localStorage, `feedback-draft.${key}`);
    return saved && typeof saved === "object" ? saved : {};
  },
  /** @param {string} key @param {Record<string, string>|null} draft null forgets it */
  saveDraft: (key, draft) => write(localStorage, `feedback-draft.${key}`, draft),
};

/**
 * @typedef {{room_id: string, title: string, role: string, link: string, mode: string,
 *            media: string, bank: string, created_at: number, request: Record<string, any>}} SavedRoom
 */

const MAX_ROOMS = 30;

/** "My rooms" on the home page: the rooms this browser made, newest first (kept only here). */
export const myRooms = {
  /** @returns {SavedRoom[]} */
  list: () => {
    const rooms = read(localStorage, "rooms");
    return Array.isArray(rooms) ? rooms : [];
  },
  /** @param {SavedRoom} room */
  add: (room) => write(localStorage, "rooms",
    [room, ...myRooms.list().filter((r) => r.room_id !== room.room_id)].slice(0, MAX_ROOMS)),
  /** @param {string} roomId */
  remove: (roomId) => write(localStorage, "rooms", myRooms.list().filter((r) => r.room_id !== roomId)),
};
