"""The waiting side of a join: the newcomer's offer is answered at once, on a ready connection.

Someone already in the room keeps a spare RTCPeerConnection (web/src/call-spare.js); when a
newcomer's `joined` arrives, the page only notes it, answers the offer that follows on that
connection, and builds the newcomer's tile and roster entry after the answer has gone out. The
newcomer's offer carries the candidates its lobby gathered, so no candidate frames follow it.
These tests read the order of both pages' signaling frames and connection constructions.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import RECORD_CSP_VIOLATIONS, chromium, join_room, new_page
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer
from support.peer_probe import FRAMES_ARRIVE

pytestmark = pytest.mark.browser

# One log per page, in order: "out:hello", "in:joined", "pc:new", "out:signal:answer", … The
# answer's entry, and the received offer's, say whether a remote tile existed then ("+tile" /
# "-tile"); the sent offer's how many candidates its SDP carried (window.__offerCandidates).
RECORD_LOG = """
(() => {
  const log = window.__log = [];
  const at = window.__at = []; // when each entry was logged (ms, the page's clock)
  const push = (entry) => { log.push(entry); at.push(Math.round(performance.now())); };
  const describe = (dir, data) => {
    let m;
    try { m = JSON.parse(data); } catch { return; }
    const d = m.data || {};
    const what = d.description ? d.description.type : d.candidate !== undefined ? "candidate" : "";
    let entry = [dir, m.type, what].filter(Boolean).join(":");
    if ((dir === "out" && what === "answer") || (dir === "in" && what === "offer")) {
      entry += document.querySelector("[data-testid=remote-tile]") ? "+tile" : "-tile";
    }
    if (dir === "out" && what === "offer") {
      window.__offerCandidates = (d.description.sdp.match(/^a=candidate:/gm) || []).length;
    }
    push(entry);
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data === "string") describe("out", data);
    return send.call(this, data);
  };
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => typeof e.data === "string" && describe("in", e.data));
    }
  };
  const Pc = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Pc {
    constructor(...args) { super(...args); push("pc:new"); window.__pcs.push(this); }
  };
})();
"""

# The lobby's offer is made and has gathered all its candidates (the page has sat in the lobby).
LOBBY_GATHERED = """() => performance.getEntriesByName('mockroom:offer-prepared').length > 0
  && window.__pcs.length > 0 && window.__pcs[0].iceGatheringState === 'complete'"""
# The spare itself (call-spare.js marks it): the lobby's offer made a connection too, so a
# "pc:new" in the log does not say the spare exists (waiting on that let a newcomer arrive
# before the spare on a loaded host, and the answer went out on a new connection).
SPARES_MADE = "(n) => performance.getEntriesByName('mockroom:spare-made').length >= n"
SPARE_AFTER_WELCOME = """() => performance.getEntriesByName('mockroom:spare-made')[0].startTime
  - performance.getEntriesByName('mockroom:welcome')[0].startTime"""
SPARE_AFTER_MS = 600  # call.js: the wait after a welcome that listed someone
ANNOUNCE_LATER_MS = 250  # call.js: how long a newcomer's tile waits for their offer
REMOTE = "[data-testid=remote-media]"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def logging_page(browser: Browser) -> Page:
    return new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_LOG))


def log_of(page: Page) -> list[str]:
    log: list[str] = page.evaluate("window.__log")
    return log


def join_from_lobby(page: Page, url: str) -> None:
    """Open the link, wait in the lobby until its offer is gathered, then click Join."""
    page.goto(url)
    page.wait_for_function(LOBBY_GATHERED)
    join = page.get_by_test_id("join-button")
    expect(join).to_be_enabled()
    join.click()


def expect_call(page: Page, names: int = 1) -> None:
    expect(page.get_by_test_id("connection-state")).to_have_text("connected", timeout=20_000)
    expect(page.locator(REMOTE)).to_have_count(names)
    assert page.evaluate(FRAMES_ARRIVE, [REMOTE, 3])["width"] > 0
    # The tracks that arrived together while the description was applied are both played.
    kinds = page.evaluate(f"""() => document.querySelector("{REMOTE}").srcObject
        .getTracks().map((t) => t.kind).sort()""")
    assert kinds == ["audio", "video"], kinds


def answered_at_once(page: Page, since: int) -> list[str]:
    """The waiting page's log from the newcomer's `joined` (at or after `since`) to its answer:
    asserts the answer was the first frame it sent, on no new connection, before any tile.

    The tile waits for the answer only if the offer came within call.js's ANNOUNCE_LATER_MS of
    the `joined` (it is the fallback for an offer that never comes): on a loaded host the offer
    can come later, the tile is then built before it arrives, and that run says nothing about
    the order; the tile must never appear between the offer's arrival and the answer."""
    log = log_of(page)
    at: list[int] = page.evaluate("window.__at")
    joined = log.index("in:joined", since)
    answer = next(i for i in range(joined, len(log)) if log[i].startswith("out:signal:answer"))
    offer = next(i for i in range(joined, answer) if log[i].startswith("in:signal:offer"))
    seen = [f"{e} @{t - at[joined]}ms" for e, t in zip(log[joined:], at[joined:], strict=True)]
    between = log[joined + 1 : answer]
    assert not [e for e in between if e.startswith("out:")], seen
    assert "pc:new" not in between, seen
    if log[offer] == "in:signal:offer-tile":
        assert log[answer] == "out:signal:answer-tile", seen
    else:
        assert at[offer] - at[joined] >= ANNOUNCE_LATER_MS, seen
    return log[joined : answer + 1]


