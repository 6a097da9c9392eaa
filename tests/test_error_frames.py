"""Errors are raised and rendered in one place; an error frame names the message it answers.

A client that tags a message with `id` gets that id back in the `error` frame the message caused
(Home Assistant's websocket_api does the same), so the browser knows which action failed instead
of guessing from timing. HTTP errors carry the extra fields an error has (`expected`).
"""

from __future__ import annotations

from typing import Any

from mockroom.errors import Conflict, ErrorReply, error_reply
from mockroom.recordings.clips import OutOfOrder
from mockroom.signaling import protocol
from support.http import create_room


async def join(client: Any, room: dict[str, Any], role: str) -> Any:
    ws = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    token = room["tokens"][role]
    await ws.send_json({"type": "hello", "version": 1, "token": token, "name": role.title()})
    assert (await ws.receive_json(timeout=5))["type"] == "welcome"
    return ws


async def next_error(ws: Any) -> dict[str, Any]:
    while True:
        msg: dict[str, Any] = await ws.receive_json(timeout=5)
        if msg["type"] == "error":
            return msg


async def test_an_error_frame_echoes_the_id_of_the_message_that_failed(client: Any) -> None:
    room = await create_room(client, bank_id="behavioral")
    ws = await join(client, room, "candidate")
    # Refused by the interview rules (a candidate cannot skip): the frame carries the id.
    await ws.send_json({"type": "interview", "action": "skip", "id": "act-7"})
    refused = await next_error(ws)
    assert refused["id"] == "act-7" and refused["fatal"] is False
    # Refused by the schema (an unknown field): the id is read from the frame's JSON.
    await ws.send_json({"type": "state", "bogus": 1, "id": 42})
    bad = await next_error(ws)
    assert (bad["code"], bad["id"]) == ("bad-message", 42)
    # No id sent, or not a usable one, or not JSON at all: no id comes back.
    await ws.send_json({"type": "interview", "action": "skip"})
    assert "id" not in await next_error(ws)
    await ws.send_json({"type": "interview", "action": "skip", "id": "x" * 65})
    assert "id" not in await next_error(ws)
    await ws.send_str("{not json")
    assert "id" not in await next_error(ws)
    # Still in the call: each of these was an error frame, not the end of the socket.
    await ws.send_json({"type": "ping", "t": 1})
    while (await ws.receive_json(timeout=5))["type"] != "pong":
        pass
    await ws.close()


async def test_a_fatal_error_frame_echoes_the_id_too(client: Any) -> None:
    room = await create_room(client)
    ws = await join(client, room, "interviewer")
    deep = "[" * 200 + "]" * 200
    await ws.send_str('{"type": "state", "id": "deep-1", "audio": ' + deep + "}")
    msg = await next_error(ws)
    # The frame could not be parsed at all (too deep), so there is no id to read.
    assert msg["code"] == "too-deep" and msg["fatal"] is True and "id" not in msg
    await ws.receive(timeout=5)
    assert ws.close_code == 1007


async def test_the_origin_refusal_is_raised_and_rendered_by_the_middleware(client: Any) -> None:
    room = await create_room(client)
    resp = await client.get(
        f"/ws/rooms/{room['room_id']}",
        headers={
            "Origin": "https://evil.example",
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    )
    assert resp.status == 403
    body = await resp.json()
    assert body == {"error": "forbidden-origin", "message": "This page's origin may not connect."}
    assert resp.headers["Content-Security-Policy"]  # the security headers are on it too


def test_extra_fields_travel_in_the_reply_and_the_frame() -> None:
    reply = error_reply(OutOfOrder(3))
    assert (reply.status, reply.code) == (409, "out-of-order")
    assert reply.body() == {"error": "out-of-order", "message": reply.message, "expected": 3}
    frame = protocol.error_frame(reply, id="c-1")
    assert frame["expected"] == 3 and frame["id"] == "c-1" and frame["type"] == "error"
    # The reply's own fields win over an extra of the same name.
    assert ErrorReply(409, 4409, "conflict", "m", {"error": "x"}).body()["error"] == "conflict"
    assert error_reply(Conflict("m")).extra == {}
