"""A `#token=` link in Chromium: what the open page fetches, in what order, and for which page.

The ticket request is the first thing the open page asks for after its document (its script is
inlined: no script file, and no chunk it imported, comes before it). Meanwhile it preloads the
page after it: a scripted room's link fetches the scripted page's bundle and stylesheet and no
file of the peer room's page; a peer room's link still preloads the room page's script. Either
way the next page finds its script in the cache, the token has left the address, and the CSP
(which allows the inlined script by its hash only) reports nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from mockroom.pages import WEB_DIR
from support.browser import chromium, new_page, room_link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

# What this document loaded: each path with the bytes that crossed the network (0: the cache).
LOADED = """() => Object.fromEntries(performance.getEntriesByType('resource')
  .map((r) => [new URL(r.name).pathname, r.transferSize]))"""
# The button must exist: the open page has none, and a wait that passed there (before the
# room page was even requested) made the request checks below read a list still filling.
JOIN_ENABLED = """() => {
  const join = document.querySelector('[data-testid=join-button]');
  return join !== null && !join.disabled;
}"""


@pytest.fixture(scope="module")
def browser(built_web: None) -> Iterator[Browser]:
    with chromium() as b:
        yield b


def bundle(entry: str) -> set[str]:
    """The page's entry and the chunks it imports statically (web/build.mjs)."""
    data: dict[str, list[str]] = json.loads((WEB_DIR / "static/build/preload.json").read_text())
    return {f"/static/build/{name}" for name in (entry, *data[entry])}


def ever_loaded(entry: str) -> set[str]:
    """Every file the page may load: its bundle and what its dynamic imports bring."""
    outputs = json.loads((WEB_DIR / "static/build/metafile.json").read_text())["outputs"]
    todo, seen = [f"static/build/{entry}"], set[str]()
    while todo:
        file = todo.pop()
        if file not in seen:
            seen.add(file)
            todo += [i["path"] for i in outputs[file]["imports"] if not i.get("external")]
    return {"/" + file for file in seen}


def record(page: Page) -> tuple[list[str], list[str]]:
    """Every request path in order (documents included), and CSP complaints on any document."""
    paths: list[str] = []
    csp: list[str] = []
    page.on("request", lambda r: paths.append(r.url.split("://", 1)[1].split("/", 1)[1]))
    page.on(
        "console",
        lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return paths, csp


def open_link(page: Page, server: LiveServer, room: dict[str, str], role: str) -> list[str]:
    """Open the role's link and wait until the page it leads to is usable; the requests."""
    paths, csp = record(page)
    page.goto(room_link(server, room, role))
    page.wait_for_function(JOIN_ENABLED, timeout=30_000)
    assert page.url == f"{server.url}/rooms/{room['room_id']}"  # no token, no ticket
    assert csp == []
    paths = ["/" + p.split("?", 1)[0] for p in paths]
    ticket = paths.index(f"/api/rooms/{room['room_id']}/page-ticket")
    assert paths[0] == f"/rooms/{room['room_id']}"  # the open page
    # Before the ticket request: the document and at most its stylesheet; no script.
    assert set(paths[1:ticket]) <= {"/static/style.css"}, paths
    return paths


def test_a_scripted_link_fetches_the_scripted_page_and_no_peer_room_chunk(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, mode="scripted", media="audio")
    page = new_page(browser)
    try:
        paths = open_link(page, live_server, room, "candidate")
        # The room page's files that the scripted page never needs (shared code is not one).
        peer_only = bundle("room-page.js") - ever_loaded("scripted-page.js")
        assert peer_only and peer_only.isdisjoint(paths), sorted(peer_only & set(paths))
        # Preloaded by the open page (before the second document), then taken from the cache.
        second = paths.index(f"/rooms/{room['room_id']}", 1)
        preloaded = bundle("scripted-page.js") | {"/static/scripted.css"}
        assert preloaded <= set(paths[:second]), paths
        loaded = page.evaluate(LOADED)
        assert {p: loaded[p] for p in preloaded} == {p: 0 for p in preloaded}, loaded
    finally:
        page.context.close()


def test_a_peer_link_still_preloads_the_room_script(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="audio")
    page = new_page(browser)
    try:
        paths = open_link(page, live_server, room, "interviewer")
        second = paths.index(f"/rooms/{room['room_id']}", 1)
        assert bundle("room-page.js") <= set(paths[:second]), paths
        assert "/static/build/scripted-page.js" not in paths
        loaded = page.evaluate(LOADED)
        scripts = bundle("room-page.js")
        assert {p: loaded[p] for p in scripts} == {p: 0 for p in scripts}, loaded
    finally:
        page.context.close()


def test_without_a_token_or_with_a_wrong_one_the_page_says_which_link_to_open(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, mode="scripted", media="audio")
    page = new_page(browser)
    try:
        paths, csp = record(page)
        # The script runs before the page's elements exist: it writes once they do.
        page.goto(f"{live_server.url}/rooms/{room['room_id']}")
        expect(page.locator("#open-title")).to_have_text("This address does not open the room")
        expect(page.get_by_role("link", name="Create a new practice room")).to_be_visible()
        assert not any("page-ticket" in p for p in paths)  # nothing to trade
        page.goto(f"{live_server.url}/rooms/{room['room_id']}#token={'x' * 32}")
        expect(page.locator("#open-title")).to_have_text("This link does not open the room")
        expect(page.locator("#open-message")).to_contain_text("not valid")
        assert "#token" not in page.url and "x" * 32 not in page.url
        assert csp == []
    finally:
        page.context.close()
