// The call view of a join (room-join.js): our tile, the tiles and roster of whoever the call
// knows of, the connection line and the call's buttons. Built once the other page's answer is
// applied, not in the Join click's task: building and laying it out costs the joining page's
// main thread tens of milliseconds, and the answer, its setRemoteDescription and the ICE
// handshake must not queue behind it (the bare room, bench/bare_room.py, does nothing else
// after its click). Alone in the room (nobody to answer) it is built at the welcome. Built at
// the welcome instead, it often collided with the answer on a loaded host (answer sent → page
// has it 78 ms against the bare room's 7 in one run); after the answer it overlaps the ICE and
// DTLS handshake and the first frame's decoding, where the main thread has little to do.

import { mark } from "./join-timing.js";
import { $ } from "./dom.js";
import { fontsOf, warmFonts } from "./font-warm.js";
import { nextTask } from "./next-task.js";
import { RoomView } from "./room-ui.js";
import { followPips } from "./screen-pip.js";

/** @typedef {import("./room-join.js").RoomJoin} RoomJoin */
/** @typedef {import("./room-join.js").LiveCall} LiveCall */
/** @typedef {import("./protocol.js").RoomClient} RoomClient */
/** @typedef {import("./call.js").Call} Call */

/** The view goes up at the latest this long after the click, whatever the answer does. */
const VIEW_AT_MOST_MS = 600;

/**
 * Shows the call view when the moment comes (see the top of this module). undo() puts the
 * lobby back if the join was refused (or forgets the view not built yet); `built` settles once
 * it is up.
 * @param {RoomJoin} room @param {LiveCall} live @param {string} name
 * @returns {{undo: () => void, built: Promise<void>}}
 */
export function showCallViewSoon(room, live, name) {
  const { client, call } = live;
  /** @type {(() => void)|null} undoes what build() did */
  let undoBuilt = null;
  let cancelled = false;
  /** @type {() => void} */
  let resolveBuilt = () => {};
  /** @type {Promise<void>} */
  const built = new Promise((resolve) => { resolveBuilt = resolve; });
  const build = () => {
    if (undoBuilt || cancelled) return;
    clearTimeout(timer);
    offWelcome();
    call.onapplied = () => {};
    undoBuilt = buildCallView(room, live, name);
    mark("call-view-built");
    resolveBuilt();
  };
  const timer = setTimeout(build, VIEW_AT_MOST_MS);
  call.onapplied = build;
  // Call.start() subscribed first: its peers follow this welcome already.
  const offWelcome = client.on("welcome", () => {
    if (![...call.peers.values()].some((p) => p.pc)) build();
  });
  const undo = () => {
    cancelled = true;
    clearTimeout(timer);
    offWelcome();
    call.onapplied = () => {};
    undoBuilt?.();
    undoBuilt = null;
    room.live = null;
  };
  return { undo, built };
}

/**
 * Lays the (still empty) call view out once, invisibly, while the lobby is idle, and wires its
 * buttons: the first layout of #call costs several times the later ones (fonts, shaped text,
 * matched styles: 4-8 ms against about 1 ms, measured), and that first one would otherwise
 * come between the answer and the first remote frame. A click that comes first skips it.
 * It waits for the page to settle, with the lobby's meter and device lists (Lobby.extras): at
 * the first idle slice it was one 8-20 ms task between the navigation and a click that came at
 * once (bench/lobby_busy.py), which then waited behind it. The fonts, the larger part of that
 * first layout, are looked up in slices then too, or right after a click that comes first
 * (warmCallFonts).
 * @param {RoomJoin} room
 */
export function warmCallView(room) {
  warmCallFonts(room);
  const run = () => {
    if (room.live) return;
    room.controls.setup();
    const box = $("call");
    if (!box || !box.hidden) return;
    // Laid out off to the side, zero high and clipped: the lobby's own layout is untouched.
    box.classList.add("prewarm");
    box.hidden = false;
    void box.offsetHeight;
    box.hidden = true;
    box.classList.remove("prewarm");
    mark("call-view-warm");
    warmTilesSoon(room);
  };
  room.lobby.extras(run);
}

/**
 * The fonts of the call view and its tiles (font-warm.js), each looked up in a task of its own
 * once the lobby has settled (Lobby.extras), or, if Join is clicked first, right after the
 * click: its join goes out first, and the lookups fill the wait for the answer. Looked up at
 * once, they were a dozen slices between the navigation and a click that came the moment Join
 * was enabled (bench/lobby_busy.py), and scheduler.yield put them ahead of its input. Those not
 * done when the view is shown are left to its own first layout.
 * @param {RoomJoin} room
 */
function warmCallFonts(room) {
  const box = /** @type {HTMLElement} */ ($("call"));
  let started = false;
  const start = async () => {
    if (started) return;
    started = true;
    await nextTask();
    if (!box.hidden) return;
    /** @type {string[]} */
    let fonts = [];
    withWarmTiles(room, () => { fonts = fontsOf(box); });
    if (await warmFonts(fonts, () => !box.hidden)) mark("call-fonts-warm");
  };
  // A join under way disables Join (one clicked early, join-early.js, before this ran too).
  const onClick = () => {
    if (room.joinButton.disabled || room.live) void start();
  };
  onClick();
  document.addEventListener("click", onClick);
  room.lobby.extras(start);
}

