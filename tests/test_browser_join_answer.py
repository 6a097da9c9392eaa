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
from playwright.sync_api import Browser, expect

from support.browser import chromium, join_room
from support.browser import room_link as link
from support.http import make_room
from support.join_log import (
    SPARES_MADE,
    answered_at_once,
    expect_call,
    join_from_lobby,
    log_of,
    logging_page,
)
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

SPARE_AFTER_WELCOME = """() => performance.getEntriesByName('mockroom:spare-made')[0].startTime
  - performance.getEntriesByName('mockroom:welcome')[0].startTime"""
SPARE_AFTER_MS = 600  # call.js: the wait after a welcome that listed someone


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


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
