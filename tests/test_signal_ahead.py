"""Signals right behind the hello: the server relays them once it has admitted the sender, and
RoomClient sends them only in its first hello's window (a reconnect's old connections' signals
are still dropped). The room page's join relies on both (docs/protocol.md, Handshake)."""

from __future__ import annotations

from typing import Any

import pytest

from support.http import create_room
from support.node import run_node

OFFER = {"description": {"type": "offer", "sdp": "v=0\r\n"}}


async def receive_until(ws: Any, kind: str) -> list[dict[str, Any]]:
    """Every frame up to and including the first of `kind`."""
    got: list[dict[str, Any]] = []
    while not got or got[-1]["type"] != kind:
        got.append(await ws.receive_json(timeout=5))
    return got


def hello(room: dict[str, Any], role: str) -> dict[str, Any]:
    return {"type": "hello", "version": 1, "token": room["tokens"][role], "name": role.title()}


async def test_a_signal_behind_the_hello_is_relayed_after_the_joined(client: Any) -> None:
    room = await create_room(client)
    a = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    await a.send_json(hello(room, "interviewer"))
    welcome_a = await a.receive_json(timeout=5)
    b = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    # Both frames at once, as the room page sends them: no wait for the welcome.
    await b.send_json(hello(room, "candidate"))
    await b.send_json({"type": "signal", "to": welcome_a["participant_id"], "data": OFFER})
    welcome_b = (await receive_until(b, "welcome"))[-1]
    seen = [m for m in await receive_until(a, "signal") if m["type"] in ("joined", "signal")]
    assert [m["type"] for m in seen] == ["joined", "signal"]
    assert seen[1]["from"] == welcome_b["participant_id"] and seen[1]["data"] == OFFER
    await a.close()
    await b.close()


async def test_a_signal_ahead_to_someone_gone_is_refused_and_the_socket_lives(
    client: Any,
) -> None:
    room = await create_room(client)
    b = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    await b.send_json(hello(room, "candidate"))
    await b.send_json({"type": "signal", "to": "int-gone", "data": OFFER})
    await b.send_json({"type": "ping", "t": 1})
    frames = await receive_until(b, "pong")
    assert frames[0]["type"] == "welcome"
    errors = [m for m in frames if m["type"] == "error"]
    assert [(e["code"], bool(e.get("fatal"))) for e in errors] == [("unknown-peer", False)]
    await b.close()


CLIENT = r"""
const timers = new Map();
let next = 1;
globalThis.setTimeout = (fn, ms) => { const id = next++; timers.set(id, { fn, ms }); return id; };
globalThis.clearTimeout = (id) => { timers.delete(id); };
globalThis.setInterval = (fn, ms) => { const id = next++; return id; };
globalThis.clearInterval = () => {};
const { RoomClient } = await import(process.env.SRC + "/protocol.js");
class FakeSocket {
  constructor() { this.readyState = 0; this.sent = []; FakeSocket.all.push(this); }
  send(data) { this.sent.push(JSON.parse(data).type); }
  close() { this.readyState = 3; }
  open() { this.readyState = 1; this.onopen(); }
  frame(msg) { this.onmessage({ data: JSON.stringify(msg) }); }
}
FakeSocket.all = [];
const welcome = { type: "welcome", version: 1, participant_id: "can-1", role: "candidate",
  name: "Ben", room: {}, ice_servers: [], participants: [], server_time: Date.now(),
  heartbeat_ms: 15000 };
const signal = { type: "signal", to: "int-1", data: { candidate: null } };
const client = new RoomClient({ url: "ws://x/ws/rooms/r", token: "t", WebSocketImpl: FakeSocket });
const order = [];
client.onhello = () => { order.push("onhello"); client.send(signal); };
const welcomed = client.connect();
const first = FakeSocket.all[0];
client.send(signal);                 // still connecting: nobody to send it to, dropped
first.open();                        // hello, then (onhello) the signal
first.frame(welcome);
await welcomed;
client.send(signal);                 // welcomed: sent as always
first.onclose({ code: 1006 });       // the network: a reconnect is scheduled
// reconnect.js: the first retry waits 125-250 ms (jittered); the other timers are pings.
const retry = [...timers.values()].find((t) => t.ms >= 125 && t.ms <= 250);
retry.fn();
const second = FakeSocket.all[1];
second.open();                       // a reconnect's hello: signals of old connections dropped
client.send(signal);
client.close();
console.log(JSON.stringify({ first: first.sent, second: second.sent, order }));
"""


@pytest.mark.node
def test_room_client_sends_signals_in_the_first_hellos_window_only() -> None:
    out = run_node(CLIENT)
    assert out["first"][:2] == ["hello", "signal"], out
    assert out["first"].count("signal") == 2, out  # the one behind the hello, the welcomed one
    assert out["second"][0] == "hello" and "signal" not in out["second"], out
    assert out["order"] == ["onhello", "onhello"], out
