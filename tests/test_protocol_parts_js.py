"""protocol.js's parts under Node: the server's clock, the sent requests, the message handlers.

The clock: the welcome gives a first rough offset; the first pong replaces it, and from then on
the offset is the median of the last nine pong samples, so one slow round trip does not move
every timer on the page. Pongs that cannot be samples (a round trip below zero, a missing field)
change nothing and are not counted as answers. Date.now() is pinned so every figure is exact.

The requests: only request-like messages get an id, a message sent again keeps its id, and only
the newest fifty are remembered. The handlers: a handler that throws is logged and the others
(and "*") still get the message; one that unsubscribes while a message is handed out does not
make the others miss it.
"""

from __future__ import annotations

import pytest

from support.node import run_node

pytestmark = pytest.mark.node


CLOCK = r"""
const { serverClock } = await import(process.env.SRC + "/protocol-clock.js");
let now = 1_000_000;
Date.now = () => now;
const clock = serverClock();
const out = { before: [clock.offset(), clock.rttMs] };
clock.welcome(now + 5000);
clock.welcome(now + 9999); // a later welcome does not replace the first rough sample
out.welcomed = clock.offset();
// A pong sent at t, answered 100 ms later by a server 200 ms ahead of us at the midpoint.
now += 100;
out.first = clock.pong({ type: "pong", t: now - 100, server_time: now - 50 + 200 });
out.afterFirst = clock.offset();
out.rtt = clock.rttMs;
out.backwards = clock.pong({ type: "pong", t: now + 10, server_time: now });
out.noTime = clock.pong({ type: "pong", t: now });
out.afterBad = [clock.offset(), clock.rttMs];
// One slow outlier among nine samples does not move the median.
for (const ahead of [210, 190, 205, 195, 200, 5000, 200, 200]) {
  clock.pong({ type: "pong", t: now - 20, server_time: now - 10 + ahead });
}
out.median = clock.offset();
// Only the newest nine count: nine samples at 300 push the others out.
for (let i = 0; i < 9; i++) clock.pong({ type: "pong", t: now - 20, server_time: now - 10 + 300 });
out.newest = clock.offset();
console.log(JSON.stringify(out));
"""


def test_the_welcome_sample_gives_way_to_the_median_of_the_last_nine_pongs() -> None:
    out = run_node(CLOCK)
    assert out["before"] == [0, None]
    assert out["welcomed"] == 5000
    assert out["first"] is True
    assert out["afterFirst"] == 200  # the welcome's rough sample is gone
    assert out["rtt"] == 100
    assert out["backwards"] is False
    assert out["noTime"] is False
    assert out["afterBad"] == [200, 100]
    assert out["median"] == 200
    assert out["newest"] == 300


PARTS = r"""
const { sentRequests } = await import(process.env.SRC + "/protocol-requests.js");
const { messageHandlers } = await import(process.env.SRC + "/protocol-handlers.js");
const sent = sentRequests();
const start = { type: "interview", action: "start" };
const out = {
  ping: sent.track({ type: "ping", t: 1 }),
  start: sent.track(start),
  again: sent.track(start),
  state: sent.track({ type: "state", audio: false }),
};
out.found = sent.of({ type: "error", id: out.start })?.action;
out.noId = sent.of({ type: "error" }) === undefined;
for (let i = 0; i < 50; i++) sent.track({ type: "scripted", action: "next" });
out.forgotten = sent.of({ type: "error", id: out.start });
out.newest = sent.of({ type: "error", id: "52" })?.action;

const handlers = messageHandlers();
const got = [];
const logged = [];
console.error = (...args) => logged.push(String(args[0]));
let off = () => {};
off = handlers.on("pong", () => { got.push("first"); off(); });
handlers.on("pong", () => { throw new Error("broken pane"); });
handlers.on("pong", () => got.push("third"));
handlers.on("*", (msg) => got.push(`any ${msg.type}`));
const offWelcome = handlers.on("welcome", () => got.push("welcome"));
offWelcome();
handlers.emit({ type: "pong", t: 1, server_time: 2 });
handlers.emit({ type: "pong", t: 1, server_time: 2 });
handlers.emit({ type: "welcome" });
out.got = got;
out.logged = logged;
console.log(JSON.stringify(out));
"""


def test_request_ids_and_handlers_that_throw_or_leave() -> None:
    out = run_node(PARTS)
    assert out["ping"] is None
    assert out["start"] == "1" and out["again"] == "1"  # sent again: the same id
    assert out["state"] == "2"
    assert out["found"] == "start"
    assert out["noId"] is True
    assert out["forgotten"] is None  # pushed out by fifty newer requests
    assert out["newest"] == "next"
    assert out["got"] == [
        "first",
        "third",
        "any pong",
        "third",  # "first" unsubscribed itself while the first pong was handed out
        "any pong",
        "any welcome",  # the welcome handler had unsubscribed
    ]
    assert out["logged"] == ["handler for pong failed", "handler for pong failed"]
