"""Configuration from the environment and flags; the CLI; logs that never carry a token."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from mockroom.logs import JsonFormatter, KeyValueFormatter, redact
from mockroom.settings import ConfigError, Settings, load_settings
from support.http import make_room
from support.live_server import start_server, stop_server
from support.paths import REPO


def test_defaults_listen_on_loopback_without_stun() -> None:
    settings = load_settings(environ={})
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.ice_servers == ()


def test_environment_then_flags() -> None:
    env = {
        "MOCKROOM_PORT": "9000",
        "MOCKROOM_DATA_DIR": "/tmp/x",
        "MOCKROOM_ICE_SERVERS": "stun:stun.example.org:3478, turn:turn.example.org",
        "MOCKROOM_TRUST_PROXY": "yes",
        "MOCKROOM_PUBLIC_URL": "https://mock.example.org",
    }
    settings = load_settings(environ=env, overrides={"port": 9100, "host": None})
    assert settings.port == 9100
    assert settings.host == "127.0.0.1"
    assert settings.data_dir == Path("/tmp/x")
    assert settings.trust_proxy is True
    assert [s["urls"] for s in settings.ice_servers] == [
        "stun:stun.example.org:3478",
        "turn:turn.example.org",
    ]
    json_env = {"MOCKROOM_ICE_SERVERS": '[{"urls": ["stun:s.example"]}, {"urls": "turn:t"}]'}
    assert load_settings(environ=json_env).ice_servers[1]["urls"] == "turn:t"


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"MOCKROOM_PORT": "eighty"}, "MOCKROOM_PORT"),
        ({"MOCKROOM_PORT": "70000"}, "MOCKROOM_PORT"),
        ({"MOCKROOM_ICE_SERVERS": "http://nope"}, "MOCKROOM_ICE_SERVERS"),
        ({"MOCKROOM_TRUST_PROXY": "maybe"}, "MOCKROOM_TRUST_PROXY"),
        ({"MOCKROOM_TTS": "festival"}, "MOCKROOM_TTS"),
        ({"MOCKROOM_LOG_FORMAT": "xml"}, "MOCKROOM_LOG_FORMAT"),
        ({"MOCKROOM_DRAIN_TIMEOUT_S": "soon"}, "MOCKROOM_DRAIN_TIMEOUT_S"),
    ],
)
def test_bad_settings_name_the_key(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_settings(environ=env)


def test_redaction() -> None:
    line = "GET /rooms/abc?token=SECRETSECRET&x=1 Authorization: Bearer SECRET2"
    assert "SECRET" not in redact(line)
    record = logging.makeLogRecord({"msg": "hello", "args": (), "url": "/x?token=abc123def"})
    assert "abc123def" not in KeyValueFormatter().format(record)


def test_banks_check_command() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "mockroom", "banks", "check"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "valid" in ok.stdout


def test_banks_check_rejects_a_broken_bank(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(
        'id = "broken"\ntitle = "Broken"\n\n[[questions]]\nid = "q1"\ntext = "Hi?"\n'
        'kind = "behavioral"\nanswer_secs = 60\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "mockroom", "banks", "check", str(broken)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 1
    assert "broken.toml:8:" in result.stdout
    assert "answer_secs" in result.stdout


def test_serve_flags_and_logs_without_tokens(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", env={"MOCKROOM_LOG_LEVEL": "info"})
    try:
        room = make_room(server.url)
        token = room["tokens"]["candidate"]
        with urllib.request.urlopen(room["links"]["candidate"], timeout=5) as resp:
            assert resp.status == 200
        req = urllib.request.Request(
            f"{server.url}/api/rooms/{room['room_id']}",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200
        assert (tmp_path / "data" / "mockroom.sqlite3").exists()
    finally:
        stop_server(server)
    log = server.log()
    assert "request" in log and "/api/rooms" in log
    for secret in room["tokens"].values():
        assert secret not in log


def test_settings_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Settings().port = 1  # type: ignore[misc]


def test_operations_settings_from_the_environment() -> None:
    settings = load_settings(
        environ={
            "MOCKROOM_TLS_CERT": "/etc/mockroom/cert.pem",
            "MOCKROOM_TLS_KEY": "/etc/mockroom/key.pem",
            "MOCKROOM_METRICS_TOKEN": "scrape-me",
            "MOCKROOM_LOG_FORMAT": "json",
            "MOCKROOM_DRAIN_TIMEOUT_S": "2.5",
            "MOCKROOM_PUBLIC_URL": "https://mock.example.org/",
        }
    )
    assert settings.public_url == "https://mock.example.org"  # other optional strings still trimmed
    assert settings.tls_cert == Path("/etc/mockroom/cert.pem")
    assert settings.tls_key == Path("/etc/mockroom/key.pem")
    assert settings.metrics_token == "scrape-me"
    assert settings.log_format == "json"
    assert settings.drain_timeout_s == 2.5
    defaults = load_settings(environ={"MOCKROOM_TLS_CERT": "", "MOCKROOM_METRICS_TOKEN": ""})
    assert defaults.tls_cert is None and defaults.metrics_token is None
    assert (defaults.log_format, defaults.drain_timeout_s) == ("text", 10.0)


def test_json_log_lines_are_redacted() -> None:
    try:
        raise ValueError("failed for ?token=SECRETSECRET")
    except ValueError:
        record = logging.makeLogRecord(
            {
                "msg": "joined %s",
                "args": ("Bearer SECRET2",),
                "name": "mockroom.x",
                "levelname": "INFO",
                "url": "/rooms/a?token=abc123def",
                "participants": 3,
                "exc_info": sys.exc_info(),
            }
        )
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["level"] == "info" and entry["logger"] == "mockroom.x"
    assert entry["participants"] == 3  # numbers stay numbers
    assert entry["url"] == "/rooms/a?token=[redacted]"
    for secret in ("SECRETSECRET", "SECRET2", "abc123def"):
        assert secret not in line
    assert "ValueError" in entry["exc"]


def test_json_log_format_of_a_live_server_never_carries_a_token(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", env={"MOCKROOM_LOG_FORMAT": "json"})
    try:
        room = make_room(server.url)
        with urllib.request.urlopen(room["links"]["candidate"], timeout=5) as resp:
            assert resp.status == 200
    finally:
        stop_server(server)
    lines = [line for line in server.log().splitlines() if not line.startswith("MockRoom is")]
    entries = [json.loads(line) for line in lines]  # every log line is one JSON object
    assert any(e["msg"] == "room created" for e in entries)
    assert any(e["msg"] == "request" and e["path"].startswith("/rooms/") for e in entries)
    for secret in room["tokens"].values():
        assert secret not in server.log()
