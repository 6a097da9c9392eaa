"""The store seam's contract: what every backend of storage.interface.Store must do.

Written against the interface only, and run once per backend by the `store` fixture. SQLite runs
on a file in tmp_path, PostgreSQL on a fresh database of the session's private server
(tests/support/postgres.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from mockroom.errors import NotFound
from mockroom.roles import Media, Mode
from mockroom.storage.interface import LinkRecord, RoomRecord, Store
from mockroom.storage.postgres import PostgresStore
from mockroom.storage.sqlite import SqliteStore


async def _sqlite(request: pytest.FixtureRequest, tmp: Path) -> Store:
    return SqliteStore(tmp / "contract.sqlite3")


async def _postgres(request: pytest.FixtureRequest, tmp: Path) -> Store:
    return await PostgresStore.open(request.getfixturevalue("pg_url"))


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Awaitable[Store]]] = {
    "sqlite": _sqlite,
    "postgres": _postgres,
}


@pytest.fixture(params=sorted(BACKENDS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    made = await BACKENDS[request.param](request, tmp_path)
    yield made
    await made.close()


def room(room_id: str = "r1", created_at: float = 1000.0) -> RoomRecord:
    bank = {"id": "b", "questions": [{"id": "q1"}]}
    options = {"shuffle": True}
    return RoomRecord(room_id, Mode.SCRIPTED, Media.AUDIO, "T", "b", bank, options, created_at)


def link(room_id: str, role: str, token_hash: str) -> LinkRecord:
    return LinkRecord(room_id, role, token_hash, 1000.0, None, None)


async def make(store: Store, room_id: str = "r1", created_at: float = 1000.0) -> None:
    await store.create_room(
        room(room_id, created_at),
        [link(room_id, "candidate", f"{room_id}-c"), link(room_id, "reviewer", f"{room_id}-r")],
    )


def test_backends_are_listed() -> None:
    # An empty parameter set would silently skip every test here.
    assert {"sqlite", "postgres"} <= set(BACKENDS)


async def test_rooms_and_links(store: Store) -> None:
    assert await store.get_room("r1") is None
    await make(store)
    assert await store.get_room("r1") == room()
    assert await store.room_ids() == {"r1"}
    found = await store.find_link("r1", "r1-c")
    assert found is not None and found.role == "candidate" and found.revoked_at is None
    assert await store.find_link("r1", "nope") is None
    assert await store.find_link("other", "r1-c") is None
    assert await store.revoke_links("r1", "candidate") == 1
    assert await store.revoke_links("r1", "candidate") == 0  # already withdrawn
    await store.add_link(link("r1", "candidate", "r1-c2"))
    roles = sorted(
        (lk.role, lk.token_hash, lk.revoked_at is None) for lk in await store.links_for("r1")
    )
    assert roles == [
        ("candidate", "r1-c", False),
        ("candidate", "r1-c2", True),
        ("reviewer", "r1-r", True),
    ]


async def test_participants(store: Store) -> None:
    await make(store)
    await store.record_join("r1", "can-1", "candidate", "Ana")
    await store.record_join("r1", "can-1", "candidate", "Ana B")  # a rejoin renames, keeps one row
    await store.record_leave("r1", "can-1")
    (row,) = await store.participants("r1")
    assert row["participant_id"] == "can-1" and row["name"] == "Ana B"
    assert row["left_at"] is not None


async def test_events_are_numbered_per_room_and_refused_for_a_missing_room(store: Store) -> None:
    await make(store)
    await make(store, "r2")
    first = await store.append_event("r1", "interview", {"type": "start"})
    await store.append_event("r2", "scripted", {"n": 1})
    second = await store.append_event("r1", "scripted", {"n": 2})
    assert (first.seq, second.seq) == (1, 2)
    assert await store.event_count("r1") == 2 and await store.event_count("nope") == 0
    assert [e.data for e in await store.events("r1")] == [{"type": "start"}, {"n": 2}]
    assert [e.seq for e in await store.events("r1", "scripted")] == [2]
    with pytest.raises(NotFound):
        await store.append_event("gone", "interview", {})
    assert await store.events("gone") == []


async def test_retention_reads_last_use(store: Store) -> None:
    await make(store, "old", created_at=100.0)
    await make(store, "new", created_at=5000.0)
    assert await store.last_used("old") == 100.0 and await store.last_used("nope") is None
    assert await store.rooms_unused_since(1000.0) == ["old"]
    await store.touch_room("old", now=6000.0, force=True)
    assert await store.last_used("old") == 6000.0
    assert await store.rooms_unused_since(5500.0) == ["new"]
    await store.touch_room("old", now=200.0, force=True)  # an older use never moves it back
    assert await store.last_used("old") == 6000.0


def clip_row(clip_id: str, take: int = 1) -> dict[str, object]:
    return {
        "id": clip_id,
        "room_id": "r1",
        "question_id": "q1",
        "take": take,
        "mime": "audio/webm",
        "extension": "webm",
        "created_at": 1000.0 + take,
    }


async def test_clips(store: Store) -> None:
    await make(store)
    await store.insert_clip(clip_row("c1"))
    await store.insert_clip(clip_row("c2", take=2))
    assert await store.clip("r1", "c1") == {
        **clip_row("c1"),
        "next_seq": 0,
        "bytes": 0,
        "finished_at": None,
        "duration_ms": None,
    }
    assert await store.clip("other", "c1") is None
    assert (await store.clip_for_take("r1", "q1", 2))["id"] == "c2"  # type: ignore[index]
    assert await store.clip_for_take("r1", "q1", 3) is None
    await store.count_chunk("c1", 0, 100)
    await store.count_chunk("c1", 0, 100)  # a stale count (seq no longer next) changes nothing
    await store.count_chunk("c1", 1, 50)
    got = await store.clip("r1", "c1")
    assert got is not None and (got["next_seq"], got["bytes"]) == (2, 150)
    assert await store.clip_bytes("r1") == 150 and await store.clip_bytes() == 150
    await store.finish_clip("c1", 2000.0, 1500)
    await store.set_clip_file("c1", 140, 1490)
    got = await store.clip("r1", "c1")
    assert got is not None and (got["finished_at"], got["bytes"], got["duration_ms"]) == (
        2000.0,
        140,
        1490,
    )
    await store.reset_clip("c1")
    got = await store.clip("r1", "c1")
    assert got is not None and (got["next_seq"], got["bytes"], got["finished_at"]) == (0, 0, None)
    assert [c["id"] for c in await store.clips("r1")] == ["c1", "c2"]
    assert await store.delete_clip("other", "c1") is False  # another room's id deletes nothing
    assert (
        await store.delete_clip("r1", "c1") is True and await store.delete_clip("r1", "c1") is False
    )
    assert [c["id"] for c in await store.clips("r1")] == ["c2"]
    assert await store.delete_clips("r1") == 1 and await store.clips("r1") == []


async def test_review_ratings_and_comments(store: Store) -> None:
    await make(store)
    await store.set_rating("r1", "q1", 0, 3)
    await store.set_rating("r1", "q1", 0, 4)  # rating again replaces
    await store.set_rating("r1", "q1", 1, 2)
    await store.set_rating("r1", "q1", 1, None)  # None clears
    assert await store.ratings("r1") == {"q1": {0: 4}} and await store.ratings("other") == {}
    first = await store.add_comment("r1", "q1", None, "reviewer", "Good start")
    second = await store.add_comment("r1", "q1", "c1", "reviewer", "Clearer here")
    assert first != second
    comments = await store.comments("r1")
    assert [(c["id"], c["clip_id"], c["text"]) for c in comments] == [
        (first, None, "Good start"),
        (second, "c1", "Clearer here"),
    ]


async def test_answer_metrics(store: Store) -> None:
    await make(store)
    row = {
        "question_id": "q1",
        "take": 1,
        "talk_ms": 9000,
        "longest_pause_ms": 1200,
        "first_word_ms": None,
        "window_ms": 30000,
        "share_used": 0.3,
    }
    await store.save_answer_metrics("r1", {**row, "created_at": 10.0})
    await store.save_answer_metrics("r1", {**row, "talk_ms": 9500, "created_at": 11.0})  # replaces
    await store.save_answer_metrics("r1", {**row, "take": 2, "created_at": 12.0})
    got = await store.answer_metrics("r1")
    assert [(m["take"], m["talk_ms"]) for m in got] == [(1, 9500), (2, 9000)]
    assert got[0]["first_word_ms"] is None and got[0]["created_at"] == 11.0


async def test_sealed_links(store: Store) -> None:
    await make(store)
    await store.keep_sealed("r1", "reviewer", "h1", "sealed-1")
    await store.keep_sealed("r1", "reviewer", "h2", "sealed-2")  # renewing replaces the copy
    await store.keep_sealed("r1", "observer", "h3", "sealed-3")
    assert sorted(await store.sealed_links("r1")) == [
        ("observer", "h3", "sealed-3"),
        ("reviewer", "h2", "sealed-2"),
    ]
    await store.forget_sealed("r1", "observer")
    assert await store.sealed_links("r1") == [("reviewer", "h2", "sealed-2")]


async def test_transcripts(store: Store) -> None:
    await make(store)
    await store.mark_transcript("r1", "c1", "queued", 2000.0)
    await store.mark_transcript("r1", "c2", "pending", 2001.0)
    await store.mark_transcript("r1", "c3", "pending", 2002.0)
    got = await store.transcript("c1")
    assert got is not None and (got.room_id, got.status, got.clip_finished_at) == (
        "r1",
        "queued",
        2000.0,
    )
    assert got.words == [] and got.backend is None and await store.transcript("nope") is None
    word = {"text": "i", "start_s": 0.5, "end_s": 0.7, "confidence": 0.9}
    await store.save_transcript("c1", status="done", backend="b", words=[word], audio_ms=1500)
    got = await store.transcript("c1")
    assert got is not None and (got.status, got.words, got.audio_ms) == ("done", [word], 1500)
    assert [r.clip_id for r in await store.transcripts_waiting("pending", 10)] == ["c2", "c3"]
    assert [r.clip_id for r in await store.transcripts_waiting("pending", 1)] == ["c2"]
    # Re-recording a take queues it again and drops the old recording's words.
    await store.mark_transcript("r1", "c1", "queued", 3000.0)
    got = await store.transcript("c1")
    assert got is not None and (got.words, got.clip_finished_at) == ([], 3000.0)
    assert set(await store.transcripts_for_room("r1")) == {"c1", "c2", "c3"}
    await store.insert_clip(clip_row("c1"))
    await store.delete_clips("r1")  # what was heard goes with the recordings
    assert await store.transcripts_for_room("r1") == {}


async def test_deleting_a_room_removes_every_row_of_it(store: Store) -> None:
    await make(store)
    await make(store, "keep")
    await store.record_join("r1", "can-1", "candidate", "Ana")
    await store.append_event("r1", "interview", {})
    await store.insert_clip(clip_row("c1"))
    await store.set_rating("r1", "q1", 0, 3)
    await store.add_comment("r1", "q1", None, "reviewer", "x")
    await store.save_answer_metrics(
        "r1",
        {
            "question_id": "q1",
            "take": 1,
            "talk_ms": 1,
            "longest_pause_ms": 1,
            "first_word_ms": 1,
            "window_ms": 1,
            "share_used": 0.1,
        },
    )
    await store.keep_sealed("r1", "reviewer", "h", "s")
    await store.mark_transcript("r1", "c1", "queued", 2000.0)
    assert await store.delete_room("r1") > 10
    assert await store.get_room("r1") is None and await store.room_ids() == {"keep"}
    assert (
        await store.events("r1") == []
        and await store.clips("r1") == []
        and await store.comments("r1") == []
    )
    assert await store.ratings("r1") == {} and await store.answer_metrics("r1") == []
    assert await store.sealed_links("r1") == [] and await store.participants("r1") == []
    assert await store.links_for("r1") == [] and await store.last_used("r1") is None
    assert await store.orphan_room_ids() == set() and await store.transcripts_for_room("r1") == {}
    assert await store.delete_room("r1") == 0
    assert await store.get_room("keep") is not None and len(await store.links_for("keep")) == 2


async def test_orphans_are_rows_whose_room_is_gone(store: Store) -> None:
    await store.insert_clip({**clip_row("c9"), "room_id": "ghost"})  # a write that raced a deletion
    assert await store.orphan_room_ids() == {"ghost"}
    await store.delete_room("ghost")
    assert await store.orphan_room_ids() == set()


async def test_a_clip_lock_gives_the_current_row_and_calls_inside_join_it(store: Store) -> None:
    await make(store)
    await store.insert_clip(clip_row("c1"))
    async with store.lock_clip("c1") as row:
        assert row is not None and row["next_seq"] == 0
        await store.count_chunk("c1", 0, 100)  # inside the lock's transaction
    got = await store.clip("r1", "c1")
    assert got is not None and (got["next_seq"], got["bytes"]) == (1, 100)
    with pytest.raises(RuntimeError):
        async with store.lock_clip("c1"):
            await store.count_chunk("c1", 1, 50)
            raise RuntimeError("the write failed")  # the count is rolled back with it
    got = await store.clip("r1", "c1")
    assert got is not None and got["next_seq"] == 1
    async with store.lock_clip("nope") as row:
        assert row is None
