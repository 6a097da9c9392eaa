"""One live notes document: its connected clients, the server's copy, and awareness.

Transport-free: a client is anything with `send(bytes)` (never blocks: it queues) and
`close(code, reason)`. The hub (hub.py) decides when updates are durable; this module only keeps
state and fans bytes out.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from pycrdt import Doc

from . import codec
from .codec import AwarenessEntry

# Awareness limits. A y-websocket client has one awareness id per document; two leave room for
# a page that recreates its provider. A cursor, a selection and a name fit well within 1 KiB.
MAX_AWARENESS_IDS = 2
MAX_AWARENESS_STATE = 1024


class Client(Protocol):
    writable: bool  # False for read-only roles: their updates are dropped
    link: str  # the token hash of the link that opened it: a reconnect of the same link
    label: str  # for logs: room, doc and role (never a token)
    dropped_updates: int  # updates refused from a read-only client

    @property
    def closing(self) -> bool:
        """Closed by the server (cut off, refused): what it sends now is ignored."""

    def send(self, data: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


class DocRoom:
    def __init__(self, room_id: str, name: str) -> None:
        self.room_id = room_id
        self.name = name
        self.doc: Doc[Any] = Doc()
        # Insertion-ordered set of clients.
        self.clients: dict[Client, set[int]] = {}
        # Last awareness entry per Yjs client id, so a late joiner sees everyone's cursor.
        self.awareness: dict[int, AwarenessEntry] = {}
        # The socket that first used each awareness id: nobody else may write it (spoofing).
        self.owners: dict[int, Client] = {}
        # Bytes of snapshot + logged updates: the document's size as far as limits go.
        self.size = 0
        # Updates logged since the last snapshot (compaction is due when this grows).
        self.log_rows = 0
        self.empty_since: float | None = time.monotonic()

    @property
    def key(self) -> tuple[str, str]:
        return (self.room_id, self.name)

    def load(self, snapshot: bytes | None, updates: list[bytes]) -> int:
        """Rebuild from storage; returns how many stored updates could not be applied."""
        bad = 0
        for update in ([snapshot] if snapshot else []) + updates:
            try:
                self.doc.apply_update(update)
            except ValueError:
                bad += 1
        self.size = len(snapshot or b"") + sum(len(u) for u in updates)
        self.log_rows = len(updates)
        return bad

    # clients -----------------------------------------------------------------------------
    def join(self, client: Client) -> None:
        self.clients[client] = set()
        self.empty_since = None
        # What y-websocket's server sends: our state vector (the client answers with what we
        # lack) and the awareness of everyone already here.
        client.send(codec.sync_step1(self.doc.get_state()))
        known = [e for e in self.awareness.values() if e.state != "null"]
        if known:
            client.send(codec.awareness_message(codec.encode_awareness(known)))

    def leave(self, client: Client) -> None:
        ids = self.clients.pop(client, set())
        gone = []
        for client_id in ids:
            self.owners.pop(client_id, None)
            entry = self.awareness.pop(client_id, None)
            if entry is not None and entry.state != "null":
                gone.append(AwarenessEntry(client_id, entry.clock + 1, "null"))
        if gone:
            self.relay(codec.awareness_message(codec.encode_awareness(gone)), exclude=None)
        if not self.clients:
            self.empty_since = time.monotonic()

    def relay(self, data: bytes, exclude: Client | None) -> None:
        for client in self.clients:
            if client is not exclude:
                client.send(data)

    # sync --------------------------------------------------------------------------------
    def answer_step1(self, client: Client, state_vector: bytes) -> None:
        client.send(codec.sync_step2(self.doc.get_update(state_vector)))

    def apply(self, update: bytes) -> None:
        """Apply a client's update to the server copy; ValueError if it does not decode.

        Applying costs about 2 µs for a keystroke, and doing it on receipt validates the update
        before it is stored or relayed: a malformed update never reaches the log.
        """
        self.doc.apply_update(update)
        self.size += len(update)

    def snapshot(self) -> bytes:
        return self.doc.get_update()

    # awareness ---------------------------------------------------------------------------
    def awareness_from(self, client: Client, payload: bytes, raw: bytes) -> None:
        """Store and relay a client's own awareness entries; drop what it may not write.

        Each entry goes back to the sender too, like y-websocket's server: a provider that hears
        nothing for 30 s reconnects, and a lone client's own 15-second renewal is its keep-alive.
        Read-only clients (observers, reviewers) get only that echo: they have no cursor to show,
        so nothing of theirs is stored or reaches anyone else.
        """
        entries = codec.parse_awareness(payload)
        ids = self.clients.get(client)
        if ids is None:
            return
        accepted = [e for e in entries if client.writable and self._take(client, ids, e)]
        if not accepted:
            client.send(raw)
        elif len(accepted) == len(entries):
            self.relay(raw, exclude=None)
        else:
            self.relay(codec.awareness_message(codec.encode_awareness(accepted)), exclude=None)

    def _take(self, client: Client, ids: set[int], entry: AwarenessEntry) -> bool:
        """Record one entry if this client may write it: its own id, within the caps."""
        if len(entry.state.encode("utf-8")) > MAX_AWARENESS_STATE:
            return False
        owner = self.owners.get(entry.client_id)
        if owner is not None and owner is not client:
            if owner.link != client.link:
                return False  # another person's cursor
            # The same link on a new socket (a reconnect the old one has not noticed yet).
            self.clients.get(owner, set()).discard(entry.client_id)
        elif owner is None and len(ids) >= MAX_AWARENESS_IDS:
            return False
        current = self.awareness.get(entry.client_id)
        if current is not None and entry.clock < current.clock and owner is client:
            return False  # an old state arriving late
        self.awareness[entry.client_id] = entry
        self.owners[entry.client_id] = client
        ids.add(entry.client_id)
        return True

    def query_awareness(self, client: Client) -> None:
        known = list(self.awareness.values())
        client.send(codec.awareness_message(codec.encode_awareness(known)))
