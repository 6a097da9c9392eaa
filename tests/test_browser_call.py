"""The peer call in Chromium: two people join from their links and see and hear each other.

Real round trips: the live server subprocess, the built room page under its CSP, two browser
contexts with fake cameras, P2P media over loopback. Frames are checked with
requestVideoFrameCallback on the remote <video> (frames actually presented, not just a stream).

Just over 400 lines: the tests share one Chromium (a module fixture, slow to start on CI) and the
in-page probes above (frames, transceiver directions); a second file would start a second one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import (
    RECORD_CSP_VIOLATIONS,
    RECORD_GET_USER_MEDIA,
    chromium,
    csp_violations,
    join_room,
    pages,
    two_pages,
)
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer
from support.peer_probe import FRAMES_ARRIVE

pytestmark = pytest.mark.browser

REMOTE = "[data-testid=remote-media]"
MIRRORED = "(v) => new DOMMatrix(getComputedStyle(v).transform).a === -1"


# Keeps every RTCPeerConnection the page makes, so a test can read their negotiated directions.
RECORD_PEER_CONNECTIONS = """
(() => {
  const Original = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Original {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
})();
"""

# A modified observer page: every receive-only m-line it makes sends a canvas or a tone instead.
HOSTILE_OBSERVER = """
(() => {
  const original = RTCPeerConnection.prototype.addTransceiver;
  window.__hostile = 0;
  RTCPeerConnection.prototype.addTransceiver = function (trackOrKind, init) {
    if (!init || init.direction !== "recvonly") return original.call(this, trackOrKind, init);
    const kind = typeof trackOrKind === "string" ? trackOrKind : trackOrKind.kind;
    let track;
    if (kind === "video") {
      const canvas = Object.assign(document.createElement("canvas"), {width: 64, height: 48});
      const ctx = canvas.getContext("2d");
      setInterval(() => { ctx.fillStyle = `hsl(${Date.now() % 360},60%,50%)`;
                          ctx.fillRect(0, 0, 64, 48); }, 50);
      track = canvas.captureStream(10).getVideoTracks()[0];
    } else {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      const out = audio.createMediaStreamDestination();
      tone.connect(out);
      tone.start();
      track = out.stream.getAudioTracks()[0];
    }
    window.__hostile += 1;
    return original.call(this, track, {direction: "sendrecv", streams: [new MediaStream([track])]});
  };
})();
"""

# Codes of the `error` frames the page's signaling socket received.
RECORD_SIGNALING_ERRORS = """
(() => {
  window.__errors = [];
  const Original = window.WebSocket;
  window.WebSocket = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (typeof event.data !== "string") return;
        try {
          const msg = JSON.parse(event.data);
          if (msg.type === "error") window.__errors.push(msg.code);
        } catch { /* not ours */ }
      });
    }
  };
})();
"""

# For each open connection of the page: its transceivers' negotiated directions, sorted.
OPEN_DIRECTIONS = """
() => window.__pcs.filter((pc) => pc.connectionState !== "closed" && pc.remoteDescription)
  .map((pc) => pc.getTransceivers().map((t) => String(t.currentDirection)).sort().join(","))
  .sort()
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def expect_connected_with_frames(page: Page) -> dict[str, Any]:
    expect(page.get_by_test_id("connection-state")).to_have_text("connected", timeout=20_000)
    remote = page.locator(REMOTE)
    expect(remote).to_have_count(1)
    frames: dict[str, Any] = page.evaluate(FRAMES_ARRIVE, [REMOTE, 5])
    assert frames["width"] > 0 and frames["height"] > 0
    return frames


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
        expect(notice).to_contain_text("This link was withdrawn", timeout=5_000)
        expect(interviewer.locator("#participants")).not_to_contain_text("Ben", timeout=5_000)
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


# A video element showing the fake camera's frames (4:3, at most 640 wide), not the fake screen's
# (16:9, 1280 wide).
CAMERA_SHAPED = (
    "((sel) => { const v = document.querySelector(sel);"
    " return !!v && v.videoWidth > 0 && v.videoWidth <= 640"
    " && v.videoWidth * 3 === v.videoHeight * 4; })"
)


def test_screen_share_replaces_the_camera_and_everyone_sees_it(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="video")
    with two_pages(browser) as (ana, ben):
        join_room(ana, link(live_server, room, "interviewer"), name="Ana")
        join_room(ben, link(live_server, room, "candidate"), name="Ben")
        camera = expect_connected_with_frames(ben)
        share = ana.get_by_test_id("share-screen")
        share.click()  # Chromium's fake screen is 1280x720, the fake camera 640x480
        expect(share).to_have_attribute("aria-pressed", "true")
        tile = ben.locator(".tile.remote")
        expect(tile).to_have_attribute("data-screen", "on")
        ben.wait_for_function(
            f"() => document.querySelector('{REMOTE}').videoWidth === 1280", timeout=15_000
        )
        assert camera["width"] == 640
        # Shown whole (no cropping), in a spotlight with a label; the self view becomes a
        # picture-in-picture over it.
        expect(tile).to_have_class(re.compile(r"\bscreen-share\b"))
        expect(ben.get_by_test_id("share-label")).to_have_text("Ana's screen")
        expect(ben.locator("#tiles")).to_have_attribute("data-spotlight", "on")
        fit = ben.locator(REMOTE).evaluate("(v) => getComputedStyle(v).objectFit")
        assert fit == "contain"
        stage = tile.bounding_box()
        pip = ben.locator(".tile.local").bounding_box()
        assert stage and pip and pip["width"] < stage["width"] / 3
        assert pip["x"] > stage["x"] and pip["x"] + pip["width"] <= stage["x"] + stage["width"]
        # The sharer's camera comes along as picture-in-picture (640x480 beside the 1280 screen).
        camera_pip = tile.get_by_test_id("pip-camera")
        expect(camera_pip).to_be_visible()
        # The camera's frames, told from the screen's by their 4:3 shape: under CPU load the
        # sender may scale a second stream down (640x480 -> 480x360 or 320x240), not reshape it.
        ben.wait_for_function(f"() => {CAMERA_SHAPED}('[data-testid=pip-camera]')", timeout=15_000)
        assert ben.locator(REMOTE).evaluate("(v) => v.videoWidth") == 1280
        share.click()  # stop sharing: the camera comes back
        expect(ben.locator(".tile.remote")).to_have_attribute("data-screen", "off")
        ben.wait_for_function(f"() => {CAMERA_SHAPED}('{REMOTE}')", timeout=15_000)
        expect(ben.locator("#tiles")).to_have_attribute("data-spotlight", "off")
        expect(ben.get_by_test_id("share-label")).to_be_hidden()
        expect(camera_pip).to_be_hidden()
        # Sharing again works the same way (the camera's transceiver is reused).
        share.click()
        ben.wait_for_function(
            f"() => document.querySelector('{REMOTE}').videoWidth === 1280", timeout=15_000
        )
        expect(camera_pip).to_be_visible()


PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0 Mobile Safari/537.36",
}


def test_share_screen_is_not_offered_on_a_phone(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(live_server.url, media="video")
    with two_pages(browser, **PHONE) as (ana, _):
        ana.goto(link(live_server, room, "interviewer"))
        join = ana.get_by_test_id("join-button")
        expect(join).to_be_enabled()
        # Join is in the first screen; this person scrolled down to the device lists first.
        ana.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        assert ana.evaluate("() => window.scrollY") > 300
        join.click()
        expect(ana.get_by_test_id("mute-video")).to_be_visible()
        expect(ana.get_by_test_id("share-screen")).to_be_hidden()
        # After Join the page is back at the top (the call), not at the lobby's scroll position.
        assert ana.evaluate("() => window.scrollY") == 0
        ana.locator("body").click(position={"x": 1, "y": 1})
        ana.keyboard.press("s")  # the shortcut does nothing either (and throws nothing)
        expect(ana.get_by_test_id("share-screen")).to_have_attribute("aria-pressed", "false")


def test_observer_watches_both_and_sends_nothing(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(live_server.url, media="video")
    scripts = (RECORD_CSP_VIOLATIONS, RECORD_GET_USER_MEDIA, RECORD_PEER_CONNECTIONS)
    with pages(browser, 3, init_scripts=scripts) as (ana, ben, olga):
        join_room(ana, link(live_server, room, "interviewer"), name="Ana")
        join_room(ben, link(live_server, room, "candidate"), name="Ben")
        join_room(olga, link(live_server, room, "observer"), name="Olga")
        expect(olga.locator(REMOTE)).to_have_count(2, timeout=20_000)
        # Ana and Ben only send to the observer.
        for page in (ana, ben):
            page.wait_for_function(
                f"() => ({OPEN_DIRECTIONS})().length === 2 && "
                f"({OPEN_DIRECTIONS})().every((d) => !d.includes('null'))",
                timeout=15_000,
            )
            assert page.evaluate(OPEN_DIRECTIONS) == ["sendonly,sendonly", "sendrecv,sendrecv"]
        # Both remote videos present frames (requestVideoFrameCallback on each element).
        olga.evaluate(
            """(sel) => Promise.all([...document.querySelectorAll(sel)].map((v) =>
                new Promise((resolve, reject) => {
                  const t = setTimeout(() => reject(new Error("no frames")), 10000);
                  v.requestVideoFrameCallback(() => { clearTimeout(t); resolve(true); });
                })))""",
            REMOTE,
        )
        names = olga.locator(".tile.remote .name").all_inner_texts()
        assert sorted(names) == ["Ana", "Ben"]
        # The observer is listed, but has no tile and never asked for a camera or microphone.
        expect(ana.locator("#participants")).to_contain_text("Olga")
        expect(ana.locator(REMOTE)).to_have_count(1)
        assert olga.evaluate("() => window.__gum") == []


def test_a_modified_observer_page_gets_no_media_through(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="video")
    scripts = (RECORD_CSP_VIOLATIONS, RECORD_PEER_CONNECTIONS)
    with pages(browser, 3, init_scripts=scripts) as (ana, ben, olga):
        # Olga's page is modified to send a canvas and a tone on every connection anyway.
        olga.add_init_script(HOSTILE_OBSERVER)
        olga.add_init_script(RECORD_SIGNALING_ERRORS)
        join_room(ana, link(live_server, room, "interviewer"), name="Ana")
        join_room(ben, link(live_server, room, "candidate"), name="Ben")
        for page in (ana, ben):
            expect(page.get_by_test_id("connection-state")).to_have_text("connected")
        join_room(olga, link(live_server, room, "observer"), name="Olga")
        # The server refuses both of its offers (they would send)...
        olga.wait_for_function(
            "() => window.__hostile >= 2 && "
            "window.__errors.filter((c) => c === 'not-allowed').length >= 2",
            timeout=15_000,
        )
        expect(ana.locator("#participants")).to_contain_text("Olga")
        # ...so neither seat ever receives anything from the observer.
        for page in (ana, ben):
            assert page.evaluate(OPEN_DIRECTIONS) == ["sendrecv,sendrecv"]
            expect(page.locator(REMOTE)).to_have_count(1)
