"""Which sockets each link (token hash) holds open, so a withdrawn or expired link is cut off.

A link is checked when a socket opens; this registry makes the check hold for the socket's whole
life. Withdrawing a link cuts off every socket it opened, and a link with an expiry time has one
timer, armed at `expires_at`, that does the same when the time comes. Both the signaling socket
and the notes hub keep one registry each; what "cut off" means (close code, seat) is theirs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..errors import UserError

CLOSE_LINK_REFUSED = 4403  # the same code a refused link gets when it first connects
CLOSE_TOO_MANY = 4429  # a 44xx code: clients read it as final and do not reconnect in a loop

S = TypeVar("S")


class TooManySockets(UserError):
    """A cap on open sockets (per link, per room) is reached."""

    code = "too-many-sockets"
    status = 429
    close_code = CLOSE_TOO_MANY


@dataclass(frozen=True)
class Refusal:
    """Why a link's sockets are being closed, in words for the person holding it."""

    code: str  # the error code of the `error` frame
    message: str


WITHDRAWN = Refusal(
    "link-withdrawn",
    "This link was withdrawn, so you have left the room. Ask the person who sent it for a new one.",
)
EXPIRED = Refusal(
    "link-expired",
    "This link has expired, so you have left the room. Ask the person who made the room for a "
    "new one.",
)


class LinkSockets(Generic[S]):
    """token hash -> the open sockets it authorised, plus one expiry timer per link."""

    def __init__(self, cut: Callable[[S, Refusal], None]) -> None:
        self._cut = cut
        self._sockets: dict[str, set[S]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def add(self, token_hash: str, expires_at: float | None, sock: S) -> None:
        self._sockets.setdefault(token_hash, set()).add(sock)
        if expires_at is not None and token_hash not in self._timers:
            delay = max(0.0, expires_at - time.time())
            loop = asyncio.get_running_loop()
            self._timers[token_hash] = loop.call_later(delay, self.cut_off, token_hash, EXPIRED)

    def discard(self, token_hash: str, sock: S) -> None:
        sockets = self._sockets.get(token_hash)
        if sockets is None:
            return
        sockets.discard(sock)
        if not sockets:
            del self._sockets[token_hash]
            timer = self._timers.pop(token_hash, None)
            if timer is not None:
                timer.cancel()

    def count(self, token_hash: str) -> int:
        return len(self._sockets.get(token_hash, ()))

    def cut_off(self, token_hash: str, why: Refusal) -> int:
        """Close every socket of this link; returns how many there were."""
        sockets = self._sockets.pop(token_hash, set())
        timer = self._timers.pop(token_hash, None)
        if timer is not None:
            timer.cancel()
        for sock in list(sockets):
            self._cut(sock, why)
        return len(sockets)

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
