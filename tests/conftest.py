"""Shared fixtures: an app on aiohttp's test client, and a real `mockroom serve` subprocess."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from mockroom.app import create_app
from mockroom.settings import Settings
from support.redis import redis_server  # noqa: F401 (a session fixture: a private redis-server)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def app(settings: Settings) -> web.Application:
    return create_app(settings)


@pytest.fixture
async def client(aiohttp_client: Any, app: web.Application) -> Any:
    return await aiohttp_client(app)


async def create_room(client: Any, **body: Any) -> dict[str, Any]:
    """POST /api/rooms and return the JSON, with each role's token pulled out of its link."""
    body.setdefault("mode", "peer")
    body.setdefault("media", "video")
    resp = await client.post("/api/rooms", json=body)
    assert resp.status == 201, await resp.text()
    data: dict[str, Any] = await resp.json()
    data["tokens"] = {role: url.split("token=", 1)[1] for role, url in data["links"].items()}
    return data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    data_dir: Path, port: int | None = None, env: dict[str, str] | None = None
) -> LiveServer:
    port = port or free_port()
    log_path = data_dir.parent / f"server-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mockroom",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=REPO,
        )
    # MOCKROOM_TLS_CERT in env: the server speaks HTTPS (a self-signed test certificate).
    tls = bool(full_env.get("MOCKROOM_TLS_CERT"))
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    context = ssl._create_unverified_context() if tls else None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1, context=context) as resp:
                if resp.status == 200:
                    return LiveServer(url, port, data_dir, process, log_path)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not start:\n{log_path.read_text()}")


def stop_server(server: LiveServer, kill: bool = False) -> None:
    if server.process.poll() is None:
        if kill:
            server.process.kill()
        else:
            server.process.terminate()
        server.process.wait(timeout=15)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path / "data")
    yield server
    stop_server(server)
