"""Room creation per client address: a token bucket, so a burst is free and a flood is not.

The defaults (settings `room_rate_burst` = 60, `room_rate_per_hour` = 600) let one person, or a
script preparing rooms for a class of 60, create them all at once, and then one more every six
seconds; a script creating thousands an hour from one address is told to wait (429 with
Retry-After). Memory is bounded: at most MAX_ADDRESSES buckets, the least recently used dropped
first. A dropped address comes back with a full bucket; only someone cycling through more than
MAX_ADDRESSES addresses gains from that, and each of those has its own burst anyway. An IPv6
client counts by its /64, the block one home or phone holds.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from .keys import SETTINGS
from .settings import Settings

MAX_ADDRESSES = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One bucket per key: `burst` tokens, refilled at `per_hour` tokens an hour."""

    def __init__(
        self,
        burst: int,
        per_hour: float,
        *,
        max_keys: int = MAX_ADDRESSES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.rate = per_hour / 3600.0  # tokens per second
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Take one token for `key`: 0.0 if granted, else the seconds until one is available."""
        now = self.clock()
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
            bucket.updated = now
        self._buckets[key] = bucket  # most recently used last
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        if self.rate <= 0:
            return math.inf
        return (1.0 - bucket.tokens) / self.rate


ROOM_BUCKETS: web.AppKey[TokenBuckets | None] = web.AppKey("room_buckets")


def rate_key(address: str) -> str:
    """What one client is: its IPv4 address, or its IPv6 /64 (one home or phone holds a whole
    /64, and counting each of its 2^64 addresses apart would make the limit no limit)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_address(request: web.Request, settings: Settings) -> str:
    """The address to count against. Behind a trusted proxy, the entry it appended last.

    Earlier X-Forwarded-For entries come from the client and can say anything; the proxy's own
    entry (nginx `$proxy_add_x_forwarded_for`) is the address that really connected to it.
    """
    if settings.trust_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.remote or "unknown"


def check_room_creation(request: web.Request) -> None:
    """Raise 429 with Retry-After when this address has used up its room creations."""
    buckets = request.app[ROOM_BUCKETS]
    if buckets is None:
        return
    wait = buckets.take(rate_key(client_address(request, request.app[SETTINGS])))
    if wait <= 0:
        return
    seconds = max(1, math.ceil(min(wait, 24 * 3600)))
    raise web.HTTPTooManyRequests(
        headers={"Retry-After": str(seconds)},
        text=(
            f"Too many rooms were created from your address. Try again in {seconds} s, "
            "or ask the operator to raise MOCKROOM_ROOM_RATE_BURST / MOCKROOM_ROOM_RATE_PER_HOUR."
        ),
    )


def setup_rate_limits(app: web.Application, settings: Settings) -> None:
    """`room_rate_per_hour` = 0 turns the limit off (a private server, a load test)."""
    if settings.room_rate_per_hour <= 0:
        app[ROOM_BUCKETS] = None
    else:
        app[ROOM_BUCKETS] = TokenBuckets(settings.room_rate_burst, settings.room_rate_per_hour)
