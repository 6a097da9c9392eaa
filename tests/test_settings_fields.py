"""Every setting declares its own parser (settings.setting), so none is left a raw string."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mockroom.settings import ConfigError, Settings, load_settings


def test_every_field_declares_a_parser() -> None:
    fields = dataclasses.fields(Settings)
    assert len(fields) > 30
    assert [f.name for f in fields if not callable(f.metadata.get("parse"))] == []


def test_each_kind_of_field_is_parsed_by_its_own_parser() -> None:
    env = {
        "MOCKROOM_PORT": "9000",
        "MOCKROOM_TLS_CERT": "/tmp/cert.pem",
        "MOCKROOM_TLS_KEY": "/tmp/key.pem",
        "MOCKROOM_DRAIN_TIMEOUT_S": "2.5",
        "MOCKROOM_TRUST_PROXY": "no",
        "MOCKROOM_ALLOWED_ORIGINS": "https://a.example/, https://b.example",
        "MOCKROOM_METRICS_TOKEN": "",
        "MOCKROOM_LOG_FORMAT": "json",
    }
    settings = load_settings(env)
    assert settings.port == 9000
    assert settings.tls_cert == Path("/tmp/cert.pem") and settings.tls_key == Path("/tmp/key.pem")
    assert settings.drain_timeout_s == 2.5 and settings.trust_proxy is False
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.metrics_token is None and settings.log_format == "json"


@pytest.mark.parametrize(
    ("key", "raw", "said"),
    [
        ("MOCKROOM_PORT", "0", "MOCKROOM_PORT must be at least 1"),
        ("MOCKROOM_MAX_OBSERVERS", "-1", "MOCKROOM_MAX_OBSERVERS must be at least 0"),
        ("MOCKROOM_LOG_FORMAT", "xml", "MOCKROOM_LOG_FORMAT must be 'text' or 'json'"),
        ("MOCKROOM_TTS", "say", "MOCKROOM_TTS must be 'espeak-ng' or 'off'"),
        ("MOCKROOM_TRUST_PROXY", "maybe", "MOCKROOM_TRUST_PROXY must be true or false"),
    ],
)
def test_a_bad_value_is_refused_with_its_name(key: str, raw: str, said: str) -> None:
    with pytest.raises(ConfigError, match=said):
        load_settings({key: raw})
