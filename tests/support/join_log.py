"""The order of a page's signaling frames and connection constructions in a join, read by
test_browser_join_answer.py and test_browser_join_late_offer.py."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from support.browser import RECORD_CSP_VIOLATIONS, new_page
from support.peer_probe import FRAMES_ARRIVE

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
ANNOUNCE_LATER_MS = 250  # call.js: how long a newcomer's tile waits for their offer
REMOTE = "[data-testid=remote-media]"


def logging_page(browser: Browser) -> Page:
    return new_page(browser, init_scripts=(RECORD_CSP_VIOLATIONS, RECORD_LOG))


def log_of(page: Page) -> list[str]:
    log: list[str] = page.evaluate("window.__log")
    return log


def stamped_log(page: Page) -> tuple[list[str], list[int]]:
    """The log and its times, read together (frames keep coming: two reads could differ)."""
    got: tuple[list[str], list[int]] = page.evaluate("() => [window.__log, window.__at]")
    log, at = got
    return log, at


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
    log, at = stamped_log(page)
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
