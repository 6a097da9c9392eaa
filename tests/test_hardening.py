"""The hardened edge: JSON limits on bodies and frames, tokens, headers on every response,
Origin with its scheme, titles and calendar text, aiohttp's own parse errors in the log."""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web

from mockroom.access import authorize
from mockroom.app import create_app
from mockroom.errors import Forbidden
from mockroom.jsonbody import MAX_DEPTH, InvalidJson, TooDeep, nesting_depth, parse_json
from mockroom.keys import STORE
from mockroom.links.tokens import new_token, well_formed
from mockroom.notes import codec
from mockroom.parse_errors import ParseErrorFilter
from mockroom.report.ics import escape_text
from mockroom.rooms.request import clean_title
from mockroom.settings import ConfigError, Settings, load_settings
from support.http import create_room
from support.live_server import LiveServer, free_port
from support.tls import self_signed
from support.ws import upgrade_from

DEEP = "[" * 100_000 + "]" * 100_000
BAD_BODIES = [
    (DEEP, "too-deep"),
    ('{"a":' * 40 + "1" + "}" * 40, "too-deep"),
    ("{nope", "bad-json"),
    ('{"mode": NaN}', "bad-json"),
    ('{"expires_in_hours": 1e999}', "bad-json"),
    ('{"question_count": ' + "9" * 5000 + "}", "bad-json"),
    ('{"title": "\\ud800"}', "bad-json"),
    (b'{"title": "\xff"}', "bad-json"),
]


def _no_crash_logged(caplog: pytest.LogCaptureFixture) -> None:
    crashes = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert crashes == [], [r.getMessage() for r in crashes]


# the parser itself ---------------------------------------------------------------------


def test_parse_json_limits_depth_and_refuses_what_json_does_not_define() -> None:
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(TooDeep, match="levels deep"):
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(TooDeep):
        parse_json(DEEP)  # RecursionError inside json, caught
    for raw in ("NaN", "-Infinity", "1e400", '"\\udc00"', '{"\\ud800": 1}', "{", "9" * 5000):
        with pytest.raises(InvalidJson):
            parse_json(raw)
    assert parse_json('"\\ud83d\\ude00"') == "\U0001f600"  # a proper pair is fine
    assert nesting_depth({"a": [1, {"b": []}]}, 10) == 4
    assert nesting_depth("x", 10) == 0


# every JSON route ----------------------------------------------------------------------


