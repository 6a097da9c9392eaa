"""Configuration, read once: MOCKROOM_* environment variables, then `mockroom serve` flags."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import resources

ENV_PREFIX = "MOCKROOM_"


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the key."""


def _default_banks_dir() -> Path:
    return resources.banks_dir()  # the shipped banks: package data, or the checkout's


# Each setting declares how its MOCKROOM_* text becomes a value: `setting(default, parse=...)`.
# A parser takes the variable's name (for the message) and its raw text.
Parser = Callable[[str, str], Any]


def setting(default: Any = None, *, parse: Parser, factory: Callable[[], Any] | None = None) -> Any:
    meta = {"parse": parse}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def flag(key: str, raw: str) -> bool:
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


def number(key: str, raw: str) -> float:
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
        if "credential" in server:
            # Every token holder would receive it, and anyone can get a token: an open relay.
            raise ConfigError(
                f"{key}[{index}] has a static TURN 'credential', which every browser would "
                "receive. Configure TURN with MOCKROOM_TURN_SECRET (coturn static-auth-secret) "
                "and MOCKROOM_TURN_URLS instead: each join then gets a credential that expires."
            )
        checked.append(dict(server))
    return tuple(checked)


def whole_number(key: str, raw: str) -> int:
    return _parse_int(key, raw, minimum=0)


def port_number(key: str, raw: str) -> int:
    return _parse_int(key, raw, minimum=1)


def text(key: str, raw: str) -> str:
    return raw


def text_or_none(key: str, raw: str) -> str | None:
    return raw or None


def stripped_or_none(key: str, raw: str) -> str | None:
    return raw.strip() or None


def base_url_or_none(key: str, raw: str) -> str | None:
    return raw.rstrip("/") or None


def path(key: str, raw: str) -> Path:
    return Path(raw)


def optional_path(key: str, raw: str) -> Path | None:
    return Path(raw) if raw.strip() else None


def origins(key: str, raw: str) -> tuple[str, ...]:
    return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())


def turn_url_list(key: str, raw: str) -> tuple[str, ...]:
    urls = tuple(u.strip() for u in raw.split(",") if u.strip())
    for url in urls:
        if not url.startswith(("turn:", "turns:")):
            raise ConfigError(f"{key}: {url!r} is not a turn: or turns: URL")
    return urls


def database_url(key: str, raw: str) -> str | None:
    raw = raw.strip()
    if raw and not raw.startswith(("postgresql://", "postgres://")):
        # Only the scheme is checked here; the rest is the driver's to read at start-up.
        raise ConfigError(f"{key} must be a postgresql:// URL (or empty for SQLite)")
    return raw or None


def one_of(*choices: str) -> Parser:
    def parse(key: str, raw: str) -> str:
        if raw not in choices:
            names = " or ".join(repr(c) for c in choices)
            raise ConfigError(f"{key} must be {names}, got {raw!r}")
        return raw

    return parse


