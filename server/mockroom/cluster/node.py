"""This process as a node of a cluster: its heartbeat, its leases, its Redis publisher and inbox.

Each room socket that reaches the node goes through `route`: the room directory names the
room's home (claiming it for this node when nobody alive holds it); a room at home is served
here by the ordinary handler, any other is relayed (relay.py). Once a second (`tick`) the node
rewrites its registry card, renews the leases of the rooms it serves, gives back the leases of
rooms that went quiet, and closes what it relays with nodes that left the registry.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hmac
import json
import logging
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from ..errors import UserError
from ..settings import ConfigError, Settings
from .asking import Asking
from .directory import EVERYONE, HEARTBEAT_S, Directory, NodeCard, inbox
from .relay import CLOSE_RESTART, RELAY_HEADER, HomeSilent, HomeUnavailable, Relay
from .wire import decode

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 3.0
PROBE_TIMEOUT_S = 0.5
MOVED_REASON = "This room moved to another server. Reconnecting…"  # a close reason: < 123 bytes
GONE_REASON = "The room's server went away. Reconnecting…"
# A room with no socket here for this long is given back (and its in-memory state dropped):
# long enough that a page reloading or a blip does not move the room, short next to a session.
QUIET_RELEASE_S = 5.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RoomCloser = Callable[[str, int, str], None]  # close this node's sockets of a room
NoticeHandler = Callable[[dict[str, object]], Awaitable[None]]


class BusUnavailable(UserError):
    status = 503
    code = "cluster-unavailable"
    close_code = CLOSE_RESTART


async def refuses_connections(address: str) -> bool:
    """True only for a refused TCP connect (nothing listens there); a timeout says nothing."""
    host, _, port = address.rpartition(":")
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host.strip("[]"), int(port)), PROBE_TIMEOUT_S
        )
    except ConnectionRefusedError:
        return True
    except (OSError, TimeoutError, ValueError):
        return False
    writer.close()
    return False


def advertised_address(settings: Settings) -> str:
    """host:port other nodes can probe; a wildcard listener is reached by the machine's name."""
    host = settings.host
    if host in ("", "0.0.0.0", "::"):
        host = socket.gethostname()
    return f"[{host}]:{settings.port}" if ":" in host else f"{host}:{settings.port}"


def local_base(settings: Settings) -> str:
    """How this node reaches its own listener (for sockets relayed in)."""
    host = settings.host
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    scheme = "https" if settings.tls_cert else "http"
    return f"{scheme}://{host}:{settings.port}"


