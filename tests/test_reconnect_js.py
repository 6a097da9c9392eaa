"""reconnect.js under Node, alone and inside RoomClient: which closes are final, the backoff's
cap and jitter, the missed-pong watchdog, and the banner's words.

The client is fed a fake socket and fake timers (each timer runs when the test says so), so
every step is an event, never a sleep.
"""

from __future__ import annotations

from typing import Any

import pytest

from support.node import run_node

pytestmark = pytest.mark.node

POLICY = r"""
const R = await import(process.env.SRC + "/reconnect.js");
const codes = [1000, 1001, 1002, 1006, 1008, 1009, 1011, 1012, 4000, 4401, 4403, 4404, 4409,
  4429, 4499, 4500];
const lowest = [], highest = [];
for (let attempt = 0; attempt < 12; attempt++) {
  lowest.push(R.backoffDelay(attempt, () => 0));
  highest.push(R.backoffDelay(attempt, () => 0.999999));
}
const watch = new R.PongWatch(3);
const beats = [watch.ping(), watch.ping(), watch.ping()];
watch.pong();
const afterPong = [watch.ping(), watch.ping(), watch.ping(), watch.ping()];
console.log(JSON.stringify({
  reconnects: Object.fromEntries(codes.map((c) => [c, R.shouldReconnect(c)])),
  lowest, highest, cap: R.BACKOFF_CAP_MS, beats, afterPong,
  lost: R.bannerText("reconnecting", { outageMs: 1000 }),
  restarting: R.bannerText("reconnecting", { restarting: true, outageMs: 0 }),
  long: R.bannerText("reconnecting", { outageMs: R.LONG_OUTAGE_MS, mediaUp: true }),
  longNoMedia: R.bannerText("reconnecting", { outageMs: R.LONG_OUTAGE_MS + 1 }),
  back: R.bannerText("open", { wasDown: true }),
  firstOpen: R.bannerText("open", {}),
}));
"""


def test_the_policy_terminal_codes_backoff_and_watchdog() -> None:
    out = run_node(POLICY)
    again = {int(code) for code, yes in out["reconnects"].items() if yes}
    # Only a drop, a server going away or restarting, or a server error is worth a retry.
    assert again == {1001, 1006, 1011, 1012, 4500}
    lowest, highest, cap = out["lowest"], out["highest"], out["cap"]
    # Equal jitter: between half and all of a doubling step, never above the cap ...
    assert lowest[:5] == [125, 250, 500, 1000, 1500]
    assert all(lo < hi <= 2 * lo for lo, hi in zip(lowest, highest, strict=True))
    assert max(highest) <= cap and lowest[-1] == cap // 2 and highest[-1] == cap
    # ... so a node back after a crash is found within the cap, not minutes later.
    assert out["beats"] == [False, False, False]
    assert out["afterPong"] == [False, False, False, True]
    assert out["lost"] == {
        "state": "reconnecting",
        "text": "Connection to the server lost — reconnecting…",
    }
    assert out["restarting"]["text"] == "The server is restarting — reconnecting…"
    assert out["long"]["state"] == "long" and "Your call goes on" in out["long"]["text"]
    assert "reload" in out["long"]["text"]
    assert "Your call goes on" not in out["longNoMedia"]["text"]
    assert out["back"]["state"] == "back" and out["firstOpen"] is None


