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


async def settle() -> None:
    """The hub commits and relays at the end of the loop iteration the updates arrived in."""
    await asyncio.sleep(0)
    await asyncio.sleep(0)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "notes.sqlite3"


async def test_each_update_is_committed_before_it_is_relayed(path: Path) -> None:
    storage = NotesStorage(path)
    hub = NotesHub(storage, NotesConfig())
    room = hub.open("room", "shared")
    typist, reader, second = Peer("typist", path), Peer("reader", path), Peer("second", path)
    for peer in (typist, reader, second):
        room.join(peer)
    updates = keystrokes(30)
    for i, update in enumerate(updates):
        hub.receive(room, typist, codec.update_message(update))
        if i % 3 == 0:
            await settle()  # some alone in their loop iteration, some batched together
    await settle()
    assert reader.updates == second.updates == updates
    assert all(reader.durable_when_relayed) and all(second.durable_when_relayed)
    assert typist.updates == []  # nothing echoed to its sender
    storage.close()


class BrokenLog(NotesStorage):
    def append(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        raise sqlite3.OperationalError("database or disk is full")


async def test_an_update_that_could_not_be_stored_is_never_relayed(path: Path) -> None:
    storage = BrokenLog(path)
    hub = NotesHub(storage, NotesConfig())
    room = hub.open("room", "shared")
    typist, reader = Peer("typist", path), Peer("reader", path)
    room.join(typist)
    room.join(reader)
    hub.receive(room, typist, codec.update_message(keystrokes(1)[0]))
    await settle()
    assert reader.updates == []
    # The typist reconnects and resends once storage works again.
    assert typist.closed is not None and typist.closed[0] == CLOSE_INTERNAL
    storage.close()
