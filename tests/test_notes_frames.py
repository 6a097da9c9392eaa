"""The notes socket writes its own WebSocket frames (notes.transport): byte for byte what aiohttp
would write, every length class intact over a real socket, and a reader that stops reading is
queues behind a reader that stopped reading, in order, and is cut loose once too far behind."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp._websocket.writer import WebSocketWriter

from mockroom.notes.transport import DIRECT_WRITE_LIMIT, SocketClient, binary_frame
from support.http import create_room
from support.notes import connect


class Recorder:
    """The little of a transport and a protocol aiohttp's writer touches."""

    _paused = False

    def __init__(self) -> None:
        self.written = b""

    def write(self, data: bytes) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return False


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 200_000])
async def test_binary_frame_is_what_aiohttp_writes(size: int) -> None:
    data = bytes(i % 251 for i in range(size))
    recorder = Recorder()
    writer = WebSocketWriter(recorder, recorder)  # type: ignore[arg-type]
    await writer.send_frame(data, WSMsgType.BINARY)
    assert binary_frame(data) == recorder.written


async def test_updates_of_every_frame_length_reach_readers_and_late_joiners(client: Any) -> None:
    room = await create_room(client)
    ana = await connect(client, room, "interviewer")
    ben = await connect(client, room, "candidate")
    expected = ""
    for chunk in ("a" * 10, "b" * 1000, "c" * 100_000):  # 7-bit, 16-bit and 64-bit lengths
        ana.text += chunk
        expected += chunk
        await ben.wait_text(expected)  # relayed
    late = await connect(client, room, "interviewer")
    await late.wait_text(expected)  # one sync step 2 of more than 64 KiB
    for c in (ana, ben, late):
        await c.close()


class SlowTransport(Recorder):
    """A transport whose peer may stop reading: `waiting` bytes sit in its buffer."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = 0

    def get_write_buffer_size(self) -> int:
        return self.waiting


class FakeSocket:
    """aiohttp's side of a socket: its own sends go to the same transport."""

    closed = False

    def __init__(self, transport: SlowTransport) -> None:
        self.transport = transport
        self.close_code: int | None = None

    async def send_bytes(self, data: bytes) -> None:
        self.transport.write(binary_frame(data))

    async def close(self, code: int, message: bytes) -> None:
        self.close_code = code


def socket_client(max_backlog: int) -> tuple[SocketClient, SlowTransport, FakeSocket]:
    transport = SlowTransport()
    ws = FakeSocket(transport)
    client = SocketClient(ws, transport, "r/shared/x", True, max_backlog, "link")  # type: ignore[arg-type]
    return client, transport, ws


async def test_frames_queued_behind_a_slow_reader_go_out_in_order_then_direct_again() -> None:
    client, transport, ws = socket_client(max_backlog=10_000)
    writer = asyncio.create_task(client.write_loop())
    client.send(b"first")
    assert transport.written == binary_frame(b"first")  # at once, one write
    transport.waiting = DIRECT_WRITE_LIMIT + 1  # the reader stopped reading
    client.send(b"second")
    transport.waiting = 0  # drained; a frame is queued, so the next one queues behind it
    client.send(b"third")
    assert transport.written == binary_frame(b"first")
    while client._queue or client._writing:
        await asyncio.sleep(0)  # one loop turn: the writer task sends what queued
    client.send(b"fourth")  # nothing waits: direct again
    assert transport.written == b"".join(
        binary_frame(m) for m in (b"first", b"second", b"third", b"fourth")
    )
    client.close(1000, "")
    await writer
    assert ws.close_code == 1000


def test_a_socket_too_far_behind_is_closed() -> None:
    client, transport, _ = socket_client(max_backlog=1000)
    transport.waiting = DIRECT_WRITE_LIMIT + 1
    client.send(b"x" * 600)
    client.send(b"y" * 300)
    assert not client.closing
    client.send(b"z" * 200)  # 1100 bytes queued: more than its backlog of 1000
    assert client.closing and transport.written == b""
