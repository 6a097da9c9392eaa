"""The tiles' first layout happens in the lobby's idle time too (web/src/join-view.js warmTiles).

The first layout of a tile of each kind (ours, a remote one with its stats line) and of their
roster entries cost 12 ms in the first frame after the answer, right when the connection came
up (the joining page's `pc-connected` ran that much later); laid out once beforehand, that frame's
layout took 3 ms. This test records, before the click, that a local and a remote tile and two
roster entries were put into the hidden call view and taken out again in one task (never
painted), and that nothing of them is left: the call that follows shows only the real ones.
The same throwaway pair goes in once more, earlier, without a layout: the fonts warm-up
(join-view.js warmCallFonts) reads the fonts of their text; so two of each, whole pairs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

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

# Every tile or roster entry added anywhere, before the first click (window.__warm), and whether
# any was still in the document when the task that added it ended.
RECORD_WARM = """
(() => {
  const warm = window.__warm = { tiles: [], roster: 0, leftover: 0, clicked: false };
  document.addEventListener("pointerdown", () => { warm.clicked = true; }, true);
  new MutationObserver((records) => {
    if (warm.clicked) return;
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (!(n instanceof HTMLElement)) continue;
        if (n.matches("figure.tile")) warm.tiles.push(n.className);
        if (n.tagName === "LI" && r.target.id === "participants") warm.roster += 1;
      }
    }
    // Callbacks run after the adding task: by then the warm-up has taken them out again.
    warm.leftover += document.querySelectorAll("#tiles figure.tile, #participants li").length;
  }).observe(document, { childList: true, subtree: true });
})();
"""
WARMED = "() => performance.getEntriesByName('mockroom:call-view-warm-tiles').length === 1"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_a_tile_of_each_kind_is_laid_out_before_the_click_and_nothing_is_left(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="warm tiles", media="video")
    host = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS,))
    guest = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_WARM))
    try:
        join_room(host, link(live_server, room, "interviewer"), name="Hana")
        expect(host.locator("#call")).to_be_visible()
        guest.goto(link(live_server, room, "candidate"))
        guest.wait_for_function(WARMED, timeout=20_000)
        warm = guest.evaluate("window.__warm")
        # The fonts warm-up's pair and the layout warm-up's pair.
        assert sorted(warm["tiles"]) == ["tile local"] * 2 + ["tile remote"] * 2, warm
        assert warm["roster"] == 4, warm
        assert warm["leftover"] == 0, warm
        expect(guest.locator("#call")).to_be_hidden()
        assert guest.locator("#call").get_attribute("class") == "call"
        # As the page left it (the grid's count is the template's until the join).
        assert guest.locator("#tiles").get_attribute("data-count") == "1"

        join_lobby(guest, name="Cleo")
        expect(guest.get_by_test_id("connection-state")).to_have_text("connected", timeout=20_000)
        # Only the real tiles and entries: ours and Hana's.
        expect(guest.locator("#tiles .tile")).to_have_count(2)
        expect(guest.get_by_test_id("remote-tile")).to_have_count(1)
        expect(guest.locator("#participants li")).to_have_count(2)
        expect(guest.locator("#participants")).to_contain_text("Hana")
        expect(guest.locator("#participants")).not_to_contain_text("Warm")
        assert guest.locator("#tiles").get_attribute("data-count") == "2"
        assert csp_violations(guest) == [] and csp_violations(host) == []
    finally:
        host.context.close()
        guest.context.close()
