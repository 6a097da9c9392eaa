"""The call view built ahead (web/src/join-view.js callViewAhead, issue 13): right after the
Join click, hidden, in small tasks of its own, so that between the other page's answer and the
first remote frame the joining page builds nothing: no tile, no roster entry, no stream for
the remote <video> (its receivers' tracks are in it before the answer: call-media.js
streamAhead). A refused join forgets the view it built ahead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from support.browser import RECORD_CSP_VIOLATIONS, chromium, csp_violations, join_room, new_page
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

# Each tile put into #tiles (on the page's clock, like the marks), and what the page had when
# the answer's message arrived (this listener is registered before the page's own: it runs
# first): its tiles, and the tracks of the remote <video>'s stream. Then the first remote frame.
RECORD_AHEAD = """
(() => {
  const seen = window.__ahead = { tiles: [] };
  new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n.nodeType === 1 && n.classList.contains("tile") && n.parentElement?.id === "tiles") {
          seen.tiles.push({ at: performance.now(), cls: n.className });
        }
      }
    }
    const v = document.querySelector("video[data-testid=remote-media]");
    if (v && !v.__watched) {
      v.__watched = true;
      v.requestVideoFrameCallback(() => { seen.frame ??= performance.now(); });
    }
  }).observe(document, { childList: true, subtree: true });
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        let m;
        try { m = JSON.parse(e.data); } catch { return; }
        if (m.type !== "signal" || m.data?.description?.type !== "answer" || seen.answer) return;
        const v = document.querySelector("video[data-testid=remote-media]");
        seen.answer = {
          at: performance.now(),
          tiles: document.querySelectorAll("#tiles .tile").length,
          remoteTracks: v?.srcObject ? v.srcObject.getTracks().length : 0,
        };
      });
    }
  };
})();
"""

# The waiting page's answer, made late: its setLocalDescription for an answer starts
# ANSWER_DELAY_MS after it is called. The pieces of the view take a few ms, but on a loaded
# host a fast answer could still overtake them (one CI run); held back, the answer's moment
# is past them, and what is checked is that nothing is built from it on (main built both
# tiles after it, however late it came).
ANSWER_DELAY_MS = 500
SLOW_ANSWER = f"""
(() => {{
  const proto = RTCPeerConnection.prototype;
  const setLocal = proto.setLocalDescription;
  proto.setLocalDescription = function (...args) {{
    if (this.signalingState !== "have-remote-offer") return setLocal.apply(this, args);
    return new Promise((resolve) => setTimeout(resolve, {ANSWER_DELAY_MS}))
      .then(() => setLocal.apply(this, args));
  }};
}})();
"""

RESULT = """() => {
  const at = (name) => performance.getEntriesByName("mockroom:" + name)[0]?.startTime ?? null;
  return { ...window.__ahead, click: at("join-click"), ahead: at("call-view-ahead"),
           built: at("call-view-built"), welcome: at("welcome") };
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_the_view_is_built_before_the_answer_and_nothing_after_it(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="ahead", media="video")
    host = new_page(browser, init_scripts=(SLOW_ANSWER,))
    guest = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_AHEAD))
    try:
        join_room(host, link(live_server, room, "interviewer"), name="Hana")
        expect(host.get_by_test_id("connection-state")).to_have_text("new")
        join_room(guest, link(live_server, room, "candidate"), name="Ben")
        expect(guest.get_by_test_id("connection-state")).to_have_text("connected", timeout=20_000)
        guest.wait_for_function("() => window.__ahead.frame !== undefined", timeout=20_000)
        got = guest.evaluate(RESULT)
        answer = got["answer"]
        assert answer is not None and got["ahead"] is not None, got
        # Built ahead, in the tasks after the click's, and done before the answer came.
        assert got["click"] < got["ahead"] < answer["at"], got
        # Shown at the welcome, before the answer too.
        assert got["welcome"] <= got["built"] < answer["at"], got
        # Both tiles were there when the answer arrived, the remote <video> with both of the
        # receivers' tracks; no tile went in from the answer on (the lobby's warm-up tiles
        # come and go before the click).
        assert answer["tiles"] == 2, got
        assert answer["remoteTracks"] == 2, got
        joined = [t for t in got["tiles"] if t["at"] >= got["click"]]
        assert len(joined) == 2, got
        assert all(t["at"] < answer["at"] for t in joined), got
        assert got["frame"] > answer["at"], got
        # Shown whole: our camera moved into our tile, the other's name on theirs.
        expect(guest.locator("#tiles .tile.local video#local-video")).to_have_count(1)
        expect(guest.locator("#lobby video#local-video")).to_have_count(0)
        assert guest.locator("#call").get_attribute("class") == "call"
        expect(guest.locator(".tile.remote figcaption .name")).to_have_text("Hana")
        expect(guest.locator("#participants li")).to_have_count(2)
        assert csp_violations(guest) == []
    finally:
        host.context.close()
        guest.context.close()


def test_a_refused_join_forgets_the_view_built_ahead(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="refused ahead", media="video")
    first = new_page(browser)
    second = new_page(browser)
    try:
        join_room(first, link(live_server, room, "candidate"))
        expect(first.locator("#call")).to_be_visible()
        join_room(second, link(live_server, room, "candidate"))
        expect(second.locator("#join-takeover")).to_be_visible(timeout=20_000)
        # The refusal answers the hello, often before the view is built ahead: what was built
        # of it is forgotten, and what was not is never built.
        # Hidden again, and no longer laid out off to the side; the lobby as it was.
        expect(second.locator("#call")).to_be_hidden()
        assert second.locator("#call").get_attribute("class") == "call"
        expect(second.locator("#lobby")).to_be_visible()
        expect(second.locator("#lobby video#local-video")).to_have_count(1)
        expect(second.locator("#tiles .tile")).to_have_count(0)
        expect(second.locator("#participants li")).to_have_count(0)
        # Taking the seat over builds it ahead again, once, and shows it with our camera.
        second.locator("#join-takeover").click()
        expect(second.locator("#call")).to_be_visible()
        expect(second.locator("#tiles .tile.local video#local-video")).to_have_count(1)
        expect(second.locator("#participants li")).to_have_count(1)
        assert second.locator("#call").get_attribute("class") == "call"
    finally:
        first.context.close()
        second.context.close()
