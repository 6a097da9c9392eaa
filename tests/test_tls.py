"""Direct HTTPS: `--tls-cert/--tls-key` (or MOCKROOM_TLS_CERT/KEY), with a self-signed cert."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from support.live_server import start_server, stop_server
from support.paths import REPO
from support.tls import self_signed, trusting


async def test_https_healthz_links_and_a_wss_hello(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server = start_server(
        tmp_path / "data", env={"MOCKROOM_TLS_CERT": str(cert), "MOCKROOM_TLS_KEY": str(key)}
    )
    try:
        assert server.url.startswith("https://")
        context = trusting(cert)
        connector = aiohttp.TCPConnector(ssl=context)
        async with aiohttp.ClientSession(connector=connector) as http:
            async with http.get(server.url + "/healthz") as resp:
                assert resp.status == 200 and await resp.json() == {"ok": True}
            body = {"mode": "peer", "media": "audio"}
            async with http.post(server.url + "/api/rooms", json=body) as resp:
                assert resp.status == 201
                room = await resp.json()
            link = room["links"]["candidate"]
            assert link.startswith(server.url + "/rooms/")  # links say https, too
            token = link.split("token=", 1)[1]
            wss = f"wss://127.0.0.1:{server.port}/ws/rooms/{room['room_id']}"
            async with http.ws_connect(wss, origin=server.url) as ws:
                await ws.send_json({"type": "hello", "version": 1, "token": token})
                welcome = json.loads(await ws.receive_str(timeout=10))
                assert welcome["type"] == "welcome" and welcome["role"] == "candidate"
        # Plain http to the TLS port is not served.
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=5)
        # And a client that does not trust the certificate refuses it.
        with pytest.raises(urllib.error.URLError) as refused:
            urllib.request.urlopen(server.url + "/healthz", timeout=5)
        assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)
    finally:
        stop_server(server)
    assert "MockRoom is running at https://" in server.log()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--tls-cert", "{cert}"], "must be set together"),
        (["--tls-cert", "{dir}/missing.pem", "--tls-key", "{key}"], "missing.pem does not exist"),
        (["--tls-cert", "{key}", "--tls-key", "{key}"], "cannot load"),
    ],
)
def test_bad_tls_settings_are_a_clear_error(tmp_path: Path, args: list[str], needle: str) -> None:
    cert, key = self_signed(tmp_path)
    filled = [a.format(cert=cert, key=key, dir=tmp_path) for a in args]
    result = subprocess.run(
        [sys.executable, "-m", "mockroom", "serve", "--data-dir", str(tmp_path / "d"), *filled],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 2
    assert needle in result.stderr and "Traceback" not in result.stderr
