"""A newcomer whose offer comes late (a loaded laptop, a slow link): the waiting page does not
wait for it forever. Its tile follows call.js's ANNOUNCE_LATER_MS fallback, and the offer that
comes after is still answered at once, on the spare connection.

The newcomer's page here holds its offer back 600 ms (its WebSocket.send is wrapped), which is
what a loaded host does now and then; test_browser_join_answer.py's order check must accept that
run (the tile was built before the offer came), and did not: it failed so under load.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from support.browser import RECORD_CSP_VIOLATIONS, chromium, join_room, new_page
from support.browser import room_link as link
from support.http import make_room
from support.join_log import (
    ANNOUNCE_LATER_MS,
    RECORD_LOG,
    SPARES_MADE,
    answered_at_once,
    expect_call,
    join_from_lobby,
    logging_page,
    stamped_log,
)
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

HOLD_OFFER_MS = 600

# Holds every outgoing offer HOLD_OFFER_MS (installed after RECORD_LOG: it wraps the log's send,
# so the log says when the offer really went out).
HOLD_OFFER = f"""
(() => {{
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {{
    if (typeof data === "string" && data.includes('"type":"offer"')) {{
      setTimeout(() => send.call(this, data), {HOLD_OFFER_MS});
      return;
    }}
    return send.call(this, data);
  }};
}})();
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_a_late_offer_finds_the_tile_built_and_is_answered_on_the_spare(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="late offer")
    host = logging_page(browser)
    guest = new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_LOG, HOLD_OFFER))
    try:
        join_room(host, link(live_server, room, "interviewer"))
        expect(host.locator("#call")).to_be_visible()
        host.wait_for_function(SPARES_MADE, arg=1)
        join_from_lobby(guest, link(live_server, room, "candidate"))
        expect_call(guest)
        expect_call(host)
        # The tile came by the fallback, before the offer; the answer was still the first
        # frame the waiting page sent, on its spare (answered_at_once checks both).
        got = answered_at_once(host, 0)
        offer = next(e for e in got if e.startswith("in:signal:offer"))
        assert offer == "in:signal:offer+tile", got
        log, at = stamped_log(host)
        waited = at[log.index(offer)] - at[log.index("in:joined")]
        assert waited >= ANNOUNCE_LATER_MS, (waited, got)
        expect(host.locator("#participants")).to_contain_text("Candidate")
    finally:
        host.context.close()
        guest.context.close()
