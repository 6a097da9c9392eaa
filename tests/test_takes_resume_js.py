"""scripted-takes.js under Node: a take its server lost mid-answer and that the resumed session
records again must not have two uploaders on one clip.

A server crash cuts the take's upload (its chunks retry with backoff); after the restart the
session resumes the same question and take, and the new recording starts the clip over. The old
recorder's retries must stop then, or they would write its chunks into the new clip. A fake
MediaRecorder and a fake clip API stand in for the browser and the server.
"""

from __future__ import annotations

import pytest

from support.node import run_node

pytestmark = pytest.mark.node

SCRIPT = r"""
globalThis.MediaRecorder = class {
  static isTypeSupported() { return true; }
  constructor(stream, opts) {
    this.mimeType = opts.mimeType; this.state = "inactive"; this.listeners = {};
    recorders.push(this);
  }
  addEventListener(type, fn) { (this.listeners[type] ||= []).push(fn); }
  emit(type, event = {}) { for (const fn of this.listeners[type] || []) fn(event); }
  start() { this.state = "recording"; this.emit("start"); }
  chunk() { this.emit("dataavailable", { data: { size: 10, from: recorders.indexOf(this) } }); }
  stop() { this.chunk(); this.state = "inactive"; this.emit("stop"); }
};
const recorders = [];
const { TakeFollower } = await import(process.env.SRC + "/scripted-takes.js");

let down = false;
const puts = []; // [which recorder, seq] for every chunk the "server" stored
const api = {
  open: async () => ({ clip_id: "clip-1" }),
  info: async () => { if (down) throw new TypeError("offline"); return { next_seq: 0, bytes: 0 }; },
  putChunk: async (clipId, seq, blob) => {
    if (down) throw new TypeError("Failed to fetch");
    puts.push([blob.from, seq]);
    return { next_seq: seq + 1, bytes: 10 * (seq + 1) };
  },
  finish: async () => ({}),
};
const rows = new Map();
const answers = {
  row: (q, take) => {
    const key = `${q}:${take}`;
    if (!rows.has(key)) rows.set(key, { dataset: {}, shown: [] });
    return rows.get(key);
  },
  progress: (row, p) => row.shown.push(p.state + ":" + (p.error || "")),
  show: () => {},
};
const stream = { getTracks: () => [1], getVideoTracks: () => [], getAudioTracks: () => [1] };
const takes = new TakeFollower({ api, stream, answers, serverNow: () => Date.now() });
const question = { id: "q1", text: "?", index: 0, count: 2, practice: false };
const state = (recording) => ({ phase: recording ? "answer" : "waiting", recording, question,
  take: 1, timer: null });
const tick = () => new Promise((resolve) => setImmediate(resolve));

takes.follow(state(true));
await tick();
const first = recorders[0];
first.chunk(); first.chunk();
await tick(); await tick();
const beforeCrash = puts.length;
down = true; // the server died
first.chunk();
await tick();
takes.follow(state(false)); // the restarted server's session: waiting, the take interrupted
down = false;
takes.follow(state(true)); // Resume: the same take, recorded again
const resumedAt = puts.length;
const second = recorders[1];
await takes.settled(); // the first take's upload ended (stopped, not finished)
second.chunk(); second.chunk();
await tick(); await tick();
const row = rows.get("q1:1");
console.log(JSON.stringify({
  beforeCrash, resumedAt, puts, shown: row.shown.slice(-1)[0],
}));
"""


def test_a_take_recorded_again_stops_the_old_upload() -> None:
    out = run_node(SCRIPT)
    assert out["beforeCrash"] == 2
    # After the resume only the new recording reaches the clip, from its first chunk on.
    after = out["puts"][out["resumedAt"] :]
    assert after and all(who == 1 for who, _ in after), out["puts"]
    assert [seq for _, seq in after] == list(range(len(after)))
    # The row shows the new take's progress, not the old upload's end.
    assert out["shown"].startswith("recording"), out
