"""The registry of live notes documents and the durable relay between their clients.

Hot path for an update: read the envelope's header, apply to the server copy (validates it), commit
the row, and only then relay the received bytes unchanged to the other clients. On SQLite (a commit
never suspends) the first keystroke of a loop turn is committed and relayed where it was received:
in the socket's `data_received` (notes.fastread: no task to wake), or else in its task. Otherwise
(PostgreSQL, later keystrokes of the same turn, a flush or compaction holding the write lock) the
row is queued and a flusher task commits every queued row in one transaction
(on PostgreSQL what arrives during a commit's round trip goes into the next one). Compaction and
unloading run in a periodic maintenance task, never on a keystroke. Flushes and compactions take
turns on one lock: a compaction replaces the log by a snapshot, and a row appended while it awaits
its commit must not be deleted with the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..links.sockets import CLOSE_LINK_REFUSED, LinkSockets, Refusal
from . import codec
from .room import Client, DocRoom
from .storage import NotesLog

log = logging.getLogger(__name__)

CLOSE_TOO_BIG = 1009
CLOSE_PROTOCOL = 1002
CLOSE_INTERNAL = 1011


@dataclass(frozen=True)
class NotesConfig:
    max_message_bytes: int = 1024 * 1024
    max_document_bytes: int = 5 * 1024 * 1024
    # A document with no clients is written as one snapshot and dropped from memory after this.
    idle_unload_s: float = 30.0
    # Compact once the log holds this many updates (keeps loads fast and the file small).
    compact_after_rows: int = 2000
    maintenance_interval_s: float = 1.0
    # A client whose unsent backlog passes this is too slow to keep: it is closed and reconnects.
    max_backlog_bytes: int = 16 * 1024 * 1024
    # How often open sockets' links are checked against the database: a link withdrawn or
    # deleted by other means than this node's renew route (which cuts at once) still stops.
    link_recheck_s: float = 5.0


# (room id, token hash) -> why the link no longer holds, or None.
LinkCheck = Callable[[str, str], Awaitable[Refusal | None]]


class NotesHub:
    def __init__(self, storage: NotesLog, config: NotesConfig) -> None:
        self.storage = storage
        self.config = config
        self.rooms: dict[tuple[str, str], DocRoom] = {}
        self._batch: list[tuple[DocRoom, Client, bytes, bytes]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._writing = asyncio.Lock()  # flushes and compactions, one at a time
        self._loading: dict[tuple[str, str], asyncio.Task[DocRoom]] = {}
        # Every open client by its link, so a withdrawn or expired link is cut off.
        self.links: LinkSockets[Client] = LinkSockets(self._cut)
        self.link_check: LinkCheck | None = None
        # Links cut off lately on this node (the signaling link cache's record of them).
        self.recently_cut: Callable[[str], Refusal | None] = lambda token_hash: None
        self._last_recheck = time.monotonic()
        self.updates_stored = 0  # since start-up (ops/metrics.py reads it)
        self._inline = storage.commits_inline
        # Whether an update was committed inline in this turn of the event loop (see _update).
        self._inline_this_turn = False

    # links -------------------------------------------------------------------------------
    def cut_off(self, token_hash: str, why: Refusal) -> int:
        """Close every notes socket of a link (withdrawn or expired); returns how many."""
        return self.links.cut_off(token_hash, why)

    def admit(self, token_hash: str, expires_at: float | None, client: Client) -> None:
        """Register a new client of a link; one whose link was cut while it was being let in
        (its link read, then an await) is cut off at once."""
        self.links.add(token_hash, expires_at, client)
        why = self.recently_cut(token_hash)
        if why is not None:
            self.cut_off(token_hash, why)

    def _cut(self, client: Client, why: Refusal) -> None:
        log.info("notes link cut off", extra={"who": client.label, "why": why.code})
        client.close(CLOSE_LINK_REFUSED, why.message)

    async def recheck_links(self) -> int:
        """Cut off every open client whose link no longer holds; returns how many."""
        if self.link_check is None:
            return 0
        verdicts: dict[tuple[str, str], Refusal | None] = {}
        for room in list(self.rooms.values()):
            for client in room.clients:
                key = (room.room_id, client.link)
                if key not in verdicts:
                    verdicts[key] = await self.link_check(*key)
        return sum(self.cut_off(h, why) for (_, h), why in verdicts.items() if why is not None)

    def sockets_in_room(self, room_id: str) -> int:
        return sum(len(r.clients) for (rid, _), r in self.rooms.items() if rid == room_id)

    # documents ---------------------------------------------------------------------------
    async def open(self, room_id: str, doc: str) -> DocRoom:
        """Get or load a document. Clients that open a cold document at the same instant all
        await the one load and get the same document."""
        key = (room_id, doc)
        room = self.rooms.get(key)
        if room is not None:
            return room
        loading = self._loading.get(key)
        if loading is None:
            loading = self._loading[key] = asyncio.create_task(self._load(key))
            loading.add_done_callback(lambda _: self._loading.pop(key, None))
        return await asyncio.shield(loading)  # a client that gives up does not cancel the load

    async def _load(self, key: tuple[str, str]) -> DocRoom:
        room = DocRoom(*key)
        stored = await self.storage.load(*key)
        bad = room.load(stored.snapshot, stored.updates)
        if bad:
            log.warning("skipped undecodable stored updates", extra={"doc": key[1], "bad": bad})
        return self.rooms.setdefault(key, room)

    async def peek(self, room_id: str, doc: str) -> DocRoom:
        """A document for reading (export): the live one, or a fresh load that is not kept."""
        room = self.rooms.get((room_id, doc))
        if room is not None:
            return room
        room = DocRoom(room_id, doc)
        stored = await self.storage.load(room_id, doc)
        room.load(stored.snapshot, stored.updates)
        return room

    # the hot path ------------------------------------------------------------------------
    async def receive(self, room: DocRoom, client: Client, data: bytes) -> None:
        """Handle one binary message from a client; protocol errors close that client."""
        if client.closing:
            return  # cut off or refused: nothing it sends now is applied, stored or relayed
        if len(data) > self.config.max_message_bytes:
            limit = self.config.max_message_bytes // 1024
            client.close(CLOSE_TOO_BIG, f"message too large (limit {limit} KiB)")
            return
        try:
            update = codec.update_payload(data)
            if update is not None:  # a keystroke: the one message that needs to be fast
                await self._update(room, client, update, data)
                return
            message = codec.parse(data)
        except codec.CodecError as exc:
            client.close(CLOSE_PROTOCOL, f"malformed message: {exc}")
            return
        if message.kind == codec.MESSAGE_SYNC:
            if message.sub == codec.SYNC_STEP1:
                if self._batch or self._writing.locked():
                    # The answer holds the server's whole state: only once what it applied is
                    # stored (what a reader sees survives a crash; PyClient.flush relies on it).
                    await self.flush()
                try:
                    room.answer_step1(client, message.payload)
                except ValueError:  # pycrdt: "Cannot decode state" (found by the live fuzz run)
                    client.close(CLOSE_PROTOCOL, "malformed message: not a state vector")
            else:
                relay = data if message.sub == codec.SYNC_UPDATE else None
                await self._update(room, client, message.payload, relay)
        elif message.kind == codec.MESSAGE_AWARENESS:
            try:
                room.awareness_from(client, message.payload, data)
            except codec.CodecError as exc:
                client.close(CLOSE_PROTOCOL, f"malformed awareness: {exc}")
        elif message.kind == codec.MESSAGE_QUERY_AWARENESS:
            room.query_awareness(client)
        # messageAuth from a client has no meaning; ignore it like y-websocket's server does.

    def receive_now(self, room: DocRoom, client: Client, data: bytes) -> bool:
        """Handle a keystroke at once, inside the socket's `data_received` (notes.fastread),
        when nothing it needs can wait; True when it did. Anything else (another message, an
        error to report, a document that needs compacting first) does nothing here and returns
        False: the socket's task then hands it to `receive`."""
        if client.closing or len(data) > self.config.max_message_bytes:
            return False
        try:
            update = codec.update_payload(data)
        except codec.CodecError:
            return False
        if update is None or not self._wanted(client, update):
            return update is not None  # an empty or read-only update: dropped, as in _update
        if room.size + len(update) > self.config.max_document_bytes:
            return False
        self._accept(room, client, update, data)
        return True

    async def _update(
        self, room: DocRoom, client: Client, update: bytes, raw: bytes | None
    ) -> None:
        if not self._wanted(client, update):
            return
        if room.size + len(update) > self.config.max_document_bytes:
            await self.compact(room)  # the log overstates the size; a snapshot is exact
            if room.size + len(update) > self.config.max_document_bytes:
                limit = self.config.max_document_bytes // (1024 * 1024)
                client.close(CLOSE_TOO_BIG, f"document is full (limit {limit} MiB)")
                return
        self._accept(room, client, update, raw)

    def _wanted(self, client: Client, update: bytes) -> bool:
        """Whether an update is to be applied at all (else it is dropped silently)."""
        if update == codec.EMPTY_UPDATE:
            return False
        if not client.writable:
            # Read-only roles (observers, reviewers): dropped silently, never stored or relayed.
            # Their editor is read-only, so this is a modified client; one log line per socket.
            client.dropped_updates += 1
            if client.dropped_updates == 1:
                log.info("dropped update from read-only client", extra={"who": client.label})
            return False
        return True

    def _accept(self, room: DocRoom, client: Client, update: bytes, raw: bytes | None) -> None:
        """Apply an update, then store and relay it now or queue it for the flusher. Never
        suspends, so it can run in a transport callback (receive_now)."""
        try:
            room.apply(update)
        except ValueError:
            client.close(CLOSE_PROTOCOL, "malformed update")
            return
        relay = raw or codec.update_message(update)
        if (
            self._inline
            and not self._inline_this_turn
            and not self._batch
            and not self._writing.locked()
        ):
            # The first keystroke of a loop turn commits at once. When several sockets' messages
            # land in the same turn (a busy host), the others share one commit of the flusher in
            # the next turn: a commit per keystroke would cost a WAL write each.
            self._inline_this_turn = True
            asyncio.get_running_loop().call_soon(self._next_turn)  # runs after this turn's work
            self._store_now(room, client, update, relay)
            return
        self._batch.append((room, client, update, relay))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_task())

    def _next_turn(self) -> None:
        self._inline_this_turn = False

    def _store_now(self, room: DocRoom, client: Client, update: bytes, relay: bytes) -> None:
        """Commit one update where it was received, then relay it: no flusher to wake, no loop
        iteration between the keystroke and its relay. Only when nothing is queued before it
        (relays keep the order of commits) and no flush or compaction holds the write lock; the
        commit never suspends (commits_inline), so none can start meanwhile."""
        try:
            self.storage.append_now(((room.room_id, room.name, update),))
        except Exception:
            log.exception("could not store notes updates", extra={"updates": 1})
            client.close(CLOSE_INTERNAL, "could not save notes; reconnecting")
            return
        self.updates_stored += 1
        room.log_rows += 1
        room.relay(relay, exclude=client)

    def discard_queued(self, room_id: str) -> None:
        """Drop the room's updates that are not stored yet (the room is being deleted)."""
        self._batch = [item for item in self._batch if item[0].room_id != room_id]

    async def _flush_task(self) -> None:
        try:
            await self.flush()
        finally:
            # No await between the last look at the batch and here: a row queued after it
            # finds no flusher and starts the next one.
            self._flusher = None

    async def flush(self) -> None:
        """Commit everything queued, then relay it. Nothing is relayed that is not durable."""
        async with self._writing:
            await self._flush_locked()

    async def _flush_locked(self) -> None:
        while self._batch:
            batch, self._batch = self._batch, []
            try:
                await self.storage.append((r.room_id, r.name, u) for r, _, u, _ in batch)
            except Exception:
                # Disk full, database gone: the senders' copies are the only ones; closing makes
                # their providers reconnect and resend the missing state once storage works.
                log.exception("could not store notes updates", extra={"updates": len(batch)})
                for _, client, _, _ in batch:
                    client.close(CLOSE_INTERNAL, "could not save notes; reconnecting")
                continue
            self.updates_stored += len(batch)
            for room, client, _, raw in batch:
                room.log_rows += 1
                room.relay(raw, exclude=client)

    # maintenance -------------------------------------------------------------------------
    async def compact(self, room: DocRoom) -> None:
        async with self._writing:
            await self._flush_locked()  # the snapshot must not hold rows the log does not
            state, size = room.snapshot(), room.size
            await self.storage.compact(room.room_id, room.name, state)
            # Updates applied meanwhile wait in the batch (the lock holds the flusher off) and
            # are appended after the compaction: they count on top of the snapshot.
            room.size = len(state) + room.size - size
            room.log_rows = 0

    def _idle(self, room: DocRoom, now: float) -> bool:
        empty = room.empty_since
        return empty is not None and now - empty >= self.config.idle_unload_s

    async def maintain(self, now: float) -> None:
        for key, room in list(self.rooms.items()):
            if room.log_rows >= self.config.compact_after_rows or (
                self._idle(room, now) and room.log_rows
            ):
                await self.compact(room)
            # Looked at again after the await: a client may have opened it meanwhile.
            if self._idle(room, now) and self.rooms.get(key) is room:
                del self.rooms[key]

    async def run_maintenance(self) -> None:
        while True:
            await asyncio.sleep(self.config.maintenance_interval_s)
            try:
                now = time.monotonic()
                await self.maintain(now)
                if now - self._last_recheck >= self.config.link_recheck_s:
                    self._last_recheck = now
                    await self.recheck_links()
                await asyncio.to_thread(self.storage.checkpoint)
            except Exception:
                log.exception("notes maintenance failed")

    def close_all(self, code: int, reason: str) -> None:
        for room in self.rooms.values():
            for client in list(room.clients):
                client.close(code, reason)

    async def shutdown(self) -> None:
        """Flush and snapshot every loaded document (graceful stop)."""
        self.links.close()
        await self.flush()
        for room in list(self.rooms.values()):
            if room.log_rows:
                await self.compact(room)
        self.rooms.clear()
