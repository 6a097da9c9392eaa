"""`mockroom serve` runs on uvloop unless MOCKROOM_UVLOOP=off (cli.run_loop); the live-server
tests (tests/support/live_server.py starts `mockroom serve`) run every socket, notes and aiortc
peer of theirs on it."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from mockroom.cli import run_loop
from mockroom.settings import load_settings


@pytest.mark.parametrize("on", [True, False])
def test_the_loop_serve_runs_on(on: bool) -> None:
    seen: list[asyncio.AbstractEventLoop] = []

    async def main() -> None:
        seen.append(asyncio.get_running_loop())

    run_loop(main(), on)
    assert isinstance(seen[0], uvloop.Loop) is on


def test_uvloop_is_on_by_default_and_can_be_turned_off() -> None:
    assert load_settings(environ={}).uvloop is True
    assert load_settings(environ={"MOCKROOM_UVLOOP": "off"}).uvloop is False
