"""recorder.js: a take aborted (another tab took the session over) sends nothing more.

Node runs the real uploader against a live server with a fake MediaRecorder (a chunk every
30 ms) and a fetch that logs every request; after abort() no chunk and no finish may go out.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from typing import Any

import pytest

from support.http import make_room
from support.paths import REPO

pytestmark = pytest.mark.node

SCRIPT = r"""
const { ClipApi, TakeRecorder } = await import(process.env.RECORDER_URL);
class FakeRecorder extends EventTarget {
  constructor(stream, options) {
    super(); this.mimeType = options.mimeType; this.state = "inactive";
  }
  start() {
    this.state = "recording"; this.n = 0;
    this.dispatchEvent(new Event("start"));
    this.timer = setInterval(() => this.emit(), 30);
  }
  emit() {
    const event = new Event("dataavailable");
    event.data = new Blob([`chunk-${this.n++};`]);
    this.dispatchEvent(event);
  }
  stop() {
    clearInterval(this.timer); this.emit(); this.state = "inactive";
    this.dispatchEvent(new Event("stop"));
  }
}
globalThis.MediaRecorder = FakeRecorder;
const sent = [];
let aborted = false;
const logged = async (url, init) => {
  sent.push({ method: init.method, url, afterAbort: aborted });
  return fetch(process.env.BASE + url, init);
};
const api = new ClipApi({ roomId: process.env.ROOM, token: process.env.TOKEN, fetchImpl: logged });
const recorder = new TakeRecorder({
  api, stream: null, mime: "audio/webm", questionId: process.env.QUESTION, take: 1,
});
recorder.start();
// Abort while it is uploading: after three chunks went out, however slow this machine is.
while (sent.filter((r) => r.method === "PUT").length < 3) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}
aborted = true;
recorder.abort("this practice continued in another tab");
await new Promise((resolve) => setTimeout(resolve, 400));
const result = await recorder.stop();  // a late stop() changes nothing either
console.log(JSON.stringify({ state: recorder.progress.state, result, sent }));
"""


def test_abort_stops_uploading_at_once(live_server: Any) -> None:
    room = make_room(live_server.url, mode="scripted", media="audio", bank="behavioral")
    token = room["tokens"]["candidate"]
    env = {
        **os.environ,
        "RECORDER_URL": (REPO / "web/src/recorder.js").as_uri(),
        "BASE": live_server.url,
        "ROOM": room["room_id"],
        "TOKEN": token,
        "QUESTION": "conflict-with-teammate",
    }
    done = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT],
        env=env,
        cwd=REPO / "web",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["state"] == "stopped" and report["result"]["state"] == "stopped"
    before = [r for r in report["sent"] if not r["afterAbort"]]
    assert sum(r["method"] == "PUT" for r in before) >= 3  # it was uploading
    late = [r for r in report["sent"] if r["afterAbort"]]
    assert late == [], late
    req = urllib.request.Request(
        f"{live_server.url}/api/rooms/{room['room_id']}/clips",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        [clip] = json.loads(resp.read())
    assert clip["finished"] is False  # the tab that took over records this take itself
