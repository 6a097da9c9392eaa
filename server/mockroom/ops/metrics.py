"""GET /metrics in the Prometheus text format, for the host's monitoring.

Off unless MOCKROOM_METRICS_TOKEN is set; then a scraper sends `Authorization: Bearer <token>`
(Prometheus: `authorization: {credentials: …}`). Room counts are not secret, but a public
endpoint would tell anyone how busy a career centre's server is and when to knock on it.

Gauges are read from the app's own state at scrape time (nothing to keep in step); counters are
plain integers the feature modules bump in one line each (`ClipStore.bytes_stored`,
`NotesHub.updates_stored`, `Signaling.errors`) plus the HTTP errors counted here. Each app has
its own registry: no module globals, and two apps in one test process do not mix.
"""

from __future__ import annotations

import collections
import hmac
import time
from collections.abc import Awaitable, Callable, Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ..errors import error_reply
from ..http import bearer_header
from ..keys import SETTINGS
from ..notes import NOTES_HUB
from ..recordings.store import CLIPS
from ..scripted.service import SCRIPTED
from ..signaling.service import SIGNALING

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Metrics:
    def __init__(self, app: web.Application) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        # HTTP error replies by code ("not-found", "too-large", … or "http-<status>").
        self.http_errors: collections.Counter[str] = collections.Counter()
        self.registry.register(AppCollector(app, self))
        ProcessCollector(registry=self.registry)  # process_cpu_seconds_total, memory, fds

    def count_http_error(self, code: str) -> None:
        self.http_errors[code] += 1


METRICS: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)


class AppCollector(Collector):
    def __init__(self, app: web.Application, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        # CPU per scripted session is a rate: process CPU over wall time since the last scrape.
        self._last_cpu = time.process_time()
        self._last_wall = time.monotonic()

    def collect(self) -> Iterator[Metric]:
        app = self.app
        signaling = app.get(SIGNALING)
        rooms = signaling.rooms if signaling is not None else {}
        yield GaugeMetricFamily(
            "mockroom_live_rooms", "Rooms with at least one live participant", value=len(rooms)
        )
        by_role = GaugeMetricFamily(
            "mockroom_participants", "Live participants (signaling sockets)", labels=["role"]
        )
        counts = collections.Counter(s.participant.role.value for r in rooms.values() for s in r)
        for role, count in sorted(counts.items()):
            by_role.add_metric([role], count)
        yield by_role
        scripted = app.get(SCRIPTED)
        sessions = len(scripted.sessions) if scripted is not None else 0
        yield GaugeMetricFamily(
            "mockroom_scripted_sessions", "Open scripted-interviewer sessions", value=sessions
        )
        yield GaugeMetricFamily(
            "mockroom_scripted_session_cpu_cores",
            "Process CPU (cores, averaged since the previous scrape) divided by open scripted "
            "sessions; 0 without sessions. An upper bound: the rest of the server shares the "
            "process.",
            value=self._cpu_cores() / sessions if sessions else 0.0,
        )
        hub = app.get(NOTES_HUB)
        yield CounterMetricFamily(
            "mockroom_notes_updates",
            "Notes updates stored (each keystroke batch a client sends is one)",
            value=hub.updates_stored if hub is not None else 0,
        )
        clips = app.get(CLIPS)
        yield CounterMetricFamily(
            "mockroom_upload_bytes",
            "Recording bytes received and stored (answer clip chunks)",
            value=clips.bytes_stored if clips is not None else 0,
        )
        errors = CounterMetricFamily(
            "mockroom_errors",
            "Errors answered: HTTP error replies and signaling error frames, by code",
            labels=["transport", "code"],
        )
        for code, count in sorted(self.metrics.http_errors.items()):
            errors.add_metric(["http", code], count)
        ws_errors = signaling.errors if signaling is not None else collections.Counter()
        for code, count in sorted(ws_errors.items()):
            errors.add_metric(["ws", code], count)
        yield errors

    def _cpu_cores(self) -> float:
        cpu, wall = time.process_time(), time.monotonic()
        used, elapsed = cpu - self._last_cpu, wall - self._last_wall
        self._last_cpu, self._last_wall = cpu, wall
        return used / elapsed if elapsed > 0 else 0.0


@web.middleware
async def count_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Counts each error reply by its code; sits inside errors_middleware, sees the exception."""
    metrics = request.app[METRICS]
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 400:
            metrics.count_http_error(exc.reason.lower().replace(" ", "-"))
        raise
    except Exception as exc:
        metrics.count_http_error(error_reply(exc).code)
        raise
    if response.status >= 400:  # a handler that built its error reply itself
        metrics.count_http_error(f"http-{response.status}")
    return response


async def metrics_endpoint(request: web.Request) -> web.Response:
    expected = request.app[SETTINGS].metrics_token or ""
    given = bearer_header(request) or ""
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise web.HTTPUnauthorized(
            text="Send the metrics token: Authorization: Bearer <MOCKROOM_METRICS_TOKEN>.",
            headers={"WWW-Authenticate": 'Bearer realm="mockroom metrics"'},
        )
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def setup_metrics(app: web.Application) -> None:
    app[METRICS] = Metrics(app)
    app.middlewares.append(count_errors)
    if app[SETTINGS].metrics_token:
        app.router.add_get("/metrics", metrics_endpoint)
