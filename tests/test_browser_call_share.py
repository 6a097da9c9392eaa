"""Screen sharing in the peer call, in Chromium: the share replaces the camera in a spotlight
everyone sees, the sharer's camera rides along as picture-in-picture, and a phone is not offered
it. Chromium's fake screen is 1280x720, its fake camera 640x480.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from support.browser import chromium, join_room, two_pages
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer
from support.peer_probe import REMOTE, expect_connected_with_frames

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


# A video element showing the fake camera's frames (4:3, at most 640 wide), not the fake screen's
# (16:9, 1280 wide).
CAMERA_SHAPED = (
    "((sel) => { const v = document.querySelector(sel);"
    " return !!v && v.videoWidth > 0 && v.videoWidth <= 640"
    " && v.videoWidth * 3 === v.videoHeight * 4; })"
)


def test_screen_share_replaces_the_camera_and_everyone_sees_it(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="video")
    with two_pages(browser) as (ana, ben):
        join_room(ana, link(live_server, room, "interviewer"), name="Ana")
        join_room(ben, link(live_server, room, "candidate"), name="Ben")
        camera = expect_connected_with_frames(ben)
        share = ana.get_by_test_id("share-screen")
        share.click()  # Chromium's fake screen is 1280x720, the fake camera 640x480
        expect(share).to_have_attribute("aria-pressed", "true")
        tile = ben.locator(".tile.remote")
        expect(tile).to_have_attribute("data-screen", "on")
        ben.wait_for_function(
            f"() => document.querySelector('{REMOTE}').videoWidth === 1280", timeout=15_000
        )
        assert camera["width"] == 640
        # Shown whole (no cropping), in a spotlight with a label; the self view becomes a
        # picture-in-picture over it.
        expect(tile).to_have_class(re.compile(r"\bscreen-share\b"))
        expect(ben.get_by_test_id("share-label")).to_have_text("Ana's screen")
        expect(ben.locator("#tiles")).to_have_attribute("data-spotlight", "on")
        fit = ben.locator(REMOTE).evaluate("(v) => getComputedStyle(v).objectFit")
        assert fit == "contain"
        stage = tile.bounding_box()
        pip = ben.locator(".tile.local").bounding_box()
        assert stage and pip and pip["width"] < stage["width"] / 3
        assert pip["x"] > stage["x"] and pip["x"] + pip["width"] <= stage["x"] + stage["width"]
        # The sharer's camera comes along as picture-in-picture (640x480 beside the 1280 screen).
        camera_pip = tile.get_by_test_id("pip-camera")
        expect(camera_pip).to_be_visible()
        # The camera's frames, told from the screen's by their 4:3 shape: under CPU load the
        # sender may scale a second stream down (640x480 -> 480x360 or 320x240), not reshape it.
        ben.wait_for_function(f"() => {CAMERA_SHAPED}('[data-testid=pip-camera]')", timeout=15_000)
        assert ben.locator(REMOTE).evaluate("(v) => v.videoWidth") == 1280
        share.click()  # stop sharing: the camera comes back
        expect(ben.locator(".tile.remote")).to_have_attribute("data-screen", "off")
        ben.wait_for_function(f"() => {CAMERA_SHAPED}('{REMOTE}')", timeout=15_000)
        expect(ben.locator("#tiles")).to_have_attribute("data-spotlight", "off")
        expect(ben.get_by_test_id("share-label")).to_be_hidden()
        expect(camera_pip).to_be_hidden()
        # Sharing again works the same way (the camera's transceiver is reused).
        share.click()
        ben.wait_for_function(
            f"() => document.querySelector('{REMOTE}').videoWidth === 1280", timeout=15_000
        )
        expect(camera_pip).to_be_visible()


PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0 Mobile Safari/537.36",
}


def test_share_screen_is_not_offered_on_a_phone(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(live_server.url, media="video")
    with two_pages(browser, **PHONE) as (ana, _):
        ana.goto(link(live_server, room, "interviewer"))
        join = ana.get_by_test_id("join-button")
        expect(join).to_be_enabled()
        # Join is in the first screen; this person scrolled down to the device lists first.
        ana.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        assert ana.evaluate("() => window.scrollY") > 300
        join.click()
        expect(ana.get_by_test_id("mute-video")).to_be_visible()
        expect(ana.get_by_test_id("share-screen")).to_be_hidden()
        # After Join the page is back at the top (the call), not at the lobby's scroll position.
        assert ana.evaluate("() => window.scrollY") == 0
        ana.locator("body").click(position={"x": 1, "y": 1})
        ana.keyboard.press("s")  # the shortcut does nothing either (and throws nothing)
        expect(ana.get_by_test_id("share-screen")).to_have_attribute("aria-pressed", "false")
