"""What the peer lobby leaves off its main thread before the page settles (issue 13).

bench/join.py clicks Join the moment it is enabled, and a trusted click's pointerdown waits
for whatever task the page is in: every task of ours between the navigation and the click is
in navigation → first frame twice, as work and as a click held back (bench/lobby_busy.py).

- The call view's warm-up (web/src/join-view.js warmCallView: one unseen layout of #call and
  its buttons wired) waits for the page to settle, with the meter and the device lists
  (Lobby.extras, SETTLE_MS after the navigation); at the first idle slice it was one 8-20 ms
  task right where such a click lands. A click before then skips it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from support.browser import RECORD_CSP_VIOLATIONS, chromium, csp_violations, new_page
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

SETTLE_MS = 600  # web/src/lobby.js
WARM = "mockroom:call-view-warm"
# When the warm-up ran (on the page's clock) and whether the lobby was hidden then.
RECORD_WARM = """
(() => {
  const seen = window.__warm = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name === "mockroom:call-view-warm") {
        seen.push({ at: e.startTime, hidden: !!document.getElementById("lobby")?.hidden });
      }
    }
  }).observe({ type: "mark" });
  document.addEventListener("pointerdown", () => { window.__pressed ??= performance.now(); },
                            true);
})();
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_the_call_view_is_warmed_once_the_lobby_settled(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="warm later", media="video")
    page = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_WARM))
    try:
        page.goto(link(live_server, room, "candidate"))
        page.wait_for_function("() => window.__warm.length > 0", timeout=20_000)
        seen = page.evaluate("window.__warm")
        assert len(seen) == 1 and seen[0]["at"] >= SETTLE_MS and not seen[0]["hidden"], seen
        expect(page.locator("#call")).to_be_hidden()
        expect(page.get_by_test_id("join-button")).to_be_enabled()
        assert csp_violations(page) == []
    finally:
        page.context.close()


def test_a_join_skips_the_warm_up_it_came_before(browser: Browser, live_server: LiveServer) -> None:
    """Join the moment it is enabled: no warm-up runs after the click (the join's view is
    built anyway), and the call view that goes up is the full one, its buttons wired once.
    (Whether the click came before the settling time depends on the host's load: a warm-up
    before the click is allowed then, and is the first test's to time.)"""
    room = make_room(live_server.url, title="warm skipped", media="video")
    page = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_WARM))
    try:
        page.goto(link(live_server, room, "candidate"), wait_until="commit")
        page.wait_for_url(lambda address: "sig=" in address, wait_until="commit")
        page.wait_for_function(
            "() => document.querySelector('[data-testid=join-button]')?.disabled === false",
            polling=10,
        )
        page.get_by_test_id("join-button").click(force=True)
        expect(page.locator("#call")).to_be_visible()
        expect(page.locator("#tiles .tile.local")).to_have_count(1)
        # Well past the settling time: the warm-up had every chance to run.
        page.wait_for_function(f"() => performance.now() > {3 * SETTLE_MS}")
        pressed = page.evaluate("window.__pressed")
        assert [w for w in page.evaluate("window.__warm") if w["at"] >= pressed] == []
        page.get_by_test_id("mute-audio").click()
        expect(page.get_by_test_id("mute-audio")).to_have_attribute("aria-pressed", "true")
        page.locator("body").press("m")
        expect(page.get_by_test_id("mute-audio")).to_have_attribute("aria-pressed", "false")
        assert csp_violations(page) == []
    finally:
        page.context.close()
