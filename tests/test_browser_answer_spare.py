"""The waiting page between a newcomer's offer and its answer: nothing but the answer.

The spare connection (web/src/call-spare.js) carries our tracks already, so the newcomer's
offer takes its transceivers: applying it creates none, and answering changes no direction and
replaces no track (each a blocking call into WebRTC's signaling thread on the page's main
thread). And the newcomer's tile waits for the answer however long the offer takes to apply:
the fallback timer their `joined` armed does not build it in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import chromium, join_room, new_page
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer
from support.peer_probe import FRAMES_ARRIVE

pytestmark = pytest.mark.browser

# window.__answering: per remote offer applied, the connection's transceivers before and after
# setRemoteDescription; window.__calls: transceiver changes made while an offer was being
# answered (from setRemoteDescription(offer) until its answer's setLocalDescription resolved);
# window.__log: the signaling frames out, the answer's marked "+tile" if a remote tile existed.
PROBE = """
(() => {
  window.__answering = [];
  window.__calls = [];
  window.__log = [];
  let answering = 0;
  const Pc = RTCPeerConnection.prototype;
  const srd = Pc.setRemoteDescription;
  Pc.setRemoteDescription = async function (d, ...rest) {
    if (!d || d.type !== "offer") return srd.call(this, d, ...rest);
    const before = this.getTransceivers().length;
    answering += 1;
    // Slow on purpose when the test asks (a loaded machine): see the second test.
    if (window.__slowOfferMs) await new Promise((ok) => setTimeout(ok, window.__slowOfferMs));
    await srd.call(this, d, ...rest);
    window.__answering.push({before, after: this.getTransceivers().length});
  };
  const sld = Pc.setLocalDescription;
  Pc.setLocalDescription = async function (...args) {
    const wasOffer = this.signalingState === "have-remote-offer";
    try { return await sld.apply(this, args); } finally { if (wasOffer) answering -= 1; }
  };
  const replace = RTCRtpSender.prototype.replaceTrack;
  RTCRtpSender.prototype.replaceTrack = function (...args) {
    if (answering) window.__calls.push("replaceTrack");
    return replace.apply(this, args);
  };
  const dir = Object.getOwnPropertyDescriptor(RTCRtpTransceiver.prototype, "direction");
  Object.defineProperty(RTCRtpTransceiver.prototype, "direction", {
    get() { return dir.get.call(this); },
    set(v) { if (answering) window.__calls.push("direction=" + v); dir.set.call(this, v); },
  });
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try {
      const m = JSON.parse(data);
      const d = (m && m.data) || {};
      let entry = [m.type, d.description ? d.description.type : ""].filter(Boolean).join(":");
      if (entry === "signal:answer") {
        entry += document.querySelector("[data-testid=remote-tile]") ? "+tile" : "-tile";
      }
      window.__log.push(entry);
    } catch {}
    return send.call(this, data);
  };
})();
"""
# The camera (and microphone) answer late: after the click, after the spare was made.
SLOW_DEVICES = """
(() => {
  const gum = MediaDevices.prototype.getUserMedia;
  MediaDevices.prototype.getUserMedia = function (...args) {
    const late = (stream) => new Promise((ok) => setTimeout(() => ok(stream), 1500));
    return gum.apply(this, args).then(late);
  };
  const Pc = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Pc {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
})();
"""
# The spare (the last connection made) has a sender with a track for both kinds.
SPARE_DRESSED = """() => performance.getEntriesByName('mockroom:spare-made').length > 0
  && window.__pcs.at(-1).getSenders().filter((s) => s.track).length === 2"""
SPARE_MADE = "() => performance.getEntriesByName('mockroom:spare-made').length > 0"
LOBBY_READY = "() => performance.getEntriesByName('mockroom:offer-prepared').length > 0"
REMOTE = "[data-testid=remote-media]"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def probed_page(browser: Browser) -> Page:
    return new_page(browser, init_scripts=(PROBE,))


def join_when_ready(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(LOBBY_READY)
    join = page.get_by_test_id("join-button")
    expect(join).to_be_enabled()
    join.click()


def expect_media(page: Page) -> None:
    """Connected, frames arriving, and the remote stream holds both kinds."""
    expect(page.get_by_test_id("connection-state")).to_have_text("connected", timeout=20_000)
    assert page.evaluate(FRAMES_ARRIVE, [REMOTE, 3])["width"] > 0
    kinds = page.evaluate(f"""() => document.querySelector("{REMOTE}").srcObject
        .getTracks().map((t) => t.kind).sort()""")
    assert kinds == ["audio", "video"], kinds


def seated_host(browser: Browser, server: LiveServer, room: dict[str, Any]) -> Page:
    host = probed_page(browser)
    join_room(host, link(server, room, "interviewer"), name="Hana")
    expect(host.locator("#call")).to_be_visible()
    host.wait_for_function(SPARE_MADE)
    return host


def test_the_offer_takes_the_spares_transceivers_and_the_answer_changes_none(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="spare")
    host = seated_host(browser, live_server, room)
    guest = probed_page(browser)
    try:
        join_when_ready(guest, link(live_server, room, "candidate"))
        expect_media(guest)
        expect_media(host)
        # The spare had audio and video with our tracks; the offer created no transceiver.
        assert host.evaluate("window.__answering") == [{"before": 2, "after": 2}]
        # Nothing was changed between the offer and the answer: no direction, no track.
        assert host.evaluate("window.__calls") == []
        # Both sides send both kinds (the guest's view above, the host's here), and the
        # answer needed no renegotiation after it: the host never offered.
        log = host.evaluate("window.__log")
        assert "signal:answer-tile" in log, log
        assert "signal:offer" not in log, log
    finally:
        host.context.close()
        guest.context.close()


def test_the_tile_waits_for_an_answer_slower_than_the_joined_timer(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="slow")
    host = seated_host(browser, live_server, room)
    # Applying the offer takes longer than the joined's 250 ms fallback (call.js), as on a
    # loaded machine: the tile must still come after the answer, not in the middle.
    host.evaluate("window.__slowOfferMs = 700")
    guest = probed_page(browser)
    try:
        join_when_ready(guest, link(live_server, room, "candidate"))
        expect_media(guest)
        expect_media(host)
        log = host.evaluate("window.__log")
        assert "signal:answer-tile" in log, log
        expect(host.get_by_test_id("remote-tile")).to_have_count(1)
    finally:
        host.context.close()
        guest.context.close()


def test_devices_that_start_after_the_spare_was_made_go_onto_it(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="late camera")
    host = new_page(browser, init_scripts=(PROBE, SLOW_DEVICES))
    guest = probed_page(browser)
    try:
        join_room(host, link(live_server, room, "interviewer"), name="Hana")
        # Made alone in the room before the devices answered, the spare gets them when they do.
        host.wait_for_function(SPARE_DRESSED, timeout=15_000)
        join_when_ready(guest, link(live_server, room, "candidate"))
        expect_media(guest)
        expect_media(host)
        assert host.evaluate("window.__answering") == [{"before": 2, "after": 2}]
        assert host.evaluate("window.__calls") == []
    finally:
        host.context.close()
        guest.context.close()
