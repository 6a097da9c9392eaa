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
permissions). The flags are the ones measured in the shared WEBRTC-NOTES.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

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
    viewport: dict[str, int] | None = None,
    **context_options: Any,
) -> Page:
    """A page in a fresh context (its own cookies, storage and permissions)."""
    context: BrowserContext = browser.new_context(
        viewport=viewport or {"width": 1280, "height": 800}, **context_options
    )
    for script in init_scripts:
        context.add_init_script(script)
    page = context.new_page()
    page.set_default_timeout(20_000)
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
    if name is not None:
        page.fill("#display-name", name)
    join = page.get_by_test_id("join-button")
    join.wait_for(state="visible")
    page.wait_for_function("() => !document.querySelector('[data-testid=join-button]').disabled")
    join.click()


def csp_violations(page: Page) -> list[str]:
    return list(page.evaluate("() => window.__csp || []"))


# Accessibility audits with axe-core (npm, web/node_modules). Our CSP (script-src 'self') blocks
# an injected script, so audit pages come from a context made with `bypass_csp=True` (see
# `audit_page`); never use such a context for a test that is about the CSP.
AXE_JS = Path(__file__).resolve().parents[1] / "web" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")

RUN_AXE = """async (exclude) => {
  const context = exclude.length ? { include: [document], exclude: exclude.map((s) => [s]) }
    : document;
  const result = await axe.run(context, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => [].concat(...n.target).join(" ") + " | " + n.failureSummary),
  }));
}"""


def audit_page(browser: Browser, *, color_scheme: str = "light", **context_options: Any) -> Page:
    """A page whose context bypasses the CSP, so `axe_violations` can inject axe-core."""
    return new_page(browser, bypass_csp=True, color_scheme=color_scheme, **context_options)


def axe_violations(
    page: Page, impacts: Sequence[str] = SERIOUS, exclude: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, of the given impacts (serious and
    critical by default); each with its rule id, help text and the failing nodes. `exclude`:
    CSS selectors left out of the audit (say why at the call)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE, list(exclude))
    return [v for v in found if v["impact"] in impacts]


def describe_violations(violations: Sequence[dict[str, Any]]) -> str:
    """A readable assertion message: rule, impact, help and the nodes that fail it."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {node}" for node in v["nodes"][:6])
    return "\n".join(lines)
