"""`mockroom doctor`: against live servers, over TLS, behind real nginx, with a real coturn."""

from __future__ import annotations

import asyncio
import email.utils
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from mockroom.ops.doctor import Doctor, run_doctor
from mockroom.ops.turn_check import turn_servers
from support.live_server import LiveServer, free_port, start_server, stop_server
from support.nginx import readme_block, running_nginx
from support.paths import REPO
from support.tls import self_signed


def doctor(capsys: pytest.CaptureFixture[str], url: str, **kwargs: object) -> tuple[int, str]:
    code = run_doctor(url, timeout=10.0, **kwargs)  # type: ignore[arg-type]
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_healthy_local_server_passes_through_the_command_line(live_server: LiveServer) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockroom", "doctor", live_server.url],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for check in ("healthz", "clock", "links", "websocket", "origin"):
        assert f"ok    {check}:" in result.stdout
    # No TURN configured: a warning with the fix, not a failure.
    assert "WARN  turn: the server hands out no TURN server" in result.stdout
    assert "MOCKROOM_TURN_SECRET" in result.stdout
    assert "0 problem(s), 1 warning(s)." in result.stdout


def test_tls_untrusted_then_trusted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cert, key = self_signed(tmp_path, days=90)  # under 14 days left would be a warning
    env = {"MOCKROOM_TLS_CERT": str(cert), "MOCKROOM_TLS_KEY": str(key)}
    server = start_server(tmp_path / "data", env=env)
    try:
        code, out = doctor(capsys, server.url)
        assert code == 1
        assert "FAIL  tls: the certificate is not valid: self-signed certificate" in out
        assert "--ca-file" in out and "Let's Encrypt" in out
        code, out = doctor(capsys, server.url, ca_file=cert)
        assert code == 0, out
        assert "ok    tls: certificate valid for 127.0.0.1 until" in out
        assert "ok    websocket:" in out and "ok    origin:" in out
    finally:
        stop_server(server)


# A proxy_pass and nothing else: nginx then drops the Upgrade header and rewrites Host.
BARE_LOCATION = "location / { proxy_pass http://127.0.0.1:8080; }"


def nginx(
    directory: Path, backend: int, location: str, port: int | None = None
) -> AbstractContextManager[str]:
    """nginx on `port` (a free one by default) with one server: `location`, passing to `backend`."""
    port = port or free_port()
    location = location.replace("127.0.0.1:8080", f"127.0.0.1:{backend}")
    server = f"  access_log off;\n  server {{\n    listen 127.0.0.1:{port};\n{location}\n  }}"
    return running_nginx(directory, server, port)


def test_behind_nginx_a_bare_proxy_pass_is_found_and_the_readme_config_passes(
    live_server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with nginx(tmp_path / "bad", live_server.port, BARE_LOCATION) as url:
        code, out = doctor(capsys, url)
    assert code == 1
    assert f"FAIL  links: links point to {live_server.url}, not {url}" in out
    assert "MOCKROOM_PUBLIC_URL" in out
    assert "FAIL  origin: the server refuses sockets from its own pages" in out
    assert "FAIL  websocket: the upgrade was refused with 400" in out
    assert "proxy_set_header Upgrade $http_upgrade" in out
    # README's nginx block with README's settings for MockRoom behind it.
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = {"MOCKROOM_TRUST_PROXY": "true", "MOCKROOM_PUBLIC_URL": public}
    server = start_server(tmp_path / "behind-proxy", env=env)
    try:
        with nginx(tmp_path / "good", server.port, readme_block("location / {"), port=port) as url:
            code, out = doctor(capsys, url)
    finally:
        stop_server(server)
    assert code == 0, out
    assert f"ok    links: a new room's links open {public}" in out
    assert "ok    websocket:" in out and "ok    origin:" in out


@contextmanager
def coturn(directory: Path, *auth: str) -> Iterator[int]:
    directory.mkdir()
    port = free_port()
    log = directory / "turn.log"
    command = [
        "turnserver", "-n", "--listening-ip=127.0.0.1", f"--listening-port={port}",
        "--relay-ip=127.0.0.1", "--realm=mockroom.test", "--no-tls", "--no-dtls", "--no-cli",
        f"--userdb={directory / 'turndb'}", f"--pidfile={directory / 'turn.pid'}",
        f"--log-file={log}", "--simple-log", "--min-port=49160", "--max-port=49400", *auth,
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        # The auth thread's database line is the last one coturn logs while starting.
        while not (log.exists() and "DB connection success" in log.read_text()):
            assert process.poll() is None, log.read_text() if log.exists() else "coturn exited"
            assert time.monotonic() < deadline, "coturn did not start"
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


def serve_with_turn(tmp_path: Path, name: str, port: int, secret: str) -> LiveServer:
    """A server that hands out TURN REST credentials (the only TURN set-up MockRoom accepts)."""
    env = {"MOCKROOM_TURN_SECRET": secret, "MOCKROOM_TURN_URLS": f"turn:127.0.0.1:{port}"}
    return start_server(tmp_path / name, env=env)


def test_turn_allocations_with_the_credentials_the_server_hands_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # coturn's use-auth-secret: "<expiry>:<name>" and an HMAC of it, made by the server per join.
    secret = "shared-turn-secret"
    with coturn(tmp_path / "rest", "--use-auth-secret", f"--static-auth-secret={secret}") as port:
        good = serve_with_turn(tmp_path, "good", port, secret)
        bad = serve_with_turn(tmp_path, "bad", port, "not-the-turn-servers-secret")
        try:
            code, out = doctor(capsys, good.url)
            assert code == 0, out
            assert "ok    turn: turn:127.0.0.1" in out and "allocated a relay" in out
            assert "WARN  turn" not in out
            code, out = doctor(capsys, bad.url)
            assert code == 1, out
            assert "FAIL  turn: turn:127.0.0.1" in out and "refused" in out
            assert "static-auth-secret" in out
        finally:
            stop_server(good)
            stop_server(bad)


def test_clock_skew_from_the_date_header_is_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    check = Doctor("https://mock.example.org", None, 5.0)
    check.check_clock(email.utils.formatdate(time.time() + 120, usegmt=True))
    check.check_clock(email.utils.formatdate(time.time(), usegmt=True))
    assert [f.status for f in check.findings] == ["WARN", "ok"]
    # The Date header has whole seconds: 120 s ahead reads as 119 or 120.
    assert re.search(r"\+1(19|20) s off", check.findings[0].detail)
    assert "NTP" in check.findings[0].fix
    capsys.readouterr()


def test_not_a_url_and_nothing_listening_are_clear_failures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = doctor(capsys, "mock.example.org")
    assert code == 1 and "is not an http(s) URL" in out
    code, out = doctor(capsys, f"http://127.0.0.1:{free_port()}")
    assert code == 1 and "FAIL  healthz: GET /healthz failed" in out
    assert "Traceback" not in out


def test_static_and_expired_turn_credentials_are_told_apart() -> None:
    # Another deployment (or an older MockRoom) may hand out static credentials: the doctor says so.
    static, expired = turn_servers(
        [
            {"urls": "turn:turn.example.org:3478", "username": "ana", "credential": "pw"},
            {"urls": "turns:turn.example.org:443", "username": "1000:x", "credential": "c"},
        ]
    )
    assert static.expires_at is None and not static.secure
    assert expired.expires_at == 1000 and expired.secure
    check = Doctor("https://mock.example.org", None, 5.0)
    asyncio.run(check._check_one_turn(expired))  # refused before any network use
    assert [(f.status, f.check) for f in check.findings] == [("FAIL", "turn")]
    assert "already expired" in check.findings[0].detail
