"""Notes over the wire, in process: sync, roles, awareness, limits, concurrent opens, export."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from pycrdt import Doc, Map, Text, create_update_message

from mockroom.notes import NOTES_CONFIG, NOTES_HUB, NotesConfig, codec
from support.http import create_room
from support.notes import PyClient, connect, notes_path, refused


# codec ------------------------------------------------------------------------------------
def test_codec_round_trips() -> None:
    for value in (0, 1, 127, 128, 300, 2**32 - 1, 2**53):
        assert codec.read_var_uint(codec.write_var_uint(value), 0) == (
            value,
            len(codec.write_var_uint(value)),
        )
    message = codec.parse(codec.update_message(b"\x01\x02"))
    assert (message.kind, message.sub, message.payload) == (0, codec.SYNC_UPDATE, b"\x01\x02")
    entries = [
        codec.AwarenessEntry(7, 3, '{"user":{"name":"Ana"}}'),
        codec.AwarenessEntry(9, 1, "null"),
    ]
    assert codec.parse_awareness(codec.encode_awareness(entries)) == entries
    with pytest.raises(codec.CodecError):
        codec.parse(b"\x00\x02\x05ab")  # payload shorter than its length
    with pytest.raises(codec.CodecError):
        codec.parse(b"\x09")


def test_update_payload_reads_only_a_keystroke_header() -> None:
    for size in (1, 127, 128, 20_000):  # one- and multi-byte lengths
        update = bytes(range(256)) * (size // 256) + bytes(size % 256)
        assert codec.update_payload(codec.update_message(update)) == update
    # Every other message is left to `parse`.
    assert codec.update_payload(codec.sync_step1(b"\x00")) is None
    assert codec.update_payload(codec.awareness_message(b"\x00")) is None
    assert codec.update_payload(b"\x00\x02") is None  # too short: parse says why
    for truncated in (b"\x00\x02\x05ab", b"\x00\x02\x80", b"\x00\x02\xa0\x01x"):
        with pytest.raises(codec.CodecError):
            codec.update_payload(truncated)


def test_codec_matches_pycrdt() -> None:
    doc: Doc[Any] = Doc()
    doc.get("notes", type=Text).insert(0, "hello")
    update = doc.get_update()
    assert codec.update_message(update) == create_update_message(update)


# sync -------------------------------------------------------------------------------------
async def test_two_clients_edit_together_and_late_joiner_gets_everything(client: Any) -> None:
    room = await create_room(client)
    ana = await connect(client, room, "interviewer")
    ben = await connect(client, room, "candidate")
    ana.text.insert(0, "Hello")
    await ben.wait_text("Hello")
    ben.text.insert(5, " world")
    await ana.wait_text("Hello world")
    late = await connect(client, room, "observer")
    await late.wait_text("Hello world")
    for c in (ana, ben, late):
        await c.close()


async def test_three_clients_open_a_cold_document_at_the_same_instant(client: Any) -> None:
    room = await create_room(client)
    roles = ["interviewer", "candidate", "interviewer"]
    clients = await asyncio.gather(*(connect(client, room, r) for r in roles))
    for index, c in enumerate(clients):
        c.text.insert(0, str(index))
    for c in clients:

        def has_all(c: PyClient = c) -> bool:
            return sorted(str(c.text)) == ["0", "1", "2"]

        await c.wait_for(has_all)
    assert len({str(c.text) for c in clients}) == 1
    for c in clients:
        await c.close()


async def test_documents_of_a_room_are_separate(client: Any) -> None:
    room = await create_room(client)
    shared = await connect(client, room, "interviewer")
    code = await connect(client, room, "candidate", "code")
    shared.text.insert(0, "notes")
    code.text.insert(0, "print(1)")
    other = await connect(client, room, "candidate")
    await other.wait_text("notes")
    await shared.wait_text("notes")
    for c in (shared, code, other):
        await c.close()


# roles ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "doc", "code"),
    [
        ("candidate", "private-interviewer", 4403),
        ("interviewer", "private-candidate", 4403),
        ("observer", "private-interviewer", 4403),
        ("observer", "private-observer", 4403),
        ("candidate", "no-such-doc", 4403),
    ],
)
async def test_a_role_cannot_open_documents_it_does_not_have(
    client: Any, role: str, doc: str, code: int
) -> None:
    room = await create_room(client)
    close_code, _, received = await refused(client, notes_path(room, doc), room["tokens"][role])
    assert close_code == code
    assert received == 0  # closed before any sync message


async def test_wrong_or_missing_token_and_unknown_room_are_refused(client: Any) -> None:
    room = await create_room(client)
    assert (await refused(client, notes_path(room), "not-a-token"))[0] == 4403
    assert (await refused(client, notes_path(room), None))[0] == 4401
    unknown = {"room_id": "nope"}
    assert (await refused(client, notes_path(unknown), room["tokens"]["interviewer"]))[0] == 4404


async def test_foreign_origin_is_refused(client: Any) -> None:
    room = await create_room(client)
    result = await refused(
        client, notes_path(room), room["tokens"]["interviewer"], origin="https://evil.example"
    )
    assert result[0] == 4403


async def test_observer_reads_but_its_edits_are_neither_applied_nor_relayed(client: Any) -> None:
    room = await create_room(client)
    ana = await connect(client, room, "interviewer")
    obs = await connect(client, room, "observer")
    ana.text.insert(0, "A")
    await obs.wait_text("A")
    obs.text.insert(1, "OBSERVER")
    await obs.flush()  # the server has handled the observer's edit
    ana.text.insert(0, "B")  # a later edit: if the observer's had been relayed, it came first
    await obs.wait_for(lambda: str(obs.text).startswith("BA"))
    await ana.flush()  # anything relayed to ana before now has arrived
    assert str(ana.text) == "BA"
    fresh = await connect(client, room, "candidate")
    await fresh.wait_text("BA")
    for c in (ana, obs, fresh):
        await c.close()


async def test_private_notes_are_per_role(client: Any) -> None:
    room = await create_room(client)
    mine = await connect(client, room, "interviewer", "private-interviewer")
    mine.text.insert(0, "secret")
    await mine.close()
    again = await connect(client, room, "interviewer", "private-interviewer")
    await again.wait_text("secret")
    theirs = await connect(client, room, "candidate", "private-candidate")
    await theirs.flush()  # synced (connect waits for it), and nothing else is on its way
    assert theirs.synced.is_set() and str(theirs.text) == ""
    await again.close()
    await theirs.close()


# awareness --------------------------------------------------------------------------------
async def test_awareness_reaches_late_joiners_and_is_removed_on_leave(client: Any) -> None:
    room = await create_room(client)
    ana = await connect(client, room, "interviewer")
    state = '{"user":{"name":"Ana","role":"interviewer"}}'
    await ana.ws.send_bytes(
        codec.awareness_message(codec.encode_awareness([codec.AwarenessEntry(42, 1, state)]))
    )
    # Echoed to the sender as y-websocket's server does: a lone client's keep-alive.
    await ana.wait_for(lambda: any(d[0] == codec.MESSAGE_AWARENESS for d in ana.received))
    ben = await connect(client, room, "candidate")

    def awareness_seen(wanted: str) -> bool:
        for data in ben.received:
            if data[0] == codec.MESSAGE_AWARENESS:
                entries = codec.parse_awareness(codec.parse(data).payload)
                if any(e.client_id == 42 and e.state == wanted for e in entries):
                    return True
        return False

    await ben.wait_for(lambda: awareness_seen(state))
    await ana.close()
    await ben.wait_for(lambda: awareness_seen("null"))
    await ben.close()


# limits -----------------------------------------------------------------------------------
async def test_oversized_message_is_refused_and_nothing_is_lost(client: Any) -> None:
    room = await create_room(client)
    ana = await connect(client, room, "interviewer")
    ana.text.insert(0, "keep me")
    await ana.flush()  # stored
    ws = await client.ws_connect(notes_path(room), params={"token": room["tokens"]["candidate"]})
    await ws.send_bytes(codec.update_message(b"\x00" * (1536 * 1024)))
    while (msg := await ws.receive(timeout=5)).type == aiohttp.WSMsgType.BINARY:
        pass  # the sync step 1 the server sends on join
    assert msg.type == aiohttp.WSMsgType.CLOSE
    assert (msg.data, msg.extra) == (1009, "message too large (limit 1024 KiB)")
    fresh = await connect(client, room, "candidate")
    await fresh.wait_text("keep me")
    await ana.close()
    await fresh.close()


async def test_document_over_its_limit_is_refused(aiohttp_client: Any, app: Any) -> None:
    app[NOTES_CONFIG] = NotesConfig(max_document_bytes=20_000)
    client = await aiohttp_client(app)
    room = await create_room(client)
    ana = await connect(client, room, "interviewer")
    ana.text.insert(0, "x" * 15_000)
    await ana.flush()  # stored: the next edit is the one over the limit
    ana.text.insert(0, "y" * 10_000)
    await asyncio.wait_for(ana.closed(), 5)
    assert ana.ws.close_code == 1009
    fresh = await connect(client, room, "candidate")
    await fresh.wait_text("x" * 15_000)
    await fresh.close()


async def test_malformed_update_is_refused_before_it_is_stored(client: Any) -> None:
    room = await create_room(client)
    ws = await client.ws_connect(notes_path(room), params={"token": room["tokens"]["candidate"]})
    await ws.send_bytes(codec.update_message(b"\x05garbage"))
    async for _ in ws:
        pass
    assert ws.close_code == 1002
    fresh = await connect(client, room, "interviewer")
    fresh.text.insert(0, "fine")
    await fresh.wait_text("fine")
    await fresh.close()


# export -----------------------------------------------------------------------------------
async def test_export_has_shared_own_private_and_code_but_not_the_other_role(client: Any) -> None:
    room = await create_room(client, title="Screen with Ben")
    shared = await connect(client, room, "interviewer")
    shared.text.insert(0, "Talked about STAR.")
    mine = await connect(client, room, "interviewer", "private-interviewer")
    mine.text.insert(0, "Strong hire signal.")
    theirs = await connect(client, room, "candidate", "private-candidate")
    theirs.text.insert(0, "Ask about team size.")
    code = await connect(client, room, "candidate", "code")
    meta = code.doc.get("meta", type=Map)
    code.text.insert(0, "def f():\n    return 1\n")
    meta["language"] = "python"
    for py in (shared, mine, theirs, code):
        await py.flush()  # every edit is stored before the export reads them

    resp = await client.get(
        f"/api/rooms/{room['room_id']}/notes.md", params={"token": room["tokens"]["interviewer"]}
    )
    assert resp.status == 200
    assert resp.content_type == "text/markdown"
    assert "attachment" in resp.headers["Content-Disposition"]
    body = await resp.text()
    assert "# Screen with Ben" in body
    assert "Talked about STAR." in body
    assert "Strong hire signal." in body
    assert "Ask about team size." not in body
    assert "```python\ndef f():\n    return 1\n```" in body

    resp = await client.get(
        f"/api/rooms/{room['room_id']}/notes.md",
        headers={"Authorization": f"Bearer {room['tokens']['candidate']}"},
    )
    body = await resp.text()
    assert "Ask about team size." in body and "Strong hire signal." not in body
    observer = await client.get(
        f"/api/rooms/{room['room_id']}/notes.md", params={"token": room["tokens"]["observer"]}
    )
    body = await observer.text()
    assert "Talked about STAR." in body
    assert "Strong hire signal." not in body and "Ask about team size." not in body
    assert (await client.get(f"/api/rooms/{room['room_id']}/notes.md")).status == 401
    for c in (shared, mine, theirs, code):
        await c.close()


async def test_flush_returns_once_the_server_stored_every_edit_sent_before(
    client: Any, app: Any
) -> None:
    """The barrier the tests use instead of sleeping (support.notes.PyClient.flush)."""
    room = await create_room(client)
    ana = await connect(client, room, "interviewer")
    key = (room["room_id"], "shared")
    for word in ("one ", "two ", "three"):
        ana.text.insert(len(ana.text), word)
    await ana.flush()
    stored = await app[NOTES_HUB].storage.load(*key)
    doc: Doc[Any] = Doc()
    for update in ([stored.snapshot] if stored.snapshot else []) + stored.updates:
        doc.apply_update(update)
    assert str(doc.get("notes", type=Text)) == "one two three"
    await ana.close()


# lifecycle --------------------------------------------------------------------------------
async def test_idle_document_is_compacted_unloaded_and_reloaded(
    aiohttp_client: Any, app: Any
) -> None:
    app[NOTES_CONFIG] = NotesConfig(idle_unload_s=0.0, maintenance_interval_s=0.05)
    client = await aiohttp_client(app)
    room = await create_room(client)
    ana = await connect(client, room, "interviewer")
    for word in ("one ", "two ", "three"):
        ana.text.insert(len(ana.text), word)
    await ana.flush()
    hub = app[NOTES_HUB]
    key = (room["room_id"], "shared")
    assert key in hub.rooms
    await ana.close()
    # The maintenance timer unloads it: no event says so, so poll the hub's state (bounded).
    for _ in range(50):
        if key not in hub.rooms:
            break
        await asyncio.sleep(0.05)
    assert key not in hub.rooms
    assert await hub.storage.log_length(*key) == 0  # the log became one snapshot
    assert (await hub.storage.load(*key)).snapshot is not None
    again = await connect(client, room, "candidate")
    await again.wait_text("one two three")
    again.text.insert(0, ">> ")
    await again.flush()
    assert await hub.storage.log_length(*key) == 1
    await again.close()
