"""The signaling socket over a real WebSocket: handshake, presence, relay, errors, limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import WSMsgType

from mockroom.settings import Settings
from support.http import create_room
from support.ws import join, next_of

SDP_OFFER = {"description": {"type": "offer", "sdp": "v=0\r\n"}}


async def test_welcome_and_presence(client: Any) -> None:
    room = await create_room(client)
    a, welcome_a = await join(client, room, "interviewer")
    assert welcome_a["type"] == "welcome"
    assert welcome_a["role"] == "interviewer"
    assert welcome_a["ice_servers"] == []
    assert welcome_a["participants"] == []
    b, welcome_b = await join(client, room, "candidate")
    assert [p["role"] for p in welcome_b["participants"]] == ["interviewer"]
    joined = await next_of(a, "joined")
    assert joined["participant"]["id"] == welcome_b["participant_id"]
    assert "link" not in joined["participant"]
    await b.send_json({"type": "state", "audio": False})
    updated = await next_of(a, "updated")
    assert updated["participant"]["audio"] is False
    await b.close()
    left = await next_of(a, "left")
    assert left["participant_id"] == welcome_b["participant_id"]
    await a.close()


async def test_signal_relay_goes_only_to_its_target(client: Any) -> None:
    room = await create_room(client)
    a, wa = await join(client, room, "interviewer")
    b, wb = await join(client, room, "candidate")
    c, _ = await join(client, room, "observer")
    await a.send_json({"type": "signal", "to": wb["participant_id"], "data": SDP_OFFER})
    got = await next_of(b, "signal")
    assert got == {
        "type": "signal",
        "from": wa["participant_id"],
        "from_role": "interviewer",
        "data": SDP_OFFER,
    }
    await a.send_json({"type": "ping", "t": 1})
    await next_of(a, "pong")
    # The observer saw presence only, never the relayed offer.
    await c.send_json({"type": "ping", "t": 2})
    while True:
        msg = await c.receive_json(timeout=5)
        assert msg["type"] != "signal"
        if msg["type"] == "pong":
            break
    for ws in (a, b, c):
        await ws.close()


async def test_malformed_messages_get_error_frames_and_the_socket_survives(client: Any) -> None:
    room = await create_room(client)
    ws, _ = await join(client, room, "interviewer")
    await next_of(ws, "interview-state")  # sent on join; every frame after it answers ours
    bad = [
        ("{nope", "bad-json"),
        (json.dumps([1]), "bad-message"),
        (json.dumps({"type": "dance"}), "unknown-type"),
        (json.dumps({"type": "signal", "to": "x"}), "bad-message"),
        (json.dumps({"type": "signal", "to": "x", "data": {"sdp": 1}}), "protocol-error"),
        (json.dumps({"type": "state", "audio": "yes"}), "bad-message"),
        (json.dumps({"type": "ping", "t": True}), "bad-message"),
        (json.dumps({"type": "signal", "to": "nobody", "data": SDP_OFFER}), "unknown-peer"),
    ]
    for frame, code in bad:
        await ws.send_str(frame)
        msg = await ws.receive_json(timeout=5)
        assert msg["type"] == "error", frame
        assert msg["code"] == code, (frame, msg)
        assert msg["message"]
    await ws.send_json({"type": "ping", "t": 5})
    assert (await ws.receive_json(timeout=5))["type"] == "pong"
    await ws.close()


async def test_oversized_frame_closes_with_1009(client: Any) -> None:
    room = await create_room(client)
    ws, _ = await join(client, room, "interviewer")
    await ws.send_str(json.dumps({"type": "ping", "t": 1, "pad": "x" * 70_000}))
    msg = await ws.receive(timeout=5)
    while msg.type == WSMsgType.TEXT:
        msg = await ws.receive(timeout=5)
    assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
    assert ws.close_code == 1009


@pytest.mark.parametrize(
    ("token", "close_code"),
    [("wrong-token", 4403), ("", 4401)],
)
async def test_bad_tokens_are_refused(client: Any, token: str, close_code: int) -> None:
    room = await create_room(client)
    ws = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    await ws.send_json({"type": "hello", "version": 1, "token": token})
    err = await ws.receive_json(timeout=5)
    assert err["type"] == "error" and err["fatal"] is True
    await ws.receive(timeout=5)
    assert ws.close_code == close_code


async def test_unknown_room_and_handshake_errors(client: Any) -> None:
    room = await create_room(client)
    ws = await client.ws_connect("/ws/rooms/ffffffffffff")
    await ws.send_json({"type": "hello", "version": 1, "token": room["tokens"]["candidate"]})
    assert (await ws.receive_json(timeout=5))["code"] == "not-found"
    await ws.receive(timeout=5)
    assert ws.close_code == 4404

    ws = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    await ws.send_json({"type": "ping", "t": 1})
    assert (await ws.receive_json(timeout=5))["code"] == "hello-expected"

    ws = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    await ws.send_json({"type": "hello", "version": 99, "token": room["tokens"]["candidate"]})
    assert (await ws.receive_json(timeout=5))["code"] == "bad-version"


async def test_wrong_origin_is_refused(client: Any) -> None:
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
    own = await client.ws_connect(
        f"/ws/rooms/{room['room_id']}", headers={"Origin": str(client.make_url("")).rstrip("/")}
    )
    await own.send_json({"type": "hello", "version": 1, "token": room["tokens"]["candidate"]})
    assert (await own.receive_json(timeout=5))["type"] == "welcome"
    await own.close()


async def test_seats_role_taken_takeover_and_reconnect(client: Any) -> None:
    room = await create_room(client)
    first, w1 = await join(client, room, "candidate")
    second, err = await join(client, room, "candidate")
    assert err["code"] == "role-taken"
    await second.receive(timeout=5)
    assert second.close_code == 4409
    # The same tab coming back (same participant id) takes its seat back.
    again, w2 = await join(client, room, "candidate", participant_id=w1["participant_id"])
    assert w2["type"] == "welcome" and w2["participant_id"] == w1["participant_id"]
    replaced = await next_of(first, "replaced")
    assert replaced["message"]
    await first.receive(timeout=5)
    assert first.close_code == 4000
    # Another device may take over explicitly.
    other, w3 = await join(client, room, "candidate", takeover=True)
    assert w3["type"] == "welcome"
    await next_of(again, "replaced")
    await other.close()


async def test_observer_cap(aiohttp_client: Any, tmp_path: Any) -> None:
    from mockroom.app import create_app

    client = await aiohttp_client(create_app(Settings(data_dir=tmp_path, max_observers=1)))
    room = await create_room(client)
    o1, w1 = await join(client, room, "observer")
    assert w1["type"] == "welcome"
    _, err = await join(client, room, "observer")
    assert err["code"] == "room-full"
    assert "observers" in err["message"]
    await o1.close()


async def test_audio_room_never_reports_video(client: Any) -> None:
    room = await create_room(client, media="audio")
    a, wa = await join(client, room, "interviewer", media={"audio": True, "video": True})
    assert wa["room"]["media"] == "audio"
    b, wb = await join(client, room, "candidate")
    assert wb["participants"][0]["video"] is False
    await a.close()
    await b.close()


async def test_reviewer_cannot_join_live(client: Any) -> None:
    room = await create_room(client, mode="scripted", media="audio")
    _, err = await join(client, room, "reviewer")
    assert err["code"] == "not-live"
