"""protocol.js and api.js under Node: request ids, which refusal belongs to the interview
pane, timers; the token from the URL and refused requests as ApiError.

RoomClient gives every request-like message (interview, scripted, state) an `id`, and
`requestOf(errorFrame)` finds the message an error answers from the id the server echoes;
interview-errors.js decides from that which errors the interview pane shows (it replaced a
"something was sent in the last 5 s" guess). One test drives the real client against a live
server over a real socket (the `ws` package), one feeds a fake socket frames with chosen ids.
"""

from __future__ import annotations

from typing import Any

import pytest

from support.http import make_room
from support.node import run_node
from support.paths import REPO

pytestmark = pytest.mark.node


LIVE = r"""
import { createRequire } from "node:module";
const require = createRequire(process.env.WEB_DIR + "/package.json");
const WebSocket = require("ws");
const { RoomClient } = await import(process.env.SRC + "/protocol.js");
const { isInterviewError } = await import(process.env.SRC + "/interview-errors.js");
const sent = [];
class LoggedSocket extends WebSocket {
  send(data) { sent.push(JSON.parse(data)); super.send(data); }
}
const client = new RoomClient({
  url: process.env.BASE.replace(/^http/, "ws") + "/ws/rooms/" + process.env.ROOM,
  token: process.env.TOKEN, name: "Ben", WebSocketImpl: LoggedSocket,
});
await client.connect();
const refused = new Promise((resolve) => client.on("error", resolve));
client.send({ type: "state", audio: false });
const id = client.send({ type: "interview", action: "start" });
const frame = await refused;
const request = client.requestOf(frame);
console.log(JSON.stringify({
  id, frame, shown: isInterviewError(client, frame),
  failed: request ? request.action : request === undefined ? "no-id" : "unknown",
  sent: sent.filter((m) => m.type !== "hello"),
}));
client.close();
"""


def test_a_refused_interview_action_is_the_interview_panes(live_server: Any) -> None:
    room = make_room(live_server.url, bank="behavioral")
    report = run_node(
        LIVE,
        WEB_DIR=str(REPO / "web"),
        BASE=live_server.url,
        ROOM=room["room_id"],
        TOKEN=room["tokens"]["candidate"],
    )
    # The candidate may not drive: refused, and the pane shows it.
    assert report["frame"]["code"] == "not-allowed", report
    assert report["shown"] is True
    # Ids go on requests only, each its own; a server that echoes them names the action.
    by_type = {m["type"]: m for m in report["sent"]}
    assert by_type["interview"]["id"] == report["id"]
    assert by_type["state"]["id"] != report["id"]
    assert "id" not in by_type["ping"]
    if "id" in report["frame"]:
        assert report["frame"]["id"] == report["id"] and report["failed"] == "start"
    else:
        assert report["failed"] == "no-id"


FAKE = r"""
const timers = new Map();
let next = 1;
globalThis.setTimeout = (fn, ms) => { const id = next++; timers.set(id, ms); return id; };
globalThis.clearTimeout = (id) => { timers.delete(id); };
globalThis.setInterval = (fn, ms) => { const id = next++; timers.set(id, ms); return id; };
globalThis.clearInterval = (id) => { timers.delete(id); };
const { RoomClient } = await import(process.env.SRC + "/protocol.js");
const { isInterviewError } = await import(process.env.SRC + "/interview-errors.js");
class FakeSocket {
  constructor() { this.readyState = 1; this.sent = []; FakeSocket.last = this; }
  send(data) { this.sent.push(JSON.parse(data)); }
  close() { this.readyState = 3; }
  frame(msg) { this.onmessage({ data: JSON.stringify(msg) }); }
}
const client = new RoomClient({ url: "ws://x/ws/rooms/r", token: "t", WebSocketImpl: FakeSocket });
const welcomed = client.connect();
const ws = FakeSocket.last;
ws.frame({ type: "welcome", version: 1, participant_id: "can-1", role: "candidate", name: "Ben",
  room: {}, ice_servers: [], participants: [], server_time: Date.now(), heartbeat_ms: 15000 });
await welcomed;
const pending = [...timers.values()].sort();
const stateId = client.send({ type: "state", audio: true });
const ivId = client.send({ type: "interview", action: "pause" });
const scId = client.send({ type: "scripted", action: "start" });
const signalId = client.send({ type: "signal", to: "int-1", data: { candidate: null } });
const verdict = (frame) => isInterviewError(client, { type: "error", message: "m", ...frame });
const out = {
  ids: [stateId, ivId, scId, signalId],
  interview: verdict({ code: "not-allowed", id: ivId }),
  state: verdict({ code: "not-allowed", id: stateId }),
  scripted: verdict({ code: "not-now", id: scId }),
  unknown: verdict({ code: "bad-phase", id: "999" }),
  noId: verdict({ code: "rate-limited" }),
  fatalNoId: verdict({ code: "link-withdrawn", fatal: true }),
  pendingAfterWelcome: pending,
};
client.close();
out.pendingAfterClose = [...timers.values()];
console.log(JSON.stringify(out));
"""


def test_request_ids_pick_the_interview_panes_errors_and_close_clears_every_timer() -> None:
    out = run_node(FAKE)
    state_id, interview_id, scripted_id, signal_id = out["ids"]
    assert len({state_id, interview_id, scripted_id}) == 3 and signal_id is None
    assert out["interview"] is True
    assert out["state"] is False and out["scripted"] is False and out["unknown"] is False
    assert out["noId"] is True  # a server without ids: shown, as before
    assert out["fatalNoId"] is False  # the room's notice says it
    # The welcome starts the ping interval and the second quick ping; close() clears both.
    assert sorted(out["pendingAfterWelcome"]) == [500, 5000]
    assert out["pendingAfterClose"] == []


API = r"""
const { ApiError, readToken, request, socketUrl } = await import(process.env.SRC + "/api.js");
const base = process.env.BASE, room = process.env.ROOM, token = process.env.TOKEN;
const at = (path, init) => fetch(base + path, init);
const out = {
  query: readToken({ search: "?token=abc&x=1", hash: "" }),
  fragment: readToken({ search: "", hash: "#token=def" }),
  none: readToken({ search: "", hash: "" }),
  ws: socketUrl("/ws/rooms/r", "https://host:8443/rooms/r?token=x"),
  room: (await request("/api/rooms/" + room, { token, fetchImpl: at })).room_id,
};
try {
  await request("/api/rooms/" + room, { token: "wrong", fetchImpl: at });
} catch (err) {
  out.refused = { api: err instanceof ApiError, status: err.status, code: err.code,
    message: err.message };
}
try {
  await request("/api/rooms", { method: "POST", json: { mode: "nope" }, fetchImpl: at });
} catch (err) {
  out.invalid = { status: err.status, code: err.code, message: err.message };
}
console.log(JSON.stringify(out));
"""


def test_api_js_reads_tokens_and_turns_refusals_into_errors(live_server: Any) -> None:
    room = make_room(live_server.url)
    out = run_node(
        API, BASE=live_server.url, ROOM=room["room_id"], TOKEN=room["tokens"]["interviewer"]
    )
    assert (out["query"], out["fragment"], out["none"]) == ("abc", "def", "")
    assert out["ws"] == "wss://host:8443/ws/rooms/r"
    assert out["room"] == room["room_id"]
    refused = out["refused"]
    assert refused["api"] is True and refused["status"] == 403 and refused["code"] == "forbidden"
    assert refused["message"] and "HTTP" not in refused["message"]
    assert out["invalid"]["status"] == 400 and out["invalid"]["message"]
