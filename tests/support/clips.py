"""The clip upload API through the test client, and web/src/recorder.js driven from Node."""

from __future__ import annotations

import io
import os
import subprocess
from typing import Any

from support.http import auth, create_room
from support.live_server import LiveServer
from support.paths import REPO

QUESTION = "conflict-with-teammate"  # in the behavioral bank


async def scripted_room(client: Any, **body: Any) -> dict[str, Any]:
    return await create_room(client, mode="scripted", media="video", bank="behavioral", **body)


async def new_clip(
    client: Any, room: dict[str, Any], take: int = 1, **extra: Any
) -> dict[str, Any]:
    resp = await client.post(
        f"/api/rooms/{room['room_id']}/clips",
        json={"question_id": QUESTION, "take": take, "mime": "video/webm;codecs=vp8,opus", **extra},
        headers=auth(room["tokens"]["candidate"]),
    )
    assert resp.status in (200, 201), await resp.text()
    data: dict[str, Any] = await resp.json()
    return data


async def put_chunk(
    client: Any, room: dict[str, Any], clip_id: str, seq: int, data: bytes, token: str | None = None
) -> Any:
    return await client.put(
        f"/api/rooms/{room['room_id']}/clips/{clip_id}/chunks/{seq}",
        data=io.BytesIO(data),  # aiohttp warns (ResourceWarning) when raw bytes exceed 1 MiB
        headers={
            **auth(token or room["tokens"]["candidate"]),
            "Content-Type": "application/octet-stream",
        },
    )


RECORDER_SCRIPT = r"""
const { ClipApi, TakeRecorder } = await import(process.env.RECORDER_URL);
const base = process.env.BASE;
class FakeRecorder extends EventTarget {
  constructor(stream, options) {
    super();
    this.mimeType = options.mimeType;
    this.state = "inactive";
  }
  start() {
    this.state = "recording";
    this.n = 0;
    this.dispatchEvent(new Event("start"));
    this.timer = setInterval(() => this.emit(), 30);
  }
  emit() {
    const event = new Event("dataavailable");
    event.data = new Blob([`chunk-${this.n++};`.repeat(50)]);
    this.dispatchEvent(event);
  }
  stop() {
    clearInterval(this.timer);
    this.emit();
    this.state = "inactive";
    this.dispatchEvent(new Event("stop"));
  }
}
globalThis.MediaRecorder = FakeRecorder;
let calls = 0;
const flaky = async (url, init) => {
  calls += 1;
  const put = init.method === "PUT";
  if (put && calls % 9 === 0) throw new TypeError("network down (request lost)");
  const response = await fetch(base + url, init);
  if (put && calls % 13 === 0) throw new TypeError("network down (acknowledgement lost)");
  if (put && calls % 17 === 0) return new Response("{}", { status: 503 });
  return response;
};
const api = new ClipApi({ roomId: process.env.ROOM, token: process.env.TOKEN, fetchImpl: flaky });
const recorder = new TakeRecorder({
  api, stream: null, mime: "audio/webm", questionId: process.env.QUESTION, take: 1,
});
recorder.start();
await new Promise((resolve) => setTimeout(resolve, Number(process.env.RECORD_MS)));
const result = await recorder.stop();
let expected = "";
for (let i = 0; i < recorder.nextSeq; i++) expected += `chunk-${i};`.repeat(50);
console.log(JSON.stringify({ result, expected, chunks: recorder.nextSeq }));
"""


def run_recorder(server: LiveServer, room: dict[str, Any], record_ms: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "RECORDER_URL": (REPO / "web/src/recorder.js").as_uri(),
        "BASE": server.url,
        "ROOM": room["room_id"],
        "TOKEN": room["tokens"]["candidate"],
        "QUESTION": QUESTION,
        "RECORD_MS": str(record_ms),
    }
    return subprocess.Popen(
        ["node", "--input-type=module", "-e", RECORDER_SCRIPT],
        env=env,
        cwd=REPO / "web",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
