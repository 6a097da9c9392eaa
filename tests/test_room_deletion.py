"""Deleting a room now (its owner) or after it expired (the sweeper, `mockroom gc`): notes, events,
clips, report and links all gone, every later request 404, every open socket closed."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from mockroom.app import create_app
from mockroom.errors import NotFound
from mockroom.interview.service import INTERVIEWS
from mockroom.keys import SETTINGS, STORE
from mockroom.notes import NOTES_HUB
from mockroom.rooms.retention import retention_text, sweep_app
from mockroom.scripted.service import SCRIPTED
from mockroom.settings import Settings
from mockroom.signaling.service import SIGNALING
from support.clips import QUESTION, new_clip, put_chunk, scripted_room
from support.http import auth, create_room
from support.notes import connect, notes_path, refused
from support.paths import REPO
from support.ws import join, next_of


def rows_naming(db_path: Path, room_id: str) -> dict[str, int]:
    """Rows that mention the room in any column of any table of a SQLite file."""
    found: dict[str, int] = {}
    with sqlite3.connect(db_path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            if table.startswith("sqlite_"):
                continue
            columns = [c[1] for c in db.execute(f'PRAGMA table_info("{table}")')]
            where = " OR ".join(f'CAST("{c}" AS TEXT) LIKE ?' for c in columns)
            (count,) = db.execute(
                f'SELECT COUNT(*) FROM "{table}" WHERE {where}', [f"%{room_id}%"] * len(columns)
            ).fetchone()
            if count:
                found[table] = count
    return found


def stored_anywhere(app: Any, room_id: str) -> dict[str, int]:
    data_dir: Path = app[SETTINGS].data_dir
    found = rows_naming(data_dir / "mockroom.sqlite3", room_id)
    found.update(
        {f"notes.{k}": v for k, v in rows_naming(data_dir / "notes.sqlite3", room_id).items()}
    )
    if (data_dir / "recordings" / room_id).exists():
        found["recordings"] = 1
    return found


async def socket_end(ws: Any) -> tuple[list[dict[str, Any]], int]:
    """Signaling frames until the server closes the socket, and the close code."""
    frames = []
    while True:
        msg = await ws.receive(timeout=10)
        if msg.type == aiohttp.WSMsgType.TEXT:
            frames.append(msg.json())
        elif msg.type == aiohttp.WSMsgType.CLOSE:
            return frames, int(msg.data)
        elif msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return frames, int(ws.close_code or 0)


async def test_interviewer_deletes_a_peer_room_and_everything_goes(client: Any) -> None:
    app = client.app
    room = await create_room(client, bank="behavioral")
    rid, tokens = room["room_id"], room["tokens"]
    iv, _ = await join(client, room, "interviewer")
    cand, _ = await join(client, room, "candidate")
    await next_of(iv, "interview-state")
    await iv.send_json({"type": "interview", "action": "start", "data": {"skip_intro": True}})
    await next_of(iv, "interview-state")
    notes = await connect(client, room, "interviewer")
    private = await connect(client, room, "candidate", "private-candidate")
    notes.text += "SHARED-SECRET-NOTES"
    private.text += "PRIVATE-SECRET"
    await private.wait_text("PRIVATE-SECRET")
    observer_notes = await connect(client, room, "observer")
    await observer_notes.wait_text("SHARED-SECRET-NOTES")
    assert "events" in stored_anywhere(app, rid) and "notes.notes_updates" in stored_anywhere(
        app, rid
    )

    # Only the owner may delete.
    for role in ("candidate", "observer"):
        resp = await client.delete(f"/api/rooms/{rid}", headers=auth(tokens[role]))
        assert resp.status == 403
        assert "Only the interviewer" in (await resp.json())["message"]

    resp = await client.delete(f"/api/rooms/{rid}", headers=auth(tokens["interviewer"]))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["deleted"] is True

    # Open sockets: told, then closed with a final code.
    for ws in (iv, cand):
        frames, code = await socket_end(ws)
        assert code == 4404
        assert any(f.get("code") == "room-deleted" for f in frames)
    for py in (notes, private, observer_notes):
        await asyncio.wait_for(py.closed(), 10)
        assert py.ws.close_code == 4404

    # Every later request: 404.
    for role, token in tokens.items():
        for path in ("", "/report.md", "/notes.md", "/clips", "/review"):
            got = await client.get(f"/api/rooms/{rid}{path}", headers=auth(token))
            assert got.status == 404, (role, path, got.status)
        page = await client.get(f"/rooms/{rid}", params={"token": token})
        assert page.status == 404
        again = await client.delete(f"/api/rooms/{rid}", headers=auth(token))
        assert again.status == 404
    assert (await refused(client, notes_path(room), tokens["candidate"]))[0] == 4404
    ws, refusal = await join(client, room, "interviewer")
    assert refusal["type"] == "error" and refusal["code"] == "not-found"
    await ws.close()

    # Nothing stored, nothing held in memory.
    assert stored_anywhere(app, rid) == {}
    assert app[SIGNALING].live_room(rid) is None
    assert not [key for key in app[NOTES_HUB].rooms if key[0] == rid]
    assert rid not in app[INTERVIEWS].rooms
    # The server still makes and serves rooms.
    other = await create_room(client)
    assert (
        await client.get(
            f"/api/rooms/{other['room_id']}", headers=auth(other["tokens"]["observer"])
        )
    ).status == 200


async def test_candidate_deletes_a_scripted_room_with_its_recordings(client: Any) -> None:
    app = client.app
    room = await scripted_room(client)
    rid, tokens = room["room_id"], room["tokens"]
    clip = await new_clip(client, room)
    assert (await put_chunk(client, room, clip["clip_id"], 0, b"v" * 500)).status == 200
    rating = await client.put(
        f"/api/rooms/{rid}/review/ratings",
        json={"question_id": QUESTION, "item": 0, "rating": 3},
        headers=auth(tokens["candidate"]),
    )
    assert rating.status == 200, await rating.text()
    ws, _ = await join(client, room, "candidate")
    await next_of(ws, "scripted-state")
    assert rid in app[SCRIPTED].sessions
    recordings = app[SETTINGS].data_dir / "recordings" / rid
    assert any(recordings.iterdir())

    refusal = await client.delete(f"/api/rooms/{rid}", headers=auth(tokens["reviewer"]))
    assert refusal.status == 403 and "Only the candidate" in (await refusal.json())["message"]
    resp = await client.delete(f"/api/rooms/{rid}", headers=auth(tokens["candidate"]))
    assert resp.status == 200

    frames, code = await socket_end(ws)
    assert code == 4404 and frames[-1]["code"] == "room-deleted"
    assert rid not in app[SCRIPTED].sessions
    assert not recordings.exists()
    assert stored_anywhere(app, rid) == {}
    media = await client.get(clip["url"], headers=auth(tokens["candidate"]))
    assert media.status == 404


async def test_a_write_that_races_the_deletion_is_not_stored(client: Any) -> None:
    room = await create_room(client, bank="behavioral")
    store = client.app[STORE]
    await store.append_event(room["room_id"], "interview", {"type": "x"})
    resp = await client.delete(
        f"/api/rooms/{room['room_id']}", headers=auth(room["tokens"]["interviewer"])
    )
    assert resp.status == 200
    with pytest.raises(NotFound):
        await store.append_event(room["room_id"], "interview", {"type": "late"})
    assert await store.event_count(room["room_id"]) == 0


def age(app: Any, room_id: str, days: float) -> None:
    """Pretend the room was last used `days` ago."""
    app[STORE].connection.execute(
        "UPDATE room_activity SET last_used_at = ? WHERE room_id = ?",
        (time.time() - days * 86_400, room_id),
    )


async def test_any_authorised_access_counts_as_use(client: Any) -> None:
    room = await create_room(client)
    age(client.app, room["room_id"], 10)
    before = await client.app[STORE].last_used(room["room_id"])
    assert before is not None and before < time.time() - 9 * 86_400
    resp = await client.get(f"/api/rooms/{room['room_id']}", headers=auth("not-a-token"))
    assert resp.status == 403
    assert await client.app[STORE].last_used(room["room_id"]) == before  # a wrong token is no use
    await client.get(f"/api/rooms/{room['room_id']}", headers=auth(room["tokens"]["observer"]))
    after = await client.app[STORE].last_used(room["room_id"])
    assert after is not None and after > time.time() - 60


async def test_sweeper_deletes_rooms_unused_for_the_retention_time(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", retention_days=30, tts_cache_bytes=1000)
    client = await aiohttp_client(create_app(settings))
    app = client.app
    old, recent, busy = [await create_room(client, bank="behavioral") for _ in range(3)]
    notes = await connect(client, old, "interviewer")
    notes.text += "old notes"
    await notes.wait_text("old notes")
    await notes.close()
    for room in (old, busy):
        age(app, room["room_id"], 31)
    age(app, recent["room_id"], 29)
    ws, _ = await join(client, busy, "candidate")  # joining touches it...
    age(app, busy["room_id"], 31)  # ...so age it again: only the open socket keeps it
    tts = settings.data_dir / "tts"
    tts.mkdir(parents=True)
    for n in range(3):
        (tts / f"{n}.wav").write_bytes(b"w" * 600)

    report = await sweep_app(app)
    assert report.expired == [old["room_id"]]
    assert report.kept_in_use == [busy["room_id"]]
    assert sum(p.stat().st_size for p in tts.glob("*.wav")) <= 1000
    assert stored_anywhere(app, old["room_id"]) == {}
    gone = await client.get(f"/api/rooms/{old['room_id']}", headers=auth(old["tokens"]["observer"]))
    assert gone.status == 404
    for room in (recent, busy):
        resp = await client.get(
            f"/api/rooms/{room['room_id']}", headers=auth(room["tokens"]["observer"])
        )
        assert resp.status == 200
    await ws.close()


async def test_orphans_left_by_another_process_are_swept(client: Any) -> None:
    app = client.app
    room = await scripted_room(client)
    clip = await new_clip(client, room)
    await put_chunk(client, room, clip["clip_id"], 0, b"o" * 100)
    # Another process deleted the room row only (as a crash mid-deletion could leave it).
    app[STORE].connection.execute("DELETE FROM links WHERE room_id = ?", (room["room_id"],))
    app[STORE].connection.execute("DELETE FROM rooms WHERE id = ?", (room["room_id"],))
    report = await sweep_app(app)
    assert report.orphans == [room["room_id"]]
    assert stored_anywhere(app, room["room_id"]) == {}


def test_retention_wording() -> None:
    assert "30 days after it was last used" in retention_text(Settings())
    assert "1 day after" in retention_text(Settings(retention_days=1))
    assert "until their owner deletes them" in retention_text(Settings(retention_days=0))


async def test_pages_say_how_long_rooms_are_kept_and_offer_deletion(client: Any) -> None:
    peer = await create_room(client)
    page = await (
        await client.get(
            f"/rooms/{peer['room_id']}", params={"token": peer["tokens"]["interviewer"]}
        )
    ).text()
    assert "data-delete-room" in page
    cand_page = await (
        await client.get(f"/rooms/{peer['room_id']}", params={"token": peer["tokens"]["candidate"]})
    ).text()
    assert "data-delete-room" not in cand_page
    scripted = await scripted_room(client)
    page = await (
        await client.get(
            f"/rooms/{scripted['room_id']}", params={"token": scripted["tokens"]["candidate"]}
        )
    ).text()
    assert "data-delete-room" in page and "30 days after it was last used" in page
    review = await (
        await client.get(
            f"/rooms/{scripted['room_id']}/review",
            params={"token": scripted["tokens"]["candidate"]},
        )
    ).text()
    assert "data-delete-room" in review
    home = await (await client.get("/")).text()
    assert "30 days after it was last used" in home


def run_gc(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> str:
    import os

    result = subprocess.run(
        [sys.executable, "-m", "mockroom", "gc", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_mockroom_gc_runs_the_sweep_by_hand(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    client = await aiohttp_client(create_app(settings))
    old = await create_room(client, bank="behavioral")
    kept = await create_room(client, bank="behavioral")
    notes = await connect(client, old, "interviewer")
    notes.text += "to be collected"
    await notes.wait_text("to be collected")
    await notes.close()
    age(client.app, old["room_id"], 40)
    await client.close()  # gc works on the files, with or without a server

    dry = await asyncio.to_thread(run_gc, settings.data_dir, "--dry-run")
    assert f"would delete expired room {old['room_id']}" in dry and kept["room_id"] not in dry
    assert stored_anywhere_files(settings.data_dir, old["room_id"])
    out = await asyncio.to_thread(run_gc, settings.data_dir)
    assert f"deleted expired room {old['room_id']}" in out and "1 expired room(s) deleted" in out
    assert stored_anywhere_files(settings.data_dir, old["room_id"]) == {}
    assert rows_naming(settings.data_dir / "mockroom.sqlite3", kept["room_id"])
    # Retention off: nothing expires.
    age_file(settings.data_dir, kept["room_id"], 400)
    out = await asyncio.to_thread(run_gc, settings.data_dir, env={"MOCKROOM_RETENTION_DAYS": "0"})
    assert "0 expired room(s) deleted" in out


def stored_anywhere_files(data_dir: Path, room_id: str) -> dict[str, int]:
    found = rows_naming(data_dir / "mockroom.sqlite3", room_id)
    found.update(
        {f"notes.{k}": v for k, v in rows_naming(data_dir / "notes.sqlite3", room_id).items()}
    )
    return found


def age_file(data_dir: Path, room_id: str, days: float) -> None:
    with sqlite3.connect(data_dir / "mockroom.sqlite3") as db:
        db.execute(
            "UPDATE room_activity SET last_used_at = ? WHERE room_id = ?",
            (time.time() - days * 86_400, room_id),
        )


def test_gc_without_data_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockroom", "gc", "--data-dir", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 2 and "no MockRoom data" in result.stderr
