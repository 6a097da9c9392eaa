"""What a node last read of each link, so a signaling message does not cost a database round trip.

Every message a signaling socket carries re-checks its link (withdrawn or expired since the
hello?). On PostgreSQL that check was a round trip per message, most of the cluster relay's cost.
The cache answers from the link's row as this node last read it, and stays right because of how
a link stops:

- withdrawn through any node: the renew route calls `Signaling.cut_off`, and the cluster relays
  that cut-off to every node (cluster `_wire_features`), where it calls `cut` here before it
  closes the sockets. From then on the link is refused on every node, whatever was cached.
- expired: the cached row holds `expires_at`, compared with the clock on every check.
- withdrawn some other way (by hand in the database, a cut-off notice lost with Redis): the
  entry is read again once it is `ttl_s` old, so such a link stops within that backstop.

A socket's hello seeds the entry from its grant (`admitted`): the hello read the row already.
When the database cannot be reached for a re-read, the entry last read goes on answering (the
cut-off notices still reach it), so people in a room keep signaling through a database outage.

A refusal is final (a withdrawn link never comes back), so a link that was cut stays refused
here even if a read that started before the withdrawal answers after it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import MockRoomError
from ..rooms.request import link_expired
from ..storage.interface import Store
from .sockets import EXPIRED, WITHDRAWN, Refusal

if TYPE_CHECKING:
    from ..access import Grant

log = logging.getLogger(__name__)

# The backstop for withdrawals no cut-off notice announced; the notes hub re-checks its sockets'
# links at the same pace (notes.hub.NotesConfig.link_recheck_s).
LINK_TTL_S = 5.0
# Refusals are kept this long (far beyond any read in flight), then the row says it again.
REFUSED_KEEP_S = 300.0


@dataclass(frozen=True)
class _Entry:
    valid: bool  # the row exists and is not withdrawn (no row: deleted with its room)
    expires_at: float | None
    read_at: float  # monotonic


class LinkCache:
    def __init__(
        self,
        store: Store,
        ttl_s: float = LINK_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.clock = clock  # monotonic seconds; tests pass their own
        self._links: dict[tuple[str, str], _Entry] = {}
        self._refused: dict[str, tuple[Refusal, float]] = {}  # token hash -> why, when
        self.reads = 0  # database reads made (tests and the bench read it)

    async def refusal(self, room_id: str, token_hash: str) -> Refusal | None:
        """Why the link no longer holds (withdrawn, expired), or None."""
        now = self.clock()
        why = self._cut_refusal(token_hash, now)
        if why is not None:
            return why
        key = (room_id, token_hash)
        entry = self._links.get(key)
        if entry is None or now - entry.read_at >= self.ttl_s:
            entry = await self._read(room_id, token_hash, entry, now)
            why = self._cut_refusal(token_hash, self.clock())  # cut while we read
            if why is not None:
                return why
        if not entry.valid:
            return WITHDRAWN
        if link_expired(entry.expires_at, time.time()):
            return EXPIRED
        return None

    async def _read(
        self, room_id: str, token_hash: str, stale: _Entry | None, now: float
    ) -> _Entry:
        self.reads += 1
        try:
            link = await self.store.find_link(room_id, token_hash)
        except MockRoomError:  # StoreUnavailable: the database is away for now
            if stale is None:
                raise
            log.warning("link re-check skipped: database unavailable")
            return stale
        valid = link is not None and link.revoked_at is None
        entry = _Entry(valid, link.expires_at if link is not None else None, now)
        self._links[(room_id, token_hash)] = entry
        return entry

    def admitted(self, grant: Grant) -> None:
        """A socket's hello just read the link (access.authorize): its row as of now."""
        entry = _Entry(True, grant.expires_at, self.clock())
        self._links[(grant.room.id, grant.token_hash)] = entry

    def cut(self, token_hash: str, why: Refusal) -> None:
        """The link was withdrawn (here or on another node): refuse it from now on."""
        now = self.clock()
        self._refused[token_hash] = (why, now)
        for key in [key for key in self._links if key[1] == token_hash]:
            del self._links[key]
        self._prune(now)

    def refused(self, token_hash: str) -> Refusal | None:
        """Why the link was cut off lately on this node (here or relayed), or None."""
        return self._cut_refusal(token_hash, self.clock())

    def forget(self, token_hash: str) -> None:
        """The socket of this link closed: its entry is read again when it comes back."""
        for key in [key for key in self._links if key[1] == token_hash]:
            del self._links[key]

    def _cut_refusal(self, token_hash: str, now: float) -> Refusal | None:
        found = self._refused.get(token_hash)
        if found is None:
            return None
        why, at = found
        if now - at >= REFUSED_KEEP_S:
            del self._refused[token_hash]
            return None
        return why

    def _prune(self, now: float) -> None:
        stale = [h for h, (_, at) in self._refused.items() if now - at >= REFUSED_KEEP_S]
        for token_hash in stale:
            del self._refused[token_hash]
