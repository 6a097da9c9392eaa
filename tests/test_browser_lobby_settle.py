"""The peer lobby's extras — the device lists and the microphone meter — wait for the page to
settle (issue 13), so they never run between the navigation and an early Join click.

web/src/lobby.js runs them SETTLE_MS (600 ms) after the room page's navigation, in an idle
slice, and not while the lobby is hidden (a join under way); a refused join shows the lobby
again, and they run then. Before, they ran at the page's first idle slice: two tasks of
5-13 ms right where a click the moment Join is enabled lands (bench/lobby_busy.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import RECORD_CSP_VIOLATIONS, chromium, csp_violations, join_room, new_page
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

SETTLE_MS = 600

# Each device enumeration and AudioContext the page makes: when (on the page's clock), and
# whether the lobby was hidden then; and when Join was pressed.
RECORD_EXTRAS = """
(() => {
  const seen = window.__extras = [];
  const stamp = (what) => seen.push({
    what, at: performance.now(), hidden: !!document.getElementById("lobby")?.hidden,
  });
  const devices = navigator.mediaDevices;
  const enumerate = devices.enumerateDevices.bind(devices);
  devices.enumerateDevices = () => { stamp("enumerate"); return enumerate(); };
  const Context = window.AudioContext;
  window.AudioContext = class extends Context {
    constructor(...args) { super(...args); stamp("audio-context"); }
  };
  document.addEventListener("pointerdown", () => { window.__pressed ??= performance.now(); },
                            true);
})();
"""
# The camera and microphone start only once Join is pressed: a slow camera, and a person (or a
# harness) quicker than it.
HOLD_MEDIA = """
(() => {
  const devices = navigator.mediaDevices;
  const getUserMedia = devices.getUserMedia.bind(devices);
  const pressed = new Promise((resolve) => {
    document.addEventListener("pointerdown", resolve, { capture: true, once: true });
  });
  devices.getUserMedia = (constraints) => pressed.then(() => getUserMedia(constraints));
})();
"""
FILLED = """() => document.getElementById("camera-select")?.options.length > 0
  && document.getElementById("mic-select")?.options.length > 0
  && window.__extras.some((e) => e.what === "audio-context")"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def extras_page(browser: Browser) -> Page:
    return new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_EXTRAS))


def extras(page: Page) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = page.evaluate("window.__extras")
    return seen


def test_the_lists_and_the_meter_come_once_the_page_settled(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="settle", media="video")
    page = extras_page(browser)
    try:
        page.goto(link(live_server, room, "candidate"))
        page.wait_for_function(FILLED, timeout=20_000)
        seen = extras(page)
        assert {e["what"] for e in seen} == {"enumerate", "audio-context"}, seen
        assert all(e["at"] >= SETTLE_MS and not e["hidden"] for e in seen), seen
        # The meter follows the microphone.
        page.wait_for_function(
            "() => document.getElementById('mic-meter').value > 0", timeout=20_000
        )
        assert csp_violations(page) == []
    finally:
        page.context.close()


def test_a_join_before_the_camera_is_up_is_not_slowed_by_them(
    browser: Browser, live_server: LiveServer
) -> None:
    """Join is pressed before the camera has started: once it has, the lists and the meter
    wait while the lobby is hidden (the join under way), and are dropped once in the call; no
    device enumeration competes with the join. (The call makes an AudioContext of its own, for
    its meters: not counted here.)"""
    room = make_room(live_server.url, title="at once", media="video")
    page = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_EXTRAS, HOLD_MEDIA))
    try:
        page.goto(link(live_server, room, "candidate"), wait_until="commit")
        page.wait_for_url(lambda address: "sig=" in address, wait_until="commit")
        join = page.get_by_test_id("join-button")
        expect(join).to_be_enabled()
        join.click()
        expect(page.locator("#call")).to_be_visible()
        expect(page.locator("#participants li")).to_have_count(1)
        # Our camera is in the call (so getUserMedia has answered) ...
        page.wait_for_function(
            "() => document.querySelector('#tiles .tile.local video')?.videoWidth > 0",
            timeout=20_000,
        )
        # ... and the page is past twice its settling time: the extras had every chance.
        page.wait_for_function(f"() => performance.now() > {3 * SETTLE_MS}")
        assert [e for e in extras(page) if e["what"] == "enumerate"] == []
        assert csp_violations(page) == []
    finally:
        page.context.close()


def test_a_refused_join_fills_them_in_the_lobby(browser: Browser, live_server: LiveServer) -> None:
    """The seat is taken: the lobby comes back, and its lists and meter with it."""
    room = make_room(live_server.url, title="refused", media="video")
    first = new_page(browser)
    second = extras_page(browser)
    try:
        join_room(first, link(live_server, room, "candidate"))
        expect(first.locator("#call")).to_be_visible()
        second.goto(link(live_server, room, "candidate"), wait_until="commit")
        second.wait_for_url(lambda address: "sig=" in address, wait_until="commit")
        second.get_by_test_id("join-button").click()
        expect(second.locator("#join-takeover")).to_be_visible(timeout=20_000)
        expect(second.locator("#lobby")).to_be_visible()
        second.wait_for_function(FILLED, timeout=20_000)
        assert all(not e["hidden"] for e in extras(second)), extras(second)
    finally:
        first.context.close()
        second.context.close()
