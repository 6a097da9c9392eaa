"""The observer seat in Chromium: it watches both people and sends nothing, and a page modified
to send anyway gets no media through (the server refuses its offers).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from support.browser import (
    RECORD_CSP_VIOLATIONS,
    RECORD_GET_USER_MEDIA,
    chromium,
    join_room,
    pages,
)
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer
from support.peer_probe import RECORD_PEER_CONNECTIONS, REMOTE

pytestmark = pytest.mark.browser

# A modified observer page: every receive-only m-line it makes sends a canvas or a tone instead.
HOSTILE_OBSERVER = """
(() => {
  const original = RTCPeerConnection.prototype.addTransceiver;
  window.__hostile = 0;
  RTCPeerConnection.prototype.addTransceiver = function (trackOrKind, init) {
    if (!init || init.direction !== "recvonly") return original.call(this, trackOrKind, init);
    const kind = typeof trackOrKind === "string" ? trackOrKind : trackOrKind.kind;
    let track;
    if (kind === "video") {
      const canvas = Object.assign(document.createElement("canvas"), {width: 64, height: 48});
      const ctx = canvas.getContext("2d");
      setInterval(() => { ctx.fillStyle = `hsl(${Date.now() % 360},60%,50%)`;
                          ctx.fillRect(0, 0, 64, 48); }, 50);
      track = canvas.captureStream(10).getVideoTracks()[0];
    } else {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      const out = audio.createMediaStreamDestination();
      tone.connect(out);
      tone.start();
      track = out.stream.getAudioTracks()[0];
    }
    window.__hostile += 1;
    return original.call(this, track, {direction: "sendrecv", streams: [new MediaStream([track])]});
  };
})();
"""

# Codes of the `error` frames the page's signaling socket received.
RECORD_SIGNALING_ERRORS = """
(() => {
  window.__errors = [];
  const Original = window.WebSocket;
  window.WebSocket = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (typeof event.data !== "string") return;
        try {
          const msg = JSON.parse(event.data);
          if (msg.type === "error") window.__errors.push(msg.code);
        } catch { /* not ours */ }
      });
    }
  };
})();
"""

# For each open connection of the page: its transceivers' negotiated directions, sorted.
OPEN_DIRECTIONS = """
() => window.__pcs.filter((pc) => pc.connectionState !== "closed" && pc.remoteDescription)
  .map((pc) => pc.getTransceivers().map((t) => String(t.currentDirection)).sort().join(","))
  .sort()
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_observer_watches_both_and_sends_nothing(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(live_server.url, media="video")
    scripts = (RECORD_CSP_VIOLATIONS, RECORD_GET_USER_MEDIA, RECORD_PEER_CONNECTIONS)
    with pages(browser, 3, init_scripts=scripts) as (ana, ben, olga):
        join_room(ana, link(live_server, room, "interviewer"), name="Ana")
        join_room(ben, link(live_server, room, "candidate"), name="Ben")
        join_room(olga, link(live_server, room, "observer"), name="Olga")
        expect(olga.locator(REMOTE)).to_have_count(2, timeout=20_000)
        # Ana and Ben only send to the observer.
        for page in (ana, ben):
            page.wait_for_function(
                f"() => ({OPEN_DIRECTIONS})().length === 2 && "
                f"({OPEN_DIRECTIONS})().every((d) => !d.includes('null'))",
                timeout=15_000,
            )
            assert page.evaluate(OPEN_DIRECTIONS) == ["sendonly,sendonly", "sendrecv,sendrecv"]
        # Both remote videos present frames (requestVideoFrameCallback on each element).
        olga.evaluate(
            """(sel) => Promise.all([...document.querySelectorAll(sel)].map((v) =>
                new Promise((resolve, reject) => {
                  const t = setTimeout(() => reject(new Error("no frames")), 10000);
                  v.requestVideoFrameCallback(() => { clearTimeout(t); resolve(true); });
                })))""",
            REMOTE,
        )
        names = olga.locator(".tile.remote .name").all_inner_texts()
        assert sorted(names) == ["Ana", "Ben"]
        # The observer is listed, but has no tile and never asked for a camera or microphone.
        expect(ana.locator("#participants")).to_contain_text("Olga")
        expect(ana.locator(REMOTE)).to_have_count(1)
        assert olga.evaluate("() => window.__gum") == []


def test_a_modified_observer_page_gets_no_media_through(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="video")
    scripts = (RECORD_CSP_VIOLATIONS, RECORD_PEER_CONNECTIONS)
    with pages(browser, 3, init_scripts=scripts) as (ana, ben, olga):
        # Olga's page is modified to send a canvas and a tone on every connection anyway.
        olga.add_init_script(HOSTILE_OBSERVER)
        olga.add_init_script(RECORD_SIGNALING_ERRORS)
        join_room(ana, link(live_server, room, "interviewer"), name="Ana")
        join_room(ben, link(live_server, room, "candidate"), name="Ben")
        for page in (ana, ben):
            expect(page.get_by_test_id("connection-state")).to_have_text("connected")
        join_room(olga, link(live_server, room, "observer"), name="Olga")
        # The server refuses both of its offers (they would send)...
        olga.wait_for_function(
            "() => window.__hostile >= 2 && "
            "window.__errors.filter((c) => c === 'not-allowed').length >= 2",
            timeout=15_000,
        )
        expect(ana.locator("#participants")).to_contain_text("Olga")
        # ...so neither seat ever receives anything from the observer.
        for page in (ana, ben):
            assert page.evaluate(OPEN_DIRECTIONS) == ["sendrecv,sendrecv"]
            expect(page.locator(REMOTE)).to_have_count(1)
