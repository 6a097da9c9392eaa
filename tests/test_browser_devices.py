"""Device fallbacks in Chromium: no microphone means camera only (never "audio only"), in the
peer lobby and on the scripted page; and the home form's one-way settings reach the room.

The missing microphone is an init script: every getUserMedia that asks for audio rejects with
NotFoundError, as Chromium does on a machine without one, while the fake camera still works.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import RECORD_CSP_VIOLATIONS, chromium, new_page, room_link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

NO_MICROPHONE = """
(() => {
  const md = navigator.mediaDevices;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = (constraints) => constraints && constraints.audio
    ? Promise.reject(new DOMException("Requested device not found", "NotFoundError"))
    : original(constraints);
})();
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def no_mic_page(browser: Browser) -> Page:
    return new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, NO_MICROPHONE))


def camera_only_preview(page: Page) -> None:
    """The lobby shows the camera, says why there is no sound, and offers no 'audio only'."""
    problem = page.locator("#device-problem")
    expect(problem).to_contain_text("camera only", timeout=15_000)
    expect(problem).to_contain_text("No microphone")
    page.wait_for_function(
        "() => { const v = document.getElementById('local-video');"
        " return v && v.srcObject && v.srcObject.getVideoTracks().length === 1"
        " && v.srcObject.getAudioTracks().length === 0 && v.videoWidth > 0; }"
    )
    expect(page.locator("#join-audio-only")).to_be_hidden()
    expect(page.locator("#retry-devices")).to_be_visible()


def test_peer_lobby_without_microphone_joins_with_camera(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, mode="peer", media="video", bank="behavioral")
    page = no_mic_page(browser)
    try:
        page.goto(room_link(live_server, room, "candidate"))
        camera_only_preview(page)
        page.get_by_test_id("join-button").click()
        mic = page.get_by_test_id("mute-audio")
        expect(mic).to_have_text("No microphone")
        expect(mic).to_be_disabled()
        expect(page.get_by_test_id("mute-video")).to_be_enabled()
        expect(page.get_by_test_id("mute-video")).to_have_text("Camera off")
    finally:
        page.context.close()


def test_scripted_page_without_microphone_joins_with_camera(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, mode="scripted", media="video", bank="behavioral")
    page = no_mic_page(browser)
    try:
        page.goto(room_link(live_server, room, "candidate"))
        camera_only_preview(page)
        join = page.get_by_test_id("join-button")
        expect(join).to_be_enabled()
        join.click()
        expect(page.get_by_test_id("accept-recording")).to_be_visible()
        expect(page.get_by_test_id("connection-state")).to_have_text("connected", timeout=15_000)
        expect(page.get_by_test_id("mute-audio")).to_be_hidden()
        expect(page.get_by_test_id("mute-video")).to_be_visible()
    finally:
        page.context.close()


# Permission refused until the test allows it (as if the person clicked the lock icon).
REFUSED_UNTIL_ALLOWED = """
(() => {
  const md = navigator.mediaDevices;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = (constraints) => window.__allowDevices
    ? original(constraints)
    : Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
})();
"""


def test_scripted_page_permission_help_and_try_again(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, mode="scripted", media="video", bank="behavioral")
    page = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, REFUSED_UNTIL_ALLOWED))
    try:
        page.goto(room_link(live_server, room, "candidate"))
        problem = page.get_by_test_id("device-problem")
        expect(problem).to_contain_text("lock icon")
        expect(problem).to_contain_text("“Try again”")
        expect(problem).not_to_contain_text("join without")  # answers need a device here
        expect(page.get_by_test_id("join-button")).to_be_disabled()
        expect(page.get_by_test_id("join-audio-only")).to_be_hidden()
        assert problem.evaluate("p => p.getBoundingClientRect().bottom <= innerHeight")
        page.evaluate("() => { window.__allowDevices = true; }")
        page.get_by_test_id("retry-devices").click()
        expect(problem).to_be_hidden()
        expect(page.get_by_test_id("join-button")).to_be_enabled()
        page.wait_for_function("() => document.getElementById('local-video').videoWidth > 0")
    finally:
        page.context.close()


def get_room(server: LiveServer, room_id: str, token: str) -> Any:
    req = urllib.request.Request(
        f"{server.url}/api/rooms/{room_id}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_home_form_sends_the_one_way_settings(browser: Browser, live_server: LiveServer) -> None:
    page = new_page(browser)
    try:
        page.goto(live_server.url + "/")
        settings = page.get_by_test_id("scripted-settings")
        expect(settings).to_be_hidden()  # a peer room has none of these
        page.check("input[name=mode][value=scripted]")
        expect(settings).to_be_visible()
        page.select_option("#bank-select", "behavioral")
        page.get_by_test_id("question-count").fill("3")
        page.get_by_test_id("think-seconds").fill("5")
        page.get_by_test_id("answer-seconds").fill("4")
        page.get_by_test_id("retakes").fill("2")
        page.get_by_test_id("warm-up").uncheck()
        page.get_by_test_id("create-room").click()
        expect(page.locator("#create-error")).to_have_text(
            "Answer time must be a whole number from 10 to 1800."
        )
        page.get_by_test_id("answer-seconds").fill("45")
        page.get_by_test_id("create-room").click()
        link = page.get_by_test_id("link-candidate")
        expect(link).to_be_visible()
        url = link.input_value()
        room_id = url.split("/rooms/")[1].split("?")[0].split("#")[0]
        token = url.split("token=")[1]
        options = get_room(live_server, room_id, token)["options"]
        assert options == {
            "question_count": 3,
            "think_seconds": 5,
            "answer_seconds": 45,
            "retakes": 2,
            "warm_up": False,
        }, options
    finally:
        page.context.close()
