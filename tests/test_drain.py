"""SIGTERM drains: joins refused with 503, participants told, a running upload finishes, exit 0."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import aiohttp

from support.live_server import LiveServer, start_server, stop_server

QUESTION = "conflict-with-teammate"  # in the behavioral bank


async def _post(http: aiohttp.ClientSession, url: str, body: Any, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.post(url, json=body, headers=headers) as resp:
        assert resp.status in (200, 201), await resp.text()
        return await resp.json()


async def _start_upload(
    server: LiveServer, room: dict[str, Any], clip_id: str, token: str, size: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A chunk PUT that has sent its headers and half its body, and is inside the handler.

    `Expect: 100-continue` is the barrier: aiohttp answers it right before it runs the
    middlewares and the handler, with no await in between, so once we read "100 Continue" the
    server counts this upload as running.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    path = f"/api/rooms/{room['room_id']}/clips/{clip_id}/chunks/0"
    writer.write(
        f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {size}\r\n"
        "Expect: 100-continue\r\n\r\n".encode()
    )
    await writer.drain()
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 100")
    writer.write(b"a" * (size // 2))
    await writer.drain()
    return reader, writer


async def test_sigterm_refuses_joins_tells_people_and_lets_the_upload_finish(
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path / "data", env={"MOCKROOM_DRAIN_TIMEOUT_S": "60"})
    try:
        async with aiohttp.ClientSession() as http:
            peer = await _post(http, server.url + "/api/rooms", {"mode": "peer", "media": "audio"})
            token = peer["links"]["interviewer"].split("token=", 1)[1]
            ws = await http.ws_connect(f"{server.url}/ws/rooms/{peer['room_id']}")
            await ws.send_json({"type": "hello", "version": 1, "token": token})
            assert json.loads(await ws.receive_str(timeout=10))["type"] == "welcome"
            scripted = await _post(
                http,
                server.url + "/api/rooms",
                {"mode": "scripted", "media": "audio", "bank": "behavioral"},
            )
            candidate = scripted["links"]["candidate"].split("token=", 1)[1]
            clip = await _post(
                http,
                f"{server.url}/api/rooms/{scripted['room_id']}/clips",
                {"question_id": QUESTION, "take": 1, "mime": "audio/webm;codecs=opus"},
                candidate,
            )
            reader, writer = await _start_upload(server, scripted, clip["clip_id"], candidate, 2000)

            server.process.send_signal(signal.SIGTERM)

            # The participant is told, with a close the page shows and reconnects after.
            while (msg := await ws.receive(timeout=10)).type == aiohttp.WSMsgType.TEXT:
                pass
            assert msg.type == aiohttp.WSMsgType.CLOSE
            assert msg.data == 1012 and msg.extra == "The server is restarting. Reconnecting…"
            # New joins are refused with a clear 503 while the upload runs.
            async with http.post(server.url + "/api/rooms", json={"mode": "peer"}) as resp:
                assert resp.status == 503
                refusal = await resp.json()
            assert refusal["error"] == "restarting" and "restarting" in refusal["message"]
            async with http.get(peer["links"]["candidate"]) as resp:
                assert resp.status == 503 and "restarting" in await resp.text()
            async with http.get(server.url + "/healthz") as resp:
                assert resp.status == 503
            try:
                await http.ws_connect(f"{server.url}/ws/rooms/{peer['room_id']}")
                raise AssertionError("a new socket was accepted while draining")
            except aiohttp.WSServerHandshakeError as exc:
                assert exc.status == 503
            assert server.process.poll() is None

            # The upload under way completes and is acknowledged.
            writer.write(b"a" * 1000)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200"), head
            writer.close()
            await writer.wait_closed()
        assert await asyncio.to_thread(server.process.wait, 30) == 0
    finally:
        stop_server(server, kill=True)
    log = server.log()
    assert "draining" in log and "drained" in log and "Traceback" not in log

    # Nothing acknowledged was lost: the next server has the whole chunk.
    again = start_server(tmp_path / "data")
    try:
        url = f"{again.url}/api/rooms/{scripted['room_id']}/clips/{clip['clip_id']}/info"
        async with (
            aiohttp.ClientSession() as http,
            http.get(url, headers={"Authorization": f"Bearer {candidate}"}) as resp,
        ):
            assert (await resp.json())["bytes"] == 2000
    finally:
        stop_server(again)


async def test_a_stuck_upload_does_not_hold_the_exit_past_the_bound(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", env={"MOCKROOM_DRAIN_TIMEOUT_S": "1"})
    try:
        async with aiohttp.ClientSession() as http:
            scripted = await _post(
                http,
                server.url + "/api/rooms",
                {"mode": "scripted", "media": "audio", "bank": "behavioral"},
            )
            candidate = scripted["links"]["candidate"].split("token=", 1)[1]
            clip = await _post(
                http,
                f"{server.url}/api/rooms/{scripted['room_id']}/clips",
                {"question_id": QUESTION, "take": 1, "mime": "audio/webm;codecs=opus"},
                candidate,
            )
            _, writer = await _start_upload(server, scripted, clip["clip_id"], candidate, 2000)
            server.process.send_signal(signal.SIGTERM)
            # 1 s of drain plus aiohttp's 5 s for handlers still running, then the exit.
            assert await asyncio.to_thread(server.process.wait, 30) == 0
            writer.close()
    finally:
        stop_server(server, kill=True)
    assert "drain timed out" in server.log()