@dataclass(frozen=True)
class Settings:
    host: str = setting("127.0.0.1", parse=text)
    port: int = setting(8080, parse=port_number)
    # SQLite database, notes and recordings live here.
    data_dir: Path = setting(Path("data"), parse=path)
    # RTCIceServer dicts handed to browsers and to the server's own peers. Empty by default:
    # loopback and LAN work with host candidates, and nothing waits on an unreachable STUN server.
    ice_servers: tuple[dict[str, Any], ...] = setting((), parse=parse_ice_servers)
    # Absolute base for links in API replies (e.g. https://mock.example.org behind a proxy).
    public_url: str | None = setting(None, parse=base_url_or_none)
    # Origins allowed to open WebSockets besides the server's own (same-origin is always allowed).
    allowed_origins: tuple[str, ...] = setting((), parse=origins)
    # Trust X-Forwarded-Proto/Host from a reverse proxy that terminates TLS.
    trust_proxy: bool = setting(False, parse=flag)
    max_observers: int = setting(3, parse=whole_number)
    # Default link lifetime; 0 means links do not expire unless a room asks for it.
    link_ttl_hours: float = setting(0.0, parse=number)
    max_ws_message_bytes: int = setting(64 * 1024, parse=whole_number)
    banks_dir: Path = setting(factory=_default_banks_dir, parse=path)
    # "espeak-ng" speaks the scripted interviewer's questions; "off" runs with text only.
    tts: str = setting("espeak-ng", parse=one_of("espeak-ng", "off"))
    # A Piper voice (.onnx, its .onnx.json beside it) already on disk: the interviewer speaks
    # with it instead of espeak-ng (pip install 'mockroom[tts-neural]'); never downloaded.
    tts_voice: Path | None = setting(None, parse=optional_path)
    max_recording_bytes: int = setting(512 * 1024 * 1024, parse=whole_number)
    log_level: str = setting("INFO", parse=text)
    # Signaling sends are queued per socket; a socket whose unsent backlog passes this many bytes,
    # or whose one send takes longer than the timeout, stops reading and is dropped, so it can
    # never stall the others or the room's clock.
    signaling_send_queue_bytes: int = setting(1024 * 1024, parse=whole_number)
    signaling_send_timeout_s: float = setting(10.0, parse=number)
    # Open sockets allowed per link and per room (0: no limit). One observer link is shared by
    # all observers, so the per-link signaling cap must stay above max_observers.
    max_signaling_sockets_per_link: int = setting(8, parse=whole_number)
    max_signaling_sockets_per_room: int = setting(16, parse=whole_number)
    max_notes_sockets_per_link: int = setting(12, parse=whole_number)
    max_notes_sockets_per_room: int = setting(48, parse=whole_number)
    # Limits a public server needs (see README "Retention and limits"). Byte quotas: 0 = no limit.
    # espeak-ng processes running at once, server-wide (at least 1).
    tts_max_concurrent: int = setting(2, parse=whole_number)
    # Longest text spoken per line; longer questions are spoken cut at a word, shown in full.
    tts_max_chars: int = setting(400, parse=whole_number)
    # Decoded voice lines kept in memory, and rendered WAVs kept in data_dir/tts (LRU).
    tts_memory_bytes: int = setting(64 * 1024 * 1024, parse=whole_number)
    tts_cache_bytes: int = setting(256 * 1024 * 1024, parse=whole_number)
    # Scripted interviewer sessions open at once on this node (about 45 fill 2 cores; 0: no cap).
    max_scripted_sessions: int = setting(30, parse=whole_number)
    # Recorded answers: per room, in total, and the free disk space uploads always leave.
    room_quota_bytes: int = setting(1024 * 1024 * 1024, parse=whole_number)
    clips_quota_bytes: int = setting(20 * 1024 * 1024 * 1024, parse=whole_number)
    min_free_disk_bytes: int = setting(1024 * 1024 * 1024, parse=whole_number)
    # Stored interview events (actions, timer steps) per room.
    max_events_per_room: int = setting(5000, parse=whole_number)
    # Pasted banks (the shipped ones are about 12 KiB and 15 questions).
    max_pasted_bank_bytes: int = setting(64 * 1024, parse=whole_number)
    max_pasted_bank_questions: int = setting(50, parse=whole_number)
    # Rooms are deleted this long after their last use; 0 keeps them forever.
    retention_days: float = setting(30.0, parse=number)
    # How often the background sweeper looks for expired rooms.
    sweep_interval_minutes: float = setting(60.0, parse=number)
    # Rooms one client address may create (ratelimit.py): a burst at once, then so many an
    # hour. The defaults never bother a person or a script preparing a class; 0 per hour = off.
    room_rate_burst: int = setting(60, parse=whole_number)
    room_rate_per_hour: int = setting(600, parse=whole_number)
    # TURN REST credentials (turn.py, coturn's use-auth-secret): each join gets a username with
    # an expiry and an HMAC of it; the secret itself never leaves the server.
    turn_secret: str | None = setting(None, parse=stripped_or_none)
    turn_urls: tuple[str, ...] = setting((), parse=turn_url_list)
    turn_ttl_hours: float = setting(6.0, parse=number)
    # "text" (key=value lines) or "json" (one JSON object a line, for log shippers).
    log_format: str = setting("text", parse=one_of("text", "json"))
    # Serve HTTPS directly (a lab LAN without a proxy still needs https for cameras): PEM files.
    tls_cert: Path | None = setting(None, parse=optional_path)
    tls_key: Path | None = setting(None, parse=optional_path)
    # GET /metrics (Prometheus text format) answers only with this bearer token; unset: no /metrics.
    metrics_token: str | None = setting(None, parse=text_or_none)
    # On SIGTERM, how long uploads already under way may take to finish before the server exits.
    drain_timeout_s: float = setting(10.0, parse=number)
    # PostgreSQL instead of the SQLite files in data_dir, for several nodes on one database
    # (README "PostgreSQL"): postgresql://user:password@host:5432/dbname. Unset: SQLite.
    database_url: str | None = setting(None, parse=database_url)
    # Connections each node keeps open to it (an async pool: a call waits at most 2 s for one).
    database_pool_size: int = setting(4, parse=port_number)
    # Where recorded answers live (default data_dir/recordings); a cluster's nodes share one.
    recordings_path: Path | None = setting(None, parse=optional_path)
    # Several nodes (cluster/): Redis carries the node registry, the room directory and the
    # relay of sockets to each room's home node. Unset: a single node, nothing of it runs.
    redis_url: str | None = setting(None, parse=stripped_or_none)
    # Transcripts of recorded takes (README "Transcripts and speaking feedback"). MOCKROOM_ASR=off
    # turns recognition off; the backend is pocketsphinx (model in its wheel) or faster-whisper
    # with a model directory already on disk (never downloaded).
    asr: bool = setting(True, parse=flag)
    # `mockroom serve` runs on uvloop (in the dependencies) when on: less CPU per socket message
    # (bench/notes_paired.py). Off by default: the scripted stall once seen with it on was the
    # flow's clock losing a line's end on an early wake-up (fixed, scripted/flow_state.py; uvloop
    # wakes up to 1 ms early), and the default waits for more fresh-clone runs with it on.
    uvloop: bool = setting(False, parse=flag)
    asr_backend: str = setting("pocketsphinx", parse=one_of("pocketsphinx", "faster-whisper"))
    asr_model_dir: Path | None = setting(None, parse=optional_path)
    # Recognition worker processes (each ~0.2 of a core per second of speech with pocketsphinx)
    # and the takes that may wait for one; past that a take is marked "transcript pending" and
    # is picked up when the queue has room again.
    asr_workers: int = setting(1, parse=whole_number)
    asr_queue: int = setting(32, parse=whole_number)
    filler_words: str = setting("um, uh, like, you know, sort of", parse=text)
    # Live captions in scripted rooms (README "Live captions"): answers captioned at once on this
    # node, each a caption worker process (~0.2 of a core while the candidate speaks); past it a
    # candidate who asks is told captions are unavailable right now. 0 turns captions off.
    caption_streams: int = setting(2, parse=whole_number)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "mockroom.sqlite3"

    @property
    def recordings_dir(self) -> Path:
        return self.recordings_path or self.data_dir / "recordings"


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Environment first, then explicit overrides (CLI flags) that are not None."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        raw = environ.get(ENV_PREFIX + f.name.upper())
        if raw is not None:
            values[f.name] = f.metadata["parse"](ENV_PREFIX + f.name.upper(), raw)
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    settings = Settings(**values)
    if not 1 <= settings.port <= 65535:
        raise ConfigError(f"{ENV_PREFIX}PORT must be between 1 and 65535, got {settings.port}")
    if settings.tts_max_concurrent < 1:
        raise ConfigError(f"{ENV_PREFIX}TTS_MAX_CONCURRENT must be at least 1")
    _check_edge_settings(settings)
    return settings


