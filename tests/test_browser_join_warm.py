"""The call view laid out once, unseen, in the lobby's idle time (web/src/join-view.js
warmCallView, issue 13): the lobby looks and acts the same, the call's buttons are wired early
but act on nothing before the join, and the view that then goes up is the full one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from support.browser import RECORD_CSP_VIOLATIONS, chromium, csp_violations, join_lobby, new_page
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

WARMED = "() => performance.getEntriesByName('mockroom:call-view-warm').length === 1"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_the_warmed_view_stays_unseen_and_inert_until_the_join(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="warm", media="video")
    page = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS,))
    try:
        page.goto(link(live_server, room, "candidate"))
        page.wait_for_function(WARMED, timeout=20_000)
        # Back as it was: hidden, without the class that laid it out, the lobby untouched.
        expect(page.locator("#call")).to_be_hidden()
        assert page.locator("#call").get_attribute("class") == "call"
        expect(page.locator("#lobby")).to_be_visible()
        expect(page.get_by_test_id("join-button")).to_be_enabled()
        assert page.evaluate("() => scrollY") == 0
        # The shortcuts are bound already, but before the join M mutes nothing.
        page.locator("body").press("m")
        expect(page.get_by_test_id("mute-audio")).to_have_attribute("aria-pressed", "false")

        join_lobby(page, name="Wren")
        expect(page.locator("#call")).to_be_visible()
        expect(page.locator("#tiles .tile.local")).to_have_count(1)
        expect(page.locator("#participants li")).to_have_count(1)
        # Wired once (early), not twice: one click toggles once.
        page.get_by_test_id("mute-audio").click()
        expect(page.get_by_test_id("mute-audio")).to_have_attribute("aria-pressed", "true")
        page.locator("body").press("m")
        expect(page.get_by_test_id("mute-audio")).to_have_attribute("aria-pressed", "false")
        assert csp_violations(page) == []
    finally:
        page.context.close()
