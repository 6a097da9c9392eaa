"""aiohttp's own HTTP parse errors (an over-long header, a bad request line) as one warning line.

aiohttp answers them with a 400 itself, before any handler or middleware runs, and logs each with
a full traceback through `aiohttp.server`. Any client can send such bytes as often as it likes,
so a traceback per request would let anyone flood the log. They are the client's mistake, not
ours: one warning line with the address and aiohttp's reason is what an operator needs.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

MAX_REASON = 160  # the reason may quote the offending bytes; keep a line a line


class ParseErrorFilter(logging.Filter):
    """Rewrites `aiohttp.server` records caused by an HttpProcessingError; passes the others."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not isinstance(exc, HttpProcessingError):
            return True
        remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        reason = " ".join(str(exc.message or type(exc).__name__).split())[:MAX_REASON]
        record.msg = "bad HTTP request from %s (%s %s): %s"
        record.args = (remote, exc.code, type(exc).__name__, reason)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def quiet_parse_errors() -> None:
    """Install the filter once per process (the logger is the process's, not the app's)."""
    logger = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ParseErrorFilter) for f in logger.filters):
        logger.addFilter(ParseErrorFilter())