CLIENT = r"""
const timers = new Map();
let next = 1;
const timer = (once) => (fn, ms) => {
  const id = next++;
  timers.set(id, { fn, ms, once });
  return id;
};
globalThis.setTimeout = timer(true);
globalThis.setInterval = timer(false);
globalThis.clearTimeout = globalThis.clearInterval = (id) => { timers.delete(id); };
/** Runs every timer of `ms` once (a reconnect's delay is 125 ms with Math.random = 0). */
const run = (ms) => {
  for (const [id, t] of [...timers]) {
    if (t.ms !== ms) continue;
    if (t.once) timers.delete(id);
    t.fn();
  }
};
Math.random = () => 0;
const { RoomClient } = await import(process.env.SRC + "/protocol.js");
class FakeSocket {
  constructor() { this.readyState = 1; this.sent = []; FakeSocket.all.push(this); }
  send(data) { this.sent.push(JSON.parse(data)); }
  close() { this.readyState = 3; }
  frame(msg) { this.onmessage({ data: JSON.stringify(msg) }); }
  drop(code) { this.readyState = 3; this.onclose({ code, reason: "" }); }
}
FakeSocket.all = [];
const last = () => FakeSocket.all[FakeSocket.all.length - 1];
const welcome = (ws) => ws.frame({ type: "welcome", version: 1, participant_id: "can-1",
  role: "candidate", name: "Ben", room: {}, ice_servers: [], participants: [],
  server_time: Date.now(), heartbeat_ms: 15000 });

async function joined() {
  const states = [];
  const client = new RoomClient({ url: "ws://x/r", token: "t", WebSocketImpl: FakeSocket });
  client.onstatechange = (state, detail) => states.push([state, detail || null]);
  const done = client.connect();
  welcome(last());
  await done;
  return { client, states };
}

const out = {};
// A drop (1006): reconnect after the jittered delay, as the same participant.
{
  const { client, states } = await joined();
  const before = FakeSocket.all.length;
  last().drop(1006);
  run(125);
  const again = last();
  out.drop = {
    opened: FakeSocket.all.length - before,
    hello: again.sent[0],
    reconnecting: states.filter(([s]) => s === "reconnecting").map(([, d]) => d.delayMs),
  };
  welcome(again);
  out.drop.open = states[states.length - 1];
  client.close();
}
// Final codes: no new socket, whatever timers run; the state says closed with the code.
out.final = {};
for (const code of [1000, 4000, 4401, 4403, 4404, 4409, 4429, 1008]) {
  const { client, states } = await joined();
  const before = FakeSocket.all.length;
  last().drop(code);
  for (const t of [...timers.values()]) t.fn();
  out.final[code] = { opened: FakeSocket.all.length - before, state: client.state,
    reconnecting: states.some(([s]) => s === "reconnecting") };
  client.close();
  timers.clear();
}
// A socket that stops answering pings is given up and replaced, without any close event.
{
  const { client, states } = await joined();
  const dead = last();
  const before = FakeSocket.all.length;
  run(500); run(5000); run(5000); // the welcome's ping, the quick one, two more: no pong
  out.silent = { closed: dead.readyState === 3, state: client.state };
  run(125);
  out.silent.opened = FakeSocket.all.length - before;
  client.close();
  timers.clear();
}
// Pongs keep a quiet socket alive.
{
  const { client } = await joined();
  const ws = last();
  for (let i = 0; i < 6; i++) {
    ws.frame({ type: "pong", t: Date.now(), server_time: Date.now() });
    run(5000);
  }
  out.answered = { closed: ws.readyState === 3, state: client.state };
  client.close();
}
console.log(JSON.stringify(out));
"""


def test_the_client_reconnects_after_a_drop_only_and_gives_up_a_silent_socket() -> None:
    out: dict[str, Any] = run_node(CLIENT)
    drop = out["drop"]
    assert drop["opened"] == 1 and drop["reconnecting"] == [125]
    assert drop["hello"]["type"] == "hello" and drop["hello"]["participant_id"] == "can-1"
    assert drop["open"] == ["open", {"wasDown": True}]
    for code, seen in out["final"].items():
        assert seen == {"opened": 0, "state": "closed", "reconnecting": False}, code
    assert out["silent"] == {"closed": True, "state": "reconnecting", "opened": 1}
    assert out["answered"] == {"closed": False, "state": "open"}


RESUME = r"""
const R = await import(process.env.SRC + "/call-resume.js");
const sdp = (fp) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=fingerprint:sha-256 ${fp}\r\n`;
const pc = (signalingState, connectionState, remote) => ({
  signalingState, connectionState,
  remoteDescription: remote ? { type: "answer", sdp: remote } : null,
});
const live = pc("stable", "connected", sdp("AA:BB"));
console.log(JSON.stringify({
  fingerprint: R.dtlsFingerprint(sdp("aa:bb")),
  none: R.dtlsFingerprint("v=0\r\n"),
  keeps: ["connected", "disconnected", "failed", "closed", "connecting", "new"].map(
    (state) => R.carriesMedia(pc("stable", state, null))),
  midOffer: R.carriesMedia(pc("have-local-offer", "connected", null)),
  reloaded: R.isNewRemote(live, { type: "offer", sdp: sdp("CC:DD") }),
  restart: R.isNewRemote(live, { type: "offer", sdp: sdp("AA:BB") }),
  answer: R.isNewRemote(live, { type: "answer", sdp: sdp("CC:DD") }),
  fresh: R.isNewRemote(pc("stable", "new", null), { type: "offer", sdp: sdp("CC:DD") }),
}));
"""


def test_which_connections_a_reconnect_keeps() -> None:
    out = run_node(RESUME)
    assert out["fingerprint"] == "SHA-256 AA:BB" and out["none"] == ""
    # Kept: connected, or briefly disconnected (ICE may recover); made again otherwise.
    assert out["keeps"] == [True, True, False, False, False, False]
    assert out["midOffer"] is False  # its offer or answer may have been lost with the socket
    # A new certificate is a new page: answered on a fresh connection. Same one: same connection.
    assert out["reloaded"] is True
    assert out["restart"] is False and out["answer"] is False and out["fresh"] is False
