"""Several `mockroom serve` nodes sharing one Redis and one PostgreSQL database, each with its
own data dir (and one recordings folder, as a shared volume would be), plus the socket helpers
the cluster tests and bench/cluster.py use against them.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp

from support.live_server import LiveServer, free_port, start_server, stop_server
from support.paths import REPO

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
    async with asyncio.timeout(timeout):
        while not ws.closed:
            await ws.receive()
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


def wait_for_http(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# Under root nginx's workers run as `nobody`, who may not write the request bodies it buffers
# (an answer chunk is bigger than the in-memory buffer) into pytest's private temp dirs.
CONF = """
{user}daemon off;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{}}
http {{
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
{block}
}}
"""


def readme_cluster_block() -> str:
    readme = (REPO / "README.md").read_text()
    found = re.search(r"```nginx\n(upstream mockroom \{.*?\n\})\n```", readme, re.DOTALL)
    assert found is not None, "README has no nginx example for several nodes"
    return found.group(1)


@contextmanager
def nginx_in_front(
    directory: Path, nodes: list[LiveServer], port: int | None = None
) -> Iterator[str]:
    directory.mkdir()
    port = port or free_port()
    block = readme_cluster_block()
    servers = re.findall(r"server 10\.0\.0\.\d+:8080", block)
    assert len(servers) == len(nodes)
    for server, node in zip(servers, nodes, strict=True):
        block = block.replace(server, f"server 127.0.0.1:{node.port}", 1)
    block = block.replace("listen 80;", f"listen 127.0.0.1:{port};")
    block = block.replace("/var/log/nginx/mockroom.log", str(directory / "access.log"))
    user = "user root;\n" if os.geteuid() == 0 else ""
    (directory / "nginx.conf").write_text(CONF.format(dir=directory, block=block, user=user))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    args = [binary, "-p", str(directory), "-c", str(directory / "nginx.conf")]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(url + "/healthz")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
