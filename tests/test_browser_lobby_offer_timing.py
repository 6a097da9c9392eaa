"""When the peer lobby makes its prepared offer (issue 13: the lobby before the click).

The room info is embedded in the page, so a `.then` on it ran prepareOffer (a new
RTCPeerConnection, its transceivers, setLocalDescription) inside the module's own task, ahead
of the lobby's first frame and of a click that comes at once (bench/lobby_busy.py: ~20 ms under
load). It is now made in a task of its own after the page's next rendering update
(web/src/after-paint.js), still long before such a click; a click that comes before it makes the
offer at once, in the join, so the join never waits for a frame.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Route, expect

from support.browser import RECORD_CSP_VIOLATIONS, chromium, csp_violations, new_page
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

# Every animation frame's time on the page's clock (a rAF callback runs just before its frame
# is rendered), from before any page script.
RECORD_FRAMES = """
(() => {
  const frames = window.__frames = [];
  const tick = () => { frames.push(performance.now()); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
})();
"""
MARKS = """() => Object.fromEntries(performance.getEntriesByType("mark")
  .filter((m) => m.name.startsWith("mockroom:"))
  .map((m) => [m.name.slice(9), m.startTime]))"""
PREPARED = "() => performance.getEntriesByName('mockroom:offer-prepared').length > 0"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_the_offer_is_made_after_the_lobbys_first_frame_not_in_the_module_task(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="offer after paint", media="video")
    page = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_FRAMES))
    try:
        page.goto(link(live_server, room, "candidate"))
        page.wait_for_function(PREPARED, timeout=20_000)
        marks = page.evaluate(MARKS)
        frames = page.evaluate("window.__frames")
        ready, start = marks["script-ready"], marks["offer-start"]
        # A frame between the module's evaluation and the offer: they are not one task.
        between = [t for t in frames if ready < t <= start]
        assert between, (marks, frames[:10])
        # The offer is not left for later than that first frame needs.
        assert start - between[0] < 1000, (marks, between[:3])
        expect(page.get_by_test_id("join-button")).to_be_enabled()
        assert csp_violations(page) == []
    finally:
        page.context.close()


def test_a_click_before_the_offer_was_made_makes_it_in_the_join(
    browser: Browser, live_server: LiveServer
) -> None:
    """Join clicked while the module still loads (join-early.js keeps the click): the join runs
    as the module is evaluated, and makes the lobby's offer then, before any frame, instead of
    waiting for the frame the lobby would wait for. The call goes up with it."""
    room = make_room(live_server.url, title="offer in the join", media="video")
    page = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_FRAMES))
    held: list[Route] = []
    try:
        page.route("**/static/build/room-page.js", lambda route: held.append(route))
        page.goto(link(live_server, room, "candidate"), wait_until="commit")
        page.wait_for_url(lambda address: "sig=" in address, wait_until="commit")
        join = page.get_by_test_id("join-button")
        expect(join).to_be_enabled()
        join.click()
        expect(join).to_have_attribute("data-early", "clicked")
        assert held, "the module was not requested"
        page.unroute("**/static/build/room-page.js")
        for route in held:  # the open page's prefetch of it went with that page
            with contextlib.suppress(Exception):
                route.continue_()
        expect(page.locator("#call")).to_be_visible(timeout=20_000)
        page.wait_for_function(PREPARED, timeout=20_000)
        marks = page.evaluate(MARKS)
        frames = page.evaluate("window.__frames")
        assert marks["join-click"] <= marks["offer-start"], marks
        # Made in the join's own task run, before the page rendered another frame.
        assert [t for t in frames if marks["script-ready"] < t <= marks["offer-start"]] == [], (
            marks,
            [t for t in frames if t > marks["script-ready"]][:3],
        )
        assert csp_violations(page) == []
    finally:
        page.context.close()
