"""The notes pane in Chromium under our real CSP: two people type together with named cursors,
an observer reads but cannot edit.

The room page (web/src/room-page.js) mounts the pane after joining; this test mounts it directly
on a tiny page served at the live server's origin (Playwright answers that one URL with our CSP
header), so it exercises notes.js, the real notes WebSocket and the real stylesheet.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from mockroom.security import CSP
from support.browser import CHROMIUM, CHROMIUM_FLAGS
from support.http import make_room
from support.live_server import LiveServer
from support.paths import REPO

pytestmark = [pytest.mark.browser, pytest.mark.node]

ENTRY = """
import { mountNotes } from %s;
// Collected by the page itself: a CSP violation would otherwise pass silently.
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
const ctx = JSON.parse(document.getElementById("ctx").textContent);
mountNotes(document.getElementById("notes"), { ...ctx, serverUrl: location.origin });
"""
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>notes</title></head>
<body><main id="notes"></main><script type="application/json" id="ctx">%s</script>
<script type="module" src="/__notes_test/bundle.js"></script></body></html>"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("notes-bundle")
    entry = out / "entry.js"
    entry.write_text(ENTRY % json.dumps(str(REPO / "web" / "src" / "notes.js")))
    subprocess.run(
        [
            str(REPO / "web" / "node_modules" / ".bin" / "esbuild"),
            str(entry),
            "--bundle",
            "--format=esm",
            "--log-level=warning",
            f"--outfile={out / 'bundle.js'}",
        ],
        check=True,
        cwd=REPO / "web",
    )
    return (out / "bundle.js").read_bytes()


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
        yield browser
        browser.close()


def open_pane(browser: Browser, server: LiveServer, bundle: bytes, ctx: dict[str, Any]) -> Page:
    """A document of the live server (so it has the server's origin, CSP header and loopback
    address space), its body replaced by the test page; only the bundle comes from Playwright."""
    page = browser.new_context().new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    setattr(page, "notes_errors", errors)  # noqa: B010 - read back by the test
    page.route(
        f"{server.url}/__notes_test/bundle.js",
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=bundle),
    )
    response = page.goto(f"{server.url}/healthz")
    assert response is not None and response.headers["content-security-policy"] == CSP
    page.set_content(PAGE % json.dumps(ctx).replace("<", "\\u003c"))
    return page


def room_notes(server: LiveServer, room: dict[str, Any], role: str) -> dict[str, str]:
    """The documents a role may open, as GET /api/rooms/{id} lists them for the room page."""
    request = urllib.request.Request(
        f"{server.url}/api/rooms/{room['room_id']}",
        headers={"Authorization": f"Bearer {room['tokens'][role]}"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        notes: dict[str, str] = json.loads(resp.read())["notes"]
    return notes


def test_two_people_type_together_and_an_observer_only_reads(
    live_server: LiveServer, bundle: bytes, browser: Browser, tmp_path: Path
) -> None:
    room = make_room(live_server.url)

    def ctx(role: str, name: str) -> dict[str, Any]:
        return {
            "roomId": room["room_id"],
            "token": room["tokens"][role],
            "role": role,
            "name": name,
            "notes": room_notes(live_server, room, role),
        }

    ana = open_pane(browser, live_server, bundle, ctx("interviewer", "Ana"))
    ben = open_pane(browser, live_server, bundle, ctx("candidate", "Ben"))
    obs = open_pane(browser, live_server, bundle, ctx("observer", "Olga"))

    ana_editor = ana.get_by_test_id("notes-editor")
    ana_editor.click()
    ana.keyboard.type("Hello from Ana")
    expect(ben.get_by_test_id("notes-editor")).to_contain_text("Hello from Ana", timeout=10_000)
    expect(obs.get_by_test_id("notes-editor")).to_contain_text("Hello from Ana", timeout=10_000)

    ben.get_by_test_id("notes-editor").click()
    ben.keyboard.press("Control+End")
    ben.keyboard.type(" and Ben")
    expect(ana_editor).to_contain_text("Hello from Ana and Ben", timeout=10_000)
    # Named, role-coloured cursors from awareness.
    expect(ana.locator(".mr-caret.mr-role-candidate .mr-caret-label")).to_have_text("Ben")
    expect(ben.locator(".mr-caret.mr-role-interviewer .mr-caret-label")).to_have_text("Ana")
    expect(ana.get_by_test_id("notes-status")).to_have_text("Saved", timeout=10_000)

    # Tabs per role: the observer has no private notes; the candidate's code tab stays hidden
    # until the interviewer shows it.
    expect(ana.get_by_role("tab")).to_have_text(["Shared", "My notes", "Code"])
    expect(obs.get_by_role("tab")).to_have_text(["Shared", "Code"])
    expect(ben.get_by_role("tab", name="Code")).to_be_hidden()
    ana.get_by_role("tab", name="Code").click()
    ana.get_by_test_id("code-visible").check()
    expect(ben.get_by_role("tab", name="Code")).to_be_visible(timeout=10_000)

    obs.get_by_test_id("notes-editor").click()
    obs.keyboard.type("OBSERVER")
    # A negative check: the observer's editor is read-only, so no update exists to wait on;
    # give a relay the time it would take, then check neither editor shows the text.
    ana.wait_for_timeout(300)
    expect(ana_editor).not_to_contain_text("OBSERVER")
    expect(obs.get_by_test_id("notes-editor")).not_to_contain_text("OBSERVER")

    for page in (ana, ben, obs):
        # CodeMirror's own styles (style-mod, constructable stylesheets) apply under the CSP.
        direction = page.locator(".cm-editor").first.evaluate(
            "(el) => getComputedStyle(el).flexDirection"
        )
        assert direction == "column"
        assert page.evaluate("window.__csp") == []
        assert getattr(page, "notes_errors") == []  # noqa: B009
