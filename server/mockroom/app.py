"""The application factory: wires settings, storage, pages, API and sockets together."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web

from . import api, pages
from .banks import load_banks
from .drain import setup_drain
from .errors import error_reply
from .interview_service import setup_interviews
from .keys import BANKS, SETTINGS, SIGNALING, STORE
from .metrics import setup_metrics
from .notes import setup_notes
from .recordings import setup_recordings
from .report import setup_report
from .scripted import setup_scripted
from .security import security_headers
from .settings import Settings
from .signaling import Signaling
from .store import Store

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 4 * 1024 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith(("/api/", "/ws/", "/healthz"))


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The one place where exceptions become responses: JSON for the API, a page for people."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or not _wants_json(request):
            raise
        return web.json_response(
            {"error": exc.reason.lower().replace(" ", "-"), "message": exc.text}, status=exc.status
        )
    except Exception as exc:
        reply = error_reply(exc)
        if reply.code == "internal":
            log.exception("request failed", extra={"path": request.path})
        if _wants_json(request):
            return web.json_response(
                {"error": reply.code, "message": reply.message}, status=reply.status
            )
        response = aiohttp_jinja2.render_template(
            "error.html",
            request,
            {"status": reply.status, "message": reply.message, "code": reply.code},
        )
        response.set_status(reply.status)
        return response


async def _signaling_socket(request: web.Request) -> web.StreamResponse:
    # A coroutine function, not a lambda: aiohttp deprecates plain functions as handlers.
    return await request.app[SIGNALING].handle(request)


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[security_headers, errors_middleware], client_max_size=MAX_BODY_BYTES
    )
    app[SETTINGS] = settings
    app[BANKS] = load_banks(settings.banks_dir)
    pages.setup_templates(app)

    async def storage(app: web.Application) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        app[STORE] = Store(settings.db_path)
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
    setup_recordings(app)
    setup_notes(app)
    setup_scripted(app)
    setup_interviews(app)
    setup_report(app)
    setup_metrics(app)  # before setup_drain: its middleware then counts drain refusals
    setup_drain(app)
    return app
