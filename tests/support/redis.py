"""A private Redis for the test session: Debian's `redis-server` on a free loopback port.

No persistence (no RDB, no AOF), its own working directory, stopped when the session ends;
nothing depends on a Redis already running (scripts/system-deps.sh installs the package).

    redis_server   session-scoped: the running server (`.url`, `.port`)
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.live_server import reserved_port


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]
    ca: Path | None = None  # TLS only (its self-signed certificate): a rediss:// URL

    @property
    def url(self) -> str:
        if self.ca is not None:
            return f"rediss://127.0.0.1:{self.port}/0?ssl_ca_certs={self.ca}"
        return f"redis://127.0.0.1:{self.port}/0"


def _answers_ping(port: int, ca: Path | None = None) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as raw:
            if ca is None:
                raw.sendall(b"PING\r\n")
                return raw.recv(16).startswith(b"+PONG")
            context = ssl.create_default_context(cafile=str(ca))
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(directory: Path, tls: tuple[Path, Path] | None = None) -> RedisServer:
    """`tls`: (certificate, key): TLS only, no plain port; clients need no certificate."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    with reserved_port() as port:  # held until redis-server answers (see live_server.py)
        listen = ["--port", str(port)]
        if tls is not None:
            cert, key = tls
            listen = ["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(cert)]
            listen += ["--tls-key-file", str(key), "--tls-ca-cert-file", str(cert)]
            listen += ["--tls-auth-clients", "no"]
        args = [binary, *listen, "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        args += ["no", "--dir", str(directory), "--logfile", str(directory / "redis.log")]
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        ca = tls[0] if tls is not None else None
        deadline = time.monotonic() + 15
        while not _answers_ping(port, ca):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        return RedisServer(port, process, ca)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with tempfile.TemporaryDirectory(prefix="mockroom-redis-") as directory:
        server = start_redis(Path(directory))
        try:
            yield server
        finally:
            server.process.terminate()
            server.process.wait(timeout=10)
