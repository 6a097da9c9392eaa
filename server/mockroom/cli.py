"""The `mockroom` command: `serve` runs the server, `banks check` validates question banks,
`gc` deletes expired rooms by hand, `doctor URL` checks a deployment from outside, `db upgrade` /
`db version` manage the database schema.

Each subcommand is one `add_parser` block in `_parser` whose `set_defaults(run=...)` names the
function that runs it; `main` just calls that function.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from .logs import configure_logging
from .settings import ConfigError, Settings, database_url, load_settings, parse_ice_servers

log = logging.getLogger("mockroom")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockroom", description="Live mock interview rooms.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (flags override MOCKROOM_* variables)")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    serve.add_argument("--data-dir", type=Path, help="where the database and recordings live")
    serve.add_argument(
        "--ice-servers", help="STUN/TURN: JSON list of RTCIceServer, or comma-separated URLs"
    )
    serve.add_argument("--public-url", help="absolute base URL used in links (behind a proxy)")
    serve.add_argument("--banks-dir", type=Path, help="folder of question bank TOML files")
    serve.add_argument("--log-level", help="debug, info, warning (default info)")
    serve.add_argument("--log-format", choices=["text", "json"], help="default text (key=value)")
    serve.add_argument("--tls-cert", type=Path, help="serve HTTPS: PEM certificate (chain)")
    serve.add_argument("--tls-key", type=Path, help="serve HTTPS: PEM private key")
    serve.add_argument("--database-url", help="postgresql://... instead of SQLite in --data-dir")
    serve.add_argument("--redis-url", help="redis://… : run as a node of a cluster (README)")
    serve.set_defaults(run=serve_command)

    db = sub.add_parser("db", help="the database schema (SQLite files, or --database-url)")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    for name, about in (
        ("upgrade", "apply the schema migrations this version knows (serve does it at start)"),
        ("version", "print each database's schema version and what to do"),
    ):
        cmd = db_sub.add_parser(name, help=about)
        cmd.add_argument("--data-dir", type=Path, help="the server's data directory")
        cmd.add_argument("--database-url", help="postgresql://... (else MOCKROOM_DATABASE_URL)")
        cmd.set_defaults(run=db_command)

    gc = sub.add_parser(
        "gc", help="delete expired rooms and leftovers now (what the server's sweeper does)"
    )
    gc.add_argument("--data-dir", type=Path, help="the server's data directory")
    gc.add_argument("--database-url", help="postgresql://... (else MOCKROOM_DATABASE_URL)")
    gc.add_argument("--dry-run", action="store_true", help="list what would go; delete nothing")
    gc.set_defaults(run=gc_command)

    banks = sub.add_parser("banks", help="question bank tools")
    banks_sub = banks.add_subparsers(dest="banks_command", required=True)
    check = banks_sub.add_parser("check", help="validate bank files (default: the shipped banks)")
    check.add_argument("paths", nargs="*", type=Path)
    check.set_defaults(run=banks_check)

    doctor = sub.add_parser("doctor", help="check a deployment from outside and print fixes")
    doctor.add_argument("url", help="the address people open, e.g. https://mock.example.org")
    doctor.add_argument("--ca-file", type=Path, help="trust this CA (e.g. a self-signed cert)")
    doctor.add_argument("--timeout", type=float, default=10.0, help="seconds per check")
    doctor.set_defaults(run=doctor_command)
    return parser


async def _check_store(settings: Settings) -> None:
    from .storage.open import open_store

    await (await open_store(settings)).close()


def serve_command(args: argparse.Namespace) -> int:
    from .app import create_app
    from .banks.model import BankError
    from .gc_tuning import freeze_startup_heap
    from .ops.serving import base_url, serve_until_signal, tls_context
    from .storage.schema import StorageUnusable

    try:
        overrides = {
            "host": args.host,
            "port": args.port,
            "data_dir": args.data_dir,
            "public_url": args.public_url.rstrip("/") if args.public_url else None,
            "banks_dir": args.banks_dir,
            "log_level": args.log_level,
            "log_format": args.log_format,
            "tls_cert": args.tls_cert,
            "tls_key": args.tls_key,
            "database_url": args.database_url and database_url("--database-url", args.database_url),
            "redis_url": args.redis_url,
        }
        if args.ice_servers is not None:
            overrides["ice_servers"] = parse_ice_servers("--ice-servers", args.ice_servers)
        settings = load_settings(overrides=overrides)
        context = tls_context(settings)
    except ConfigError as exc:
        print(f"mockroom: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    try:
        # Reach the database and bring its schema up to date now, so a wrong URL, a server
        # that is down or a newer schema is one line here rather than a failed start-up.
        asyncio.run(_check_store(settings))
    except StorageUnusable as exc:
        print(f"mockroom: {exc}", file=sys.stderr)
        return 1
    try:
        app = create_app(settings)
    except BankError as exc:
        print(f"mockroom: the question banks have problems:\n{exc}", file=sys.stderr)
        return 2
    app.on_startup.append(freeze_startup_heap)  # only for `serve`: tests build many apps
    log.info(
        "serving",
        extra={
            "url": base_url(settings, context is not None),
            "data_dir": str(settings.data_dir.resolve()),
            "database": database_name(settings),
            "ice_servers": len(settings.ice_servers),
        },
    )
    try:
        run_loop(serve_until_signal(app, settings, context), settings.uvloop)
    except OSError as exc:  # e.g. the port is taken
        print(f"mockroom: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:  # found at start-up, e.g. an unreachable MOCKROOM_REDIS_URL
        print(f"mockroom: configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


def run_loop(main: Coroutine[Any, Any, None], use_uvloop: bool) -> None:
    """Run the server's coroutine on uvloop (MOCKROOM_UVLOOP=on; off by default), else asyncio's
    loop. uvloop runs the loop's own work (polling, callbacks, socket reads and writes) in C:
    measured under the notes bench, about a tenth less CPU per keystroke. Its timers run on
    libuv's whole-millisecond clock and can fire a fraction of a millisecond early: code that
    sleeps until a deadline must not assume `now_ms()` has reached it on waking (the scripted
    clock's stall, scripted/flow_state.py `next_wakeup`)."""
    if use_uvloop:
        import uvloop  # here: only `serve` needs it

        uvloop.run(main)
    else:
        asyncio.run(main)


def database_name(settings: Settings) -> str:
    """Where the rooms are kept, for the start-up log line (never the password)."""
    if not settings.database_url:
        return "sqlite"
    from .storage.postgres import describe

    return f"postgresql {describe(settings.database_url)}"


def banks_check(args: argparse.Namespace) -> int:
    from .banks.model import check_paths, default_banks_dir

    paths = args.paths or [default_banks_dir()]
    problems = check_paths(paths)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    print("All banks are valid.")
    return 0


def gc_command(args: argparse.Namespace) -> int:
    from .rooms.retention import collect_garbage
    from .storage.schema import StorageUnusable

    try:
        url = args.database_url and database_url("--database-url", args.database_url)
        settings = load_settings(overrides={"data_dir": args.data_dir, "database_url": url})
    except ConfigError as exc:
        print(f"mockroom: configuration error: {exc}", file=sys.stderr)
        return 2
    if not settings.database_url and not settings.db_path.exists():
        print(f"mockroom: no MockRoom data in {settings.data_dir}", file=sys.stderr)
        return 2
    try:
        print(asyncio.run(collect_garbage(settings, dry_run=args.dry_run)))
    except StorageUnusable as exc:
        print(f"mockroom: {exc}", file=sys.stderr)
        return 1
    return 0


def db_command(args: argparse.Namespace) -> int:
    from .ops.database import schema_versions, upgrade
    from .storage.schema import StorageUnusable

    try:
        url = database_url("--database-url", args.database_url or "")
        settings = load_settings(overrides={"data_dir": args.data_dir, "database_url": url})
    except ConfigError as exc:
        print(f"mockroom: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        lines = upgrade(settings) if args.db_command == "upgrade" else schema_versions(settings)
    except StorageUnusable as exc:
        print(f"mockroom: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    newer = any("NEWER" in line for line in lines)
    return 1 if newer else 0


def doctor_command(args: argparse.Namespace) -> int:
    from .ops.doctor import run_doctor

    return run_doctor(args.url, ca_file=args.ca_file, timeout=args.timeout)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
