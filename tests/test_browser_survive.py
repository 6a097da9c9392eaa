"""A peer room survives its server dying: kill -9 mid-question, start it again on the same data
directory and port (what a failover looks like to a browser behind a load balancer).

The call never stops (media is browser to browser: the same connections keep decoding frames
through the outage), both pages are back in signaling within 10 s of the restart by themselves,
the question, phase and countdown are where they were, notes typed before and during the outage
are on both screens and in notes.md, and a new observer can join the re-formed room.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from support import scripted_survive
from support.browser import (
    RECORD_CSP_VIOLATIONS,
    chromium,
    join_room,
    new_page,
    pages,
    room_link,
)
from support.http import make_room
from support.live_server import LiveServer, start_server, stop_server
from support.peer_probe import RECORD_PEER_CONNECTIONS, decoded, frames_pass

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-survive")
REMOTE = "[data-testid=remote-media]"
BACK_WITHIN_S = 10.0

REMOTE_TRACKS = """() => [...document.querySelectorAll('[data-testid=remote-media]')]
  .map((v) => v.srcObject ? v.srcObject.getTracks().map((t) => t.id).sort().join(",") : "")"""


@contextmanager
def private_data_dir() -> Iterator[Path]:
    """A data directory outside pytest's numbered temp dirs: pytest sessions started meanwhile
    (another checkout's, on a shared machine) delete the older ones, and these tests restart a
    server on its directory — a vanished one would look like lost data."""
    with tempfile.TemporaryDirectory(prefix="mockroom-survive-") as folder:
        yield Path(folder) / "data"


def seconds(page: Page) -> int:
    minutes, secs = page.get_by_test_id("timer").inner_text().strip().split(":")
    return int(minutes) * 60 + int(secs)


def type_note(page: Page, text: str) -> None:
    page.get_by_test_id("notes-editor").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def notes_md(server: LiveServer, page: Page, room: dict[str, Any]) -> str:
    resp = page.request.get(
        f"{server.url}/api/rooms/{room['room_id']}/notes.md",
        headers={"Authorization": f"Bearer {room['tokens']['interviewer']}"},
    )
    assert resp.status == 200, resp.text()
    return resp.text()


BEFORE = "Ana before the crash: clear STAR structure."
DURING_ANA = " Ana while the server was down."
DURING_BEN = " Ben while the server was down."


def test_a_peer_room_survives_kill_9_and_restart() -> None:
    with private_data_dir() as data:
        peer_room_survives(data)


def peer_room_survives(data: Path) -> None:
    SHOTS.mkdir(exist_ok=True)
    server = start_server(data)
    again: LiveServer | None = None
    scripts = (RECORD_CSP_VIOLATIONS, RECORD_PEER_CONNECTIONS)
    try:
        room = make_room(
            server.url, bank="behavioral", think_seconds=240, answer_seconds=240, question_count=2
        )
        with (
            chromium() as browser,
            pages(browser, 3, init_scripts=scripts, viewport={"width": 1280, "height": 1000}) as (
                ana,
                ben,
                observer,
            ),
        ):
            join_room(ana, room_link(server, room, "interviewer"), "Ana")
            join_room(ben, room_link(server, room, "candidate"), "Ben")
            for page in (ana, ben):
                expect(page.get_by_test_id("connection-state")).to_have_text(
                    "connected", timeout=20_000
                )
                frames_pass(page, 5)
            expect(ana.get_by_test_id("start-interview")).to_be_enabled()
            ana.get_by_test_id("start-interview").click()
            expect(ana.get_by_test_id("question-position")).to_have_text("Question 1 of 2")
            type_note(ana, BEFORE)
            expect(ben.get_by_test_id("notes-editor")).to_contain_text(BEFORE)
            for page in (ana, ben):
                expect(page.get_by_test_id("notes-status")).to_have_attribute("data-state", "saved")
            phase = ana.get_by_test_id("interview-phase").inner_text()
            question = ben.get_by_test_id("question-text").inner_text()
            tracks = {"ana": ana.evaluate(REMOTE_TRACKS), "ben": ben.evaluate(REMOTE_TRACKS)}
            made = {"ana": decoded(ana)["made"], "ben": decoded(ben)["made"]}

            left, at = seconds(ana), time.monotonic()
            server.process.kill()  # SIGKILL: no close frames, no leave, nothing flushed
            server.process.wait(timeout=10)
            for page in (ana, ben):
                notice = page.get_by_test_id("room-notice")
                expect(notice).to_have_attribute("data-state", "reconnecting")
                expect(notice).to_have_text("Connection to the server lost — reconnecting…")
            ana.screenshot(path=str(SHOTS / "peer-outage.png"))
            # The call goes on while no server exists at all.
            frames_pass(ana, 20)
            frames_pass(ben, 20)
            type_note(ana, DURING_ANA)
            type_note(ben, DURING_BEN)

            again = start_server(data, port=server.port)
            restarted = time.monotonic()
            back = {}
            for name, page in (("ana", ana), ("ben", ben)):
                page.wait_for_function(
                    "() => document.querySelector('#notice').dataset.state !== 'reconnecting'",
                    timeout=BACK_WITHIN_S * 1000,
                )
                back[name] = time.monotonic() - restarted
            print(f"back in signaling after the restart: {back}")
            assert max(back.values()) < BACK_WITHIN_S
            ana.screenshot(path=str(SHOTS / "peer-back.png"))
            expect(ana.locator("#participants")).to_contain_text("Ben")
            expect(ben.locator("#participants")).to_contain_text("Ana")

            # Media never stopped: the very same connections and tracks, still decoding.
            for name, page in (("ana", ana), ("ben", ben)):
                frames_pass(page, 10)
                assert decoded(page)["made"] == made[name], "a reconnect made a new connection"
                assert page.evaluate(REMOTE_TRACKS) == tracks[name]
            # The interview is where it was, its countdown neither reset nor paused.
            expect(ana.get_by_test_id("interview-phase")).to_have_text(phase)
            expect(ben.get_by_test_id("question-text")).to_have_text(question)
            expect(ana.get_by_test_id("question-position")).to_have_text("Question 1 of 2")
            expected = left - (time.monotonic() - at)
            assert abs(seconds(ana) - expected) <= 2, (seconds(ana), expected)
            assert abs(seconds(ben) - expected) <= 2, (seconds(ben), expected)
            # Nothing typed was lost, on either screen or on the server's disk.
            for page in (ana, ben):
                editor = page.get_by_test_id("notes-editor")
                for text in (BEFORE, DURING_ANA.strip(), DURING_BEN.strip()):
                    expect(editor).to_contain_text(text)
                expect(page.get_by_test_id("notes-status")).to_have_attribute("data-state", "saved")
            exported = notes_md(again, ana, room)
            for text in (BEFORE, DURING_ANA.strip(), DURING_BEN.strip()):
                assert text in exported

            # The re-formed room takes a newcomer as any room does.
            join_room(observer, room_link(again, room, "observer"), "Olga")
            expect(observer.locator(REMOTE)).to_have_count(2, timeout=20_000)
            frames_pass(observer, 10)
            expect(ana.locator("#participants")).to_contain_text("Olga")
            observer.screenshot(path=str(SHOTS / "peer-observer.png"))
    finally:
        stop_server(server, kill=True)
        if again is not None:
            stop_server(again)


# The scripted room: its interviewer is an aiortc peer inside the server, so its media dies with
# the server; the page finds the new server's peer by itself and the take goes on there.
def test_a_scripted_room_survives_kill_9_mid_answer(scripted_browser: Browser) -> None:
    with private_data_dir() as data:
        scripted_room_survives(data, scripted_browser)


def scripted_room_survives(data: Path, scripted_browser: Browser) -> None:
    SHOTS.mkdir(exist_ok=True)
    server = start_server(data)
    again: LiveServer | None = None
    try:
        room = make_room(server.url, **scripted_survive.ROOM)
        page = new_page(
            scripted_browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_PEER_CONNECTIONS)
        )
        mid = scripted_survive.answering(page, room_link(server, room, "candidate"), room)

        server.process.kill()
        server.process.wait(timeout=10)
        status = page.get_by_test_id("scripted-status")
        expect(status).to_have_attribute("data-state", "reconnecting")
        expect(status).to_have_text(
            "Connection to the server lost — reconnecting… (recording continues)"
        )
        page.screenshot(path=str(SHOTS / "scripted-outage.png"))

        again = start_server(data, port=server.port)
        back = scripted_survive.goes_on(
            page, room, mid, time.monotonic(), SHOTS / "scripted-back-recording.png"
        )
        print(f"scripted page back after the restart: {back:.1f} s")
        page.screenshot(path=str(SHOTS / "scripted-back.png"))
        page.context.close()
    finally:
        stop_server(server, kill=True)
        if again is not None:
            stop_server(again)
