"""Shared Playwright helpers: Debian's Chromium with fake media devices, pages in separate contexts.

Usage (sync API, in plain `def` tests):

    @pytest.fixture(scope="module")
    def browser() -> Iterator[Browser]:
        with chromium() as b:
            yield b

    def test_x(browser, live_server):
        with two_pages(browser) as (a, b):
            a.goto(url_a); b.goto(url_b)

Each page gets its own browser context, so two pages behave like two people (own storage, own
permissions). The flags are the ones measured in the team's WebRTC notes (WEBRTC-NOTES.md).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    # Without it Chromium offers <uuid>.local host candidates (slower to resolve, see the notes).
    "--disable-features=WebRtcHideLocalIpsWithMdns",
)

# Records every getUserMedia call's constraints in window.__gum (tests assert what was asked).
RECORD_GET_USER_MEDIA = """
(() => {
  window.__gum = [];
  const md = navigator.mediaDevices;
  if (!md || !md.getUserMedia) return;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = (constraints) => {
    window.__gum.push(JSON.parse(JSON.stringify(constraints || {})));
    return original(constraints);
  };
})();
"""

# Collects Content-Security-Policy violations in window.__csp (a violation is otherwise silent).
RECORD_CSP_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


@contextmanager
def chromium(extra_args: Sequence[str] = ()) -> Iterator[Browser]:
    """One headless Chromium (launch it once per test module; it takes about a second)."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *extra_args], headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def new_page(
    browser: Browser,
    *,
    init_scripts: Sequence[str] = (RECORD_CSP_VIOLATIONS,),
    viewport: ViewportSize | None = None,
    **context_options: Any,
) -> Page:
    """A page in a fresh context (its own cookies, storage and permissions)."""
    context: BrowserContext = browser.new_context(
        viewport=viewport or {"width": 1280, "height": 800}, **context_options
    )
    for script in init_scripts:
        context.add_init_script(script)
    page = context.new_page()
    # Actions and navigations (Playwright's own default is 30 s): a room page's goto through
    # the cluster's nginx took over 20 s at load ~29.
    page.set_default_timeout(30_000)
    return page


@contextmanager
def pages(
    browser: Browser,
    count: int,
    *,
    init_scripts: Sequence[str] = (RECORD_CSP_VIOLATIONS,),
    **context_options: Any,
) -> Iterator[list[Page]]:
    """`count` pages, each in its own context; all closed afterwards."""
    opened = [new_page(browser, init_scripts=init_scripts, **context_options) for _ in range(count)]
    try:
        yield opened
    finally:
        for page in opened:
            page.context.close()


@contextmanager
def two_pages(
    browser: Browser,
    *,
    init_scripts: Sequence[str] = (RECORD_CSP_VIOLATIONS,),
    **context_options: Any,
) -> Iterator[tuple[Page, Page]]:
    """Two people: two pages in two contexts."""
    with pages(browser, 2, init_scripts=init_scripts, **context_options) as (a, b):
        yield a, b


def room_link(server: Any, room: dict[str, Any], role: str) -> str:
    """The role's link from POST /api/rooms, absolute against the live server if relative."""
    url: str = room["links"][role]
    return url if url.startswith("http") else server.url + url


def join_room(page: Page, url: str, name: str | None = None) -> None:
    """Open a room link, optionally type a name, and click Join once it is enabled."""
    page.goto(url)
    join_lobby(page, name)


def join_lobby(page: Page, name: str | None = None) -> None:
    """Join from the page this tab is on or is still navigating to, never navigating itself.
    After a reload the tab lands on the open page, which then replaces itself with the room
    (open-page.js); a goto issued meanwhile races that replace, and Playwright fails it with
    "interrupted by another navigation". The lobby's join button is on the final page only."""
    join = page.get_by_test_id("join-button")
    join.wait_for(state="visible")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=join-button]')?.disabled === false"
    )
    # After the lobby is ready: a #token= link opens a short page first, and the lobby's own
    # script fills the name field in when it starts.
    if name is not None:
        page.fill("#display-name", name)
    join.click()


def csp_violations(page: Page) -> list[str]:
    return list(page.evaluate("() => window.__csp || []"))


def wait_until(page: Page, predicate: str, arg: Any = None, timeout_s: float = 20) -> None:
    """Until the page's (async) `predicate(arg)` resolves truthy. Playwright's wait_for_function
    does not await a predicate: the Promise an async one returns is truthy at once."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not true within {timeout_s} s: {predicate[:80]}")
        page.wait_for_timeout(250)
