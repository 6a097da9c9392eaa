"""The clip upload API through the test client, and web/src/recorder.js driven from Node."""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable
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


# recorder.js in Node: a fake MediaRecorder (one chunk every 100 ms: ten times the real timeslice,
# yet slow enough that a loaded machine's uploads keep up, so stop() meets no long backlog) and a
# fetch that drops requests and acknowledgements and answers 503 now and then. It prints every
# progress report as a JSON line ({"progress": ...}) and, at the end, {"result", "expected",
# "chunks", "faults"}. It stops after RECORD_MS, or (without RECORD_MS) when a "stop" line
# arrives on stdin, so a test can stop it on an event instead of on the clock.
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
    this.timer = setInterval(() => this.emit(), 100);
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
const faults = { lost: 0, unacknowledged: 0, unavailable: 0 };
const flaky = async (url, init) => {
  calls += 1;
  const put = init.method === "PUT";
  if (put && calls % 9 === 0) {
    faults.lost += 1;
    throw new TypeError("network down (request lost)");
  }
  const response = await fetch(base + url, init);
  if (put && calls % 13 === 0) {
    faults.unacknowledged += 1;
    throw new TypeError("network down (acknowledgement lost)");
  }
  if (put && calls % 17 === 0) {
    faults.unavailable += 1;
    return new Response("{}", { status: 503 });
  }
  return response;
};
const api = new ClipApi({ roomId: process.env.ROOM, token: process.env.TOKEN, fetchImpl: flaky });
const recorder = new TakeRecorder({
  api, stream: null, mime: "audio/webm", questionId: process.env.QUESTION, take: 1,
  onprogress: (progress) => console.log(JSON.stringify({ progress })),
});
recorder.start();
if (process.env.RECORD_MS) {
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.RECORD_MS)));
} else {
  const { createInterface } = await import("node:readline");
  const lines = createInterface({ input: process.stdin });
  await new Promise((resolve) => lines.on("line", (line) => line.trim() === "stop" && resolve()));
  lines.close();
}
const result = await recorder.stop();
let expected = "";
for (let i = 0; i < recorder.nextSeq; i++) expected += `chunk-${i};`.repeat(50);
console.log(JSON.stringify({ result, expected, chunks: recorder.nextSeq, faults }));
"""


def run_recorder(
    server: LiveServer, room: dict[str, Any], record_ms: int | None = None
) -> subprocess.Popen[str]:
    """recorder.js uploading one take to `server`; `record_ms=None`: until `RecorderRun.stop`."""
    env = {
        **os.environ,
        "RECORDER_URL": (REPO / "web/src/recorder.js").as_uri(),
        "BASE": server.url,
        "ROOM": room["room_id"],
        "TOKEN": room["tokens"]["candidate"],
        "QUESTION": QUESTION,
    }
    if record_ms is not None:
        env["RECORD_MS"] = str(record_ms)
    return subprocess.Popen(
        ["node", "--input-type=module", "-e", RECORDER_SCRIPT],
        env=env,
        cwd=REPO / "web",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class RecorderRun:
    """Follows a `run_recorder(..., record_ms=None)` process: its progress reports as they come,
    so a test waits on what the uploader did (chunks recorded, acknowledged), not on the clock."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.progress: dict[str, Any] = {"acked": 0, "total": 0, "state": "starting"}
        self.output: list[str] = []
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _take(self, timeout: float) -> str | None:
        line = self.lines.get(timeout=timeout)
        if line is not None:
            self.output.append(line)
            if line.startswith('{"progress"'):
                self.progress = json.loads(line)["progress"]
        return line

    def until(self, check: Callable[[dict[str, Any]], bool], timeout: float = 30) -> None:
        """Until a progress report satisfies `check`."""
        deadline = time.monotonic() + timeout
        while not check(self.progress):
            left = deadline - time.monotonic()
            try:
                if left <= 0 or self._take(left) is None:
                    raise queue.Empty
            except queue.Empty:
                raise AssertionError(f"recorder never got there: {self.progress}") from None

    def stop(self, timeout: float = 120) -> dict[str, Any]:
        """Say "stop", wait for the process to end, return its final report."""
        assert self.process.stdin is not None
        self.process.stdin.write("stop\n")
        self.process.stdin.close()
        deadline = time.monotonic() + timeout
        while self._take(max(0.01, deadline - time.monotonic())) is not None:
            pass
        self.process.wait(timeout=max(1, deadline - time.monotonic()))
        stderr = self.process.stderr.read() if self.process.stderr else ""
        self.close()
        assert self.process.returncode == 0, (self.process.returncode, stderr, self.output[-5:])
        report: dict[str, Any] = json.loads(self.output[-1])
        return report

    def close(self) -> None:
        """Kill it if still running and close its pipes (idempotent)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=10)  # it ends at EOF; then its pipe may be closed
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None and not stream.closed:
                stream.close()
