"""The lobby's Join button: in the first screen, still under the pointer, usable at once.

- It is in the first screen on a laptop (1280x800) and a phone (390x844): nobody scrolls to find
  it, and a harness's click needs no scroll either.
- Its box does not move from the moment it is enabled until the camera preview plays, the
  device lists are filled and both connection checks have their verdicts (recorded once per
  animation frame): a person aiming at it never sees it jump.
- It works before the page's module (room-page.js) has loaded: join-early.js enables it as it
  is parsed and keeps a click, which the module acts on when it runs.
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

# The Join button's box in every animation frame from the moment it is enabled.
RECORD_BOXES = """
(() => {
  const boxes = window.__joinBoxes = [];
  const tick = () => {
    const join = document.querySelector("[data-testid=join-button]");
    if (join && !join.disabled) {
      const r = join.getBoundingClientRect();
      boxes.push([r.x, r.y, r.width, r.height].map(Math.round).join(","));
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""
# Everything the lobby fills in after its first paint has happened.
SETTLED = """() => {
  const video = document.getElementById("local-video");
  const checks = [...document.querySelectorAll("#checks li")];
  return video && video.readyState >= 2 && video.videoWidth > 0
    && document.getElementById("camera-select").options.length > 0
    && document.getElementById("mic-select").options.length > 0
    && checks.length === 2 && checks.every((li) => li.dataset.state !== "pending");
}"""
# One more animation frame, so a shift caused by the last change is recorded too.
NEXT_FRAME = "() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)))"


def release(held: list[Route]) -> None:
    """Lets the held requests through; the open page's prefetch went with its page."""
    for route in held:
        with contextlib.suppress(Exception):
            route.continue_()


@pytest.fixture(scope="module")
def browser(built_web: None) -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
def test_join_is_in_the_first_screen_and_never_moves(
    browser: Browser, live_server: LiveServer, viewport: tuple[int, int]
) -> None:
    room = make_room(live_server.url, title="still", media="video")
    width, height = viewport
    page = new_page(
        browser,
        init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_BOXES),
        viewport={"width": width, "height": height},
    )
    try:
        page.goto(link(live_server, room, "candidate"))
        page.wait_for_function(SETTLED)
        page.evaluate(NEXT_FRAME)
        boxes: list[str] = page.evaluate("window.__joinBoxes")
        assert boxes, "the Join button was never enabled in an animation frame"
        assert set(boxes) == {boxes[0]}, boxes  # one box from enabled to the preview playing
        x, y, w, h = (int(v) for v in boxes[0].split(","))
        assert w > 0 and h > 0 and x >= 0 and y >= 0, boxes[0]
        assert x + w <= width and y + h <= height, (boxes[0], viewport)  # no scrolling to Join
        assert page.evaluate("scrollY") == 0
        assert csp_violations(page) == []
    finally:
        page.context.close()


def test_a_click_before_the_module_loaded_joins(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(live_server.url, title="early")
    page = new_page(browser)
    held: list[Route] = []
    # room-page.js is held back (the open page's prefetch of it, then the room page's load):
    # until released, only the HTML, the stylesheet and join-early.js are there.
    page.route("**/static/build/room-page.js", lambda route: held.append(route))
    try:
        page.goto(link(live_server, room, "candidate"), wait_until="commit")
        join = page.get_by_test_id("join-button")
        expect(join).to_be_enabled()
        assert page.evaluate("performance.getEntriesByName('mockroom:script-ready').length") == 0
        join.click()
        expect(join).to_be_disabled()  # kept: a second click cannot queue a second join
        assert page.evaluate("() => document.getElementById('join').dataset.early") == "clicked"
        page.unroute("**/static/build/room-page.js")
        release(held)
        # The module ran, found the click and joined: the call view, the socket, the mark.
        expect(page.locator("#call")).to_be_visible()
        expect(page.locator("#lobby")).to_be_hidden()
        assert page.evaluate("performance.getEntriesByName('mockroom:join-click').length") == 1
        assert csp_violations(page) == []
    finally:
        page.context.close()


def test_a_name_typed_before_the_module_loaded_is_kept(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="typed")
    page = new_page(browser)
    held: list[Route] = []
    page.route("**/static/build/room-page.js", lambda route: held.append(route))
    try:
        page.goto(link(live_server, room, "candidate"), wait_until="commit")
        page.fill("#display-name", "Ben")
        page.unroute("**/static/build/room-page.js")
        release(held)
        # A function, not an expression: Playwright polls an expression through eval() in the
        # page, which the room page's CSP refuses (it failed so when the mark was not there yet).
        page.wait_for_function(
            "() => performance.getEntriesByName('mockroom:script-ready').length > 0"
        )
        expect(page.locator("#display-name")).to_have_value("Ben")
        page.get_by_test_id("join-button").click()
        expect(page.get_by_test_id("participants")).to_contain_text("Ben")
    finally:
        page.context.close()
