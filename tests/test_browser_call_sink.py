"""The remote tile's media element is not sent to the "default" speaker it plays on already.

Once the lobby has listed its devices (600 ms after the navigation), its speaker list starts
at "default", and the call view called setSinkId("default") on each new remote <video>: in
traces of a join clicked after that, a task of 5-35 ms on the joining page's main thread (the
output device's check, html_media_element_audio_output_device.cc) right before the first
remote frame, for a change to nothing (web/src/room-ui.js applySink). A speaker picked in the
lobby is still applied to the remote media.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import (
    RECORD_CSP_VIOLATIONS,
    chromium,
    csp_violations,
    join_lobby,
    join_room,
    new_page,
)
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

# Every setSinkId of a media element: the device id and the element's test id.
RECORD_SINKS = """
(() => {
  const calls = window.__sinks = [];
  const original = HTMLMediaElement.prototype.setSinkId;
  if (!original) return;
  HTMLMediaElement.prototype.setSinkId = function (id) {
    calls.push({ id, testid: this.dataset.testid || this.id || this.tagName });
    return original.call(this, id);
  };
})();
"""
LISTED = "() => document.querySelectorAll('#speaker-select option').length > 1"
REMOTE_PLAYS = """() => {
  const v = document.querySelector('video[data-testid=remote-media]');
  return !!v && v.videoWidth > 0 && !v.paused;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def _join_after_listing(host: Page, guest: Page, live_server: LiveServer, pick: int | None) -> str:
    """Hana waits in a room; the guest's lobby lists its devices, the guest picks speaker
    `pick` (an option's index) or leaves the default, joins and sees Hana's video. Returns the
    speaker the guest joined with."""
    room = make_room(live_server.url, title="sink", media="video")
    join_room(host, link(live_server, room, "interviewer"), name="Hana")
    guest.goto(link(live_server, room, "candidate"))
    guest.wait_for_function(LISTED, timeout=20_000)
    select = guest.locator("#speaker-select")
    if pick is not None:
        select.select_option(index=pick)
    chosen = select.input_value()
    join_lobby(guest, name="Cleo")
    expect(guest.get_by_test_id("connection-state")).to_have_text("connected", timeout=20_000)
    guest.wait_for_function(REMOTE_PLAYS, timeout=20_000)
    return chosen


def _pages(browser: Browser) -> tuple[Page, Page]:
    host = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS,))
    guest = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_SINKS))
    return host, guest


def test_a_new_remote_tile_on_the_default_speaker_gets_no_set_sink_id(
    browser: Browser, live_server: LiveServer
) -> None:
    host, guest = _pages(browser)
    try:
        chosen = _join_after_listing(host, guest, live_server, None)
        assert chosen == "default"
        calls = guest.evaluate("window.__sinks")
        assert [c for c in calls if c["testid"] == "remote-media"] == [], calls
        assert csp_violations(guest) == [] and csp_violations(host) == []
    finally:
        host.context.close()
        guest.context.close()


def test_a_speaker_picked_in_the_lobby_is_still_applied_to_the_remote_media(
    browser: Browser, live_server: LiveServer
) -> None:
    host, guest = _pages(browser)
    try:
        chosen = _join_after_listing(host, guest, live_server, 1)
        assert chosen not in ("", "default")
        calls = guest.evaluate("window.__sinks")
        assert [c["id"] for c in calls if c["testid"] == "remote-media"] == [chosen], calls
        assert csp_violations(guest) == [] and csp_violations(host) == []
    finally:
        host.context.close()
        guest.context.close()
