"""The node registry and the room directory, in Redis.

- `mockroom:node:<id>`: one key per live node, a JSON card (internal address, rooms, sockets)
  that the node rewrites every `HEARTBEAT_S` with a TTL of `NODE_TTL_MS`. A node that stops
  (kill -9, a frozen box) disappears from the registry when that TTL runs out.
- `mockroom:room:<room id>`: the room's home node, a lease (`SET NX PX`) that the home renews
  while it holds sockets of the room and deletes (compare-and-delete) when the room goes quiet
  or the node drains. Every write is a Lua script, so "whose is it" and "take it" are one step.

A lease whose holder has left the registry is taken over at once by the next claim: failover
waits for the node's heartbeat to lapse (<= NODE_TTL_MS), never for the room's longer lease.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

PREFIX = "mockroom:"
HEARTBEAT_S = 1.0
NODE_TTL_MS = 4000  # four missed heartbeats: a loaded box's stall is not a death
LEASE_TTL_MS = 10_000  # only a backstop: claims check the holder's heartbeat first


def node_key(node_id: str) -> str:
    return f"{PREFIX}node:{node_id}"


def room_key(room_id: str) -> str:
    return f"{PREFIX}room:{room_id}"


def inbox(node_id: str) -> str:
    """The pub/sub channel a node reads its relay frames from."""
    return f"{PREFIX}inbox:{node_id}"


EVERYONE = f"{PREFIX}everyone"  # cluster-wide notices (a link cut off, a room deleted)

# KEYS[1] room lease, ARGV[1] me, ARGV[2] ttl ms, ARGV[3] node key prefix.
# Returns the home: the holder if it is alive, else me (now holding the lease).
_CLAIM = """
local holder = redis.call('GET', KEYS[1])
if holder and (holder == ARGV[1] or redis.call('EXISTS', ARGV[3] .. holder) == 1) then
  return holder
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
"""
# Renew my lease, or take it back if it lapsed while nobody claimed it. 1: mine, 0: lost.
_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
elseif not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
# KEYS[1] room lease, ARGV[1] node key prefix. The holder if it is alive, else nil.
_LIVE_HOME = """
local holder = redis.call('GET', KEYS[1])
if holder and redis.call('EXISTS', ARGV[1] .. holder) == 1 then
  return holder
end
return false
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@dataclass(frozen=True)
class NodeCard:
    """What a node says about itself in the registry."""

    node_id: str
    address: str  # host:port this node listens on (for operators; relays go through Redis)
    rooms: int = 0  # rooms whose home it is
    sockets: int = 0  # sockets it serves for those rooms (direct and relayed in)
    relayed_out: int = 0  # sockets it relays to other nodes

    def dumps(self) -> str:
        return json.dumps(self.__dict__)


class Directory:
    def __init__(self, redis: Redis, node_id: str) -> None:
        self.redis = redis
        self.node_id = node_id
        self._claim = redis.register_script(_CLAIM)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._live_home = redis.register_script(_LIVE_HOME)

    async def heartbeat(self, card: NodeCard) -> None:
        await self.redis.set(node_key(card.node_id), card.dumps(), px=NODE_TTL_MS)

    async def leave(self) -> None:
        await self.redis.delete(node_key(self.node_id))

    async def nodes(self) -> list[dict[str, Any]]:
        keys = [key async for key in self.redis.scan_iter(match=node_key("*"), count=100)]
        cards = await self.redis.mget(keys) if keys else []
        return [json.loads(card) for card in cards if card]

    async def alive(self, node_ids: list[str]) -> dict[str, str]:
        """The nodes still in the registry, with the address each listens on."""
        if not node_ids:
            return {}
        cards = await self.redis.mget([node_key(node_id) for node_id in node_ids])
        return {
            node_id: str(json.loads(card)["address"])
            for node_id, card in zip(node_ids, cards, strict=True)
            if card
        }

    async def evict(self, node_id: str) -> None:
        """Take a node out of the registry now (it refuses connections: its process is gone),
        so its rooms are claimed at once instead of when its heartbeat lapses."""
        await self.redis.delete(node_key(node_id))

    async def claim(self, room_id: str) -> str:
        """The room's home node: its live holder, or this node, which then holds the lease."""
        home = await self._claim(
            keys=[room_key(room_id)], args=[self.node_id, LEASE_TTL_MS, node_key("")]
        )
        return home.decode() if isinstance(home, bytes) else str(home)

    async def home_of(self, room_id: str) -> str | None:
        holder = await self.redis.get(room_key(room_id))
        return holder.decode() if isinstance(holder, bytes) else holder

    async def live_home(self, room_id: str) -> str | None:
        """The node holding the room's lease, if it is still in the registry (a lapsed node's
        lease is no home: the next claim takes it over)."""
        holder = await self._live_home(keys=[room_key(room_id)], args=[node_key("")])
        return holder.decode() if isinstance(holder, bytes) else holder

    async def renew(self, room_ids: list[str]) -> set[str]:
        """Renew these leases in one round trip; returns the rooms that are no longer ours."""
        if not room_ids:
            return set()
        async with self.redis.pipeline(transaction=False) as pipe:
            for room_id in room_ids:
                await self._renew(
                    keys=[room_key(room_id)], args=[self.node_id, LEASE_TTL_MS], client=pipe
                )
            kept = await pipe.execute()
        return {room_id for room_id, ok in zip(room_ids, kept, strict=True) if not ok}

    async def release(self, room_ids: list[str]) -> None:
        if not room_ids:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for room_id in room_ids:
                await self._release(keys=[room_key(room_id)], args=[self.node_id], client=pipe)
            await pipe.execute()