def _check_edge_settings(settings: Settings) -> None:
    """Settings that only make sense together (proxy, rate limit, TURN)."""
    if settings.trust_proxy and not settings.public_url:
        raise ConfigError(
            f"{ENV_PREFIX}TRUST_PROXY needs {ENV_PREFIX}PUBLIC_URL (the https:// address people "
            "open): links and the Origin check must not follow headers a client can set."
        )
    if settings.room_rate_per_hour > 0 and settings.room_rate_burst < 1:
        raise ConfigError(
            f"{ENV_PREFIX}ROOM_RATE_BURST must be at least 1 while "
            f"{ENV_PREFIX}ROOM_RATE_PER_HOUR is on (set that to 0 to turn the limit off)"
        )
    if bool(settings.turn_secret) != bool(settings.turn_urls):
        raise ConfigError(
            f"{ENV_PREFIX}TURN_SECRET and {ENV_PREFIX}TURN_URLS go together: set both "
            "(the coturn static-auth-secret and its turn:/turns: URLs) or neither"
        )
    if settings.redis_url and not settings.database_url:
        raise ConfigError(
            f"{ENV_PREFIX}REDIS_URL makes this a node of a cluster, and the nodes must share one "
            f"database: set {ENV_PREFIX}DATABASE_URL (postgresql://...) too, or unset "
            f"{ENV_PREFIX}REDIS_URL to run a single node on SQLite"
        )
    if settings.turn_ttl_hours <= 0:
        raise ConfigError(f"{ENV_PREFIX}TURN_TTL_HOURS must be more than 0")
