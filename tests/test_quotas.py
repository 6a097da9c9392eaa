"""Storage limits (security review H4, L7): clip quotas per room and in total, clips only for the
room's questions, a cap on stored events, caps on pasted banks, clip bytes on disk before they
are acknowledged."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from mockroom.app import create_app
from mockroom.keys import STORE
from mockroom.recordings.store import CLIPS
from mockroom.settings import Settings, load_settings
from support.clips import QUESTION, RecorderRun, new_clip, put_chunk, run_recorder, scripted_room
from support.http import auth, create_room, make_room
from support.live_server import start_server, stop_server
from support.ws import join, next_of


async def client_with(aiohttp_client: Any, tmp_path: Path, **limits: Any) -> Any:
    return await aiohttp_client(create_app(Settings(data_dir=tmp_path / "data", **limits)))


async def test_room_quota_refuses_the_chunk_that_would_pass_it(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    client = await client_with(aiohttp_client, tmp_path, room_quota_bytes=2500)
    room = await scripted_room(client)
    clip = await new_clip(client, room)
    for seq in range(2):
        assert (await put_chunk(client, room, clip["clip_id"], seq, b"x" * 1000)).status == 200
    refused = await put_chunk(client, room, clip["clip_id"], 2, b"x" * 1000)
    assert refused.status == 413
    body = await refused.json()
    assert body["error"] == "room-quota" and "Delete recordings" in body["message"]
    # Nothing of the refused chunk was stored; a smaller one still fits.
    info = await client.get(
        f"/api/rooms/{room['room_id']}/clips/{clip['clip_id']}/info",
        headers=auth(room["tokens"]["candidate"]),
    )
    assert (await info.json())["bytes"] == 2000
    assert (await put_chunk(client, room, clip["clip_id"], 2, b"x" * 500)).status == 200
    # A full room starts no new take; another room is not affected.
    full = await client.post(
        f"/api/rooms/{room['room_id']}/clips",
        json={"question_id": QUESTION, "take": 2, "mime": "audio/webm"},
        headers=auth(room["tokens"]["candidate"]),
    )
    assert full.status == 413
    other = await scripted_room(client)
    other_clip = await new_clip(client, other)
    assert (await put_chunk(client, other, other_clip["clip_id"], 0, b"y" * 2000)).status == 200


async def test_total_quota_answers_507_with_a_message(aiohttp_client: Any, tmp_path: Path) -> None:
    client = await client_with(aiohttp_client, tmp_path, clips_quota_bytes=3000)
    rooms = [await scripted_room(client) for _ in range(2)]
    clips = [await new_clip(client, room) for room in rooms]
    ok = await put_chunk(client, rooms[0], clips[0]["clip_id"], 0, b"x" * 2000)
    assert ok.status == 200
    refused = await put_chunk(client, rooms[1], clips[1]["clip_id"], 0, b"x" * 2000)
    assert refused.status == 507
    body = await refused.json()
    assert body["error"] == "storage-full" and "storage for recordings is full" in body["message"]


async def test_free_disk_watermark(aiohttp_client: Any, tmp_path: Path) -> None:
    client = await client_with(aiohttp_client, tmp_path, min_free_disk_bytes=2**62)
    room = await scripted_room(client)
    resp = await client.post(
        f"/api/rooms/{room['room_id']}/clips",
        json={"question_id": QUESTION, "take": 1, "mime": "audio/webm"},
        headers=auth(room["tokens"]["candidate"]),
    )
    assert resp.status == 507


async def test_clips_need_a_question_of_the_rooms_bank(client: Any) -> None:
    # A peer room has no clips at all (404, access.scripted_only); made-up ids never get in.
    free = await create_room(client, mode="peer", media="video")  # no bank
    made_up = [
        await client.post(
            f"/api/rooms/{free['room_id']}/clips",
            json={"question_id": f"anything-{n}", "take": 1, "mime": "audio/webm"},
            headers=auth(free["tokens"]["candidate"]),
        )
        for n in range(3)
    ]
    assert [r.status for r in made_up] == [404, 404, 404]
    banked = await scripted_room(client)
    unknown = await client.post(
        f"/api/rooms/{banked['room_id']}/clips",
        json={"question_id": "anything-0", "take": 1, "mime": "audio/webm"},
        headers=auth(banked["tokens"]["candidate"]),
    )
    assert unknown.status == 400 and (await unknown.json())["error"] == "unknown-question"


async def test_chunk_is_on_disk_before_its_size_is_committed(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = await scripted_room(client)
    clip = await new_clip(client, room)
    db = client.app[STORE].connection
    seen: list[tuple[int, int]] = []
    real = os.fdatasync

    def fdatasync(fd: int) -> None:
        # At this moment the committed size must still be the old one.
        row = db.execute("SELECT bytes FROM clips WHERE id = ?", (clip["clip_id"],)).fetchone()
        seen.append((row[0], os.fstat(fd).st_size))
        real(fd)

    monkeypatch.setattr("mockroom.recordings.store.os.fdatasync", fdatasync)
    for seq in range(3):
        assert (await put_chunk(client, room, clip["clip_id"], seq, b"z" * 100)).status == 200
    assert seen == [(0, 100), (100, 200), (200, 300)]


async def test_acknowledged_bytes_missing_from_disk_are_reported(client: Any) -> None:
    room = await scripted_room(client)
    clip = await new_clip(client, room)
    for seq in range(2):
        assert (await put_chunk(client, room, clip["clip_id"], seq, b"z" * 100)).status == 200
    [path] = client.app[CLIPS].directory.rglob("*.webm")
    with open(path, "r+b") as file:  # what a power cut could leave: the last chunk never landed
        file.truncate(100)
    lost = await put_chunk(client, room, clip["clip_id"], 2, b"z" * 100)
    assert lost.status == 409
    body = await lost.json()
    assert body["error"] == "clip-data-lost" and "record this answer again" in body["message"]
    assert "expected" not in body  # the recorder must not try to resume into the hole


async def test_events_per_room_are_capped(aiohttp_client: Any, tmp_path: Path) -> None:
    client = await client_with(aiohttp_client, tmp_path, max_events_per_room=6)
    room = await create_room(client, bank="behavioral", think_seconds=300)
    ws, _ = await join(client, room, "interviewer")
    await next_of(ws, "interview-state")
    await ws.send_json({"type": "interview", "action": "start", "data": {"skip_intro": True}})
    await next_of(ws, "interview-state")  # 2 events: start, begin question
    for action in ("pause", "resume", "pause", "resume"):
        await ws.send_json({"type": "interview", "action": action})
        await next_of(ws, "interview-state")
    await ws.send_json({"type": "interview", "action": "pause"})
    error = await next_of(ws, "error")
    assert error["code"] == "event-limit" and "limit of 6" in error["message"]
    assert await client.app[STORE].event_count(room["room_id"]) == 6
    await ws.close()


def bank_toml(questions: int, text: str = "Tell me about a project.") -> str:
    blocks = "\n".join(
        f'[[questions]]\nid = "q{n}"\nkind = "behavioral"\ntext = "{text}"\n'
        for n in range(questions)
    )
    return f'id = "pasted"\ntitle = "Pasted"\n\n{blocks}'


async def test_pasted_banks_are_capped(aiohttp_client: Any, tmp_path: Path) -> None:
    client = await client_with(
        aiohttp_client, tmp_path, max_pasted_bank_bytes=4096, max_pasted_bank_questions=5
    )
    ok = await client.post("/api/rooms", json={"mode": "scripted", "bank_toml": bank_toml(5)})
    assert ok.status == 201
    many = await client.post("/api/rooms", json={"mode": "scripted", "bank_toml": bank_toml(6)})
    assert many.status == 400
    assert "at most 5" in (await many.json())["message"]
    big = await client.post(
        "/api/rooms", json={"mode": "scripted", "bank_toml": bank_toml(3, "x" * 1500)}
    )
    assert big.status == 413
    body = await big.json()
    assert body["error"] == "bank-too-large" and "at most 4096 bytes" in body["message"]


async def test_default_pasted_bank_limits_fit_a_shipped_bank(client: Any) -> None:
    text = (Settings().banks_dir / "software-engineering.toml").read_text()
    resp = await client.post("/api/rooms", json={"mode": "peer", "bank_toml": text})
    assert resp.status == 201, await resp.text()


def test_limits_are_settings() -> None:
    env = {
        "MOCKROOM_ROOM_QUOTA_BYTES": "1000",
        "MOCKROOM_CLIPS_QUOTA_BYTES": "0",
        "MOCKROOM_MAX_EVENTS_PER_ROOM": "10",
        "MOCKROOM_RETENTION_DAYS": "0.5",
        "MOCKROOM_TTS_MAX_CONCURRENT": "1",
    }
    s = load_settings(environ=env)
    assert (s.room_quota_bytes, s.clips_quota_bytes, s.max_events_per_room) == (1000, 0, 10)
    assert s.retention_days == 0.5 and s.tts_max_concurrent == 1
    with pytest.raises(ValueError, match="MOCKROOM_TTS_MAX_CONCURRENT"):
        load_settings(environ={"MOCKROOM_TTS_MAX_CONCURRENT": "0"})
    with pytest.raises(ValueError, match="MOCKROOM_ROOM_QUOTA_BYTES"):
        load_settings(environ={"MOCKROOM_ROOM_QUOTA_BYTES": "lots"})


@pytest.mark.node
def test_recorder_js_stops_at_once_on_full_storage_and_says_why(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", env={"MOCKROOM_CLIPS_QUOTA_BYTES": "3000"})
    try:
        room = make_room(server.url, mode="scripted", media="audio", bank="behavioral")
        # Record until the uploader reports the refusal (a 507 retried forever never gets there),
        # then stop: the take ends in that error, however fast this machine records.
        run = RecorderRun(run_recorder(server, room))
        try:
            run.until(lambda p: p["state"] == "error", timeout=60)
            result = run.stop()["result"]
        finally:
            run.close()
        assert result["state"] == "error"
        assert "storage for recordings is full" in result["error"]
    finally:
        stop_server(server)
