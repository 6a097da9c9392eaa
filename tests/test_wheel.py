"""The wheel runs anywhere: build it, install it into a fresh venv, serve from another directory.

The fresh venv gets the wheel with `--no-deps`; its dependencies come from this test run's own
site-packages through a .pth line. That keeps the test fast and offline while proving what the
wheel must carry itself: the code, the templates, the built browser bundle and the shipped
banks. A .pth line adds a folder to sys.path without running the .pth files inside it, so the
checkout's editable install (a .pth pointing at server/) cannot leak in.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import site
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import pytest

from support.http import make_room
from support.live_server import free_port
from support.paths import REPO

# Relative module imports inside esbuild's output: `from"./chunk-X.js"`, `import("./notes-Y.js")`.
JS_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(\s*)["'](\./[\w.-]+\.js)["']""")


@dataclass
class Installed:
    python: Path
    mockroom: Path
    wheel: Path
    sdist: Path


def _run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=180, **kwargs)
    assert result.returncode == 0, f"{cmd}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    # sdist first, then the wheel built from the unpacked sdist: both must be complete.
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(REPO)])
    wheel = next(dist.glob("mockroom-*-py3-none-any.whl"))
    sdist = next(dist.glob("mockroom-*.tar.gz"))
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", str(wheel)])
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    deps = "\n".join(site.getsitepackages()) + "\n"
    (Path(purelib.stdout.strip()) / "mockroom_test_deps.pth").write_text(deps)
    yield Installed(python, venv / "bin" / "mockroom", wheel, sdist)


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOCKROOM_", "PYTHON"))}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def test_wheel_carries_assets_and_banks(installed: Installed) -> None:
    import zipfile

    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert installed.wheel.name.endswith("-py3-none-any.whl")
    for needed in (
        "mockroom/web/templates/room.html",
        "mockroom/web/static/style.css",
        "mockroom/web/static/build/room-page.js",
        "mockroom/web/static/build/preload.json",
        "mockroom/question_banks/behavioral.toml",
    ):
        assert needed in names
    assert not any(name.endswith(".built") for name in names)


def test_installed_code_reads_package_data_not_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    probe = _run(
        [
            str(installed.python),
            "-c",
            "import mockroom, mockroom.resources as r; print(mockroom.__file__); "
            "print(r.web_dir()); print(r.banks_dir())",
        ],
        cwd=tmp_path,
        env=_clean_env(),
    )
    lines = probe.stdout.split()
    assert len(lines) == 3
    for line in lines:
        assert str(REPO) not in line
        assert line.startswith(str(installed.python.parents[1]))
    banks = _run([str(installed.mockroom), "banks", "check"], cwd=tmp_path, env=_clean_env()).stdout
    assert "All banks are valid." in banks


class _PageAssets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        url = a.get("src") if tag == "script" else a.get("href") if tag == "link" else None
        if url and not url.startswith("data:"):
            self.urls.append(url)
        if tag == "script" and a.get("data-next"):  # what the open page's inlined script preloads
            self.urls += str(a["data-next"]).split()


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), resp.read()


def _load_page_and_assets(page: str, seen: set[str]) -> list[str]:
    """GET the page, then every script/stylesheet/modulepreload it names and every JS import."""
    status, kind, body = _get(page)
    assert status == 200 and kind.startswith("text/html"), page
    parser = _PageAssets()
    parser.feed(body.decode())
    assert parser.urls, f"{page} references no assets"
    queue = [urljoin(page, url) for url in parser.urls]
    loaded = []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        status, _, data = _get(url)
        assert status == 200 and data, url
        loaded.append(urlsplit(url).path)
        if url.endswith(".js"):
            queue += [urljoin(url, rel) for rel in JS_IMPORT.findall(data.decode())]
    return loaded


async def _scripted_voice(ws_url: str, token: str) -> dict[str, Any]:
    """Join a scripted room as its candidate and start: returns the state after `start`."""
    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
        await ws.send_json({"type": "hello", "version": 1, "token": token})

        async def next_state() -> dict[str, Any]:
            while True:
                msg = json.loads(await ws.receive_str(timeout=30))
                assert msg["type"] != "error", msg
                if msg["type"] == "scripted-state":
                    return dict(msg["state"])

        first = await next_state()
        assert first["tts"] is True, "espeak-ng was not found by the installed server"
        await ws.send_json({"type": "scripted", "action": "consent"})
        while not (await next_state()).get("consented"):
            pass
        await ws.send_json({"type": "scripted", "action": "start"})
        return await next_state()


def test_installed_server_serves_every_page_asset_from_another_directory(
    installed: Installed, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(installed.mockroom), "serve", "--port", str(port), "--data-dir", "data"],
            cwd=elsewhere,
            env=_clean_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
        peer = make_room(base, bank="behavioral")
        scripted = make_room(base, mode="scripted", media="audio")
        pages = [
            base + "/",
            # `?token=` (links issued before #token=): the server renders the page at once.
            f"{base}/rooms/{peer['room_id']}?token={peer['tokens']['interviewer']}",
            f"{base}/rooms/{peer['room_id']}?token={peer['tokens']['candidate']}",
            f"{base}/rooms/{peer['room_id']}/report?token={peer['tokens']['interviewer']}",
            f"{base}/rooms/{scripted['room_id']}?token={scripted['tokens']['candidate']}",
            # redirects to the review page
            f"{base}/rooms/{scripted['room_id']}?token={scripted['tokens']['reviewer']}",
            peer["links"]["observer"],  # the page a #token= link opens first
        ]
        seen: set[str] = set()
        loaded = [path for page in pages for path in _load_page_and_assets(page, seen)]
        for name in (
            "style.css",
            "room-page.js",
            "scripted-page.js",
            "review-page.js",
        ):
            assert any(path.endswith(name) for path in loaded), name
        # The open page's script is inlined from the wheel's build (open_page.py).
        assert b"page-ticket" in _get(peer["links"]["observer"])[2]
        assert any("/static/build/chunk-" in path for path in loaded)
        assert any("/static/build/notes-" in path for path in loaded)  # the lazy notes module

        ws_url = f"ws://127.0.0.1:{port}/ws/rooms/{scripted['room_id']}"
        after_start = asyncio.run(_scripted_voice(ws_url, scripted["tokens"]["candidate"]))
        assert after_start["phase"] != "waiting"
        voice_dir = elsewhere / "data" / "tts"
        deadline = time.monotonic() + 30
        while not list(voice_dir.glob("*.wav")):  # the first line is rendered once started
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert (elsewhere / "data" / "mockroom.sqlite3").exists()
    assert "Traceback" not in log_path.read_text()
