// The call view of a join (room-join.js): our tile, the tiles and roster of whoever the call
// knows of, the connection line and the call's buttons. Built ahead, hidden, right after the
// Join click, and only shown at the welcome. Building and laying it out costs the joining
// page's main thread tens of milliseconds; built once the answer was applied (as it was), that
// fell between the answer and the first remote frame, which the bare room (bench/bare_room.py)
// spends doing nothing else. Built in the click's task or at the welcome in one piece, the
// answer's message and its setRemoteDescription queued behind it (answer sent → page has it
// 78 ms against the bare room's 7 in one run). So it is built in small pieces, each in a task of
// its own (next-task.js) from the task after the click's, with the welcome, the offer's relay and
// the answer free to run between them; laid out off to the side (the "prewarm" class, as
// warmCallView does), and shown at the welcome by a cheap style change. The remote tiles' media
// elements get their streams then too (call-media.js streamAhead): from the answer to the first
// frame, the page builds nothing.

import { mark } from "./join-timing.js";
import { $ } from "./dom.js";
import { fontsOf, warmFonts } from "./font-warm.js";
import { nextTask } from "./next-task.js";
import { RoomView } from "./room-ui.js";
import { followPips } from "./screen-pip.js";

/** @typedef {import("./room-join.js").RoomJoin} RoomJoin */
/** @typedef {import("./room-join.js").LiveCall} LiveCall */
/** @typedef {import("./call.js").Call} Call */

/**
 * Builds the call view ahead, hidden (mark `call-view-ahead` once done), and shows it at the
 * welcome (`call-view-built`; `built` settles then), or once built if the welcome came first.
 * undo() puts the lobby back if the join was refused, and forgets the view built or half built.
 * @param {RoomJoin} room @param {LiveCall} live @param {string} name
 * @returns {{undo: () => void, built: Promise<void>}}
 */
export function callViewAhead(room, live, name) {
  const { client, call, view } = live;
  const lobbyBox = /** @type {HTMLElement} */ ($("lobby"));
  const callBox = /** @type {HTMLElement} */ ($("call"));
  const video = room.lobby.video;
  const home = video && { parent: video.parentNode, next: video.nextSibling };
  const phase = room.root.dataset.phase;
  let cancelled = false;
  let ahead = false;
  let welcomed = false;
  let shown = false;
  /** @type {() => void} */
  let resolveBuilt = () => {};
  /** @type {Promise<void>} */
  const built = new Promise((resolve) => { resolveBuilt = resolve; });
  // Each piece a task of its own: none is long, and the socket's messages run between them.
  const pieces = [
    () => followCall(room, call, view),
    () => {
      view.addLocal({ name, role: room.role, video: null });
      room.controls.setup();
    },
    () => {
      // Laid out off to the side, zero high and clipped: the lobby's own layout is untouched.
      callBox.classList.add("prewarm");
      callBox.hidden = false;
      void callBox.offsetHeight;
    },
  ];
  const show = () => {
    if (shown || cancelled) return;
    shown = true;
    // On a phone the lobby was scrolled: land on the call, not half way down the page. Both
    // coordinates given and 0, so the browser needs no layout for it (Chromium skips it: the
    // position cannot be clamped); reading scrollY first would force one of the whole page.
    window.scrollTo(0, 0);
    room.root.dataset.phase = "call";
    lobbyBox.hidden = true;
    callBox.classList.remove("prewarm");
    if (video) view.showLocalVideo(video);
    // The hello carried our state: a `state` message goes only if it changed since.
    room.controls.sendState({ ifChanged: true });
    mark("call-view-built");
    resolveBuilt();
  };
  const offWelcome = client.on("welcome", () => {
    offWelcome();
    welcomed = true;
    if (ahead) show();
  });
  void (async () => {
    for (const piece of pieces) {
      await nextTask();
      if (cancelled) return;
      piece();
    }
    ahead = true;
    mark("call-view-ahead");
    if (welcomed) show();
  })();
  const undo = () => {
    cancelled = true;
    offWelcome();
    call.onpeer = call.onpeerinfo = call.onpeertrack = call.onpeerstate = () => {};
    call.onpeerleft = () => {};
    for (const id of [...view.views.keys()]) view.removePeer(id);
    view.local?.tile?.remove();
    view.local?.item.remove();
    view.local = null;
    if (video && home?.parent && video.parentNode !== home.parent) {
      video.classList.remove("mirror");
      home.parent.insertBefore(video, home.next);
    }
    if (phase === undefined) delete room.root.dataset.phase;
    else room.root.dataset.phase = phase;
    callBox.classList.remove("prewarm");
    callBox.hidden = true;
    lobbyBox.hidden = false;
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

/** The peers' tiles, roster and connection line follow the call's callbacks; the peers it has
 * already are shown, with the tracks their connection will receive (streamed ahead).
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
