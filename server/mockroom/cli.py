"""The `mockroom` command: `serve` runs the server, `banks check` validates question banks,
`gc` deletes expired rooms by hand."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from .logs import AccessLogger, configure_logging
from .settings import ConfigError, load_settings, parse_ice_servers

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

    gc = sub.add_parser(
        "gc", help="delete expired rooms and leftovers now (what the server's sweeper does)"
    )
    gc.add_argument("--data-dir", type=Path, help="the server's data directory")
    gc.add_argument("--dry-run", action="store_true", help="list what would go; delete nothing")

    banks = sub.add_parser("banks", help="question bank tools")
    banks_sub = banks.add_subparsers(dest="banks_command", required=True)
    check = banks_sub.add_parser("check", help="validate bank files (default: the shipped banks)")
    check.add_argument("paths", nargs="*", type=Path)
    return parser


def serve(args: argparse.Namespace) -> int:
    from .app import create_app
    from .banks import BankError

    try:
        overrides = {
            "host": args.host,
            "port": args.port,
            "data_dir": args.data_dir,
            "public_url": args.public_url.rstrip("/") if args.public_url else None,
            "banks_dir": args.banks_dir,
            "log_level": args.log_level,
        }
        if args.ice_servers is not None:
            overrides["ice_servers"] = parse_ice_servers("--ice-servers", args.ice_servers)
        settings = load_settings(overrides=overrides)
    except ConfigError as exc:
        print(f"mockroom: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        app = create_app(settings)
    except BankError as exc:
        print(f"mockroom: the question banks have problems:\n{exc}", file=sys.stderr)
        return 2
    log.info(
        "serving",
        extra={
            "url": f"http://{settings.host}:{settings.port}/",
            "data_dir": str(settings.data_dir.resolve()),
            "ice_servers": len(settings.ice_servers),
        },
    )
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        access_log_class=AccessLogger,
        print=lambda text: print(f"MockRoom is running at http://{settings.host}:{settings.port}/"),
        shutdown_timeout=5.0,
    )
    return 0


def banks_check(args: argparse.Namespace) -> int:
    from .banks import check_paths, default_banks_dir

    paths = args.paths or [default_banks_dir()]
    problems = check_paths(paths)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    print("All banks are valid.")
    return 0


def gc(args: argparse.Namespace) -> int:
    from .retention import collect_garbage

    try:
        settings = load_settings(overrides={"data_dir": args.data_dir})
    except ConfigError as exc:
        print(f"mockroom: configuration error: {exc}", file=sys.stderr)
        return 2
    if not settings.db_path.exists():
        print(f"mockroom: no MockRoom data in {settings.data_dir}", file=sys.stderr)
        return 2
    print(collect_garbage(settings, dry_run=args.dry_run))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "gc":
        return gc(args)
    return banks_check(args)


if __name__ == "__main__":
    sys.exit(main())
