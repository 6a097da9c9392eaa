"""The room page through a graceful restart: it says the server is restarting, then comes back."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from support.browser import chromium, join_room, new_page, room_link
from support.http import make_room
from support.live_server import start_server, stop_server

SHOTS = Path("/tmp/shots-host")


@pytest.mark.browser
def test_the_page_says_the_server_is_restarting_and_reconnects(tmp_path: Path) -> None:
    SHOTS.mkdir(exist_ok=True)
    server = start_server(tmp_path / "data")
    again = None
    try:
        room = make_room(server.url, media="audio")
        with chromium() as browser:
            page = new_page(browser)
            join_room(page, room_link(server, room, "interviewer"), name="Ana")
            expect(page.get_by_test_id("mute-audio")).to_be_visible()
            server.process.send_signal(signal.SIGTERM)
            notice = page.locator("#notice-text")
            expect(notice).to_have_text("The server is restarting — reconnecting…")
            page.screenshot(path=str(SHOTS / "drain-restarting.png"))
            assert server.process.wait(timeout=30) == 0
            # The node's successor on the same address: the page rejoins by itself.
            again = start_server(tmp_path / "data", port=server.port)
            expect(page.locator("#notice")).to_be_hidden(timeout=30_000)
            page.screenshot(path=str(SHOTS / "drain-back.png"))
            page.context.close()
    finally:
        stop_server(server, kill=True)
        if again is not None:
            stop_server(again)
