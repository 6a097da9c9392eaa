"""axe-core on every page, in light and dark mode: no serious or critical violations.

The audit injects axe-core, which our CSP would block, so these pages come from contexts made
with `bypass_csp=True` (support.axe.audit_page): for the audit only, never for CSP tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from support.axe import audit_page, axe_violations, describe_violations
from support.browser import chromium, join_room
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

SCHEMES = ("light", "dark")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


class Audit:
    """Collects each page's violations, so one run reports every page that fails."""

    def __init__(self) -> None:
        self.found: dict[str, list[dict[str, Any]]] = {}

    def check(
        self,
        name: str,
        page: Page,
        impacts: tuple[str, ...] = ("serious", "critical"),
        exclude: tuple[str, ...] = (),
    ) -> None:
        self.found[name] = axe_violations(page, impacts, exclude)

    def report(self) -> str:
        return "\n".join(
            f"[{name}]\n{describe_violations(v)}" for name, v in self.found.items() if v
        )


@pytest.mark.parametrize("scheme", SCHEMES)
def test_home_lobby_room_and_error_pages(
    browser: Browser, live_server: LiveServer, scheme: str
) -> None:
    audit = Audit()
    ana = audit_page(browser, color_scheme=scheme)
    ben = audit_page(browser, color_scheme=scheme)
    try:
        ana.goto(live_server.url + "/")
        audit.check("home", ana)
        ana.fill("input[name=title]", "Audit")
        ana.get_by_test_id("create-room").click()
        expect(ana.get_by_test_id("link-candidate")).to_be_visible()
        audit.check("home with links", ana)
        ana.reload()
        expect(ana.get_by_test_id("my-rooms")).to_be_visible()
        audit.check("home with my rooms", ana)

        room = make_room(live_server.url, media="video", bank="behavioral", title="Audit room")
        ana.goto(link(live_server, room, "interviewer"))
        expect(ana.get_by_test_id("join-button")).to_be_enabled()
        audit.check("lobby", ana)
        join_room(ana, link(live_server, room, "interviewer"), name="Ana")
        join_room(ben, link(live_server, room, "candidate"), name="Ben")
        for page in (ana, ben):
            expect(page.get_by_test_id("connection-state")).to_have_text("connected")
            expect(page.get_by_test_id("notes-editor")).to_be_visible(timeout=20_000)
        # Something typed, so the editor's text and active line are audited too.
        ana.get_by_test_id("notes-editor").locator(".cm-content").click()
        ana.keyboard.type("Strong opening")
        ana.get_by_test_id("start-interview").click()
        expect(ben.get_by_test_id("question-text")).not_to_be_empty()
        expect(ana.get_by_test_id("interviewer-pane")).to_be_visible()
        # The page needs an h1 after Join too (moderate, so asked for by name).
        audit.check(
            "room (interviewer, question)",
            ana,
            ("moderate", "serious", "critical"),
        )
        audit.check("room (candidate, question)", ben, ("moderate", "serious", "critical"))
        ana.get_by_role("tab", name="My notes").click()
        ana.get_by_text("Links and invites").click()
        audit.check("room (interviewer, my notes, links)", ana)

        resp = ben.goto(f"{live_server.url}/rooms/{room['room_id']}?token=wrong")
        assert resp is not None and resp.status == 403
        audit.check("error page", ben)
    finally:
        ana.context.close()
        ben.context.close()
    assert not audit.report(), audit.report()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_scripted_review_and_report_pages(
    browser: Browser, live_server: LiveServer, scheme: str
) -> None:
    audit = Audit()
    page = audit_page(browser, color_scheme=scheme)
    try:
        solo = make_room(live_server.url, mode="scripted", media="audio", title="Solo")
        page.goto(link(live_server, solo, "candidate"))
        expect(page.get_by_test_id("join-button")).to_be_visible()
        page.locator("[data-links-mount] summary").click()
        expect(page.get_by_test_id("room-link-reviewer")).to_be_visible()
        audit.check("scripted", page)
        page.goto(link(live_server, solo, "reviewer"))
        expect(page.locator("h1")).to_be_visible()
        audit.check("review (reviewer)", page)
        page.goto(link(live_server, solo, "candidate").replace("?token", "/review?token"))
        expect(page.locator("h1")).to_be_visible()
        audit.check("review (candidate)", page)

        peer = make_room(live_server.url, media="video", bank="behavioral", title="Report")
        page.goto(link(live_server, peer, "interviewer").replace("?token", "/report?token"))
        expect(page.get_by_test_id("report")).to_be_visible()
        audit.check("report", page)
    finally:
        page.context.close()
    assert not audit.report(), audit.report()
