"""'Delete this room' in Chromium: the owner confirms in the page, the room is gone for everyone."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from support.browser import chromium, csp_violations, join_room, new_page, room_link, two_pages
from support.http import make_room, status_of
from support.live_server import LiveServer

SHOTS = Path(os.environ.get("MOCKROOM_SHOTS") or Path(tempfile.gettempdir()) / "shots-limits")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.mark.browser
def test_interviewer_deletes_the_room_from_the_call(
    browser: Browser, live_server: LiveServer
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    room = make_room(live_server.url, mode="peer", media="video", bank="behavioral")
    with two_pages(browser) as (interviewer, candidate):
        join_room(interviewer, room_link(live_server, room, "interviewer"), name="Ana")
        join_room(candidate, room_link(live_server, room, "candidate"), name="Ben")
        expect(interviewer.get_by_test_id("connection-state")).to_have_text(
            "connected", timeout=30_000
        )
        expect(candidate.get_by_test_id("delete-room")).to_have_count(0)  # not the owner

        delete = interviewer.get_by_test_id("delete-room")
        expect(interviewer.locator("[data-delete-room]")).to_contain_text(
            "30 days after it was last used"
        )
        delete.click()
        confirm = interviewer.get_by_test_id("confirm-delete-room")
        expect(confirm).to_be_visible()
        interviewer.locator("[data-delete-room]").scroll_into_view_if_needed()
        interviewer.screenshot(path=str(SHOTS / "peer-confirm.png"))
        interviewer.get_by_test_id("cancel-delete-room").click()
        expect(confirm).to_be_hidden()
        expect(delete).to_be_visible()
        assert (
            status_of(f"{live_server.url}/api/rooms/{room['room_id']}", room["tokens"]["candidate"])
            == 200
        )

        delete.click()
        confirm.click()
        expect(interviewer.get_by_test_id("room-deleted")).to_contain_text("Room deleted")
        interviewer.screenshot(path=str(SHOTS / "peer-deleted.png"))
        # The candidate is told why (the fatal room-deleted frame), and the socket closes as final.
        expect(candidate.locator("body")).to_contain_text("This room was deleted", timeout=15_000)
        candidate.screenshot(path=str(SHOTS / "peer-candidate-after.png"))
        for token in room["tokens"].values():
            assert status_of(f"{live_server.url}/api/rooms/{room['room_id']}", token) == 404
        assert csp_violations(interviewer) == []


@pytest.mark.browser
def test_scripted_candidate_deletes_the_room(browser: Browser, live_server: LiveServer) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    room = make_room(live_server.url, mode="scripted", media="audio", bank="behavioral")
    page = new_page(browser)
    try:
        page.goto(room_link(live_server, room, "candidate"))
        expect(page.locator("[data-consent]")).to_contain_text(
            "30 days after it was last used", timeout=20_000
        )
        page.get_by_test_id("delete-room").click()
        page.get_by_test_id("confirm-delete-room").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "scripted-confirm.png"), full_page=True)
        page.get_by_test_id("confirm-delete-room").click()
        expect(page.get_by_test_id("room-deleted")).to_be_visible()
        page.screenshot(path=str(SHOTS / "scripted-deleted.png"))
        assert (
            status_of(f"{live_server.url}/api/rooms/{room['room_id']}", room["tokens"]["candidate"])
            == 404
        )
        page.goto(room_link(live_server, room, "candidate"))
        expect(page.locator("body")).to_contain_text("does not exist")
    finally:
        page.context.close()
