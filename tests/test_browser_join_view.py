"""The joining page's side of the click (issue 13): the click only sends, the call view is
shown at the welcome, and what the first remote frame does not need waits for it.

web/src/room-join.js puts the hello and the offer on the socket in the click's task and no more;
join-view.js builds the call view hidden in the tasks after it and shows it at the welcome, so
it is up before the answer comes, and building it happened neither in the click's task nor
between the answer and the first frame (tests/test_browser_join_view_ahead.py). The meters,
the links panel, the acting-role badge and the interview pane wait until the first remote frame
is shown (mockroom:call-deferred). These tests read the order of the joining page's events,
then check that the deferred parts still work.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import RECORD_CSP_VIOLATIONS, chromium, join_room, new_page
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

# When the welcome and the answer arrive, whether the call view (our own tile) is shown; when
# the remote video shows its first frame (on the page's clock, like the marks).
RECORD_JOIN = """
(() => {
  const seen = window.__join = {};
  const viewUp = () => {
    const call = document.getElementById("call");
    // Built ahead, it is laid out unseen ("prewarm") until it is shown.
    return !!call && !call.hidden && !call.classList.contains("prewarm") &&
      !!document.querySelector("#tiles .tile.local");
  };
  // A task after the click's: whether the click's own task built the view.
  document.addEventListener("click", (e) => {
    if (e.target.closest?.("[data-testid=join-button]") && seen.clickViewUp === undefined) {
      setTimeout(() => { seen.clickViewUp ??= viewUp(); }, 0);
    }
  }, true);
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        let m;
        try { m = JSON.parse(e.data); } catch { return; }
        // Registered before the page's own handler: this runs first.
        const answer = m.type === "signal" && m.data?.description?.type === "answer";
        const key = m.type === "welcome" ? "welcomeViewUp" : answer ? "answerViewUp" : null;
        if (key && seen[key] === undefined) seen[key] = viewUp();
      });
    }
  };
  new MutationObserver(() => {
    const v = document.querySelector("video[data-testid=remote-media]");
    if (v && !v.__watched) {
      v.__watched = true;
      v.requestVideoFrameCallback(() => { seen.frame ??= performance.now(); });
    }
  }).observe(document, { childList: true, subtree: true });
})();
"""

ORDER = """() => {
  const at = (name) => performance.getEntriesByName("mockroom:" + name)[0]?.startTime ?? null;
  const pane = performance.getEntriesByType("resource")
    .find((r) => /\\/interview-[A-Z0-9]+[.]js/.test(r.name));
  return { ...window.__join, welcome: at("welcome"), deferred: at("call-deferred"),
           applied: at("answer-applied"), built: at("call-view-built"),
           paneFetched: pane ? pane.startTime : null };
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def joining_page(browser: Browser) -> Page:
    return new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_JOIN))


def test_the_view_is_up_at_the_welcome_and_the_rest_waits_for_the_first_frame(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="view", media="video")
    host = new_page(browser)
    guest = joining_page(browser)
    try:
        join_room(host, link(live_server, room, "interviewer"), name="Hana")
        expect(host.get_by_test_id("connection-state")).to_have_text("new")
        join_room(guest, link(live_server, room, "candidate"), name="Ben")
        expect(guest.get_by_test_id("connection-state")).to_have_text("connected", timeout=20_000)
        # Once the interview pane is up, its code's fetch is in the page's resource timing.
        expect(guest.get_by_test_id("interview-phase")).to_be_visible(timeout=20_000)
        order = guest.evaluate(ORDER)
        # The click's task only sent the hello and the offer; the view was not up when the
        # welcome arrived, but shown at it (or, on a loaded host, once built ahead after it).
        assert order["clickViewUp"] is False, order
        assert order["welcomeViewUp"] is False, order
        assert order["applied"] is not None and order["built"] is not None, order
        assert order["welcome"] <= order["built"], order
        # The first remote frame, then the deferred work; the interview pane's code after that.
        assert order["frame"] is not None and order["deferred"] is not None, order
        assert order["frame"] <= order["deferred"], order
        assert order["paneFetched"] is not None and order["paneFetched"] >= order["frame"], order

        # The deferred parts work: the meter rings our tile, the controls reach the other
        # side, the tiles show each other.
        expect(guest.locator("#tiles .tile.local")).to_have_attribute(
            "data-level", re.compile(r"^\d+$"), timeout=20_000
        )
        their_tile = host.locator(".tile.remote")
        expect(their_tile).to_have_attribute("data-audio", "on")
        guest.get_by_test_id("mute-audio").click()
        expect(their_tile).to_have_attribute("data-audio", "off")
        expect(guest.locator(".tile.remote figcaption .name")).to_have_text("Hana")
        expect(guest.locator("#participants")).to_contain_text("Hana")
    finally:
        host.context.close()
        guest.context.close()


def test_a_refused_join_puts_the_lobby_back(browser: Browser, live_server: LiveServer) -> None:
    """A refusal (the seat is taken) leaves the lobby as it was, with no stale tile or entry."""
    room = make_room(live_server.url, title="refused", media="video")
    first = new_page(browser)
    second = joining_page(browser)
    try:
        join_room(first, link(live_server, room, "candidate"))
        expect(first.locator("#call")).to_be_visible()
        join_room(second, link(live_server, room, "candidate"))
        expect(second.locator("#join-takeover")).to_be_visible(timeout=20_000)
        expect(second.locator("#call")).to_be_hidden()
        expect(second.locator("#lobby")).to_be_visible()
        # The camera preview is back in the lobby, and the roster has no stale entry.
        expect(second.locator("#lobby video#local-video")).to_have_count(1)
        expect(second.locator("#tiles .tile")).to_have_count(0)
        expect(second.locator("#participants li")).to_have_count(0)
        # Taking the seat over builds the view again, once.
        second.locator("#join-takeover").click()
        expect(second.locator("#call")).to_be_visible()
        expect(second.locator("#tiles .tile.local")).to_have_count(1)
        expect(second.locator("#participants li")).to_have_count(1)
    finally:
        first.context.close()
        second.context.close()
