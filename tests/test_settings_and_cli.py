"""Configuration from the environment and flags; the CLI; logs that never carry a token."""

from __future__ import annotations

import logging
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, start_server, stop_server
from helpers_http import make_room
from mockroom.logs import KeyValueFormatter, redact
from mockroom.settings import ConfigError, Settings, load_settings


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