@pytest.mark.parametrize(("body", "code"), BAD_BODIES)
async def test_create_room_refuses_bad_json_with_400(
    client: Any, caplog: pytest.LogCaptureFixture, body: str | bytes, code: str
) -> None:
    resp = await client.post("/api/rooms", data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 400, await resp.text()
    reply = await resp.json()
    assert reply["error"] == code and reply["message"]
    _no_crash_logged(caplog)


async def test_every_json_route_uses_the_limited_parser(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    room = await create_room(client, mode="scripted", media="audio")
    base = f"/api/rooms/{room['room_id']}"
    for method, path, role in (
        ("POST", "/api/rooms", "candidate"),
        ("POST", f"{base}/clips", "candidate"),
        ("PUT", f"{base}/review/ratings", "candidate"),
        ("POST", f"{base}/review/comments", "reviewer"),
    ):
        headers = {"Authorization": f"Bearer {room['tokens'][role]}"}
        deep = "[" * 30_000 + "]" * 30_000  # under the small-body limit, far too deep
        resp = await client.request(method, path, data=deep, headers=headers)
        assert resp.status == 400, (path, resp.status, await resp.text())
        assert (await resp.json())["error"] == "too-deep", path
        if path != "/api/rooms":  # small bodies only: a rating, a comment, a clip's metadata
            big = json.dumps({"text": "x" * 70_000})
            resp = await client.request(method, path, data=big, headers=headers)
            assert resp.status == 413, (path, resp.status)
            assert (await resp.json())["error"] == "too-large"
    _no_crash_logged(caplog)


# signaling frames ----------------------------------------------------------------------


async def _closed(ws: Any) -> list[dict[str, Any]]:
    frames = []
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            frames.append(json.loads(msg.data))
    return frames


async def test_deep_frame_after_hello_closes_the_socket_with_1007(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    room = await create_room(client)
    ws = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    await ws.send_json({"type": "hello", "version": 1, "token": room["tokens"]["interviewer"]})
    assert (await ws.receive_json(timeout=5))["type"] == "welcome"
    await ws.send_str('{"type":"ping","t":' + "[" * 30_000 + "]" * 30_000 + "}")
    frames = await _closed(ws)
    assert ws.close_code == 1007
    error = frames[-1]
    assert error["type"] == "error" and error["code"] == "too-deep" and error["fatal"] is True
    _no_crash_logged(caplog)


async def test_deep_or_surrogate_hello_closes_with_1007(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    room = await create_room(client)
    for frame, code in (
        ("[" * 20_000 + "]" * 20_000, "too-deep"),
        ('{"type":"hello","version":1,"token":"\\ud800\\ud800\\ud800"}', "bad-json"),
    ):
        ws = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
        await ws.send_str(frame)
        frames = await _closed(ws)
        assert ws.close_code == 1007, frame[:40]
        assert frames[-1]["code"] == code
    _no_crash_logged(caplog)


# tokens (L1) -----------------------------------------------------------------------------


def test_tokens_are_checked_for_shape_before_hashing() -> None:
    assert well_formed(new_token())
    for bad in ("short", "x" * 65, "\ud800" * 20, "a" * 20 + "\n", "é" * 20, "a b" * 8):
        assert not well_formed(bad), repr(bad)


async def test_a_malformed_token_is_refused_like_a_wrong_one(client: Any, app: Any) -> None:
    room = await create_room(client)
    with pytest.raises(Forbidden):
        await authorize(app[STORE], room["room_id"], "\ud800" * 20)  # UnicodeEncodeError before
    resp = await client.get(
        f"/api/rooms/{room['room_id']}", headers={"Authorization": "Bearer " + "é" * 20}
    )
    assert resp.status == 403


# headers on every response (L2, L3, M7) --------------------------------------------------

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


async def test_unknown_paths_and_redirects_carry_the_security_headers(client: Any) -> None:
    page = await client.get("/nonexistent", headers={"Accept": "text/html"})
    assert page.status == 404
    assert page.content_type == "text/html"
    html = await page.text()
    assert 'data-error-code="no-such-page"' in html and "Page not found" in html
    api = await client.get("/api/nonexistent")
    assert api.status == 404 and (await api.json())["error"] == "no-such-page"
    wrong_method = await client.delete("/api/banks")
    assert wrong_method.status == 405 and "GET" in wrong_method.headers["Allow"]
    room = await create_room(client, mode="scripted", media="audio")
    redirect = await client.get(
        f"/rooms/{room['room_id']}?token={room['tokens']['reviewer']}", allow_redirects=False
    )
    assert redirect.status == 302
    static = await client.get("/static/nope.css")
    for resp in (page, api, wrong_method, redirect, static):
        for name in SECURITY_HEADERS:
            assert name in resp.headers, (resp.url, name)
    assert redirect.headers["Cache-Control"] == "no-store"
    assert api.headers["Cache-Control"] == "no-store"


async def test_csp_connects_to_self_only_and_token_pages_are_not_stored(client: Any) -> None:
    room = await create_room(client)
    page = await client.get(f"/rooms/{room['room_id']}?token={room['tokens']['candidate']}")
    assert page.status == 200
    csp = page.headers["Content-Security-Policy"]
    assert "connect-src 'self';" in csp and "ws:" not in csp and "wss:" not in csp
    assert page.headers["Cache-Control"] == "no-store"
    info = await client.get(
        f"/api/rooms/{room['room_id']}",
        headers={"Authorization": f"Bearer {room['tokens']['candidate']}"},
    )
    assert info.headers["Cache-Control"] == "no-store"
    home = await client.get("/")
    assert "no-store" not in home.headers.get("Cache-Control", "")
    assert "Strict-Transport-Security" not in home.headers  # plain http, no https public URL


async def test_hsts_when_the_public_url_is_https(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", public_url="https://mock.example.org")
    client = await aiohttp_client(create_app(settings))
    for path in ("/", "/nonexistent", "/healthz"):
        resp = await client.get(path)
        assert resp.headers["Strict-Transport-Security"].startswith("max-age="), path


# Origin with its scheme (L5) --------------------------------------------------------------


async def test_origin_with_another_scheme_is_refused(client: Any) -> None:
    room = await create_room(client)
    own = str(client.make_url("")).rstrip("/")
    assert own.startswith("http://")
    https_twin = "https://" + own.split("://", 1)[1]
    for path in (
        f"/ws/rooms/{room['room_id']}",
        f"/ws/rooms/{room['room_id']}/notes/shared?token={room['tokens']['candidate']}",
    ):
        ws = await client.ws_connect(path, headers={"Origin": own})
        await ws.close()
    signaling = await client.get(
        f"/ws/rooms/{room['room_id']}",
        headers=upgrade_from(https_twin),
    )
    assert signaling.status == 403
    notes = await client.ws_connect(
        f"/ws/rooms/{room['room_id']}/notes/shared",
        params={"token": room["tokens"]["candidate"]},
        headers={"Origin": https_twin},
    )
    await notes.receive(timeout=5)
    assert notes.close_code == 4403


def test_trust_proxy_needs_a_public_url() -> None:
    with pytest.raises(ConfigError, match="MOCKROOM_PUBLIC_URL"):
        load_settings(environ={"MOCKROOM_TRUST_PROXY": "1"})
    env = {"MOCKROOM_TRUST_PROXY": "1", "MOCKROOM_PUBLIC_URL": "https://m.example"}
    assert load_settings(environ=env).trust_proxy


# titles and calendar text (L4) --------------------------------------------------------------


def test_titles_lose_control_characters_and_ics_escapes_a_lone_cr() -> None:
    assert clean_title("Mock\rATTENDEE:mailto:evil@example.com\r") == (
        "Mock ATTENDEE:mailto:evil@example.com"
    )
    assert clean_title("a\x00b\u202ec\td\n") == "abc d"
    assert escape_text("a\rb\r\nc\nd") == "a\\nb\\nc\\nd"


async def test_invite_has_no_injected_line(client: Any) -> None:
    room = await create_room(
        client,
        title="Mock\rATTENDEE:mailto:evil@example.com\r",
        scheduled_at="2027-01-05T10:00:00Z",
    )
    assert room["title"] == "Mock ATTENDEE:mailto:evil@example.com"
    resp = await client.get(
        f"/api/rooms/{room['room_id']}/invite.ics",
        headers={"Authorization": f"Bearer {room['tokens']['interviewer']}"},
    )
    body = await resp.read()
    assert resp.status == 200
    lines = body.split(b"\r\n")
    assert not any(line.startswith(b"ATTENDEE") for line in lines)
    assert b"\r" not in b"".join(lines)


async def test_title_of_only_control_characters_is_refused(client: Any) -> None:
    resp = await client.post("/api/rooms", json={"title": "\r\n\x00"})
    assert resp.status == 400 and (await resp.json())["error"] == "invalid-room"


# aiohttp's own parse errors, on a live server ---------------------------------------------


async def _raw_request(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    reply = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    await writer.wait_closed()
    return reply


async def test_parse_errors_are_one_warning_line(live_server: LiveServer) -> None:
    long_header = b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 20_000 + b"\r\n\r\n"
    bad_line = b"GET /\x00 HTTP/1.1 what\r\nHost: x\r\n\r\n"
    bad_version = b"GET / HTTP/9.9.9\r\nHost: x\r\n\r\n"
    for data in (long_header, bad_line, bad_version):
        reply = await _raw_request(live_server.port, data)
        assert reply.split(b" ", 2)[1] == b"400", reply[:80]
    # The server still serves, and its log has one warning per bad request and no traceback.
    healthy = await _raw_request(live_server.port, b"GET /healthz HTTP/1.0\r\n\r\n")
    assert b"200" in healthy.split(b"\r\n", 1)[0]
    log = live_server.log()
    assert "Traceback" not in log
    warnings = [line for line in log.splitlines() if "bad HTTP request" in line]
    assert len(warnings) == 3, log[-3000:]
    assert all(line.split(" ", 2)[1] == "warning" for line in warnings)


def test_parse_error_filter_passes_other_records() -> None:
    record = logging.makeLogRecord({"msg": "Unhandled exception", "levelno": logging.ERROR})
    assert ParseErrorFilter().filter(record) and record.msg == "Unhandled exception"


async def test_notes_step1_with_a_garbage_state_vector_closes_1002(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    room = await create_room(client)
    ws = await client.ws_connect(
        f"/ws/rooms/{room['room_id']}/notes/shared", params={"token": room["tokens"]["candidate"]}
    )
    await ws.send_bytes(codec.sync_step1(b"\xff\xff\xff"))
    async for _ in ws:
        pass
    assert ws.close_code == 1002
    _no_crash_logged(caplog)


async def test_hsts_when_the_request_came_over_tls(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data"))
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*self_signed(tmp_path))
    site = web.TCPSite(runner, "127.0.0.1", port, ssl_context=context)
    await site.start()
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"https://127.0.0.1:{port}/", ssl=False) as resp,
        ):
            assert resp.status == 200
            assert resp.headers["Strict-Transport-Security"] == "max-age=31536000"
    finally:
        await runner.cleanup()


def test_no_route_reads_a_json_body_without_the_limits() -> None:
    """`request.json()` has no depth limit (a 500 on `[[[[…`); routes use jsonbody.read_json."""
    package = Path(__file__).resolve().parents[1] / "server" / "mockroom"
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "request.json(" in line
    ]
    assert offenders == [], offenders
