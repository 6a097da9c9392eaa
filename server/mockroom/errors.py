"""Two kinds of error, one mapping.

UserError: something the person can fix or should read (wrong link, room full). ProtocolError: a
client sent something our protocol forbids (a client bug). Anything else is an internal error:
logged with its traceback and reported to the user without details.

Code raises these and never renders them: `error_reply` is the one place an exception becomes an
HTTP status, a close code, a code and a message (plus `extra` fields an error carries for the
client, such as OutOfOrder's `expected`). The HTTP middleware (app.py) and the signaling socket
(signaling/protocol.error_frame) both render an ErrorReply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class MockRoomError(Exception):
    code = "error"
    status = 400
    # WebSocket close code used when the error ends a socket.
    close_code = 1008

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    @property
    def extra(self) -> Mapping[str, Any]:
        """Fields beside `error` and `message` that tell the client what to do next."""
        return {}


class UserError(MockRoomError):
    """A problem the user can understand and act on."""


class ProtocolError(MockRoomError):
    """The client broke the protocol: malformed JSON, unknown type, bad fields."""

    code = "protocol-error"
    close_code = 1002


class Unauthorized(UserError):
    code = "unauthorized"
    status = 401
    close_code = 4401


class Forbidden(UserError):
    code = "forbidden"
    status = 403
    close_code = 4403


class NotFound(UserError):
    code = "not-found"
    status = 404
    close_code = 4404


class Conflict(UserError):
    code = "conflict"
    status = 409
    close_code = 4409


class TooLarge(UserError):
    code = "too-large"
    status = 413
    close_code = 1009


@dataclass(frozen=True)
class ErrorReply:
    status: int
    close_code: int
    code: str
    message: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON an HTTP client reads: `{"error": code, "message": ..., **extra}`."""
        return {**self.extra, "error": self.code, "message": self.message}


INTERNAL_MESSAGE = "Something went wrong on the server. Reload the page; your notes are saved."


def error_reply(exc: BaseException) -> ErrorReply:
    """The single place where an exception becomes an HTTP status / close code and a message."""
    if isinstance(exc, MockRoomError):
        return ErrorReply(exc.status, exc.close_code, exc.code, exc.message, exc.extra)
    return ErrorReply(500, 1011, "internal", INTERNAL_MESSAGE)
