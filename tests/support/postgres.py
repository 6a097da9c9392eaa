"""A private PostgreSQL for the test session: initdb + pg_ctl in a temporary directory.

Nothing depends on a server already running: the binaries come from Debian's `postgresql`
package (scripts/system-deps.sh installs it), the cluster listens on a free 127.0.0.1 port with
trust authentication, and it is stopped when the session ends. PostgreSQL refuses to run as root,
so under root the cluster belongs to the `postgres` user (made by the Debian package).

    postgres_server   session-scoped: the running cluster (`.url(dbname)`, `.admin(sql)`)
    pg_url            one fresh, empty database per test (CREATE DATABASE is ~30 ms here)
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest


def pg_binary(name: str) -> str:
    """Debian keeps the server binaries out of PATH, in /usr/lib/postgresql/<major>/bin."""
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return candidate
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(
            f"{name} not found: install Debian's postgresql (scripts/system-deps.sh)"
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    root: Path
    port: int
    _names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin(self, sql: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]  # tests' own literal statements

    def new_database(self) -> str:
        name = f"t{os.getpid()}_{next(self._names)}"
        self.admin(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def start_postgres(*, fsync: bool = False) -> tuple[PostgresServer, list[str]]:
    root = Path(tempfile.mkdtemp(prefix="mockroom-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data = root / "data"
    subprocess.run(
        _as_owner(
            [
                pg_binary("initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = free_port()
    # fsync off for tests: a test database need not survive a power cut (bench turns it on).
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 "
        f"-c fsync={'on' if fsync else 'off'} -c max_connections=200"
    )
    subprocess.run(
        _as_owner(
            [
                pg_binary("pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    stop = _as_owner([pg_binary("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
    return PostgresServer(root, port), stop


def stop_postgres(server: PostgresServer, stop: list[str]) -> None:
    """Stop the cluster and remove its directory."""
    subprocess.run(stop, check=False, capture_output=True)
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server, stop = start_postgres()
    try:
        yield server
    finally:
        stop_postgres(server, stop)


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:
    """A new empty database for this test (dropped with the cluster at the session's end)."""
    return postgres_server.new_database()
