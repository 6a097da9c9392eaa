"""PostgreSQL never holds up the event loop: a stalled database stalls only the calls that wait
on it, other rooms keep signaling, and a pool with no free connection answers 503
`storage-unavailable` after a bounded wait instead of hanging. Real PostgreSQL
(tests/support/postgres.py), aiohttp's test client, the signaling socket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from mockroom.app import create_app
from mockroom.keys import STORE
from mockroom.settings import Settings
from mockroom.signaling.service import SIGNALING
from mockroom.storage.postgres import PostgresStore
from support.http import auth, create_room
from support.postgres import lock_waiters
from support.ws import join, joined, next_of

# A loop that runs a 10 ms ticker never sees a gap near this unless something blocked it (the
# synchronous store blocked it for as long as the database stalled: the whole hold here).
MAX_GAP_S = 0.25
TICKS = 40  # ~0.4 s of ticking while the database is stalled


@pytest.fixture
async def pg_client(aiohttp_client: Any, tmp_path: Path, pg_url: str) -> Any:
    settings = Settings(data_dir=tmp_path / "data", database_url=pg_url, database_pool_size=2)
    return await aiohttp_client(create_app(settings))


class Ticker:
    """Ticks every 10 ms; the longest gap between two ticks tells whether the loop was held."""

    def __init__(self, ticks: int) -> None:
        self.gaps: list[float] = []
        self.enough = asyncio.Event()
        self._ticks = ticks
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            self.gaps.append(now - last)
            last = now
            if len(self.gaps) >= self._ticks:
                self.enough.set()

    async def stop(self) -> float:
        self._task.cancel()
        return max(self.gaps)


@asynccontextmanager
async def links_locked(url: str, room_id: str) -> AsyncIterator[None]:
    """Another session holds the room's link rows (FOR UPDATE) until the block ends: any write
    to them waits, the way a long transaction or a vacuum holds a busy table."""
    async with await psycopg.AsyncConnection.connect(url) as conn, conn.transaction():
        await conn.execute("SELECT * FROM links WHERE room_id = %s FOR UPDATE", (room_id,))
        yield


def offer(n: int) -> dict[str, Any]:
    """A signal's data: one SDP description (signaling/protocol.py), numbered by its text."""
    return {"description": {"type": "offer", "sdp": f"v=0\r\ns={n}\r\n"}}


def renew(client: Any, room: dict[str, Any]) -> asyncio.Task[Any]:
    """The interviewer renews the candidate's link: its UPDATE of links waits on the lock."""
    path = f"/api/rooms/{room['room_id']}/links/candidate/renew"
    return asyncio.create_task(client.post(path, headers=auth(room["tokens"]["interviewer"])))


async def signal_round_trips(client: Any, room: dict[str, Any], count: int) -> None:
    """Interviewer and candidate of `room` relay `count` signals to each other."""
    ana = await joined(client, room, "interviewer")
    ben, welcome = await join(client, room, "candidate")
    ben_id = welcome["participant_id"]
    for n in range(count):
        await ana.send_json({"type": "signal", "to": ben_id, "data": offer(n)})
        assert (await next_of(ben, "signal"))["data"] == offer(n)
    await ana.close()
    await ben.close()


async def test_a_stalled_database_holds_up_only_the_calls_that_wait_on_it(
    pg_client: Any, pg_url: str
) -> None:
    stalled, other = await create_room(pg_client), await create_room(pg_client)
    async with links_locked(pg_url, stalled["room_id"]):
        waiting = renew(pg_client, stalled)
        await lock_waiters(pg_url, 1)  # the renew's UPDATE sits on the lock, in the database
        ticker = Ticker(TICKS)
        # Another room is unaffected: its page loads and its people keep signaling.
        page = await pg_client.get(
            f"/api/rooms/{other['room_id']}", headers=auth(other["tokens"]["interviewer"])
        )
        assert page.status == 200
        await signal_round_trips(pg_client, other, 20)
        await asyncio.wait_for(ticker.enough.wait(), 10)
        assert not waiting.done()  # still stalled: the loop ran around it all along
        assert await ticker.stop() < MAX_GAP_S
    resp = await asyncio.wait_for(waiting, 10)  # the lock is gone: the renew goes through
    assert resp.status == 200 and (await resp.json())["revoked"] == 1


async def test_an_exhausted_pool_answers_503_after_a_bounded_wait(
    pg_client: Any, pg_url: str
) -> None:
    store = pg_client.app[STORE]
    assert isinstance(store, PostgresStore) and store.pool.max_size == 2  # MOCKROOM_DB_POOL_SIZE
    store.checkout_timeout_s = 0.5
    stalled, other = await create_room(pg_client), await create_room(pg_client)
    ana = await joined(pg_client, other, "interviewer")  # in the room before the stall
    ben, welcome = await join(pg_client, other, "candidate")
    ben_id = welcome["participant_id"]
    async with links_locked(pg_url, stalled["room_id"]):
        # Both connections of the pool wait on the lock ...
        waiting = [renew(pg_client, stalled), renew(pg_client, stalled)]
        await lock_waiters(pg_url, 2)
        # ... so a request that needs one gets a clear 503 once the wait is over, not a hang.
        start = time.monotonic()
        resp = await asyncio.wait_for(
            pg_client.get(
                f"/api/rooms/{other['room_id']}", headers=auth(other["tokens"]["candidate"])
            ),
            10,
        )
        waited = time.monotonic() - start
        body = await resp.json()
        assert resp.status == 503 and body["error"] == "storage-unavailable", body
        assert 0.4 < waited < 3.0, waited
        # The people already in a room keep signaling: a message re-checks its link from the
        # node's link cache (links.cache), not with a round trip the pool cannot serve.
        for n in range(5):
            await ana.send_json({"type": "signal", "to": ben_id, "data": offer(n)})
            assert (await next_of(ben, "signal"))["data"] == offer(n)
        assert not any(task.done() for task in waiting)
    statuses = [(await asyncio.wait_for(task, 10)).status for task in waiting]
    assert sorted(statuses) == [200, 200]  # each renew went through once the lock was gone
    again = await pg_client.get(
        f"/api/rooms/{other['room_id']}", headers=auth(other["tokens"]["interviewer"])
    )
    assert again.status == 200  # the pool works again by itself
    assert pg_client.app[SIGNALING].link_cache.reads <= 2  # one read per link, not per message
    await ana.close()
    await ben.close()
