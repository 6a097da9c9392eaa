"""Several `mockroom serve` nodes sharing one Redis and one PostgreSQL database, each with its
own data dir (and one recordings folder, as a shared volume would be), plus the socket helpers
the cluster tests and bench/cluster.py use against them.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import aiohttp

from support.live_server import LiveServer, reserved_port, start_server, stop_server
from support.nginx import readme_block, running_nginx

Socket = aiohttp.ClientWebSocketResponse


def start_node(
    root: Path,
    name: str,
    redis_url: str,
    database_url: str,
    port: int | None = None,
    env: dict[str, str] | None = None,
) -> LiveServer:
    data = root / name / "data"
    cluster = {
        "MOCKROOM_REDIS_URL": redis_url,
        "MOCKROOM_DATABASE_URL": database_url,
        "MOCKROOM_RECORDINGS_PATH": str(root / "recordings"),
    }
    return start_server(data, port=port, env={**(env or {}), **cluster})


@contextmanager
def cluster_nodes(
    root: Path, redis_url: str, database_url: str, count: int = 2, env: dict[str, str] | None = None
) -> Iterator[list[LiveServer]]:
    nodes = [start_node(root, f"node{i}", redis_url, database_url, env=env) for i in range(count)]
    try:
        yield nodes
    finally:
        for node in nodes:
            stop_server(node)


def ws_url(node: LiveServer, path: str) -> str:
    return node.url.replace("http://", "ws://") + path


async def join(
    http: aiohttp.ClientSession, node: LiveServer, room: dict[str, Any], role: str, **extra: Any
) -> tuple[Socket, dict[str, Any]]:
    """Open the signaling socket through `node` and say hello; returns the first reply."""
    ws = await http.ws_connect(ws_url(node, f"/ws/rooms/{room['room_id']}"))
    hello = {"type": "hello", "version": 1, "token": room["tokens"][role], "name": role.title()}
    await ws.send_json({**hello, **extra})
    reply: dict[str, Any] = await ws.receive_json(timeout=10)
    return ws, reply


async def next_of(ws: Socket, kind: str, timeout: float = 10) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            msg: dict[str, Any] = await ws.receive_json()
            if msg["type"] == kind:
                return msg


async def interview_state(ws: Socket) -> dict[str, Any]:
    state: dict[str, Any] = (await next_of(ws, "interview-state"))["state"]
    return state


async def closed_code(ws: Socket, timeout: float) -> int | None:
    """The code of the server's close frame. aiohttp's own `close_code` reads 1006 when the
    server drops the connection right after its close frame, before the client's reply."""
    async with asyncio.timeout(timeout):
        while not ws.closed:
            msg = await ws.receive()
            if msg.type == aiohttp.WSMsgType.CLOSE:
                return int(msg.data)
    return ws.close_code


async def rejoin(
    http: aiohttp.ClientSession,
    node: LiveServer,
    room: dict[str, Any],
    role: str,
    deadline: float,
    pause: float = 0.25,
) -> tuple[Socket, dict[str, Any]]:
    """What protocol.js does after a drop: try again, a little later each time, until welcomed."""
    while True:
        try:
            ws, welcome = await join(http, node, room, role)
            if welcome["type"] == "welcome":
                return ws, welcome
            await ws.close()
        except (TimeoutError, aiohttp.ClientError, TypeError):
            pass  # refused (503 while the room moves) or closed before the welcome
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{role} was not back in time")
        await asyncio.sleep(pause)
        pause = min(pause * 2, 1.0)


@contextmanager
def nginx_in_front(
    directory: Path, nodes: list[LiveServer], port: int | None = None
) -> Iterator[str]:
    if port is None:
        with reserved_port() as free, nginx_in_front(directory, nodes, free) as url:
            yield url
        return
    block = readme_block("upstream mockroom {")
    servers = re.findall(r"server 10\.0\.0\.\d+:8080", block)
    assert len(servers) == len(nodes)
    for server, node in zip(servers, nodes, strict=True):
        block = block.replace(server, f"server 127.0.0.1:{node.port}", 1)
    block = block.replace("listen 80;", f"listen 127.0.0.1:{port};")
    block = block.replace("/var/log/nginx/mockroom.log", str(directory / "access.log"))
    with running_nginx(directory, block, port) as url:
        yield url


@contextmanager
def proxied_cluster(
    root: Path, redis_url: str, database_url: str
) -> Iterator[tuple[list[LiveServer], str]]:
    """Two nodes behind README's nginx, with README's settings behind a proxy (the address
    people open, and trust in its headers): the nodes, and that address."""
    # nginx's port is in the nodes' settings, so it is chosen first, and held (reserved_port)
    # through the nodes' start-up until nginx listens on it.
    with ExitStack() as stack:
        with reserved_port() as port:
            public = {
                "MOCKROOM_PUBLIC_URL": f"http://127.0.0.1:{port}",
                "MOCKROOM_TRUST_PROXY": "true",
            }
            nodes = stack.enter_context(cluster_nodes(root, redis_url, database_url, env=public))
            stack.enter_context(nginx_in_front(root / "nginx", nodes, port=port))
        yield nodes, public["MOCKROOM_PUBLIC_URL"]
