"""The call view's fonts are looked up when the lobby has settled, or after a Join click (issue 13).

They were looked up at once after the lobby started, one font per slice through
scheduler.yield: a dozen slices in the lobby's own start, and ahead of a click that came the
moment Join was enabled (a yield's continuation runs before the click's input task). Now
(join-view.js warmCallFonts) they wait for the lobby's settle (`mockroom:lobby-settled`, the
first go of Lobby.extras, 600 ms after the navigation) or, a Join click first, come right
after it in tasks of their own, and stop once the call view is shown.

- No click: no font sample is laid out before the settle, and all are by
  `mockroom:call-fonts-warm`.
- A click the moment Join is enabled: the samples come after it, none once the view is built
  (`mockroom:call-view-built`), and none is left in the page.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import RECORD_CSP_VIOLATIONS, chromium, csp_violations, new_page
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

# When each font sample went into the page (page clock), and the first pointerdown.
RECORD_SAMPLES = """
(() => {
  const seen = window.__samples = { at: [], clicked: null };
  document.addEventListener("pointerdown", () => { seen.clicked ??= performance.now(); }, true);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target instanceof HTMLElement && r.target.classList.contains("font-warm")) {
        for (const n of r.addedNodes) seen.at.push(performance.now());
      }
    }
  }).observe(document, { childList: true, subtree: true });
})();
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def _wait_mark(page: Page, name: str) -> float:
    page.wait_for_function(
        "(n) => performance.getEntriesByName('mockroom:' + n).length > 0", arg=name, timeout=20_000
    )
    return float(
        page.evaluate("(n) => performance.getEntriesByName('mockroom:' + n)[0].startTime", name)
    )


def _settle(page: Page) -> float | None:
    """When the lobby settled (its extras' first go), None if not yet."""
    at = page.evaluate(
        "performance.getEntriesByName('mockroom:lobby-settled')[0]?.startTime ?? null"
    )
    return float(at) if at is not None else None


def test_without_a_click_the_fonts_wait_for_the_lobby_to_settle(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="fonts later", media="video")
    page = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_SAMPLES))
    try:
        page.goto(link(live_server, room, "candidate"))
        warm = _wait_mark(page, "call-fonts-warm")
        # Read as the fonts are warm: none yet if they came before the settle.
        settled = _settle(page)
        samples = page.evaluate("window.__samples.at")
        assert samples, "no font sample was laid out"
        assert settled is not None, ("warm before the settle", samples, warm)
        assert all(settled <= t <= warm for t in samples), (settled, samples, warm)
        assert page.locator(".font-warm").count() == 0
        # The lobby goes on as before: Join still joins.
        page.get_by_test_id("join-button").click()
        expect(page.locator("#call")).to_be_visible()
        assert csp_violations(page) == []
    finally:
        page.context.close()


def test_a_click_at_once_warms_the_fonts_after_it_until_the_view_is_built(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="fonts click", media="video")
    page = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_SAMPLES))
    try:
        # Clicked the moment Join is enabled (join-early.js enables it as it is parsed).
        page.goto(link(live_server, room, "candidate"), wait_until="commit")
        page.get_by_test_id("join-button").click()
        built = _wait_mark(page, "call-view-built")
        expect(page.locator("#call")).to_be_visible()
        _wait_mark(page, "call-deferred")
        seen = page.evaluate("window.__samples")
        clicked = seen["clicked"]
        settled = _settle(page)
        assert clicked is not None
        # Not in the lobby's start: after the click (or the settle, on a host so slow that the
        # click came after it).
        first_go = clicked if settled is None else min(clicked, settled)
        assert all(first_go <= t <= built for t in seen["at"]), (first_go, seen, built)
        assert page.locator(".font-warm").count() == 0
        assert csp_violations(page) == []
    finally:
        page.context.close()
