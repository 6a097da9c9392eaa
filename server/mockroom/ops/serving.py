"""Run the app until a signal: HTTP or direct HTTPS, Ctrl-C stops, SIGTERM drains first.

aiohttp's `web.run_app` stops listening the moment a signal arrives, so a draining server could
not tell anyone it is restarting. This loop keeps the listener up while ops/drain.py refuses new
joins and lets uploads finish, then shuts the app down the way run_app would.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import ssl

from aiohttp import web

from ..logs import AccessLogger
from ..settings import ConfigError, Settings
from .drain import drain

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 5.0  # for handlers still running once sockets are closed


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The server-side TLS context for --tls-cert/--tls-key, or None for plain HTTP."""
    cert, key = settings.tls_cert, settings.tls_key
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise ConfigError("MOCKROOM_TLS_CERT and MOCKROOM_TLS_KEY must be set together")
    for name, path in (("MOCKROOM_TLS_CERT", cert), ("MOCKROOM_TLS_KEY", key)):
        if not path.is_file():
            raise ConfigError(f"{name}: {path} does not exist")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(
            f"MOCKROOM_TLS_CERT/KEY: cannot load {cert} with {key} ({exc}); both must be PEM "
            "files, the certificate first in the chain, the key unencrypted"
        ) from None
    return context


def base_url(settings: Settings, tls: bool) -> str:
    return f"{'https' if tls else 'http'}://{settings.host}:{settings.port}/"


async def _wait(event: asyncio.Event) -> None:
    await event.wait()


async def serve_until_signal(
    app: web.Application, settings: Settings, context: ssl.SSLContext | None
) -> None:
    # Handlers first: a SIGTERM during start-up still drains instead of killing the process.
    stop, term = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    # A second SIGTERM while draining stops at once.
    loop.add_signal_handler(signal.SIGTERM, lambda: (stop if term.is_set() else term).set())
    runner = web.AppRunner(app, access_log_class=AccessLogger, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port, ssl_context=context)
        await site.start()
        print(f"MockRoom is running at {base_url(settings, context is not None)}", flush=True)
        stopped = asyncio.create_task(_wait(stop))
        tasks = [stopped, asyncio.create_task(_wait(term))]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if not stop.is_set():  # SIGTERM: drain, unless a second signal says stop now
            tasks.append(asyncio.create_task(drain(app)))
            await asyncio.wait([stopped, tasks[-1]], return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await runner.cleanup()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    log.info("stopped")
