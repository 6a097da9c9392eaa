"""A `#token=` link in Chromium (security review M7): the room opens, and afterwards neither the
address bar, the history entries nor any request the page made holds the token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import chromium, csp_violations, join_room, room_link, two_pages
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def record_urls(page: Page) -> list[str]:
    """Every URL the page asks for: documents, fetches, media and WebSocket handshakes."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    return urls


def test_a_fragment_link_opens_the_room_and_leaves_no_token_behind(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="audio", bank="behavioral")
    tokens = room["tokens"]
    with two_pages(browser) as (ana, ben):
        seen = {"ana": record_urls(ana), "ben": record_urls(ben)}
        ana_link = room_link(live_server, room, "interviewer")
        assert "#token=" in ana_link
        join_room(ana, ana_link, "Ana")
        join_room(ben, room_link(live_server, room, "candidate"), "Ben")
        for page in (ana, ben):
            expect(page.get_by_test_id("connection-state")).to_have_text("connected")
            # The notes pane mounts once the call is up: its socket has opened by now.
            expect(page.get_by_test_id("notes-editor")).to_be_visible(timeout=30_000)
        ana.get_by_test_id("notes-editor").click()
        ana.keyboard.type("Hello")
        expect(ben.get_by_test_id("notes-editor")).to_contain_text("Hello", timeout=15_000)

        room_path = f"{live_server.url}/rooms/{room['room_id']}"
        assert ana.url == room_path and ben.url == room_path  # no token, no ticket
        # A reload lands on the page again from this tab's own copy of the token.
        ana.reload()
        expect(ana.get_by_test_id("join-button")).to_be_visible()
        assert ana.url == room_path
        # Every history entry of the tab: leave, then walk back through it.
        ana.goto(live_server.url + "/")
        ana.go_back()
        expect(ana.get_by_test_id("join-button")).to_be_visible()
        assert ana.url == room_path
        assert ana.evaluate("() => history.length") >= 2
        ana.go_back()
        assert ana.url in ("about:blank", room_path)  # the link's own entry was replaced

        for who, urls in seen.items():
            leaked = [url for url in urls if any(token in url for token in tokens.values())]
            assert leaked == [], (who, leaked)
            assert any("/notes/" in url for url in urls), who  # the notes socket was seen
        assert csp_violations(ben) == []
