"""What a relayed signal costs the server: the sender's bytes forwarded, no deflate, one parse."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockroom.jsonbody import InvalidJson, parse_json
from mockroom.signaling import protocol
from mockroom.signaling.service import SIGNALING
from support.http import create_room
from support.ws import join, next_of

# Spaces, key order, a non-ASCII character and escapes that json.dumps would all write otherwise.
DATA_TEXT = '{ "description" : {"sdp": "v=0\\r\\no=- 1 \u00e9 \\u00e9\\/", "type": "offer"} }'


async def test_relayed_data_is_the_senders_text_byte_for_byte(client: Any) -> None:
    room = await create_room(client)
    a, wa = await join(client, room, "interviewer")
    b, wb = await join(client, room, "candidate")
    await next_of(a, "joined")
    await a.send_str(f'{{"type":"signal", "to": "{wb["participant_id"]}", "data": {DATA_TEXT}}}')
    while True:
        raw = await b.receive_str(timeout=5)
        if json.loads(raw)["type"] == "signal":
            break
    assert raw == (
        f'{{"type":"signal","from":"{wa["participant_id"]}","from_role":"interviewer",'
        f'"data":{DATA_TEXT}}}'
    )
    assert json.loads(raw)["data"] == json.loads(DATA_TEXT)
    await a.close()
    await b.close()


async def test_a_bad_signal_is_still_refused_with_its_reason(client: Any) -> None:
    room = await create_room(client)
    a, _ = await join(client, room, "interviewer")
    b, wb = await join(client, room, "candidate")
    bad = {"description": {"type": "offer", "sdp": 5}}
    await a.send_json({"type": "signal", "to": wb["participant_id"], "data": bad, "id": 7})
    error = await next_of(a, "error")
    assert error["id"] == 7 and "description" in error["message"] and not error["fatal"]
    await a.close()
    await b.close()


async def test_signaling_socket_declines_permessage_deflate(client: Any) -> None:
    """Browsers offer deflate on every socket; on a signaling frame of a few kB it cost the
    server more CPU than the rest of the relay (bench/signal_cpu.py), and saved no time."""
    room = await create_room(client)
    ws = await client.ws_connect(f"/ws/rooms/{room['room_id']}", compress=15)
    assert ws.compress == 0
    await ws.send_json({"type": "hello", "version": 1, "token": room["tokens"]["candidate"]})
    assert (await ws.receive_json(timeout=5))["type"] == "welcome"
    await ws.close()


SPAN_CASES = [
    "{}",
    ' { "a" : 1 , "b":[1,{"c":2}] } ',
    '{"a":1,"a":[2]}',
    '{"a":"\\u00e9\\n","b":null,"c":true,"d":-1.5e3}',
    "[1, 2]",
    '"text"',
    '{"a":1,}',
    '{"a" 1}',
    '{"a":1} x',
    "{",
    '{"a":NaN}',
    '{"a":1e999}',
    '{"a":"\\ud800"}',
    '{"a":' + "[" * 100 + "]" * 100 + "}",
    '{"a":tru}',
    "{1:2}",
    '{"a":"unterminated}',
]


def _outcome(raw: str, **kw: Any) -> Any:
    try:
        return parse_json(raw, what="Frame", **kw)
    except InvalidJson as exc:
        return type(exc), str(exc)


@pytest.mark.parametrize("raw", SPAN_CASES)
def test_parsing_with_spans_decodes_and_refuses_exactly_as_without(raw: str) -> None:
    spans: dict[str, tuple[int, int]] = {}
    got = _outcome(raw, spans=spans)
    assert got == _outcome(raw)
    if isinstance(got, dict):
        assert set(spans) == set(got)
        for key, (start, end) in spans.items():
            assert json.loads(raw[start:end]) == got[key]


def test_field_text_falls_back_to_encoding_a_plain_dict() -> None:
    assert protocol.field_text({"data": {"b": "é"}}, "data") == '{"b":"\\u00e9"}'
    message = protocol.parse_client_message('{"type":"ping", "t" : 1.50}')
    assert protocol.field_text(message, "t") == "1.50"


class _CountingStore:
    """Passes every call through to the real store and notes its name."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self.store, name)


async def test_a_relayed_signal_touches_no_storage(client: Any) -> None:
    """A single node relays from memory: no database read or write per signal (the link was
    read at the hello; links/cache.py re-reads it only after its backstop)."""
    room = await create_room(client)
    a, _ = await join(client, room, "interviewer")
    b, wb = await join(client, room, "candidate")
    signaling = client.app[SIGNALING]
    counting = _CountingStore(signaling.store)
    signaling.store = signaling.link_cache.store = counting
    for data in ({"description": {"type": "offer", "sdp": "v=0\r\n"}}, {"candidate": None}):
        await a.send_json({"type": "signal", "to": wb["participant_id"], "data": data})
        await next_of(b, "signal")
    assert counting.calls == []
    await a.close()
    await b.close()


async def test_a_relay_to_a_reading_socket_arms_no_send_timer(client: Any) -> None:
    """The send timeout guards a socket with a backlog (tests/test_slow_reader.py); a frame
    into an empty transport buffer cannot wait, so it goes out without a timer per frame."""
    room = await create_room(client)
    a, _ = await join(client, room, "interviewer")
    b, wb = await join(client, room, "candidate")
    target = client.app[SIGNALING].rooms[room["room_id"]].get(wb["participant_id"])
    offer = {"description": {"type": "offer", "sdp": "v=0\r\n" + "a=x\r\n" * 2000}}
    for data in (offer, {"candidate": None}):
        await a.send_json({"type": "signal", "to": wb["participant_id"], "data": data})
        await next_of(b, "signal")
    assert target.peer.timed_sends == 0
    await a.close()
    await b.close()