/**
 * The tiles (warmTiles) in an idle slice of their own after the empty view's: each slice stays
 * short. Laid out the same way, in the hidden call view shown off to the side.
 * @param {RoomJoin} room
 */
function warmTilesSoon(room) {
  const run = () => {
    const box = $("call");
    if (room.live || !box || !box.hidden) return;
    box.classList.add("prewarm");
    box.hidden = false;
    withWarmTiles(room, (view) => void view.tiles.offsetHeight);
    box.hidden = true;
    box.classList.remove("prewarm");
    mark("call-view-warm-tiles");
  };
  if ("requestIdleCallback" in window) requestIdleCallback(run, { timeout: 2000 });
  else setTimeout(run, 500);
}

/**
 * One tile of each kind (ours, a remote one with its name, role, mute sign and stats line) and
 * their roster entries, put into the call view by a throwaway view for `use` and removed. Laid
 * out there (warmTilesSoon): their first layout costs several times the later ones (the first
 * text of each style shaped, the <details> of the stats line, the video boxes), and without it
 * that came in the first frame after the answer, as the connection came up: in traces that
 * frame's layout went from 12.3 ms to 3.4 ms. Read there (warmCallFonts): the fonts they use.
 * @param {RoomJoin} room @param {(view: RoomView) => void} use
 */
function withWarmTiles(room, use) {
  const view = new RoomView({ roomMedia: room.roomMedia });
  const count = view.tiles.dataset.count;
  view.addLocal({ name: "Warm", role: room.role, video: null });
  const info = { id: "warm-up", role: "interviewer", name: "Warm", audio: true, video: true,
    screen: false };
  view.addPeer(/** @type {any} */ ({ id: info.id, info, stream: new MediaStream() }));
  try {
    use(view);
  } finally {
    view.removePeer(info.id);
    view.local?.tile?.remove();
    view.local?.item.remove();
    if (count === undefined) delete view.tiles.dataset.count;
    else view.tiles.dataset.count = count;
  }
}

/**
 * Swaps the lobby for the call view, now. Returns what puts the lobby back.
 * @param {RoomJoin} room @param {LiveCall} live @param {string} name @returns {() => void}
 */
function buildCallView(room, live, name) {
  const lobby = room.lobby;
  const { call, view } = live;
  // On a phone the lobby was scrolled: land on the call, not half way down the page. Both
  // coordinates given and 0, so the browser needs no layout for it (Chromium skips it: the
  // position cannot be clamped); reading scrollY first would force one of the whole page.
  window.scrollTo(0, 0);
  const phase = room.root.dataset.phase;
  const lobbyBox = /** @type {HTMLElement} */ ($("lobby"));
  const callBox = /** @type {HTMLElement} */ ($("call"));
  room.root.dataset.phase = "call";
  lobbyBox.hidden = true;
  callBox.hidden = false;
  const video = lobby.video;
  const home = video && { parent: video.parentNode, next: video.nextSibling };
  followCall(room, call, view);
  view.addLocal({ name, role: room.role, video });
  // The buttons (which ones an observer or this browser has, their labels) and our tile's
  // state are laid out with the view, not in a second layout. The hello carried our state: a
  // `state` message goes only if it changed since.
  room.controls.setup();
  room.controls.sendState({ ifChanged: true });
  return () => {
    view.local?.tile?.remove();
    view.local?.item.remove();
    if (video && home?.parent) {
      video.classList.remove("mirror");
      home.parent.insertBefore(video, home.next);
    }
    if (phase === undefined) delete room.root.dataset.phase;
    else room.root.dataset.phase = phase;
    callBox.hidden = true;
    lobbyBox.hidden = false;
  };
}

/** The peers' tiles, roster and connection line follow the call's callbacks; the peers it has
 * already (their tracks too: the answer was applied before the view was built) are shown.
 * @param {RoomJoin} room @param {Call} call @param {RoomView} view */
function followCall(room, call, view) {
  const followPip = followPips((id, camera) => view.showPip(id, camera));
  const showConnection = () => view.showConnection([...call.peers.values()]);
  call.onpeer = (peer) => {
    followPip(peer);
    view.addPeer(peer);
    showConnection();
    room.presence.arrived(peer);
  };
  call.onpeerinfo = (peer) => {
    followPip(peer);
    view.updatePeer(peer);
    room.presence.arrived(peer);
  };
  call.onpeertrack = (peer) => view.attachStream(peer);
  call.onpeerstate = () => showConnection();
  call.onpeerleft = (id) => {
    view.removePeer(id);
    showConnection();
  };
  for (const peer of call.peers.values()) {
    followPip(peer);
    view.addPeer(peer);
    if (peer.announced && peer.stream.getTracks().length) view.attachStream(peer);
  }
  showConnection();
}
