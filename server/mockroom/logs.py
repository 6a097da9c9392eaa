"""Structured logging (key=value lines or JSON, one per event) that never prints a token."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

# Anything that looks like a token parameter or a bearer header is masked, wherever it appears.
_SECRET = re.compile(r"((?:token|access_token)=|Bearer\s+)[^\s&#\"']+", re.IGNORECASE)
_STANDARD = set(vars(logging.makeLogRecord({})))


def redact(text: str) -> str:
    return _SECRET.sub(r"\1[redacted]", text)


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD and k != "message"}
        parts = [
            self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            record.levelname.lower(),
            str(record.name),
            repr(redact(record.getMessage())),
        ]
        parts += [f"{key}={redact(str(value))}" for key, value in sorted(fields.items())]
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + redact(self.formatException(record.exc_info))
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line (MOCKROOM_LOG_FORMAT=json), for log shippers; redacted like text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key != "message" and key not in entry:
                plain = value is None or isinstance(value, bool | int | float)
                entry[key] = value if plain else redact(str(value))
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aioice/aiortc are chatty at INFO; their warnings still show.
    for noisy in ("aioice", "aiortc"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class AccessLogger(AbstractAccessLogger):
    """Logs the path only: query strings may hold capability tokens."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        extra: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "ms": round(time * 1000, 1),
        }
        self.logger.info("request", extra=extra)
