"""The test servers' ports (tests/support/live_server.py): a port chosen for a server that takes
seconds to start is held until it listens, so nothing else on a busy host can take it meanwhile,
and the server itself still binds it."""

from __future__ import annotations

import errno
import socket

import aiohttp
import pytest
from aiohttp import web

from support.live_server import free_port, reserved_port


def test_a_free_port_is_free_for_anyone_once_it_is_returned() -> None:
    # What reserved_port is for: another bind (another test's server, an outgoing connection's
    # source port) can take a free_port() before the server it was chosen for starts.
    port = free_port()
    with socket.socket() as other:
        other.bind(("127.0.0.1", port))


def test_a_reserved_port_is_taken_for_everyone_else() -> None:
    with reserved_port() as port, socket.socket() as other:
        with pytest.raises(OSError) as refused:
            other.bind(("127.0.0.1", port))
        assert refused.value.errno == errno.EADDRINUSE


async def healthz(_: web.Request) -> web.Response:
    return web.Response(text="ok")


async def answers(port: int) -> str:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/h") as resp:
        return await resp.text()


async def test_a_server_binds_its_reserved_port_and_answers_on_it() -> None:
    app = web.Application()
    app.router.add_get("/h", healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        with reserved_port() as port:
            # aiohttp's site, as `mockroom serve` starts it (SO_REUSEADDR, asyncio's default).
            await web.TCPSite(runner, "127.0.0.1", port).start()
            assert await answers(port) == "ok"
        assert await answers(port) == "ok"  # and once the reservation is let go
    finally:
        await runner.cleanup()
