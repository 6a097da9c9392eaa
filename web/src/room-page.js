// Entry for room.html (peer rooms): wiring only. The lobby (lobby.js) starts the devices, the
// room (embedded in the page, else fetched) is probed (room-probe.js) meanwhile, and a click
// on Join hands over to room-join.js, which runs the call with its controls (room-controls.js).

import { takeToken, request } from "./api.js";
import "./delete-room.js";
import { $ } from "./dom.js";
import { Lobby } from "./lobby.js";
import { SocketProbe, showNetwork } from "./room-probe.js";
import { RoomJoin } from "./room-join.js";
import { mark } from "./join-timing.js";

/** @typedef {import("./wire.js").RoomInfo} RoomInfo */

// Every module of the page is evaluated: what bench/join.py calls "script ready".
mark("script-ready");

const root = /** @type {HTMLElement} */ ($("room"));
const roomId = root.dataset.roomId || "";
const role = root.dataset.role || "";
const roomMedia = root.dataset.media || "video";

// Devices first (before even the token's sessionStorage): the camera and microphone warm up
// while the page reads the room and prepares its offer.
// The meter and the device lists wait while the lobby is hidden (a join under way).
const lobbyView = /** @type {HTMLElement} */ ($("lobby"));
const lobby = new Lobby({ role, media: roomMedia, extrasWhenIdle: () => lobbyView.hidden });
lobby.start();
const token = takeToken();

/** @param {number} status */
function refusal(status) {
  return status === 404 ? "This room does not exist."
    : status === 401 || status === 403
      ? "This link does not open the room. Ask the interviewer for a new link."
      : `The server answered ${status}.`;
}

/**
 * The room as the server answered this link when it sent the page (room.html's #room-info,
 * what GET /api/rooms/{id} answers): the offer and the socket probe need no round trip first.
 * @returns {RoomInfo|null} null when absent or unreadable: the page asks the API instead
 */
function embeddedInfo() {
  try {
    const info = JSON.parse($("room-info")?.textContent || "");
    return info && typeof info === "object" && info.room_id === roomId ? info : null;
  } catch {
    return null;
  }
}

const embedded = embeddedInfo();
/** @type {Promise<RoomInfo>} the room as this role sees it */
const roomInfo = embedded ? Promise.resolve(embedded)
  : request(`/api/rooms/${encodeURIComponent(roomId)}`, { token, fallback: refusal });
const probe = new SocketProbe($("check-server"));
const room = new RoomJoin({ root, roomId, role, roomMedia, token, lobby, roomInfo, probe });
// Clickable at once: a click before the room info arrives waits for it inside join().
room.joinButton.disabled = false;

roomInfo.then((info) => {
  showNetwork($("check-network"), info.ice_servers || []);
  probe.start(info.signaling);
  room.prepare(info);
}, (err) => {
  room.joinButton.disabled = true;
  room.showJoinError(err.message);
  probe.refused();
});

room.joinButton.addEventListener("click", () => void room.join());
// Join was clicked before this module ran (join-early.js kept the click): join now.
const clickedEarly = room.joinButton.dataset.early === "clicked";
room.joinButton.dataset.early = "wired";
if (clickedEarly) void room.join();
room.takeoverButton.addEventListener("click", () => void room.join({ takeover: true }));
$("join-audio-only")?.addEventListener("click", () => void room.join({ without: "video" }));
$("join-listen-only")?.addEventListener("click", () => void room.join({ without: "all" }));
$("rejoin")?.addEventListener("click", () => location.reload());
