"""Every notes update is durable before any other client receives it, checked at the moment of each
relay: the receiving client reads the notes file on a connection of its own (what a server
killed right then would come back with). A log that cannot store relays nothing."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pytest
from pycrdt import Doc, Text

from mockroom.notes import codec
from mockroom.notes.hub import CLOSE_INTERNAL, NotesConfig, NotesHub
from mockroom.notes.room import DocRoom
from mockroom.notes.storage import NotesStorage


class Peer:
    """A notes client (notes.room.Client) that checks the log whenever an update reaches it."""

    def __init__(self, name: str, path: Path) -> None:
        self.writable = True
        self.link = name
        self.label = name
        self.dropped_updates = 0
        self.closed: tuple[int, str] | None = None
        self.updates: list[bytes] = []
        self.durable_when_relayed: list[bool] = []
        self._path = path

    @property
    def closing(self) -> bool:
        return self.closed is not None

    def send(self, data: bytes) -> None:
        message = codec.parse(data)
        if message.kind != codec.MESSAGE_SYNC or message.sub != codec.SYNC_UPDATE:
            return  # the sync handshake on join
        self.updates.append(message.payload)
        reader = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True)
        try:
            stored = {bytes(r[0]) for r in reader.execute("SELECT data FROM notes_updates")}
        finally:
            reader.close()
        self.durable_when_relayed.append(message.payload in stored)

    def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


def keystrokes(count: int) -> list[bytes]:
    doc: Doc[Text] = Doc()
    text = doc.get("notes", type=Text)
    updates = []
    for i in range(count):
        before = doc.get_state()
        text += "abc"[i % 3]
        updates.append(doc.get_update(before))
    return updates


async def settle(hub: NotesHub) -> None:
    """Wait until the hub's flusher has committed (and then relayed) what it has queued."""
    await hub.flush()


async def joined(
    storage: NotesStorage, path: Path, *names: str
) -> tuple[NotesHub, DocRoom, list[Peer]]:
    """A hub on `storage` with one document and these peers in it."""
    hub = NotesHub(storage, NotesConfig())
    room = await hub.open("room", "shared")
    peers = [Peer(name, path) for name in names]
    for peer in peers:
        room.join(peer)
    return hub, room, peers


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "notes.sqlite3"


class BatchedLog(NotesStorage):
    """SQLite behind the flusher task, as PostgreSQL is: rows queue while a commit is out."""

    commits_inline = False


class CountingLog(NotesStorage):
    """Records how many rows each commit held."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.commits: list[int] = []

    def append_now(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        # Both ways in: `append` (the flusher) calls this too.
        batch = list(rows)
        self.commits.append(len(batch))
        super().append_now(batch)


LOGS = pytest.mark.parametrize("log_class", [NotesStorage, BatchedLog], ids=["inline", "batched"])


@LOGS
async def test_each_update_is_committed_before_it_is_relayed(
    path: Path, log_class: type[NotesStorage]
) -> None:
    storage = log_class(path)
    hub, room, (typist, reader, second) = await joined(storage, path, "typist", "reader", "second")
    updates = keystrokes(30)
    for i, update in enumerate(updates):
        await hub.receive(room, typist, codec.update_message(update))
        if i % 3 == 0:
            await settle(hub)  # some alone in their loop iteration, some batched together
    await settle(hub)
    assert reader.updates == second.updates == updates
    assert all(reader.durable_when_relayed) and all(second.durable_when_relayed)
    assert typist.updates == []  # nothing echoed to its sender
    storage.close()


async def test_on_sqlite_a_keystroke_is_relayed_by_the_task_that_received_it(path: Path) -> None:
    """No flusher task to wake: committed and relayed before `receive` returns, with no loop
    iteration in between (the extra iteration was most of our latency over the reference)."""
    storage = CountingLog(path)
    hub, room, (typist, reader) = await joined(storage, path, "typist", "reader")
    for i, update in enumerate(keystrokes(5)):
        # Each in a task of its own, in a loop turn of its own: as sockets' messages arrive.
        await asyncio.create_task(hub.receive(room, typist, codec.update_message(update)))
        assert reader.updates[i:] == [update] and reader.durable_when_relayed[i]
    assert storage.commits == [1] * 5 and hub.updates_stored == 5
    storage.close()


async def test_keystrokes_arriving_in_one_loop_turn_share_a_commit(path: Path) -> None:
    """A busy host hands the loop several sockets' messages at once: the first is committed and
    relayed at once, the others in one commit of the flusher (not one WAL write each)."""
    storage = CountingLog(path)
    hub, room, (typist, reader) = await joined(storage, path, "typist", "reader")
    updates = keystrokes(4)
    for update in updates:  # no await that suspends: all in one turn
        await hub.receive(room, typist, codec.update_message(update))
    assert reader.updates == updates[:1]
    await settle(hub)
    assert reader.updates == updates and all(reader.durable_when_relayed)
    assert storage.commits == [1, 3]
    storage.close()


class SlowCompactionLog(NotesStorage):
    """A compaction that suspends until let go (the hub holds its write lock meanwhile)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.compacting = asyncio.Event()
        self.let_go = asyncio.Event()

    async def compact(self, room_id: str, doc: str, state: bytes) -> None:
        self.compacting.set()
        await self.let_go.wait()
        await super().compact(room_id, doc, state)


async def test_keystrokes_during_a_compaction_queue_and_are_relayed_in_order(path: Path) -> None:
    """The inline commit only runs when nothing holds the write lock: during a compaction a
    keystroke queues for the flusher, and later ones queue behind it (relays keep commit order)."""
    storage = SlowCompactionLog(path)
    hub, room, (typist, reader) = await joined(storage, path, "typist", "reader")
    first, second, third = keystrokes(3)
    await hub.receive(room, typist, codec.update_message(first))
    compaction = asyncio.create_task(hub.compact(room))
    await storage.compacting.wait()
    await hub.receive(room, typist, codec.update_message(second))
    await hub.receive(room, typist, codec.update_message(third))
    assert reader.updates == [first]  # the later two wait for the lock
    storage.let_go.set()
    await compaction
    await settle(hub)
    assert reader.updates == [first, second, third] and all(reader.durable_when_relayed)
    assert room.log_rows == 2  # stored on top of the snapshot
    storage.close()


class BrokenLog(NotesStorage):
    def append_now(self, rows: Iterable[tuple[str, str, bytes]]) -> None:  # `append` too
        raise sqlite3.OperationalError("database or disk is full")


class BrokenBatchedLog(BrokenLog):
    commits_inline = False


@pytest.mark.parametrize("log_class", [BrokenLog, BrokenBatchedLog], ids=["inline", "batched"])
async def test_an_update_that_could_not_be_stored_is_never_relayed(
    path: Path, log_class: type[NotesStorage]
) -> None:
    storage = log_class(path)
    hub, room, (typist, reader) = await joined(storage, path, "typist", "reader")
    await hub.receive(room, typist, codec.update_message(keystrokes(1)[0]))
    await settle(hub)
    assert reader.updates == []
    # The typist reconnects and resends once storage works again.
    assert typist.closed is not None and typist.closed[0] == CLOSE_INTERNAL
    storage.close()
