"""`mockroom serve` runs on uvloop with MOCKROOM_UVLOOP=on (cli.run_loop), else on asyncio's own
loop (the default)."""

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


def test_uvloop_is_off_by_default_and_can_be_turned_on() -> None:
    assert load_settings(environ={}).uvloop is False
    assert load_settings(environ={"MOCKROOM_UVLOOP": "on"}).uvloop is True
    assert load_settings(environ={"MOCKROOM_UVLOOP": "off"}).uvloop is False
