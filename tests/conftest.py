"""Shared fixtures only: an app on aiohttp's test client, and a real `mockroom serve` subprocess.

Helpers live in tests/support/ (tests import them from there, never from each other)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.sync_api import Browser, expect

from mockroom.app import create_app
from mockroom.settings import Settings
from support.live_server import LiveServer, start_server, stop_server
from support.postgres import pg_url, postgres_server  # noqa: F401  (fixtures: a private PostgreSQL)
from support.redis import redis_server  # noqa: F401  (a fixture: a private redis-server)
from support.scripted_browser import build_web, scripted_chromium, spoken_wav

# expect()'s default 5 s suits a quiet machine. CI runs the suite on 2 cores with two Chromium
# pages per test, and most expectations wait on a round trip through the server and another
# page (a share's `updated`, a renegotiated track, a reconnect's welcome): under load those took
# longer than 5 s now and then. A passing test waits no longer; only a failure reports later.
expect.set_options(timeout=15_000)

# pyproject's 120 s per test is a guard against hangs; a browser test on a loaded 2-core host
# (a server start, a Chromium launch for its module, two pages joining) ran into it while still
# making progress. Browser tests get this ceiling unless they set their own.
BROWSER_TEST_TIMEOUT_S = 240


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(BROWSER_TEST_TIMEOUT_S))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def app(settings: Settings) -> web.Application:
    return create_app(settings)


@pytest.fixture
async def client(aiohttp_client: Any, app: web.Application) -> Any:
    return await aiohttp_client(app)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path / "data")
    yield server
    stop_server(server)


# The scripted-room browser tests (test_browser_scripted*.py): module-scoped, a launch is slow.
@pytest.fixture(scope="module")
def built_web() -> None:
    build_web()


@pytest.fixture(scope="module")
def voice_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return spoken_wav(tmp_path_factory.mktemp("voice"))


@pytest.fixture(scope="module")
def scripted_browser(voice_wav: Path, built_web: None) -> Iterator[Browser]:
    with scripted_chromium(voice_wav) as browser:
        yield browser
