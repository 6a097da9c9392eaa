"""The waiting page holds its pane's redraw until its answer is out, however slow the answer.

The interviewer's page waits in the room with its interview pane up. A newcomer's `joined`
teaches the pane their name; the pane redraws for it later (idle-later.js: 400 ms, then an idle
slice), so as not to take the main thread while their offer is answered. Under load the answer
took 450-1900 ms, longer than that wait, and the redraw landed between the offer and the answer.
Now, from an incoming offer until our answer is sent, deferred work waits (idle-hold.js) and runs
right after. Here the waiting page's answer is slowed on purpose (its setLocalDescription for an
answer starts ANSWER_DELAY_MS late, a page-side hook), past the redraw's 400 ms: the redraw must
still come after the answer is sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import chromium, join_room, new_page
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

# Well past idle-later.js's 400 ms and its idle slice, well under idle-hold.js's 3 s cap.
ANSWER_DELAY_MS = 1500

# The waiting page's answer, made late: setLocalDescription on a connection that holds a remote
# offer (that is, our answer) starts ANSWER_DELAY_MS after it is called.
SLOW_ANSWER = f"""
(() => {{
  const proto = RTCPeerConnection.prototype;
  const setLocal = proto.setLocalDescription;
  proto.setLocalDescription = function (...args) {{
    if (this.signalingState !== "have-remote-offer") return setLocal.apply(this, args);
    return new Promise((resolve) => setTimeout(resolve, {ANSWER_DELAY_MS}))
      .then(() => setLocal.apply(this, args));
  }};
}})();
"""

# Every render of the pane, from now on: the times of the phase line's rewrites (every render
# rewrites it, and nothing else does: tests/test_browser_waiting_pane.py).
COUNT_RENDERS = """() => {
  window.__renders = [];
  new MutationObserver(() => window.__renders.push(performance.now()))
    .observe(document.querySelector("[data-testid=interview-phase]"), {childList: true});
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def mark_at(page: Page, name: str) -> float:
    at: float = page.evaluate(
        "(n) => performance.getEntriesByName('mockroom:' + n).at(-1).startTime", name
    )
    return at


def swap_names(page: Page) -> list[object]:
    """The swap region's key (interview-controls.swapKey): it names the other person."""
    key = page.locator(".iv-swap").get_attribute("data-key")
    assert key is not None
    parsed: list[object] = json.loads(key)
    return parsed


def test_the_pane_redraws_for_a_newcomers_name_after_a_slow_answer(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, title="slow answer", bank="behavioral")
    host = new_page(browser, init_scripts=(SLOW_ANSWER,))
    guest = new_page(browser)
    try:
        join_room(host, link(live_server, room, "interviewer"), name="Hana")
        expect(host.get_by_test_id("interview-phase")).to_have_text("Waiting to start")
        assert "Ben" not in swap_names(host)
        host.evaluate(COUNT_RENDERS)
        join_room(guest, link(live_server, room, "candidate"), name="Ben")
        expect(host.get_by_test_id("connection-state")).to_have_text("connected", timeout=20_000)
        host.wait_for_function("() => window.__renders.length > 0", timeout=10_000)
        assert "Ben" in swap_names(host)
        received = mark_at(host, "offer-received")
        answered = mark_at(host, "answer-sent")
        # The answer was as slow as made: longer than the redraw's own wait.
        assert answered - received >= ANSWER_DELAY_MS, (received, answered)
        # One redraw, and it waited for the answer.
        drawn: list[float] = host.evaluate("window.__renders")
        assert len(drawn) == 1, drawn
        assert drawn[0] > answered, (drawn, received, answered)
    finally:
        host.context.close()
        guest.context.close()