def test_the_waiting_page_answers_on_its_spare_before_building_the_tile(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="answer")
    host = logging_page(browser)
    guest = logging_page(browser)
    try:
        join_room(host, link(live_server, room, "interviewer"), name="Hana")
        expect(host.locator("#call")).to_be_visible()
        host.wait_for_function(SPARES_MADE, arg=1)
        # Alone in the room, the spare is made as soon as the certificate is (no wait for a
        # negotiation of our own: there is none, and the next person may come any moment).
        waited = host.evaluate(SPARE_AFTER_WELCOME)
        assert waited < SPARE_AFTER_MS, waited
        join_from_lobby(guest, link(live_server, room, "candidate"))
        expect_call(guest)
        expect_call(host)
        answered_at_once(host, 0)
        # The tile and the roster entry follow the answer; the call has them as before.
        expect(host.get_by_test_id("remote-tile")).to_have_count(1)
        expect(host.locator("#participants")).to_contain_text("Candidate")
        # The newcomer's side: hello, then one offer holding every candidate of its lobby.
        glog = log_of(guest)
        assert glog.index("out:hello") < glog.index("out:signal:offer"), glog
        assert guest.evaluate("window.__offerCandidates") > 0
        assert "out:signal:candidate" not in glog, glog
    finally:
        host.context.close()
        guest.context.close()


def test_the_next_newcomer_gets_a_new_spare(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(live_server.url, title="again")
    host = logging_page(browser)
    first = logging_page(browser)
    second = logging_page(browser)
    try:
        join_room(host, link(live_server, room, "interviewer"))
        expect(host.locator("#call")).to_be_visible()
        host.wait_for_function(SPARES_MADE, arg=1)
        join_from_lobby(first, link(live_server, room, "candidate"))
        expect_call(first)
        expect_call(host)
        answered_at_once(host, 0)
        first.get_by_test_id("leave-button").click()
        expect(host.get_by_test_id("remote-tile")).to_have_count(0)
        # The spare was taken by the first answer; a new one is made once that call is up.
        host.wait_for_function(SPARES_MADE, arg=2)
        seen = len(log_of(host))
        join_from_lobby(second, link(live_server, room, "candidate"))
        expect_call(second)
        expect_call(host)
        answered_at_once(host, seen)
    finally:
        for page in (host, first, second):
            page.context.close()