class Cluster:
    def __init__(self, settings: Settings) -> None:
        assert settings.redis_url
        self.settings = settings
        self.node_id = f"{socket.gethostname()}-{settings.port}-{secrets.token_hex(3)}"
        self.address = advertised_address(settings)
        url = settings.redis_url
        self.redis: Redis = Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=CONNECT_TIMEOUT_S
        )
        # The inbox never retries behind our back: a silent reconnect would hide lost frames.
        self._sub_redis: Redis = Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT_S, retry=Retry(NoBackoff(), 0)
        )
        self.directory = Directory(self.redis, self.node_id)
        self.relay = Relay(self.node_id, self.publish, local_base(settings), secrets.token_hex(16))
        self.asking = Asking(self.node_id, self.publish)
        self.local: collections.Counter[str] = collections.Counter()  # room -> sockets here
        self.held: set[str] = set()  # rooms whose lease this node holds
        self.room_closers: list[RoomCloser] = []
        # Drop a room's in-memory state (interview, notes documents, scripted session) once it
        # is no longer at home here: the next home rebuilds it from the store, and so would we.
        self.room_forgetters: list[Callable[[str], None]] = []
        self._quiet_since: dict[str, float] = {}
        self.notice_handlers: dict[str, NoticeHandler] = {}
        self.draining = False
        self.failovers = 0  # relayed sockets closed because their other node vanished
        self._outbox: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._notices: set[asyncio.Task[None]] = set()

    # life --------------------------------------------------------------------------------
    async def start(self) -> None:
        try:
            await self.redis.ping()
        except (RedisError, OSError) as exc:
            raise ConfigError(
                f"MOCKROOM_REDIS_URL: cannot reach Redis ({exc}). A cluster node needs it to "
                "start; unset MOCKROOM_REDIS_URL to run a single node."
            ) from None
        await self.directory.heartbeat(self._card())
        pubsub = self._sub_redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(inbox(self.node_id), EVERYONE)
        self._tasks = [
            asyncio.create_task(self._write_loop()),
            asyncio.create_task(self._read_loop(pubsub)),
            asyncio.create_task(self._tick_loop()),
        ]
        log.info("cluster node up", extra={"node": self.node_id, "address": self.address})

    async def stop(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.directory.release(sorted(self.held))
            await self.directory.leave()
        await self._flush_outbox()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.relay.close()
        await self.redis.aclose()
        await self._sub_redis.aclose()

    async def hand_over(self) -> None:
        """SIGTERM: give every room back now and close its sockets, so they move elsewhere."""
        self.draining = True
        rooms = sorted(self.held | set(self.local))
        with contextlib.suppress(RedisError, OSError):
            await self.directory.release(rooms)
        self.held.clear()
        for room_id in rooms:
            self._close_room(room_id, MOVED_REASON)
            self._forget(room_id, closing=True)
        self.relay.drop_all(MOVED_REASON)
        log.info("handed over", extra={"rooms": len(rooms)})

    # routing -----------------------------------------------------------------------------
    async def route(
        self, request: web.Request, room_id: str, handler: Handler
    ) -> web.StreamResponse:
        # Bytes: compare_digest refuses str that is not ASCII, and a client picks this header.
        given = request.headers.get(RELAY_HEADER, "").encode("utf-8", "replace")
        relayed_in = hmac.compare_digest(given, self.relay.secret.encode())
        if self.draining:
            raise HomeUnavailable("This server is handing its rooms over; reconnecting.")
        try:
            home = await self.directory.claim(room_id)
        except (RedisError, OSError):
            log.warning("room directory unreachable", extra={"room": room_id})
            raise BusUnavailable("The cluster's Redis does not answer; reconnecting.") from None
        if home == self.node_id:
            return await self._serve_home(request, room_id, handler)
        if relayed_in:  # it moved while the relay was on its way: the client comes back
            raise HomeUnavailable("This room moved to another server; reconnecting.")
        try:
            return await self.relay.serve_edge(request, home)
        except HomeSilent:
            # Killed, but still in the registry until its heartbeat lapses? If its port
            # refuses connections, it is gone: take it out and the room over now.
            address = (await self.directory.alive([home])).get(home)
            if address is None or not await refuses_connections(address):
                raise
            log.warning("evicting a node that refuses connections", extra={"node": home})
            await self.directory.evict(home)
            if await self.directory.claim(room_id) != self.node_id:
                raise
            return await self._serve_home(request, room_id, handler)

    async def _serve_home(
        self, request: web.Request, room_id: str, handler: Handler
    ) -> web.StreamResponse:
        self.held.add(room_id)
        self.local[room_id] += 1
        try:
            return await handler(request)
        finally:
            self.local[room_id] -= 1
            if self.local[room_id] <= 0:
                del self.local[room_id]

    async def ask_home(self, question: str, room_id: str) -> Any:
        """Ask the room's home, when that is another node (asking.py); None: no answer."""
        try:
            home = await self.directory.home_of(room_id)
        except (RedisError, OSError):
            return None
        if home is None or home == self.node_id:
            return None  # nobody holds the room, or we do (and answered already)
        return await self.asking.ask(home, question, room_id)

    # notices to every node -----------------------------------------------------------------
    def tell_everyone(self, kind: str, **fields: object) -> None:
        self.publish(EVERYONE, json.dumps({"kind": kind, "from": self.node_id, **fields}).encode())

    async def _on_notice(self, data: bytes) -> None:
        try:
            notice = json.loads(data)
        except ValueError:
            notice = None
        if not isinstance(notice, dict):
            log.warning("bad cluster notice")
            return
        if notice.get("from") == self.node_id:
            return
        handler = self.notice_handlers.get(str(notice.get("kind")))
        if handler is not None:
            try:
                await handler(notice)
            except Exception:
                log.exception("cluster notice failed", extra={"kind": notice.get("kind")})

    # Redis I/O ---------------------------------------------------------------------------
    def publish(self, channel: str, data: bytes) -> None:
        """Queue a message; one task publishes them in order (pipelined when several wait)."""
        self._outbox.put_nowait((channel, data))

    async def _write_loop(self) -> None:
        while True:
            batch = [await self._outbox.get()]
            while not self._outbox.empty() and len(batch) < 256:
                batch.append(self._outbox.get_nowait())
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for channel, data in batch:
                        pipe.publish(channel, data)
                    await pipe.execute()
            except (RedisError, OSError):
                log.warning("relay publish failed; closing relayed sockets")
                self.relay.drop_all(GONE_REASON)

    async def _flush_outbox(self) -> None:
        deadline = time.monotonic() + 1.0
        while not self._outbox.empty() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def _read_loop(self, pubsub: PubSub) -> None:
        mine = inbox(self.node_id).encode()
        while True:
            try:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except (RedisError, OSError):
                log.warning("lost the relay subscription; closing relayed sockets")
                self.relay.drop_all(GONE_REASON)
                pubsub = await self._resubscribe(pubsub)
                continue
            if message is None:
                continue
            try:
                if message["channel"] == mine:
                    frame = decode(message["data"])
                    if frame.kind in "QP":
                        self.asking.on_frame(frame)
                    else:
                        self.relay.on_frame(frame)
                else:
                    # In its own task: closing a deleted room's sockets takes up to seconds,
                    # and the relay frames behind it in the inbox must not wait for that.
                    task = asyncio.create_task(self._on_notice(message["data"]))
                    self._notices.add(task)
                    task.add_done_callback(self._notices.discard)
            except Exception:
                log.exception("bad cluster message")

    async def _resubscribe(self, old: PubSub) -> PubSub:
        with contextlib.suppress(Exception):
            await old.aclose()  # type: ignore[no-untyped-call]
        while True:
            try:
                pubsub = self._sub_redis.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(inbox(self.node_id), EVERYONE)
                return pubsub
            except (RedisError, OSError):
                await asyncio.sleep(HEARTBEAT_S)

    # once a second -----------------------------------------------------------------------
    async def _tick_loop(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await self.tick()
            except (RedisError, OSError) as exc:
                log.warning("cluster heartbeat failed", extra={"error": str(exc)})
            await asyncio.sleep(max(0.0, HEARTBEAT_S - (time.monotonic() - started)))

    async def tick(self) -> None:
        if self.draining:
            return
        await self.directory.heartbeat(self._card())
        serving = sorted(self.local)
        lost = await self.directory.renew(serving)
        for room_id in lost:
            log.warning("lost a room's lease; its sockets reconnect", extra={"room": room_id})
            self.held.discard(room_id)
            self._close_room(room_id, MOVED_REASON)
            self._forget(room_id, closing=True)
        self.held |= set(serving) - lost
        await self._release_quiet_rooms()
        peers = self.relay.peers()
        alive = await self.directory.alive(peers)
        # A peer whose port refuses connections died a moment ago: no need to wait for its
        # heartbeat to lapse (a frozen box still accepts, and waits for the TTL).
        probes = {peer: refuses_connections(address) for peer, address in alive.items()}
        for peer, refused in zip(probes, await asyncio.gather(*probes.values()), strict=True):
            if refused:
                log.warning("evicting a node that refuses connections", extra={"node": peer})
                await self.directory.evict(peer)
                del alive[peer]
        for peer in peers:
            if peer not in alive:
                dropped = self.relay.drop_peer(peer, GONE_REASON)
                self.failovers += dropped
                log.warning("node left the registry", extra={"node": peer, "sockets": dropped})

    async def _release_quiet_rooms(self) -> None:
        now = time.monotonic()
        for room_id in self.local:
            self._quiet_since.pop(room_id, None)
        quiet = []
        for room_id in sorted(self.held - set(self.local)):
            since = self._quiet_since.setdefault(room_id, now)
            if now - since >= QUIET_RELEASE_S:
                quiet.append(room_id)
        if quiet:
            await self.directory.release(quiet)
            for room_id in quiet:
                self.held.discard(room_id)
                self._quiet_since.pop(room_id, None)
                self._forget(room_id)

    def _forget(self, room_id: str, closing: bool = False) -> None:
        if room_id in self.local and not closing:
            return  # a socket arrived meanwhile: the room is at home here again
        for forget in self.room_forgetters:
            try:
                forget(room_id)
            except Exception:
                log.exception("forgetting a room failed", extra={"room": room_id})

    def _close_room(self, room_id: str, reason: str) -> None:
        for close in self.room_closers:
            try:
                close(room_id, CLOSE_RESTART, reason)
            except Exception:
                log.exception("closing a room's sockets failed", extra={"room": room_id})

    def _card(self) -> NodeCard:
        return NodeCard(
            node_id=self.node_id,
            address=self.address,
            rooms=len(self.local),
            sockets=sum(self.local.values()),
            relayed_out=self.relay.edge_sessions,
        )
