"""`mockroom serve` as a subprocess on a free loopback port, for tests and benches alike.

bench/*.py put tests/ on sys.path and import this module, so one launcher knows how the server
starts, where its log goes and when it is ready (GET /healthz answers 200).
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.paths import REPO


def free_port() -> int:
    """A port free right now (for "nothing listens there", or a process that binds it at once;
    a server that takes seconds to start wants reserved_port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def reserved_port() -> Iterator[int]:
    """A free loopback port, held for the block. free_port's port is free only when asked: in
    the seconds a server takes to start on a loaded host the kernel may hand it to another
    test's free_port() or as an outgoing connection's source port, and the server then cannot
    listen. Held by a bound socket with SO_REUSEADDR that never listens: nothing else gets the
    port, and a server that sets SO_REUSEADDR itself (asyncio's, nginx, redis-server,
    PostgreSQL all do) still binds it; close the block once the server listens."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


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
    data_dir: Path,
    port: int | None = None,
    env: dict[str, str] | None = None,
    *,
    extra_args: Sequence[str] = (),
    log_path: Path | None = None,
    timeout: float = 60,
) -> LiveServer:
    """Start the server on `data_dir` and wait until /healthz answers; `env` adds to os.environ
    (MOCKROOM_TLS_CERT there: the server speaks HTTPS with a self-signed certificate). The log
    goes next to the data folder unless `log_path` says where. `timeout`: a Python start-up
    with aiortc and pycrdt took over 20 s at load 30 on 2 cores."""
    if port is None:
        with reserved_port() as free:
            return start_server(
                data_dir, free, env, extra_args=extra_args, log_path=log_path, timeout=timeout
            )
    log_path = log_path or data_dir.parent / f"server-{port}.log"
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
                *extra_args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=REPO,
        )
    tls = bool(full_env.get("MOCKROOM_TLS_CERT"))
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    context = ssl._create_unverified_context() if tls else None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1, context=context) as resp:
                if resp.status == 200:
                    return LiveServer(url, port, data_dir, process, log_path)
        except OSError:
            # Not listening yet: polling is the only readiness signal a subprocess gives.
            time.sleep(0.1)
    process.kill()
    process.wait()
    raise RuntimeError(f"server did not start:\n{log_path.read_text()}")


def stop_server(server: LiveServer, kill: bool = False) -> None:
    if server.process.poll() is None:
        if kill:
            server.process.kill()
        else:
            server.process.terminate()
        server.process.wait(timeout=15)
