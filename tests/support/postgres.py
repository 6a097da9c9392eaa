"""A private PostgreSQL for the test session: initdb + pg_ctl in a temporary directory.

Nothing depends on a server already running: the binaries come from Debian's `postgresql`
package (scripts/system-deps.sh installs it), the cluster listens on a free 127.0.0.1 port with
trust authentication, and it is stopped when the session ends. PostgreSQL refuses to run as root,
so under root the cluster belongs to the `postgres` user (made by the Debian package).

    postgres_server   session-scoped: the running cluster (`.url(dbname)`, `.admin(sql)`)
    pg_url            one fresh, empty database per test (CREATE DATABASE is ~30 ms here)
    lock_waiters      waits until sessions of a database wait for a lock (a held row is felt)
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from support.live_server import reserved_port


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


@dataclass
class PostgresServer:
    root: Path
    port: int
    params: str = ""  # TLS only: "?sslmode=verify-full&sslrootcert=..."
    _names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}{self.params}"

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


# TLS or nothing over TCP: a client without TLS is refused, so a test cannot pass in the clear.
TLS_ONLY_HBA = """local all all trust
hostssl all all 127.0.0.1/32 trust
hostnossl all all 0.0.0.0/0 reject
"""


def _tls_files(root: Path, tls: tuple[Path, Path]) -> str:
    """The server's certificate and key, copied where (and owned as) PostgreSQL wants them."""
    cert, key = root / "server.crt", root / "server.key"
    shutil.copyfile(tls[0], cert)
    shutil.copyfile(tls[1], key)
    key.chmod(0o600)  # PostgreSQL refuses a key that others may read
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (cert, key):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    return f" -c ssl=on -c ssl_cert_file={cert} -c ssl_key_file={key}"


def start_postgres(
    *, fsync: bool = False, tls: tuple[Path, Path] | None = None
) -> tuple[PostgresServer, list[str]]:
    """`tls`: (certificate, key): TCP clients must use TLS; `.url()` then asks verify-full
    against that (self-signed) certificate."""
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
    # Held until pg_ctl -w says it accepts connections (see live_server.reserved_port).
    with reserved_port() as port:
        # fsync off for tests: a test database need not survive a power cut (bench turns it on).
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 "
            f"-c fsync={'on' if fsync else 'off'} -c max_connections=200"
        )
        params = ""
        if tls is not None:
            options += _tls_files(root, tls)
            (data / "pg_hba.conf").write_text(TLS_ONLY_HBA)
            params = f"?sslmode=verify-full&sslrootcert={tls[0]}"
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
    return PostgresServer(root, port, params), stop


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


async def lock_waiters(url: str, at_least: int = 1, timeout: float = 10.0) -> None:
    """Until `at_least` sessions of this database wait for a lock (PostgreSQL's own view)."""
    deadline = time.monotonic() + timeout
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            cur = await conn.execute(
                "SELECT COUNT(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            row = await cur.fetchone()
            if row and row[0] >= at_least:
                return
            await asyncio.sleep(0.02)  # polling PostgreSQL's state: there is no event to wait on
    raise AssertionError(f"fewer than {at_least} sessions started waiting for a lock")
