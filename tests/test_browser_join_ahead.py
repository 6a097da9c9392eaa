"""The join's offer goes out right behind the hello, to the seat the room info listed.

The lobby made the offer already; on the click the page sends its hello and, on the same socket
and without waiting for the welcome, the offer to the person the room info said was there (the
server relays it once it has admitted us). These tests read the order of the frames on the
joining page's signaling socket, and check that a roster gone stale since the page loaded (the
person left and someone else took the seat) still ends in a call with frames on both sides.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import RECORD_CSP_VIOLATIONS, chromium, join_room, new_page
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

# Every frame of the page's signaling sockets, in order: "out:hello", "out:signal:offer",
# "in:welcome", "in:error:unknown-peer", …
RECORD_FRAMES = """
(() => {
  window.__frames = [];
  const describe = (dir, data) => {
    try {
      const m = JSON.parse(data);
      const what = m.data && m.data.description ? m.data.description.type
        : m.data && m.data.candidate !== undefined ? "candidate" : m.code;
      window.__frames.push([dir, m.type, what].filter(Boolean).join(":"));
    } catch { /* not JSON: not ours */ }
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    describe("out", data);
    return send.call(this, data);
  };
  const Original = window.WebSocket;
  window.WebSocket = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => typeof e.data === "string" && describe("in", e.data));
    }
  };
})();
"""

REMOTE = "[data-testid=remote-media]"
# Resolves once the remote video presented a frame (rejects after 15 s).
A_FRAME = """(selector) => new Promise((resolve, reject) => {
  const video = document.querySelector(selector);
  if (!video || !video.requestVideoFrameCallback) return reject(new Error("no remote video"));
  const timer = setTimeout(() => reject(new Error("no frame")), 15000);
  video.requestVideoFrameCallback((now, meta) => { clearTimeout(timer); resolve(meta.width); });
})"""
OFFER_PREPARED = "() => performance.getEntriesByName('mockroom:offer-prepared').length > 0"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def recording_page(browser: Browser) -> Page:
    return new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_FRAMES))


def expect_frames(page: Page) -> None:
    expect(page.get_by_test_id("connection-state")).to_have_text("connected", timeout=20_000)
    expect(page.locator(REMOTE)).to_have_count(1)
    assert page.evaluate(A_FRAME, REMOTE) > 0


def click_join(page: Page) -> None:
    """Join once the lobby's offer is made (the case the bench measures: a person in the lobby)."""
    page.wait_for_function(OFFER_PREPARED)
    join = page.get_by_test_id("join-button")
    expect(join).to_be_enabled()
    join.click()


def test_the_offer_follows_the_hello_before_the_welcome(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="ahead")
    host = new_page(browser)
    guest = recording_page(browser)
    try:
        join_room(host, link(live_server, room, "interviewer"))
        expect(host.locator("#call")).to_be_visible()
        guest.goto(link(live_server, room, "candidate"))
        click_join(guest)
        expect_frames(guest)
        expect_frames(host)
        frames: list[str] = guest.evaluate("window.__frames")
        # The offer went out right behind the hello, before the welcome came back.
        assert frames[:2] == ["out:hello", "out:signal:offer"], frames
        assert frames.index("out:signal:offer") < frames.index("in:welcome"), frames
        assert frames.count("out:signal:offer") == 1, frames
        assert not [f for f in frames if f.startswith("in:error")], frames
    finally:
        host.context.close()
        guest.context.close()


def test_a_stale_roster_still_connects(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(live_server.url, title="stale")
    first = new_page(browser)
    second = new_page(browser)
    guest = recording_page(browser)
    try:
        join_room(first, link(live_server, room, "interviewer"))
        expect(first.locator("#call")).to_be_visible()
        # The guest's room info lists the first interviewer…
        guest.goto(link(live_server, room, "candidate"))
        guest.wait_for_function(OFFER_PREPARED)
        # …who leaves; the same link joins again from another browser (a new participant).
        first.get_by_test_id("leave-button").click()
        expect(first.locator("#left-view")).to_be_visible()
        join_room(second, link(live_server, room, "interviewer"))
        expect(second.locator("#call")).to_be_visible()
        click_join(guest)
        expect_frames(guest)
        expect_frames(second)
        frames: list[str] = guest.evaluate("window.__frames")
        # The offer ahead went to the one who left; the welcome named the newcomer, who got an
        # offer of its own.
        assert frames[:2] == ["out:hello", "out:signal:offer"], frames
        assert "in:error:unknown-peer" in frames, frames
        assert frames.count("out:signal:offer") == 2, frames
        expect(guest.locator("#join-error")).to_be_hidden()
        expect(second.locator(REMOTE)).to_have_count(1)
    finally:
        for page in (first, second, guest):
            page.context.close()
