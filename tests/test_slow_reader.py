"""A participant whose socket stops reading never stalls the others: it is dropped instead.

The slow one is a raw TCP WebSocket client with a tiny receive buffer that never reads after
the handshake; everything happens on loopback and is bounded in frames and time.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import socket
import struct
import time
from typing import Any

import pytest

from mockroom.app import create_app
from mockroom.settings import Settings
from support.http import create_room

BIG_SDP = {"description": {"type": "offer", "sdp": "v=0\r\n" + "a" * 30_000}}
MAX_FRAMES = 600  # 18 MB at most: far more than loopback buffers hold
PONG_WITHIN_S = 3.0
DROP_WITHIN_S = 10.0


def masked_text_frame(text: str) -> bytes:
    payload = text.encode("utf-8")
    mask = os.urandom(4)
    n = len(payload)
    header = b"\x81" + (bytes([0x80 | n]) if n < 126 else struct.pack("!BH", 0x80 | 126, n))
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def stalled_socket(port: int, path: str, hello: dict[str, Any]) -> socket.socket:
    """Upgrade, say hello, then never read again."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(sock, request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += await loop.sock_recv(sock, 1)
    assert head.startswith(b"HTTP/1.1 101"), head
    await loop.sock_sendall(sock, masked_text_frame(json.dumps(hello)))
    return sock


async def next_of(ws: Any, kind: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        msg: dict[str, Any] = await ws.receive_json(timeout=max(0.01, deadline - time.monotonic()))
        if msg["type"] == kind:
            return msg


# Either limit drops the stalled socket: a small backlog cap, or a short send timeout with a
# backlog cap too large to be reached.
LIMITS: dict[str, dict[str, Any]] = {
    "backlog": {"signaling_send_queue_bytes": 256 * 1024},
    "timeout": {"signaling_send_queue_bytes": 64 * 1024 * 1024, "signaling_send_timeout_s": 0.5},
}


@pytest.fixture(params=sorted(LIMITS))
async def slow_client(aiohttp_client: Any, tmp_path: Any, request: Any) -> Any:
    settings = Settings(data_dir=tmp_path, **LIMITS[request.param])
    return await aiohttp_client(create_app(settings))


async def test_a_socket_that_stops_reading_is_dropped_and_stalls_nobody(
    slow_client: Any, caplog: Any
) -> None:
    caplog.set_level(logging.WARNING, logger="mockroom.signaling.peer")
    client = slow_client
    room = await create_room(client, bank="behavioral")
    rid, tokens = room["room_id"], room["tokens"]
    ana = await client.ws_connect(f"/ws/rooms/{rid}")
    await ana.send_json({"type": "hello", "version": 1, "token": tokens["interviewer"]})
    assert (await ana.receive_json(timeout=5))["type"] == "welcome"
    obs = await client.ws_connect(f"/ws/rooms/{rid}")
    await obs.send_json({"type": "hello", "version": 1, "token": tokens["observer"]})
    assert (await obs.receive_json(timeout=5))["type"] == "welcome"
    hello = {"type": "hello", "version": 1, "token": tokens["candidate"]}
    stuck = await stalled_socket(client.server.port, f"/ws/rooms/{rid}", hello)
    try:
        joined = await next_of(ana, "joined", 5)
        while joined["participant"]["role"] != "candidate":
            joined = await next_of(ana, "joined", 5)
        ben = joined["participant"]["id"]
        dropped, sent = False, 0
        deadline = time.monotonic() + DROP_WITHIN_S
        while not dropped and time.monotonic() < deadline:
            for _ in range(20 if sent < MAX_FRAMES else 0):
                await ana.send_json({"type": "signal", "to": ben, "data": BIG_SDP})
                sent += 1
            # The interviewer is answered at once however far behind the candidate is...
            await ana.send_json({"type": "ping", "t": sent})
            while True:
                msg = await ana.receive_json(timeout=PONG_WITHIN_S)
                if msg["type"] == "left":
                    assert msg["participant_id"] == ben
                    dropped = True
                if msg["type"] == "pong":
                    assert msg["t"] == sent
                    break
        # ...and the stalled one is dropped once its backlog or one write passes its limit.
        assert dropped, f"the stalled candidate was still in the room after {sent} frames"
        assert any("stopped reading" in r.getMessage() for r in caplog.records)
        # Broadcasts and the interview clock still reach everyone else.
        await ana.send_json({"type": "interview", "action": "start", "data": {"skip_intro": True}})
        while (await next_of(obs, "interview-state", 5))["state"]["phase"] != "think":
            pass
    finally:
        stuck.close()
    await ana.close()
    await obs.close()


async def test_a_signal_to_oneself_is_refused(slow_client: Any) -> None:
    room = await create_room(slow_client)
    ws = await slow_client.ws_connect(f"/ws/rooms/{room['room_id']}")
    await ws.send_json({"type": "hello", "version": 1, "token": room["tokens"]["interviewer"]})
    me = (await ws.receive_json(timeout=5))["participant_id"]
    await ws.send_json({"type": "signal", "to": me, "data": BIG_SDP})
    err = await next_of(ws, "error", 5)
    assert err["code"] == "bad-target" and err["fatal"] is False
    await ws.close()
