"""The peer call in Chromium: two people join from their links and see and hear each other.

Real round trips: the live server subprocess, the built room page under its CSP, two browser
contexts with fake cameras, P2P media over loopback. Frames are checked with
requestVideoFrameCallback on the remote <video> (frames actually presented, not just a stream).
Screen sharing: test_browser_call_share.py; the observer seat: test_browser_call_observer.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from support.browser import (
    RECORD_CSP_VIOLATIONS,
    RECORD_GET_USER_MEDIA,
    chromium,
    csp_violations,
    join_room,
    two_pages,
)
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer
from support.peer_probe import REMOTE, expect_connected_with_frames

pytestmark = pytest.mark.browser

MIRRORED = "(v) => new DOMMatrix(getComputedStyle(v).transform).a === -1"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_video_call_both_sides_see_frames(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(live_server.url, media="video", title="Video test")
    with two_pages(browser) as (interviewer, candidate):
        # Your own picture is mirrored in the lobby as it will be in the call.
        interviewer.goto(link(live_server, room, "interviewer"))
        lobby_mirror = interviewer.get_by_test_id("local-video").evaluate(MIRRORED)
        join_room(interviewer, link(live_server, room, "interviewer"), name="Ana")
        join_room(candidate, link(live_server, room, "candidate"), name="Ben")
        for page in (interviewer, candidate):
            expect_connected_with_frames(page)
            tracks = page.evaluate(
                f"() => document.querySelector('{REMOTE}').srcObject.getTracks().map(t => t.kind)"
            )
            assert sorted(tracks) == ["audio", "video"]
        # Names travel: each sees the other in the tile and the participant list.
        expect(interviewer.locator(".tile.remote .name")).to_have_text("Ben")
        expect(candidate.locator("#participants")).to_contain_text("Ana")
        expect(interviewer.get_by_test_id("local-video")).to_be_visible()
        assert lobby_mirror is True
        assert interviewer.get_by_test_id("local-video").evaluate(MIRRORED) is True
        # Plain words for the connection; the figures only behind a toggle.
        expect(interviewer.locator("#connection-words")).to_have_text(
            "Connected: you can see and hear each other"
        )
        stats = interviewer.get_by_test_id("tile-stats")
        expect(stats).to_be_hidden()
        interviewer.locator(".tile-stats summary").click()
        expect(stats).to_contain_text("RTT")
        assert csp_violations(interviewer) == [] and csp_violations(candidate) == []


def test_audio_only_room_never_asks_for_the_camera(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="audio")
    scripts = (RECORD_CSP_VIOLATIONS, RECORD_GET_USER_MEDIA)
    with two_pages(browser, init_scripts=scripts) as (interviewer, candidate):
        join_room(interviewer, link(live_server, room, "interviewer"))
        join_room(candidate, link(live_server, room, "candidate"))
        for page in (interviewer, candidate):
            expect(page.get_by_test_id("connection-state")).to_have_text("connected")
            remote = page.locator(REMOTE)
            expect(remote).to_have_count(1)
            assert remote.evaluate("el => el.tagName") == "AUDIO"
            kinds = remote.evaluate("el => el.srcObject.getTracks().map(t => t.kind)")
            assert kinds == ["audio"]
            asked = page.evaluate("() => window.__gum")
            assert asked, "the page never asked for the microphone"
            assert all(not c.get("video") for c in asked), asked
            assert all(c.get("audio") for c in asked), asked
            # Audio actually flows: packets are received from the other side.
            page.wait_for_function(
                """() => {
                  const el = document.querySelector('[data-testid=remote-media]');
                  const track = el.srcObject.getAudioTracks()[0];
                  return track && track.readyState === 'live' && !track.muted;
                }"""
            )
            expect(page.get_by_test_id("mute-video")).to_have_count(0)
            expect(page.get_by_test_id("local-video")).to_have_count(0)


def test_mute_and_camera_state_reach_the_other_side(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="video")
    with two_pages(browser) as (interviewer, candidate):
        join_room(interviewer, link(live_server, room, "interviewer"))
        join_room(candidate, link(live_server, room, "candidate"), name="Ben")
        expect(interviewer.get_by_test_id("connection-state")).to_have_text("connected")
        their_tile = interviewer.locator(".tile.remote")
        expect(their_tile).to_have_attribute("data-audio", "on")

        mute = candidate.get_by_test_id("mute-audio")
        mute.click()
        expect(mute).to_have_attribute("aria-pressed", "true")
        expect(their_tile).to_have_attribute("data-audio", "off")
        expect(interviewer.locator(REMOTE)).to_have_attribute("data-audio", "off")
        expect(their_tile.locator(".mic-off")).to_be_visible()

        candidate.get_by_test_id("mute-video").click()
        expect(their_tile).to_have_attribute("data-video", "off")
        expect(their_tile.locator(".placeholder")).to_contain_text("Ben — camera off")

        # Keyboard shortcuts (M, V) outside text fields turn them back on.
        candidate.locator("body").click(position={"x": 1, "y": 1})
        candidate.keyboard.press("m")
        candidate.keyboard.press("v")
        expect(their_tile).to_have_attribute("data-audio", "on")
        expect(their_tile).to_have_attribute("data-video", "on")
        expect(mute).to_have_attribute("aria-pressed", "false")
        # Typing "m" in a text field does not mute.
        candidate.evaluate(
            "() => { const i = document.createElement('input'); i.id = 'probe';"
            " document.body.append(i); }"
        )
        candidate.locator("#probe").press("m")
        expect(mute).to_have_attribute("aria-pressed", "false")


def test_reload_brings_the_call_back(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(live_server.url, media="video")
    with two_pages(browser) as (interviewer, candidate):
        join_room(interviewer, link(live_server, room, "interviewer"))
        join_room(candidate, link(live_server, room, "candidate"))
        expect_connected_with_frames(interviewer)
        first_id = candidate.evaluate(
            "() => Object.entries(sessionStorage).find(([k]) => k.includes('pid'))[1]"
        )
        candidate.reload()
        join = candidate.get_by_test_id("join-button")
        expect(join).to_be_enabled()
        join.click()
        for page in (interviewer, candidate):
            expect_connected_with_frames(page)
        # The same person came back: same participant id, one tile (not a ghost of the old one).
        assert (
            candidate.evaluate(
                "() => Object.entries(sessionStorage).find(([k]) => k.includes('pid'))[1]"
            )
            == first_id
        )
        expect(
            interviewer.locator(f".tile.remote[data-peer-id={first_id.strip(chr(34))}]")
        ).to_have_count(1)


def test_second_tab_for_a_taken_seat_can_take_over(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="audio")
    url = link(live_server, room, "candidate")
    with two_pages(browser) as (first, second):
        join_room(first, url)
        expect(first.locator("#call")).to_be_visible()
        join_room(second, url)
        expect(second.locator("#join-error")).to_contain_text("already in this room")
        takeover = second.get_by_role("button", name="Join here instead")
        takeover.click()
        expect(second.locator("#call")).to_be_visible()
        expect(first.locator("#notice")).to_contain_text("another tab or device")


def test_wrong_token_shows_the_refusal_page(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(live_server.url)
    with two_pages(browser) as (page, _):
        resp = page.goto(f"{live_server.url}/rooms/{room['room_id']}?token=not-the-token")
        assert resp is not None and resp.status == 403
        expect(page.locator("h1")).to_have_text("This link does not open the room")
        expect(page.get_by_test_id("join-button")).to_have_count(0)


def test_interviewer_withdraws_and_renews_the_candidate_link(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="audio")
    with two_pages(browser) as (interviewer, candidate):
        join_room(interviewer, link(live_server, room, "interviewer"), "Ana")
        join_room(candidate, link(live_server, room, "candidate"), "Ben")
        expect(interviewer.locator("#participants")).to_contain_text("Ben")
        interviewer.on("dialog", lambda d: pytest.fail(f"native dialog: {d.message}"))
        interviewer.get_by_text("Links and invites").click()
        interviewer.get_by_test_id("renew-candidate").click()
        # An in-page confirmation, not confirm(); "Keep it" changes nothing.
        interviewer.get_by_role("button", name="Keep it").click()
        expect(interviewer.get_by_test_id("room-link-candidate")).to_have_value(
            link(live_server, room, "candidate")
        )
        interviewer.get_by_test_id("renew-candidate").click()
        interviewer.get_by_test_id("confirm-renew-candidate").click()
        renewed = interviewer.get_by_test_id("renewed-candidate-link")
        expect(renewed).to_be_visible()
        new_link = renewed.input_value()
        assert "token=" in new_link and new_link != room["links"]["candidate"]
        # Whoever is in the call with the old link is cut off at once, told why, and stays out
        # (no reconnect loop); the interviewer sees them leave.
        notice = candidate.locator("#notice")
        # (The server's cut-off itself is timed in test_link_cutoff.py; here each page hears
        # of it through its socket, within expect's default, set for a loaded host.)
        expect(notice).to_contain_text("This link was withdrawn")
        expect(interviewer.locator("#participants")).not_to_contain_text("Ben")
        expect(candidate.locator(REMOTE)).to_have_count(0)  # the media stopped too
        candidate.wait_for_timeout(1500)  # longer than the client's first reconnect delays
        expect(notice).to_contain_text("This link was withdrawn")
        expect(candidate.locator("#notice")).not_to_contain_text("reconnecting")
        # The old link is refused with a page that says what to do; the new one opens the room
        # and takes the seat at once.
        candidate.goto(link(live_server, room, "candidate"))  # refused with its page ticket
        expect(candidate.get_by_test_id("open-link")).to_contain_text("withdrawn")
        join_room(candidate, new_link, "Ben")
        expect(interviewer.locator("#participants")).to_contain_text("Ben", timeout=10_000)
        expect(candidate.locator("#call")).to_be_visible()
        expect(candidate.locator("#join-error")).to_be_hidden()
