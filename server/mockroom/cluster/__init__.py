"""Several nodes behind one load balancer: each room lives on one home node (LiveKit's model).

    setup_cluster(app)   with MOCKROOM_REDIS_URL set: routing of room sockets, the node's
                         heartbeat and leases, hand-over on drain; without it: nothing

Module map: wire (relay frames, pure), directory (node registry + room leases in Redis),
relay (a socket between the node it reached and the room's home), asking (questions to a room's
home: who is in it), node (the Cluster: routing, heartbeat, Redis I/O). See README "Running
several nodes".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

from aiohttp import web
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from ..keys import SETTINGS
from ..links.sockets import Refusal
from ..notes import NOTES_HUB
from ..ops.drain import DRAIN
from ..ops.metrics import METRICS
from ..rooms.deletion import delete_room
from ..rooms.hooks import ROOM_HOOKS
from ..scripted.service import SCRIPTED
from ..signaling.service import SIGNALING
from .node import Cluster

__all__ = ["CLUSTER", "Cluster", "setup_cluster"]

CLUSTER: web.AppKey[Cluster] = web.AppKey("cluster", Cluster)

# The two room sockets: signaling and notes. Everything else any node answers from the store.
ROOM_SOCKETS = ("/ws/rooms/{room_id}", "/ws/rooms/{room_id}/notes/{doc}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _room_socket(request: web.Request) -> str | None:
    if request.method != "GET" or request.headers.get("Upgrade", "").lower() != "websocket":
        return None
    resource = request.match_info.route.resource
    if resource is None or resource.canonical not in ROOM_SOCKETS:
        return None
    return request.match_info["room_id"]


@web.middleware
async def route_room_sockets(request: web.Request, handler: Handler) -> web.StreamResponse:
    room_id = _room_socket(request)
    if room_id is None:
        return await handler(request)
    return await request.app[CLUSTER].route(request, room_id, handler)


def _closer(app: web.Application) -> Callable[[str, int, str], None]:
    def close_room_sockets(room_id: str, code: int, reason: str) -> None:
        live = app[SIGNALING].live_room(room_id)
        for seat in list(live or ()):
            seat.peer.begin_close(code, reason)
        hub = app[NOTES_HUB]
        for (doc_room, _), doc in list(hub.rooms.items()):
            if doc_room == room_id:
                for client in list(doc.clients):
                    client.close(code, reason)

    return close_room_sockets


def _wire_features(app: web.Application, cluster: Cluster) -> None:
    """A link cut off or a room deleted on one node reaches the sockets on every node."""
    signaling = app[SIGNALING]
    remote = {"cutting": False}

    def tell_cut(token_hash: str, why: Refusal) -> int:
        if not remote["cutting"]:
            cluster.tell_everyone("cut", token_hash=token_hash, code=why.code, message=why.message)
        return 0  # counted where the sockets are

    async def on_cut(notice: dict[str, object]) -> None:
        remote["cutting"] = True
        try:
            why = Refusal(str(notice["code"]), str(notice["message"]))
            signaling.cut_off(str(notice["token_hash"]), why)
        finally:
            remote["cutting"] = False

    signaling.cut_off_hooks.append(tell_cut)
    cluster.notice_handlers["cut"] = on_cut

    hooks = app[ROOM_HOOKS]
    deleting: set[str] = set()

    async def tell_deleted(room_id: str) -> None:
        if room_id not in deleting:
            cluster.tell_everyone("deleted", room_id=room_id)

    async def on_deleted(notice: dict[str, object]) -> None:
        # The whole deletion again, here: the room's home stored what reached it (notes typed,
        # events) until this notice came, after the other node had deleted the rows.
        room_id = str(notice["room_id"])
        deleting.add(room_id)
        try:
            await delete_room(app, room_id)
        finally:
            deleting.discard(room_id)

    hooks.close.append(tell_deleted)
    cluster.notice_handlers["deleted"] = on_deleted


def _wire_retention(app: web.Application, cluster: Cluster) -> None:
    """The sweeper's own checks see the rooms at home here; a room whose home is another live
    node is in use there (its home holds the lease while it serves the room's sockets, and for
    QUIET_RELEASE_S after the last one). A Redis that does not answer fails the sweep's pass:
    nothing is deleted on a guess, and the next pass asks again."""

    async def at_home_elsewhere(room_id: str) -> bool:
        home = await cluster.directory.live_home(room_id)
        return home is not None and home != cluster.node_id

    app[ROOM_HOOKS].in_use_elsewhere.append(at_home_elsewhere)


def _wire_presence(app: web.Application, cluster: Cluster) -> None:
    """What is live about a room is in memory on its home: any other node asks it (asking.py)."""
    signaling, scripted = app[SIGNALING], app[SCRIPTED]

    def roster(room_id: str) -> list[dict[str, object]] | None:
        live = signaling.live_room(room_id)
        return live.roster() if live is not None else None

    def scripted_state(room_id: str) -> dict[str, object] | None:
        session = scripted.sessions.get(room_id)
        return session.state() if session is not None else None

    async def remote_roster(room_id: str) -> list[dict[str, object]] | None:
        answer = await cluster.ask_home("roster", room_id)
        return answer if isinstance(answer, list) else None

    async def remote_scripted(room_id: str) -> dict[str, object] | None:
        answer = await cluster.ask_home("scripted", room_id)
        return answer if isinstance(answer, dict) else None

    cluster.asking.answers.update(roster=roster, scripted=scripted_state)
    signaling.remote_roster = remote_roster
    scripted.remote_state = remote_scripted


class ClusterCollector(Collector):
    def __init__(self, app: web.Application) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        cluster = self.app.get(CLUSTER)
        if cluster is None:
            return
        yield GaugeMetricFamily(
            "mockroom_cluster_home_rooms", "Rooms whose home is this node", value=len(cluster.local)
        )
        yield GaugeMetricFamily(
            "mockroom_cluster_home_sockets",
            "Room sockets served on this node (direct and relayed in)",
            value=sum(cluster.local.values()),
        )
        yield GaugeMetricFamily(
            "mockroom_cluster_relayed_out_sockets",
            "Sockets this node relays to their room's home on another node",
            value=cluster.relay.edge_sessions,
        )
        yield GaugeMetricFamily(
            "mockroom_cluster_failover_closes",
            "Relayed sockets closed because the node at their other end vanished",
            value=cluster.failovers,
        )


def setup_cluster(app: web.Application) -> None:
    """Call after setup_metrics, setup_drain and setup_retention (it hooks into each)."""
    settings = app[SETTINGS]
    if not settings.redis_url:
        return

    async def cluster_ctx(app: web.Application) -> AsyncIterator[None]:
        cluster = app[CLUSTER] = Cluster(settings)
        await cluster.start()
        cluster.room_closers.append(_closer(app))
        cluster.room_forgetters.extend(app[ROOM_HOOKS].forget)
        _wire_presence(app, cluster)
        _wire_features(app, cluster)
        _wire_retention(app, cluster)
        app[DRAIN].before_close.append(cluster.hand_over)
        yield
        await cluster.stop()

    app.cleanup_ctx.append(cluster_ctx)
    app.middlewares.append(route_room_sockets)
    app[METRICS].registry.register(ClusterCollector(app))
