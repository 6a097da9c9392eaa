"""Issue 13 in Chromium: the room page prepares the call from the room info it carries.

The page embeds what GET /api/rooms/{id} answers its link (test_room_page_info.py), so neither
person's page asks the API for the room before Join, and the call still connects with frames
arriving. A page whose data block is unreadable (a proxy mangled it, say) asks the API as
before, and its call is prepared all the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import RECORD_CSP_VIOLATIONS, chromium, csp_violations, new_page, two_pages
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer
from support.peer_probe import FRAMES_ARRIVE

pytestmark = pytest.mark.browser

# Null-safe: the open page (which trades the link's token first) has no Join button.
PREPARED = """() => document.querySelector('[data-testid=join-button]')?.disabled === false
  && performance.getEntriesByName('mockroom:offer-prepared').length > 0"""
REMOTE = "[data-testid=remote-media]"
# The room page's data block made unreadable once parsed, before the module runs ("interactive"
# comes before deferred and module scripts). Rewriting the page in a route instead would make
# it a document Chromium's local network checks refuse loopback sockets to.
MANGLE = """
document.addEventListener("readystatechange", () => {
  const block = document.getElementById("room-info");
  if (document.readyState === "interactive" && block) block.textContent = "{not json";
});
"""


@pytest.fixture(scope="module")
def browser(built_web: None) -> Iterator[Browser]:
    with chromium() as b:
        yield b


def record_requests(page: Page) -> list[str]:
    """The path of every request the page makes, in order."""
    paths: list[str] = []
    page.on("request", lambda r: paths.append(re.sub(r"^https?://[^/]+", "", r.url)))
    return paths


def room_asks(paths: list[str], room_id: str) -> list[str]:
    """The requests for the room itself (not its links, notes or other resources)."""
    return [p for p in paths if p.split("?")[0] == f"/api/rooms/{room_id}"]


def test_no_room_request_before_join_and_the_call_connects(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="Embedded info")
    rid = room["room_id"]
    with two_pages(browser) as (ana, ben):
        asked = {"interviewer": record_requests(ana), "candidate": record_requests(ben)}
        for page, role in ((ana, "interviewer"), (ben, "candidate")):
            page.goto(link(live_server, room, role))
            page.wait_for_function(PREPARED)
            assert room_asks(asked[role], rid) == [], asked[role]
        for page in (ana, ben):
            page.get_by_test_id("join-button").click()
        for page, role in ((ana, "interviewer"), (ben, "candidate")):
            state = page.get_by_test_id("connection-state")
            expect(state).to_have_text("connected", timeout=30_000)
            expect(page.locator(REMOTE)).to_have_count(1)
            assert page.evaluate(FRAMES_ARRIVE, [REMOTE, 3])["width"] > 0
            assert room_asks(asked[role], rid) == [], asked[role]
            assert csp_violations(page) == []


def test_an_unreadable_block_falls_back_to_the_api(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="Mangled")
    page = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, MANGLE))
    try:
        asked = record_requests(page)
        page.goto(link(live_server, room, "interviewer"))
        page.wait_for_function(PREPARED)
        assert page.evaluate("document.getElementById('room-info').textContent") == "{not json"
        assert len(room_asks(asked, room["room_id"])) == 1, asked
        page.get_by_test_id("join-button").click()
        expect(page.locator("#call")).to_be_visible()
        expect(page.get_by_test_id("join-error")).to_be_hidden()
        assert csp_violations(page) == []
    finally:
        page.context.close()
