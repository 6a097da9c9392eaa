"""The application factory: wires settings, storage, pages, API and sockets together."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

import aiohttp_jinja2
from aiohttp import web

from . import api, pages
from .banks.model import load_banks
from .banks.routes import setup_bank_format
from .cluster import setup_cluster
from .errors import ErrorReply, error_reply
from .interview.service import setup_interviews
from .keys import BANKS, SETTINGS, STORE
from .links.routes import setup_links
from .notes import setup_notes
from .ops.drain import setup_drain
from .ops.metrics import setup_metrics
from .parse_errors import quiet_parse_errors
from .quotas import setup_quotas
from .ratelimit import setup_rate_limits
from .recordings.routes import setup_recordings
from .report.routes import setup_report
from .review.routes import setup_review
from .rooms.again import setup_practise_again
from .rooms.retention import setup_retention
from .scripted import setup_scripted
from .security import setup_security
from .settings import Settings
from .signaling.service import SIGNALING, Signaling
from .speech.transcripts import setup_transcripts
from .static_cache import setup_static_cache
from .storage.open import open_store

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 4 * 1024 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith(("/api/", "/ws/", "/healthz"))


# Headers an HTTPException carries that still apply to the page or JSON we answer with instead.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def _http_exception_reply(exc: web.HTTPException) -> ErrorReply:
    """aiohttp's own refusals: an unknown path (404), a wrong method (405), a huge body (413)."""
    if exc.status == 404:
        message = "There is nothing at this address. Check the link you were sent."
        return ErrorReply(404, 1008, "no-such-page", message)
    return ErrorReply(exc.status, 1008, exc.reason.lower().replace(" ", "-"), exc.text or "")


def _error_response(
    request: web.Request, reply: ErrorReply, headers: Mapping[str, str] | None = None
) -> web.Response:
    if _wants_json(request):
        response = web.json_response(reply.body(), status=reply.status)
    else:
        response = aiohttp_jinja2.render_template(
            "error.html",
            request,
            {"status": reply.status, "message": reply.message, "code": reply.code},
        )
        response.set_status(reply.status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The one place where exceptions become responses: JSON for the API, a page for people.

    Unknown paths and wrong methods arrive here as aiohttp's HTTPNotFound / HTTPMethodNotAllowed
    and get the same treatment as our own errors; redirects pass through.
    """
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        kept = {name: exc.headers[name] for name in _KEPT_HEADERS if name in exc.headers}
        return _error_response(request, _http_exception_reply(exc), kept)
    except Exception as exc:
        reply = error_reply(exc)
        if reply.code == "internal":
            log.exception("request failed", extra={"path": request.path})
        return _error_response(request, reply)


async def _signaling_socket(request: web.Request) -> web.StreamResponse:
    # A coroutine function, not a lambda: aiohttp deprecates plain functions as handlers.
    return await request.app[SIGNALING].handle(request)


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[errors_middleware], client_max_size=MAX_BODY_BYTES)
    setup_security(app)
    setup_rate_limits(app, settings)
    quiet_parse_errors()
    app[SETTINGS] = settings
    app[BANKS] = load_banks(settings.banks_dir)
    pages.setup_templates(app)

    async def storage(app: web.Application) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        app[STORE] = open_store(settings)  # SQLite, or PostgreSQL with MOCKROOM_DATABASE_URL
        app[SIGNALING] = Signaling(settings, app[STORE])
        yield
        app[STORE].close()

    async def close_sockets(app: web.Application) -> None:
        await app[SIGNALING].shutdown()

    app.cleanup_ctx.append(storage)
    app.on_shutdown.append(close_sockets)
    app.add_routes(api.routes)
    app.add_routes(pages.routes)
    app.router.add_get("/ws/rooms/{room_id}", _signaling_socket)
    app.router.add_static("/static", pages.WEB_DIR / "static", append_version=False)
    setup_static_cache(app)
    setup_recordings(app)
    setup_transcripts(app)  # after recordings: it hooks into their CLIPS
    setup_review(app)  # after recordings: it reads their CLIPS
    setup_notes(app)
    setup_scripted(app)
    setup_interviews(app)
    setup_report(app)
    setup_quotas(app)
    setup_retention(app)
    setup_links(app)
    setup_practise_again(app)
    setup_bank_format(app)
    setup_metrics(app)  # before setup_drain: its middleware then counts drain refusals
    setup_drain(app)
    setup_cluster(app)  # last: it hooks into drain, metrics and room deletion
    return app
