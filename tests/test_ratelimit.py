"""Room creation per client address: a generous token bucket, 429 + Retry-After past it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockroom.app import create_app
from mockroom.ratelimit import TokenBuckets, rate_key
from mockroom.settings import ConfigError, Settings, load_settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_gives_a_burst_then_refills_at_the_hourly_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(burst=60, per_hour=600, clock=clock)
    assert all(buckets.take("a") == 0.0 for _ in range(60))  # a class prepared at once
    wait = buckets.take("a")
    assert wait == pytest.approx(6.0)  # 600 an hour: one every 6 s
    assert buckets.take("b") == 0.0  # another address has its own bucket
    clock.now += 6.0
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    clock.now += 3600.0  # an idle hour refills the burst, never more
    assert all(buckets.take("a") == 0.0 for _ in range(60))
    assert buckets.take("a") > 0


def test_memory_is_bounded_by_evicting_the_least_recently_used() -> None:
    clock = Clock()
    buckets = TokenBuckets(burst=1, per_hour=1, max_keys=100, clock=clock)
    assert buckets.take("old") == 0.0
    for n in range(1000):
        buckets.take(f"10.0.{n // 256}.{n % 256}")
    assert len(buckets) == 100
    assert buckets.take("old") == 0.0  # evicted, so back with a full bucket


async def _post_room(client: Any, **headers: str) -> Any:
    return await client.post("/api/rooms", json={"mode": "peer"}, headers=headers)


async def test_429_with_retry_after_past_the_burst(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", room_rate_burst=3, room_rate_per_hour=60)
    client = await aiohttp_client(create_app(settings))
    for _ in range(3):
        assert (await _post_room(client)).status == 201
    refused = await _post_room(client)
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "60"
    body = await refused.json()
    assert body["error"] == "too-many-requests"
    assert "Try again in 60 s" in body["message"]
    # Without TRUST_PROXY a forwarded address is the client's own claim: ignored.
    assert (await _post_room(client, **{"X-Forwarded-For": "203.0.113.9"})).status == 429
    # Reading rooms and everything else is not limited.
    assert (await client.get("/api/banks")).status == 200


async def test_forwarded_address_counts_only_behind_a_trusted_proxy(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "d",
        room_rate_burst=1,
        room_rate_per_hour=1,
        trust_proxy=True,
        public_url="https://mock.example.org",
    )
    client = await aiohttp_client(create_app(settings))
    # The proxy appends the address that connected to it; earlier entries are the client's.
    first = {"X-Forwarded-For": "198.51.100.1, 203.0.113.1"}
    assert (await _post_room(client, **first)).status == 201
    assert (await _post_room(client, **first)).status == 429
    forged = {"X-Forwarded-For": "198.51.100.99, 203.0.113.1"}
    assert (await _post_room(client, **forged)).status == 429
    other = {"X-Forwarded-For": "203.0.113.2"}
    assert (await _post_room(client, **other)).status == 201


async def test_rate_zero_turns_the_limit_off(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", room_rate_burst=1, room_rate_per_hour=0)
    client = await aiohttp_client(create_app(settings))
    for _ in range(5):
        assert (await _post_room(client)).status == 201


def test_settings_name_the_keys() -> None:
    env = {"MOCKROOM_ROOM_RATE_BURST": "120", "MOCKROOM_ROOM_RATE_PER_HOUR": "2000"}
    settings = load_settings(environ=env)
    assert (settings.room_rate_burst, settings.room_rate_per_hour) == (120, 2000)
    assert load_settings(environ={}).room_rate_burst == 60
    with pytest.raises(ConfigError, match="MOCKROOM_ROOM_RATE_BURST"):
        load_settings(environ={"MOCKROOM_ROOM_RATE_BURST": "0"})
    with pytest.raises(ConfigError, match="MOCKROOM_ROOM_RATE_PER_HOUR"):
        load_settings(environ={"MOCKROOM_ROOM_RATE_PER_HOUR": "lots"})


def test_one_ipv6_home_network_counts_as_one_client() -> None:
    assert (
        rate_key("2001:db8:1:2:aaaa::1")
        == rate_key("2001:db8:1:2:ffff::9")
        == ("2001:db8:1:2::/64")
    )
    assert rate_key("2001:db8:1:3::1") != rate_key("2001:db8:1:2::1")
    assert rate_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert rate_key("198.51.100.7") == "198.51.100.7"
    assert rate_key("not an address") == "not an address"
