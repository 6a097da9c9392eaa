"""TURN REST credentials: what each join receives, and a real coturn that accepts and refuses them.

coturn (Debian's `coturn` package, `turnserver`) runs on a free loopback port with
`use-auth-secret`, exactly as README's configuration; aioice's TURN client allocates a relay
with the credential MockRoom hands out.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import random
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aioice import stun
from aioice.turn import create_turn_endpoint
from aiortc import RTCPeerConnection

from mockroom.app import create_app
from mockroom.scripted.session import ice_configuration
from mockroom.settings import ConfigError, Settings, load_settings
from mockroom.turn import ice_servers, turn_credential
from support.http import create_room

SECRET = "test-shared-secret-not-for-production"
REALM = "mockroom.test"


def _turn_settings(tmp_path: Path, **kw: Any) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        ice_servers=({"urls": "stun:stun.example.org:3478"},),
        turn_secret=SECRET,
        turn_urls=("turn:127.0.0.1:3478?transport=udp", "turns:turn.example.org:443"),
        **kw,
    )


def _check_credential(server: dict[str, Any], name: str, ttl_s: float) -> None:
    expiry, _, label = server["username"].partition(":")
    assert label == name
    assert abs(int(expiry) - (time.time() + ttl_s)) < 60
    digest = hmac.new(SECRET.encode(), server["username"].encode(), hashlib.sha1).digest()
    assert server["credential"] == base64.b64encode(digest).decode()


def test_credential_is_the_coturn_rest_hmac() -> None:
    # draft-uberti-behave-turn-rest: base64(HMAC-SHA1(secret, "expiry:name")).
    assert turn_credential("north", "1700000000:room") == base64.b64encode(
        hmac.new(b"north", b"1700000000:room", hashlib.sha1).digest()
    ).decode("ascii")
    settings = Settings(turn_secret=SECRET, turn_urls=("turn:t.example",), turn_ttl_hours=2)
    one, two = ice_servers(settings), ice_servers(settings)
    assert one[0]["username"] != two[0]["username"]  # a random label when no room is named
    _check_credential(ice_servers(settings, "abc")[0], "abc", 2 * 3600)
    assert ice_servers(Settings()) == []


async def test_every_join_gets_fresh_credentials_and_never_the_secret(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    settings = _turn_settings(tmp_path, turn_ttl_hours=3)
    client = await aiohttp_client(create_app(settings))
    room = await create_room(client)
    resp = await client.get(
        f"/api/rooms/{room['room_id']}",
        headers={"Authorization": f"Bearer {room['tokens']['candidate']}"},
    )
    text = await resp.text()
    assert SECRET not in text
    servers = json.loads(text)["ice_servers"]
    assert servers[0] == {"urls": "stun:stun.example.org:3478"}
    assert servers[1]["urls"] == list(settings.turn_urls)
    _check_credential(servers[1], room["room_id"], 3 * 3600)

    ws = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    await ws.send_json({"type": "hello", "version": 1, "token": room["tokens"]["interviewer"]})
    raw = await ws.receive_str(timeout=5)
    assert SECRET not in raw
    welcome = json.loads(raw)
    assert welcome["type"] == "welcome"
    _check_credential(welcome["ice_servers"][1], room["room_id"], 3 * 3600)
    await ws.close()


def test_the_servers_own_peer_gets_credentials_the_same_way(tmp_path: Path) -> None:
    config = ice_configuration(_turn_settings(tmp_path))
    turn = [s for s in config.iceServers or [] if s.username]
    assert len(turn) == 1 and turn[0].credential and SECRET not in turn[0].credential
    assert turn[0].urls == ["turn:127.0.0.1:3478?transport=udp", "turns:turn.example.org:443"]


def test_static_turn_passwords_are_refused_at_start_up() -> None:
    env = {
        "MOCKROOM_ICE_SERVERS": '[{"urls": "turn:t.example", "username": "u", "credential": "p"}]'
    }
    with pytest.raises(ConfigError, match="MOCKROOM_TURN_SECRET"):
        load_settings(environ=env)
    with pytest.raises(ConfigError, match="TURN_URLS"):
        load_settings(environ={"MOCKROOM_TURN_SECRET": "s"})
    with pytest.raises(ConfigError, match="not a turn: or turns: URL"):
        load_settings(environ={"MOCKROOM_TURN_SECRET": "s", "MOCKROOM_TURN_URLS": "stun:x"})
    good = load_settings(
        environ={
            "MOCKROOM_TURN_SECRET": "s",
            "MOCKROOM_TURN_URLS": "turn:a.example:3478, turns:a.example:443?transport=tcp",
            "MOCKROOM_TURN_TTL_HOURS": "1.5",
        }
    )
    assert good.turn_urls == ("turn:a.example:3478", "turns:a.example:443?transport=tcp")
    assert good.turn_ttl_hours == 1.5


# a real coturn ------------------------------------------------------------------------------


@dataclass
class Coturn:
    port: int
    process: subprocess.Popen[bytes]
    log: Path


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def coturn_config(port: int, folder: Path) -> str:
    """The README's configuration, on loopback, without TLS (see README "TURN")."""
    relay_base = random.randrange(50_000, 60_000)
    return "\n".join(
        [
            "listening-ip=127.0.0.1",
            "relay-ip=127.0.0.1",
            f"listening-port={port}",
            f"min-port={relay_base}",
            f"max-port={relay_base + 100}",
            "use-auth-secret",
            f"static-auth-secret={SECRET}",
            f"realm={REALM}",
            "fingerprint",
            "no-tls",
            "no-dtls",
            "no-cli",
            "no-software-attribute",
            f"userdb={folder / 'turndb'}",
            f"pidfile={folder / 'turnserver.pid'}",
            "log-file=stdout",
            "simple-log",
            "",
        ]
    )


