"""Configuration, read once: MOCKROOM_* environment variables, then `mockroom serve` flags."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import resources

ENV_PREFIX = "MOCKROOM_"


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the key."""


def _default_banks_dir() -> Path:
    return resources.banks_dir()  # the shipped banks: package data, or the checkout's


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    # SQLite database, notes and recordings live here.
    data_dir: Path = Path("data")
    # RTCIceServer dicts handed to browsers and to the server's own peers. Empty by default:
    # loopback and LAN work with host candidates, and nothing waits on an unreachable STUN server.
    ice_servers: tuple[dict[str, Any], ...] = ()
    # Absolute base for links in API replies (e.g. https://mock.example.org behind a proxy).
    public_url: str | None = None
    # Origins allowed to open WebSockets besides the server's own (same-origin is always allowed).
    allowed_origins: tuple[str, ...] = ()
    # Trust X-Forwarded-Proto/Host from a reverse proxy that terminates TLS.
    trust_proxy: bool = False
    max_observers: int = 3
    # Default link lifetime; 0 means links do not expire unless a room asks for it.
    link_ttl_hours: float = 0.0
    max_ws_message_bytes: int = 64 * 1024
    banks_dir: Path = field(default_factory=_default_banks_dir)
    # "espeak-ng" speaks the scripted interviewer's questions; "off" runs with text only.
    tts: str = "espeak-ng"
    max_recording_bytes: int = 512 * 1024 * 1024
    log_level: str = "INFO"
    # "text" (key=value lines) or "json" (one JSON object a line, for log shippers).
    log_format: str = "text"
    # Serve HTTPS directly (a lab LAN without a proxy still needs https for cameras): PEM files.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # GET /metrics (Prometheus text format) answers only with this bearer token; unset: no /metrics.
    metrics_token: str | None = None
    # On SIGTERM, how long uploads already under way may take to finish before the server exits.
    drain_timeout_s: float = 10.0

    @property
    def db_path(self) -> Path:
        return self.data_dir / "mockroom.sqlite3"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"


def _parse_bool(key: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{key} must be true or false, got {raw!r}")


def _parse_int(key: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{key} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{key} must be at least {minimum}, got {value}")
    return value


def _parse_float(key: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{key} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{key} must not be negative, got {value}")
    return value


def parse_ice_servers(key: str, raw: str) -> tuple[dict[str, Any], ...]:
    """Either a JSON list of RTCIceServer objects or a comma-separated list of stun:/turn: URLs."""
    raw = raw.strip()
    if not raw:
        return ()
    if raw.startswith("["):
        try:
            servers = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{key} is not valid JSON: {exc}") from None
    else:
        servers = [{"urls": url.strip()} for url in raw.split(",") if url.strip()]
    if not isinstance(servers, list):
        raise ConfigError(f"{key} must be a list of ICE servers")
    checked: list[dict[str, Any]] = []
    for index, server in enumerate(servers):
        if not isinstance(server, dict) or "urls" not in server:
            raise ConfigError(f"{key}[{index}] must be an object with 'urls'")
        urls = server["urls"] if isinstance(server["urls"], list) else [server["urls"]]
        for url in urls:
            if not isinstance(url, str) or not url.startswith(("stun:", "turn:", "turns:")):
                raise ConfigError(f"{key}[{index}]: {url!r} is not a stun:, turn: or turns: URL")
        unknown = set(server) - {"urls", "username", "credential"}
        if unknown:
            raise ConfigError(f"{key}[{index}]: unknown fields {sorted(unknown)}")
        checked.append(dict(server))
    return tuple(checked)


def _env_value(name: str, raw: str) -> Any:
    key = ENV_PREFIX + name.upper()
    kind = {f.name: f.type for f in dataclasses.fields(Settings)}[name]
    if name == "ice_servers":
        return parse_ice_servers(key, raw)
    if name == "allowed_origins":
        return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    if kind == "int":
        return _parse_int(key, raw, minimum=0 if name != "port" else 1)
    if kind == "float":
        return _parse_float(key, raw)
    if kind == "bool":
        return _parse_bool(key, raw)
    if kind in ("Path",):
        return Path(raw)
    if kind == "Path | None":
        return Path(raw) if raw.strip() else None
    if name == "public_url":
        return raw.rstrip("/") or None
    if name == "tts" and raw not in {"espeak-ng", "off"}:
        raise ConfigError(f"{key} must be 'espeak-ng' or 'off', got {raw!r}")
    if name == "log_format" and raw not in {"text", "json"}:
        raise ConfigError(f"{key} must be 'text' or 'json', got {raw!r}")
    if kind == "str | None":
        return raw or None
    return raw


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Environment first, then explicit overrides (CLI flags) that are not None."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        raw = environ.get(ENV_PREFIX + f.name.upper())
        if raw is not None:
            values[f.name] = _env_value(f.name, raw)
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    settings = Settings(**values)
    if not 1 <= settings.port <= 65535:
        raise ConfigError(f"{ENV_PREFIX}PORT must be between 1 and 65535, got {settings.port}")
    return settings
