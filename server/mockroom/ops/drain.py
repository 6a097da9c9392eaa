"""Graceful drain on SIGTERM: refuse new joins, tell participants, let uploads finish, then exit.

A deploy (systemd stop, `docker stop`, a PaaS restart) sends SIGTERM. Exiting at once would cut an
answer's chunk upload in half and drop everyone with a bare network error. Instead:

1. every new join is refused with 503 and code `restarting` (room pages, `POST /api/rooms`,
   WebSocket upgrades) and `/healthz` answers 503, so a load balancer stops sending people here;
2. every signaling socket is closed with 1012 ("service restart") and the reason below, which the
   room pages show while they reconnect (to this node's successor);
3. uploads already under way (clip chunks, finish) may complete, for at most
   `drain_timeout_s`; the recorder resumes the rest of a take after the restart;
4. the normal shutdown runs (notes sockets, scripted peers, storage).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from ..errors import UserError
from ..keys import SETTINGS
from ..signaling.service import SIGNALING

log = logging.getLogger(__name__)

# WebSocket close code 1012 is "service restart": clients should reconnect after a moment.
CLOSE_RESTART = 1012
RESTART_REASON = "The server is restarting. Reconnecting…"  # < 123 bytes: a close reason

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Restarting(UserError):
    status = 503
    code = "restarting"
    close_code = CLOSE_RESTART


class Drain:
    """Whether this server is draining, and how many uploads are still running."""

    def __init__(self) -> None:
        self.draining = False
        self.uploads = 0
        self._idle = asyncio.Event()
        self._idle.set()
        # Run first when a drain starts (the cluster hands its rooms to other nodes here).
        self.before_close: list[Callable[[], Awaitable[None]]] = []

    def upload_started(self) -> None:
        self.uploads += 1
        self._idle.clear()

    def upload_ended(self) -> None:
        self.uploads -= 1
        if self.uploads == 0:
            self._idle.set()

    async def uploads_done(self, timeout: float) -> bool:
        """True when no upload is running; False if some were still running after `timeout`."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


DRAIN: web.AppKey[Drain] = web.AppKey("drain", Drain)


def _is_upload(request: web.Request) -> bool:
    return request.method in ("PUT", "POST") and "/clips" in request.path


def _is_join(request: web.Request) -> bool:
    """Anything that brings someone into a room, or a new room: refused while draining."""
    path = request.path
    if request.method == "POST" and path == "/api/rooms":
        return True
    return request.method == "GET" and path.startswith(("/ws/", "/rooms/"))


@web.middleware
async def drain_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    drain = request.app[DRAIN]
    if drain.draining:
        if request.path == "/healthz":
            return web.json_response({"ok": False, "draining": True}, status=503)
        if _is_join(request):
            # Raised, so errors.py's one mapping renders it: JSON for /api and /ws, a page for
            # people.
            raise Restarting(
                "The server is restarting. Try again in a minute; nothing you saved is lost."
            )
    if not _is_upload(request):
        return await handler(request)
    drain.upload_started()
    try:
        return await handler(request)
    finally:
        drain.upload_ended()


async def drain(app: web.Application) -> None:
    """Steps 1-3 of the module docstring; the caller then shuts the app down as usual."""
    state = app[DRAIN]
    state.draining = True
    started = time.monotonic()
    sockets = list(app[SIGNALING].sockets)
    log.info("draining", extra={"sockets": len(sockets), "uploads": state.uploads})
    for hook in state.before_close:
        await hook()
    await asyncio.gather(
        *(ws.close(code=CLOSE_RESTART, message=RESTART_REASON.encode()) for ws in sockets),
        return_exceptions=True,
    )
    finished = await state.uploads_done(app[SETTINGS].drain_timeout_s)
    log.info(
        "drained" if finished else "drain timed out; stopping with uploads still running",
        extra={"uploads": state.uploads, "s": round(time.monotonic() - started, 2)},
    )


def setup_drain(app: web.Application) -> None:
    app[DRAIN] = Drain()
    # Inside errors_middleware, so a refusal is rendered like every other error.
    app.middlewares.append(drain_middleware)
