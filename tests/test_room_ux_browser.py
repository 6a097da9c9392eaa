"""The room as two people use it, in Chromium: typing in the notes never triggers a shortcut,
links can be found again from inside the room, presence and acting roles are shown, and audio
rooms show who is speaking."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from support.browser import chromium, join_room, two_pages
from support.browser import room_link as link
from support.http import make_room, status_of
from support.live_server import LiveServer

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


def clipboard(page: Page) -> str:
    return str(page.evaluate("() => navigator.clipboard.readText()"))


def test_links_are_never_lost(browser: Browser, live_server: LiveServer) -> None:
    perms = ["clipboard-read", "clipboard-write"]
    with two_pages(browser, permissions=perms) as (ana, other):
        ana.on("dialog", lambda d: pytest.fail(f"native dialog: {d.message}"))
        ana.goto(live_server.url + "/")
        ana.fill("input[name=title]", "Links test")
        ana.get_by_test_id("job-title").fill("Product designer")
        ana.get_by_test_id("create-room").click()
        expect(ana.get_by_test_id("ready-summary")).to_have_text(
            "Links test · With a partner · video · no question bank (free conversation)"
        )
        candidate_link = ana.get_by_test_id("link-candidate").input_value()
        ana.get_by_test_id("invite-candidate").click()
        assert clipboard(ana) == (
            f'Join my mock interview "Links test" on MockRoom as the candidate: {candidate_link}'
        )
        # The home page remembers the room (this browser only), and can make a similar one.
        ana.reload()
        rooms = ana.get_by_test_id("my-rooms").locator("li")
        expect(rooms).to_have_count(1)
        expect(rooms.first).to_contain_text("Links test")
        expect(rooms.first).to_contain_text("you are the interviewer")
        rooms.first.get_by_test_id("practise-again").click()
        expect(ana.get_by_test_id("link-candidate")).not_to_have_value(candidate_link)
        expect(rooms).to_have_count(2)
        own_link = rooms.nth(1).get_by_role("link", name="Open Links test").get_attribute("href")
        assert own_link and "token=" in own_link

        # Inside the room, alone: "Waiting for others… Copy the candidate link".
        join_room(ana, own_link, name="Ana")
        expect(ana.locator("#waiting-note")).to_be_visible()
        ana.get_by_test_id("waiting-copy-candidate").click()
        expect(ana.locator("#copy-candidate-status")).to_contain_text("Copied")
        assert clipboard(ana) == candidate_link
        # Every link, copyable, with an invite; renewing asks in the page, not with confirm().
        ana.get_by_text("Links and invites").click()
        panel = ana.get_by_test_id("links-panel")
        expect(panel.get_by_test_id("room-link-candidate")).to_have_value(candidate_link)
        expect(panel.get_by_test_id("room-link-interviewer")).to_have_value(own_link)
        expect(panel.get_by_test_id("room-link-observer")).to_have_value(re.compile(r"token="))
        panel.get_by_test_id("copy-observer-invite").click()
        assert "as an observer" in clipboard(ana)
        panel.get_by_test_id("renew-candidate").click()
        expect(panel.get_by_text("Withdraw the current candidate link?")).to_be_visible()
        panel.get_by_test_id("confirm-renew-candidate").click()
        renewed = panel.get_by_test_id("renewed-candidate-link")
        expect(renewed).to_be_visible()
        new_link = renewed.input_value()
        assert new_link != candidate_link
        old = other.goto(candidate_link)
        assert old is not None and old.status == 403
        # After a reload the room still shows the current (renewed) link.
        ana.reload()
        ana.get_by_test_id("join-button").click()
        ana.get_by_text("Links and invites").click()
        expect(ana.get_by_test_id("room-link-candidate")).to_have_value(new_link)

        # A candidate sees no links panel at all.
        join_room(other, new_link, name="Ben")
        expect(other.get_by_test_id("connection-state")).to_have_text("connected")
        expect(other.get_by_test_id("links-panel")).to_have_count(0)


def test_scripted_and_review_pages_show_the_reviewer_link(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, mode="scripted", media="audio", title="Solo")
    with two_pages(browser) as (cand, coach):
        cand.goto(link(live_server, room, "candidate"))
        mount = cand.locator("[data-links-mount]")
        mount.get_by_text("Links and invites").click()
        expect(mount.get_by_test_id("room-link-reviewer")).to_have_value(
            link(live_server, room, "reviewer")
        )
        # The candidate owns a scripted room: they can withdraw the coach's link and get a new one.
        mount.get_by_test_id("renew-reviewer").click()
        mount.get_by_test_id("confirm-renew-reviewer").click()
        renewed = mount.get_by_test_id("renewed-reviewer-link")
        expect(renewed).to_be_visible()
        new_reviewer = renewed.input_value()
        assert new_reviewer != link(live_server, room, "reviewer")
        old_token = room["tokens"]["reviewer"]
        assert status_of(f"{live_server.url}/api/rooms/{room['room_id']}", old_token) == 403
        room["links"]["reviewer"] = new_reviewer
        room["tokens"]["reviewer"] = new_reviewer.split("token=")[1]
        review = link(live_server, room, "candidate").replace("?token", "/review?token")
        cand.goto(review)
        expect(cand.locator("[data-links-mount]")).to_be_visible()
        # The reviewer reads the clips but is not shown the room's links.
        coach.goto(link(live_server, room, "reviewer"))
        expect(coach.locator("h1")).to_be_visible()
        coach.wait_for_load_state("networkidle")
        expect(coach.locator("[data-links-mount]")).to_be_hidden()


def test_roles_follow_the_swap_presence_and_who_is_speaking(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="audio", bank="behavioral", title="Phone")
    with two_pages(browser) as (ana, ben):
        join_room(ana, link(live_server, room, "interviewer"), name="Ana")
        join_room(ben, link(live_server, room, "candidate"), name="Ben")
        for page in (ana, ben):
            expect(page.get_by_test_id("connection-state")).to_have_text("connected")
            expect(page.locator("#connection-words")).to_have_text(
                "Connected: you can hear each other"
            )
        # Audio only: a level ring shows who is speaking (Chromium's fake microphone beeps).
        expect(ana.locator(".tile.remote")).to_have_attribute("data-speaking", "true")
        expect(ana.locator(".tile.local")).to_have_attribute("data-speaking", "true")

        # After the swap every label shows the role each person is acting in.
        expect(ana.get_by_test_id("role-badge")).to_have_text("interviewer")
        ana.get_by_test_id("swap-roles").click()
        ben.get_by_test_id("confirm-swap").click()
        expect(ana.get_by_test_id("role-badge")).to_have_text("candidate")
        expect(ben.get_by_test_id("role-badge")).to_have_text("interviewer")
        expect(ana.locator("#participants li[data-peer-id=self] .role")).to_have_text("Candidate")
        expect(ana.locator("#participants li:not([data-peer-id=self]) .role")).to_have_text(
            "Interviewer"
        )
        expect(ana.locator(".tile.remote figcaption .role")).to_have_text("Interviewer")
        expect(ben.locator(".tile.remote figcaption .role")).to_have_text("Candidate")

        # Presence: a Leave is "left"; coming back is said too.
        note = ana.get_by_test_id("presence-note")
        ben.get_by_test_id("leave-button").click()
        expect(note).to_have_text("Ben left the room.")
        # From now on Ben's signaling socket goes through Playwright, so the test can cut it.
        sockets: list[tuple[WebSocketRoute, WebSocketRoute]] = []

        def through(page_side: WebSocketRoute) -> None:
            server_side = page_side.connect_to_server()
            # Each side is closed on its own below (no automatic forwarding).
            page_side.on_close(lambda code, reason: None)
            server_side.on_close(lambda code, reason: None)
            sockets.append((page_side, server_side))

        ben.route_web_socket(re.compile(r"/ws/rooms/[0-9a-f]+$"), through)
        ben.get_by_role("button", name="Rejoin").click()
        ben.get_by_test_id("join-button").click()
        expect(note).to_have_text("Ben is back.")
        # A dropped connection (no clean close: code 3000 here) is "reconnecting", not "left"…
        page_side, server_side = sockets[-1]
        server_side.close(code=3000, reason="network lost")
        expect(note).to_have_text("Ben is reconnecting…")
        # …and Ben's page, once it notices, comes back by itself.
        page_side.close(code=3000, reason="network lost")
        expect(note).to_have_text("Ben is back.")
