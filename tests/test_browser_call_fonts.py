"""The call view's fonts are looked up in the lobby, before a quick click (issue 13).

In a trace of a join clicked the moment Join is enabled, the call view's first layout took
40 ms, 35 of them in Chromium's font lookups (on Linux one synchronous call to the browser
process per new font strike: the tile captions, names and badges use sizes and weights the
lobby never laid out), and the first remote frame waited behind it. web/src/font-warm.js
lays a sample of each of the call view's fonts out, one font per task
(`mockroom:call-fonts-warm` once all are done): once the lobby has settled, or right after a
Join click that comes first (tests/test_browser_call_fonts_later.py has that timing).

- Once the fonts are warm, a click builds the call view without a single font lookup of the
  browser process from the click to the media being up (Chromium trace, `fonts` category),
  and the view looks as it always did.
- A click the moment Join is enabled: no sample is laid out once the view is built, and none
  is left.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

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

FONTS_WARM = "() => performance.getEntriesByName('mockroom:call-fonts-warm').length === 1"
# The synchronous call per new font strike (Linux); FontCache::GetFontPlatformData is traced
# for cache hits too, this one only when the browser process is asked.
STRIKE_LOOKUP = "WebSandboxSupportLinux::GetWebFontRenderStyleForStrike"
# When each font sample went into the page (page clock), and the click.
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


def _mark(page: Page, name: str) -> float | None:
    at = page.evaluate(
        "(n) => performance.getEntriesByName('mockroom:' + n).map((m) => m.startTime)[0]", name
    )
    return float(at) if at is not None else None


def test_the_fonts_are_warm_after_the_settle_and_the_call_view_needs_no_lookup(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    room = make_room(live_server.url, title="fonts", media="video")
    host = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS,))
    guest = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_SAMPLES))
    try:
        join_room(host, link(live_server, room, "interviewer"), name="Hana")
        expect(host.get_by_test_id("connection-state")).to_have_text("new")
        guest.goto(link(live_server, room, "candidate"))
        guest.wait_for_function(FONTS_WARM, timeout=20_000)
        warm = _mark(guest, "call-fonts-warm")
        settled = _mark(guest, "lobby-settled")
        # Looked up once the lobby settled (before: ahead of it, and of a quick click).
        assert warm is not None and settled is not None and settled < warm, (warm, settled)
        samples = guest.evaluate("window.__samples.at")
        assert samples and all(t <= warm for t in samples), (samples, warm)
        assert guest.locator(".font-warm").count() == 0

        trace = tmp_path / "trace.json"
        browser.start_tracing(
            page=guest, path=str(trace), categories=["fonts", "blink.user_timing", "__metadata"]
        )
        try:
            join_lobby(guest, name="Cleo")
            expect(guest.get_by_test_id("connection-state")).to_have_text(
                "connected", timeout=20_000
            )
            guest.wait_for_function(
                "() => performance.getEntriesByName('mockroom:call-deferred').length === 1",
                timeout=20_000,
            )
        finally:
            browser.stop_tracing()
        events = json.loads(trace.read_text())["traceEvents"]
        click = next(e for e in events if e.get("name") == "mockroom:join-click")
        # Until the media is up (then the panes load, with their own fonts).
        up = next(e for e in events if e.get("name") == "mockroom:call-deferred")
        lookups = [
            e
            for e in events
            if e.get("name") == STRIKE_LOOKUP
            and e.get("pid") == click["pid"]
            and click["ts"] <= e["ts"] <= up["ts"]
        ]
        assert lookups == [], lookups

        # The view as it always was: our tile and Hana's, named, and the roster.
        expect(guest.locator("#tiles .tile")).to_have_count(2)
        expect(guest.get_by_test_id("remote-tile")).to_contain_text("Hana")
        expect(guest.locator("#participants li")).to_have_count(2)
        expect(guest.locator("#participants")).not_to_contain_text("Warm")
        assert csp_violations(guest) == [] and csp_violations(host) == []
    finally:
        host.context.close()
        guest.context.close()


def test_a_click_at_once_leaves_no_sample_once_the_view_is_built(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="fonts quick", media="video")
    page = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_SAMPLES))
    try:
        page.goto(link(live_server, room, "candidate"))
        page.get_by_test_id("join-button").click()
        expect(page.locator("#call")).to_be_visible()
        page.wait_for_function(
            "() => performance.getEntriesByName('mockroom:call-deferred').length === 1",
            timeout=20_000,
        )
        seen = page.evaluate("window.__samples")
        built = _mark(page, "call-view-built")
        assert seen["clicked"] is not None and built is not None
        # Before: none after the click. Now they may follow it, until the view is built.
        assert all(t <= built for t in seen["at"]), (seen, built)
        assert page.locator(".font-warm").count() == 0
        assert csp_violations(page) == []
    finally:
        page.context.close()
