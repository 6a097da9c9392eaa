"""Clients for the notes tests: a pycrdt y-websocket client over aiohttp, and a driver for the
real Node Yjs client web/tools/yclient.mjs.

The barrier the protocol already has (web/src/notes-doc.js relies on it): the server handles one
socket's messages in order and stores an update before it handles the next, so once a sync step 1
sent after some messages is answered by a step 2, the server has handled all of them
(`PyClient.flush`). The answer travels on the same send queue as relayed updates, so a flush on a
second client also proves that client has received what the first one's messages caused."""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from pycrdt import (
    Doc,
    Text,
    TransactionEvent,
    YMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
)

from support.paths import WEB


class PyClient:
    """A minimal y-websocket client built on pycrdt's own sync helpers (an implementation that
    shares no code with the server's codec)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.doc: Doc[Any] = Doc()
        self.text = self.doc.get("notes", type=Text)
        self.synced = asyncio.Event()
        self.received: list[bytes] = []
        self.close_frame: tuple[int, str] | None = None
        self._changed = asyncio.Event()
        self._applying = False
        # Sync step 1s sent and step 2s received: the server answers each step 1 in order.
        self.step1_sent = 0
        self.step2_received = 0
        self._sending: set[asyncio.Task[None]] = set()
        self.doc.observe(self._on_update)
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, http: Any, path: str, token: str, **kwargs: Any) -> PyClient:
        ws = await http.ws_connect(path, params={"token": token}, **kwargs)
        client = cls(ws)
        client.step1_sent += 1
        await ws.send_bytes(create_sync_message(client.doc))
        return client

    def _on_update(self, event: TransactionEvent) -> None:
        if not self._applying:
            task = asyncio.get_running_loop().create_task(
                self.ws.send_bytes(create_update_message(event.update))
            )
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def flush(self, timeout: float = 5.0) -> None:
        """Until the server has handled everything this client sent (and this client has
        received everything queued for it before now): a sync step 1, then its step 2."""
        if self._sending:
            await asyncio.gather(*self._sending)
        self.step1_sent += 1
        await self.ws.send_bytes(create_sync_message(self.doc))
        await self.wait_for(lambda: self.step2_received >= self.step1_sent, timeout)

    @property
    def close_code(self) -> int | None:
        """The code of the server's close frame (aiohttp's own `close_code` may read 1006 when
        the server drops the connection right after its close frame, before our reply)."""
        return self.close_frame[0] if self.close_frame else self.ws.close_code

    async def _read(self) -> None:
        while True:
            msg = await self.ws.receive()
            if msg.type == aiohttp.WSMsgType.CLOSE:
                self.close_frame = (int(msg.data), str(msg.extra or ""))
                continue
            if msg.type in (
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.ERROR,
            ):
                return
            if msg.type != aiohttp.WSMsgType.BINARY:
                continue
            data: bytes = msg.data
            self.received.append(data)
            if data[0] == YMessageType.SYNC:
                self._applying = True
                try:
                    reply = handle_sync_message(data[1:], self.doc)
                finally:
                    self._applying = False
                if reply is not None:
                    await self.ws.send_bytes(reply)
                if data[1] == 1:
                    self.step2_received += 1
                    self.synced.set()
            self._changed.set()

    async def wait_for(self, check: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; text is {str(self.text)!r}")
            if self._reader.done():
                raise AssertionError(f"socket closed ({self.close_code}); text {str(self.text)!r}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.2))

    async def wait_text(self, expected: str, timeout: float = 5.0) -> None:
        await self.wait_for(lambda: str(self.text) == expected, timeout)

    async def closed(self) -> None:
        """Until the server closes the socket."""
        await asyncio.shield(self._reader)

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class NodeClient:
    """web/tools/yclient.mjs as a subprocess: JSON lines in, JSON lines out."""

    def __init__(self, server: str, doc: str, token: str) -> None:
        self.proc = subprocess.Popen(
            [
                "node",
                "tools/yclient.mjs",
                f"--server={server}",
                f"--doc={doc}",
                # "=" form: a URL-safe token may start with "-", which parseArgs would refuse.
                f"--token={token}",
            ],
            cwd=WEB,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.text = ""
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip():
                self.events.put(json.loads(line))

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def expect(
        self, check: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                err = (
                    self.proc.stderr.read()
                    if self.proc.poll() is not None and self.proc.stderr
                    else ""
                )
                raise AssertionError(
                    f"no matching event; last text {self.text!r}; {self.seen[-5:]} {err}"
                )
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(event)
            if event["event"] in ("text", "synced"):
                self.text = event["text"]
            if check(event):
                return event

    def wait_synced(self, timeout: float = 10.0) -> None:
        self.expect(lambda e: e["event"] == "synced", timeout)

    def wait_text(self, expected: str, timeout: float = 10.0) -> None:
        if self.text == expected:
            return
        self.expect(
            lambda e: e.get("text") == expected and e["event"] in ("text", "synced"), timeout
        )

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(BrokenPipeError):
                self.send(op="quit")
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()


async def node_expect(
    node: NodeClient, check: Callable[[dict[str, Any]], bool], timeout: float = 10.0
) -> dict[str, Any]:
    """NodeClient.expect without blocking the event loop of an async test."""
    return await asyncio.to_thread(node.expect, check, timeout)


def notes_path(room: dict[str, Any], doc: str = "shared") -> str:
    return f"/ws/rooms/{room['room_id']}/notes/{doc}"


async def connect(client: Any, room: dict[str, Any], role: str, doc: str = "shared") -> PyClient:
    """A PyClient on the room's document as `role`, once its first sync is answered."""
    py = await PyClient.connect(client, notes_path(room, doc), room["tokens"][role])
    await asyncio.wait_for(py.synced.wait(), 5)
    return py


async def refused(client: Any, path: str, token: str | None, **kwargs: Any) -> tuple[int, str, int]:
    """Open a socket and read until the server closes it: (close code, reason, messages before)."""
    params = {"token": token} if token is not None else {}
    ws = await client.ws_connect(path, params=params, **kwargs)
    received = 0
    while True:
        msg = await ws.receive(timeout=5)
        if msg.type == aiohttp.WSMsgType.BINARY:
            received += 1
        elif msg.type == aiohttp.WSMsgType.CLOSE:
            return int(msg.data), str(msg.extra or ""), received
        elif msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return int(ws.close_code or 0), "", received
