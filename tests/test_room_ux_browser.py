"""The room as two people use it, in Chromium: typing in the notes never triggers a shortcut,
links can be found again from inside the room, presence and acting roles are shown, and audio
rooms show who is speaking."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from browser_support import chromium, join_room, two_pages
from browser_support import room_link as link
from conftest import LiveServer
from helpers_http import make_room

pytestmark = pytest.mark.browser

SHARED_SENTENCE = "Ben: strong opening, used STAR. Mentioned metrics, very specific."
PRIVATE_SENTENCE = "remember to quantify results; smile, slow down, vary examples"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def notes_md(server: LiveServer, room_id: str, token: str) -> str:
    req = urllib.request.Request(
        f"{server.url}/api/rooms/{room_id}/notes.md", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(resp.read().decode())


def toggles(page: Page) -> dict[str, str | None]:
    return {
        tid: page.get_by_test_id(tid).get_attribute("aria-pressed")
        for tid in ("mute-audio", "mute-video", "share-screen")
    }


UNTOUCHED = {"mute-audio": "false", "mute-video": "false", "share-screen": "false"}


def test_typing_in_the_notes_never_triggers_shortcuts(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="video", title="Keys")
    with two_pages(browser) as (ana, ben):
        join_room(ana, link(live_server, room, "interviewer"), name="Ana")
        join_room(ben, link(live_server, room, "candidate"), name="Ben")
        for page in (ana, ben):
            expect(page.get_by_test_id("connection-state")).to_have_text("connected")
            expect(page.get_by_test_id("notes-editor")).to_be_visible(timeout=20_000)

        # Shared notes (CodeMirror inside the pane's shadow root), typed key by key.
        ana.get_by_test_id("notes-editor").locator(".cm-content").click()
        ana.keyboard.type(SHARED_SENTENCE)
        expect(ben.get_by_test_id("notes-editor")).to_contain_text(SHARED_SENTENCE)
        # Private notes of the other person.
        ben.get_by_role("tab", name="My notes").click()
        ben.locator(".cm-editor[data-doc=private-candidate] .cm-content").click()
        ben.keyboard.type(PRIVATE_SENTENCE)
        expect(ben.locator(".cm-editor[data-doc=private-candidate]")).to_contain_text(
            PRIVATE_SENTENCE
        )
        expect(ben.get_by_test_id("notes-status")).to_have_text("Saved")
        assert toggles(ana) == UNTOUCHED and toggles(ben) == UNTOUCHED
        # What the server kept is exactly what was typed.
        assert SHARED_SENTENCE in notes_md(
            live_server, room["room_id"], room["tokens"]["interviewer"]
        )
        assert PRIVATE_SENTENCE in notes_md(
            live_server, room["room_id"], room["tokens"]["candidate"]
        )

        # Outside an editable element the shortcuts work…
        mute = ben.get_by_test_id("mute-audio")
        ben.get_by_role("toolbar", name="Call controls").click(position={"x": 2, "y": 2})
        ben.keyboard.press("m")
        expect(mute).to_have_attribute("aria-pressed", "true")
        expect(ana.locator(".tile.remote")).to_have_attribute("data-audio", "off")
        ben.keyboard.press("m")
        expect(mute).to_have_attribute("aria-pressed", "false")
        # …and can be switched off (WCAG 2.1.4), which is remembered.
        switch = ben.get_by_test_id("shortcuts-on")
        switch.uncheck()
        assert mute.get_attribute("aria-keyshortcuts") is None
        assert "(M)" not in (mute.get_attribute("title") or "")
        ben.get_by_role("toolbar", name="Call controls").click(position={"x": 2, "y": 2})
        ben.keyboard.press("m")
        ben.keyboard.press("v")
        assert toggles(ben) == UNTOUCHED
        stored = ben.evaluate("() => localStorage.getItem('mockroom.shortcuts')")
        assert json.loads(stored) is False
        ben.reload()
        ben.get_by_test_id("join-button").click()
        expect(ben.get_by_test_id("shortcuts-on")).not_to_be_checked()
        assert ben.get_by_test_id("mute-audio").get_attribute("aria-keyshortcuts") is None
