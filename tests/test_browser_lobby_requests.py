"""What the lobby loads before it is usable, and what it keeps for the next visit.

A link opens a short page first (it trades the token for a page ticket), then the room page.
Before its Join button can be used, the room page loads one stylesheet and its script (the entry
and the shared chunks it preloads, and join-early.js, the few bytes that make Join work before
the entry has run) and opens the signaling socket: nothing else (the room itself comes in the
page, issue 13, so the API is not asked for it; the interview pane, the notes editor and their
stylesheet load after Join, and still do).
The stylesheet and the script, which the open page fetched meanwhile, come from the browser's
cache, and a second visit takes every hashed chunk from it without asking the server
(static_cache.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from mockroom.pages import WEB_DIR
from support.browser import RECORD_CSP_VIOLATIONS, chromium, new_page
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

MODULES = ["/static/build/room-page.js"]
EARLY = "/static/build/join-early.js"
# The open page (where the link lands first) has no Join button: the wait must not read one there.
USABLE = """() => document.querySelector('[data-testid=join-button]')?.disabled === false
  && performance.getEntriesByName('mockroom:offer-prepared').length > 0"""
PANES_LOADED = """() => ["notes-", "interview-", "interview.css"].every((name) =>
  performance.getEntriesByType('resource').some((r) => r.name.includes(name)))"""
# Every WebSocket the page opens, by path.
RECORD_SOCKETS = """
(() => {
  window.__sockets = [];
  const Original = window.WebSocket;
  window.WebSocket = class extends Original {
    constructor(url, ...rest) { super(url, ...rest); window.__sockets.push(new URL(url).pathname); }
  };
})();
"""
# What this document loaded: each path with the bytes that crossed the network (0: the cache).
LOADED = """() => performance.getEntriesByType('resource')
  .map((r) => [new URL(r.name).pathname, r.transferSize])"""


@pytest.fixture(scope="module")
def browser(built_web: None) -> Iterator[Browser]:
    with chromium() as b:
        yield b


def preloaded_chunks() -> list[str]:
    preload: dict[str, list[str]] = json.loads(
        (WEB_DIR / "static" / "build" / "preload.json").read_text()
    )
    return [f"/static/build/{chunk}" for chunk in preload["room-page.js"]]


def test_the_lobby_loads_what_it_needs_only(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(live_server.url, title="requests")
    page = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_SOCKETS))
    try:
        page.goto(link(live_server, room, "interviewer"))
        page.wait_for_function(USABLE)
        loaded: dict[str, int] = dict(page.evaluate(LOADED))
        scripts = sorted(p for p in loaded if p.endswith(".js"))
        assert EARLY in preloaded_chunks()  # the open page fetches it with the chunks
        assert scripts == sorted({*MODULES, *preloaded_chunks()}), loaded
        assert [p for p in loaded if p.startswith("/api/")] == [], loaded  # the page has the room
        assert sorted(loaded) == sorted([*scripts, "/static/style.css"]), loaded
        sockets = page.evaluate("window.__sockets")
        assert sockets == [f"/ws/rooms/{room['room_id']}"], sockets
        # The open page's stylesheet (render-blocking) is not fetched again, and the script it
        # fetched while trading the token (open.html) comes from the cache too.
        assert loaded["/static/style.css"] == 0, loaded
        assert {p: loaded[p] for p in scripts} == {p: 0 for p in scripts}, loaded

        # The panes loaded after Join still load (alone in the room: at once).
        page.get_by_test_id("join-button").click()
        expect(page.locator("#call")).to_be_visible()
        page.wait_for_function(PANES_LOADED)

        # The next visit: the hashed chunks come from the cache; the page (never cached)
        # brings the room again, so the API is still not asked.
        page.goto(link(live_server, room, "interviewer"))
        page.wait_for_function(USABLE)
        again: dict[str, int] = dict(page.evaluate(LOADED))
        for chunk in preloaded_chunks():
            assert again[chunk] == 0, (chunk, again)
        assert [p for p in again if p.startswith("/api/")] == [], again
    finally:
        page.context.close()
