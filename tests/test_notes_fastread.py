"""Keystrokes handled as aiohttp parses them (notes.fastread), over a real socket: every one is
stored before it is relayed, none waits for the socket's task, and a message that arrives while
the task still holds an earlier one waits behind it."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from typing import Any

from pycrdt import Doc, Text, create_sync_message

from mockroom.keys import SETTINGS
from mockroom.notes import NOTES_DB, NOTES_HUB
from mockroom.notes.codec import read_var_bytes
from mockroom.notes.fastread import NotesQueue, NotesSocket
from mockroom.notes.transport import SocketClient
from support.http import create_room
from support.notes import PyClient, connect


def server_queue(client: Any, role: str) -> NotesQueue:
    """The server side's queue of the one socket of `role` in the room's document."""
    (room,) = client.app[NOTES_HUB].rooms.values()
    sockets = [c for c in room.clients if isinstance(c, SocketClient) and role in c.label]
    assert len(sockets) == 1
    ws = sockets[0].ws
    assert isinstance(ws, NotesSocket) and ws.notes_queue is not None  # the fast path is on
    return ws.notes_queue


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Until the server reaches a state (its task runs between our looks)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the server never got there"
        await asyncio.sleep(0.005)


def stored_rows(client: Any) -> int:
    path = client.app[SETTINGS].data_dir / NOTES_DB
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute("SELECT COUNT(*) FROM notes_updates").fetchone()[0])


async def test_keystrokes_are_stored_and_relayed_without_the_sockets_task(client: Any) -> None:
    room = await create_room(client)
    ana = await connect(client, room, "interviewer")
    ben = await connect(client, room, "candidate")
    queue = server_queue(client, "interviewer")
    before = queue.handled
    for i in range(20):
        ana.text += "abcdefghijklmnopqrst"[i]
        await ben.wait_text("abcdefghijklmnopqrst"[: i + 1])
        # Ben has it, so it is in the file already (another connection reads the WAL).
        assert stored_rows(client) == i + 1
    assert queue.handled - before == 20  # each one in data_received, none through the task
    for c in (ana, ben):
        await c.close()


def step2_text(message: bytes) -> str:
    update, _ = read_var_bytes(message, 2)
    doc: Doc[Any] = Doc()
    doc.apply_update(update)
    return str(doc.get("notes", type=Text))


async def test_a_keystroke_waits_behind_a_message_the_task_still_holds(client: Any) -> None:
    room = await create_room(client)
    ana = await connect(client, room, "interviewer")
    ben = await connect(client, room, "candidate")
    ana.text += "a"
    await ben.wait_text("a")
    hub = client.app[NOTES_HUB]
    queue = server_queue(client, "interviewer")
    # A flush or compaction holds the write lock: a sync step 1 must wait for it (its answer
    # holds only what is stored), so the socket's task holds the step 1 meanwhile.
    await hub._writing.acquire()
    try:
        ana.step1_sent += 1
        await ana.ws.send_bytes(create_sync_message(ana.doc))
        await until(lambda: queue.busy)
        handled = queue.handled
        ana.text += "b"  # sent after the step 1: handled after it, so not in its answer
        await until(lambda: len(queue._buffer) == 1 or queue.handled > handled)
        assert queue.handled == handled
    finally:
        hub._writing.release()  # else the server's shutdown waits for it
    await ana.wait_for(lambda: ana.step2_received == ana.step1_sent)
    # The answer is what the server held beyond ana's state at its step 1: not yet the "b".
    answers = [m for m in ana.received if m[:2] == b"\x00\x01"]
    assert step2_text(answers[-1]) == ""
    await ben.wait_text("ab")
    assert stored_rows(client) == 2
    # The queue is empty again and the task idle: the next keystroke takes the fast path.
    ana.text += "c"
    await ben.wait_text("abc")
    assert queue.handled == handled + 1
    for c in (ana, ben):
        await c.close()


async def test_updates_of_a_socket_that_joined_while_its_document_loaded(client: Any) -> None:
    """What a client sends before its document is loaded waits in the queue; it all arrives."""
    room = await create_room(client)
    ana = await connect(client, room, "interviewer")
    ana.text += "x"
    await ana.flush()
    await ana.close()
    path = f"/ws/rooms/{room['room_id']}/notes/shared"
    ben = await PyClient.connect(client, path, room["tokens"]["candidate"])
    ben.text += "y"  # right behind its step 1, maybe before the server has joined it
    await ben.flush()
    carl = await connect(client, room, "interviewer")
    await carl.wait_for(lambda: sorted(str(carl.text)) == ["x", "y"])
    for c in (ben, carl):
        await c.close()