async def _answers_stun(port: int) -> bool:
    """One STUN Binding request: the server is up once it answers."""
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[bytes] = loop.create_future()

    class Probe(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
            if not answered.done():
                answered.set_result(data)

    transport, _ = await loop.create_datagram_endpoint(Probe, remote_addr=("127.0.0.1", port))
    try:
        request = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
        transport.sendto(bytes(request))
        await asyncio.wait_for(answered, 0.5)
        return True
    except TimeoutError:
        return False
    finally:
        transport.close()


@pytest.fixture
async def coturn(tmp_path: Path) -> AsyncIterator[Coturn]:
    binary = shutil.which("turnserver")
    assert binary, "coturn is missing: run scripts/system-deps.sh (Debian package coturn)"
    folder = tmp_path / "coturn"
    folder.mkdir()
    port = _free_udp_port()
    config = folder / "turnserver.conf"
    config.write_text(coturn_config(port, folder))
    log = folder / "turnserver.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-c", str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 20
        while not await _answers_stun(port):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
        yield Coturn(port, process, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _allocate(port: int, username: str, credential: str) -> tuple[str, int]:
    transport, _ = await create_turn_endpoint(
        asyncio.DatagramProtocol, ("127.0.0.1", port), username, credential
    )
    try:
        relayed: tuple[str, int] = transport.get_extra_info("sockname")
        return relayed
    finally:
        transport.close()


async def test_coturn_allocates_with_the_credential_mockroom_hands_out(
    coturn: Coturn, aiohttp_client: Any, tmp_path: Path
) -> None:
    settings = _turn_settings(tmp_path)
    client = await aiohttp_client(create_app(settings))
    room = await create_room(client)
    resp = await client.get(
        f"/api/rooms/{room['room_id']}",
        headers={"Authorization": f"Bearer {room['tokens']['candidate']}"},
    )
    turn = (await resp.json())["ice_servers"][1]
    relayed = await _allocate(coturn.port, turn["username"], turn["credential"])
    assert relayed[0] == "127.0.0.1" and relayed[1] > 0


async def test_coturn_refuses_an_expired_or_forged_credential(
    coturn: Coturn, tmp_path: Path
) -> None:
    settings = _turn_settings(tmp_path, turn_ttl_hours=1)
    # Minted two hours ago with a one-hour lifetime: expired an hour ago.
    expired = ice_servers(settings, "room", now=time.time() - 7200)[1]
    forged_name = f"{int(time.time()) + 3600}:room"
    forged = {"username": forged_name, "credential": turn_credential("guess", forged_name)}
    for server in (expired, forged):
        with pytest.raises(stun.TransactionFailed) as refused:
            await _allocate(coturn.port, server["username"], server["credential"])
        assert refused.value.response.error_code in (401, 438)


async def test_the_servers_own_aiortc_peer_gathers_a_relay_candidate(
    coturn: Coturn, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        turn_secret=SECRET,
        turn_urls=(f"turn:127.0.0.1:{coturn.port}?transport=udp",),
    )
    pc = RTCPeerConnection(ice_configuration(settings))
    try:
        pc.addTransceiver("audio", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())  # returns once gathering is done
        assert "typ relay" in pc.localDescription.sdp
    finally:
        await pc.close()
