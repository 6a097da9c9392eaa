"""Clip upload API: ordered, acknowledged, idempotent chunks that survive a restart.

Just over 400 lines: the WebM fixtures and probes at the top serve every test here (upload,
remux, seeking, a cut-off take), and no other module needs them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import urllib.request
from pathlib import Path
from typing import Any

import av
import pytest

from mockroom.app import create_app
from mockroom.recordings.clips import MAX_CHUNK_BYTES
from mockroom.recordings.store import CLIPS
from mockroom.settings import Settings
from support.clips import QUESTION, RecorderRun, new_clip, put_chunk, run_recorder, scripted_room
from support.http import auth, create_room, make_room
from support.live_server import start_server, stop_server
from support.media import make_webm
from support.ws import join


def container_duration_ms(data: bytes) -> int | None:
    with av.open(io.BytesIO(data), mode="r") as container:
        return None if container.duration is None else round(container.duration / 1000)


def first_video_time_after_seek(data: bytes, seconds: float) -> float:
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        assert stream.time_base is not None
        container.seek(round(seconds / stream.time_base), stream=stream)
        frame = next(container.decode(stream))
        assert frame.time is not None
        return float(frame.time)


def probe(data: bytes) -> dict[str, Any]:
    """Frames per stream and the duration from the last packet's timestamp (WebM from a recorder
    has no duration in its header, so never trust the header or the file size)."""
    result: dict[str, Any] = {"video_frames": 0, "audio_frames": 0, "end": 0.0}
    with av.open(io.BytesIO(data), mode="r") as container:
        result["streams"] = sorted(s.type for s in container.streams)
        for frame in container.decode(*container.streams):
            if isinstance(frame, av.VideoFrame):
                result["video_frames"] += 1
            elif isinstance(frame, av.AudioFrame):
                result["audio_frames"] += 1
            if frame.time is not None:
                result["end"] = max(result["end"], float(frame.time))
    return result


async def test_chunks_in_order_duplicates_and_gaps(client: Any) -> None:
    room = await scripted_room(client)
    clip = await new_clip(client, room)
    assert clip["next_seq"] == 0 and clip["finished"] is False
    again = await new_clip(client, room)
    assert again["clip_id"] == clip["clip_id"]  # re-POST resumes the same clip

    resp = await put_chunk(client, room, clip["clip_id"], 0, b"a" * 10)
    assert resp.status == 200
    assert await resp.json() == {"received": 0, "bytes": 10, "next_seq": 1}
    resp = await put_chunk(client, room, clip["clip_id"], 1, b"b" * 5)
    assert (await resp.json())["bytes"] == 15
    # A retry of an acknowledged chunk is acknowledged again and its content ignored.
    resp = await put_chunk(client, room, clip["clip_id"], 0, b"zzzz")
    assert resp.status == 200
    assert (await resp.json())["bytes"] == 15
    # A gap: the server says where to resume.
    resp = await put_chunk(client, room, clip["clip_id"], 5, b"c")
    assert resp.status == 409
    body = await resp.json()
    assert body["expected"] == 2 and body["error"] == "out-of-order"

    info = await client.get(
        f"/api/rooms/{room['room_id']}/clips/{clip['clip_id']}/info",
        headers=auth(room["tokens"]["candidate"]),
    )
    assert (await info.json())["next_seq"] == 2

    resp = await client.post(
        f"/api/rooms/{room['room_id']}/clips/{clip['clip_id']}/finish",
        json={"duration_ms": 2000},
        headers=auth(room["tokens"]["candidate"]),
    )
    assert resp.status == 200
    finished = await resp.json()
    assert finished["finished"] is True and finished["duration_ms"] == 2000
    resp = await put_chunk(client, room, clip["clip_id"], 2, b"d")
    assert resp.status == 409
    assert (await resp.json())["error"] == "clip-finished"

    media = await client.get(f"{clip['url']}?token={room['tokens']['reviewer']}")
    assert media.status == 200
    assert await media.read() == b"a" * 10 + b"b" * 5

    listing = await client.get(
        f"/api/rooms/{room['room_id']}/clips", headers=auth(room["tokens"]["reviewer"])
    )
    [row] = await listing.json()
    assert row["clip_id"] == clip["clip_id"] and row["bytes"] == 15 and row["finished"] is True
    assert row["question_id"] == QUESTION and row["take"] == 1 and row["mime"].startswith("video/")


async def test_size_limits(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_recording_bytes=MAX_CHUNK_BYTES + 100)
    client = await aiohttp_client(create_app(settings))
    room = await scripted_room(client)
    clip = await new_clip(client, room)
    resp = await put_chunk(client, room, clip["clip_id"], 0, b"x" * (MAX_CHUNK_BYTES + 1))
    assert resp.status == 413
    # A large chunk under the per-chunk limit is fine (above the app's 4 MiB JSON body limit).
    resp = await put_chunk(client, room, clip["clip_id"], 0, b"x" * (5 * 1024 * 1024))
    assert resp.status == 200
    resp = await put_chunk(client, room, clip["clip_id"], 1, b"x" * (4 * 1024 * 1024))
    assert resp.status == 413
    assert (await resp.json())["error"] == "clip-too-large"


async def test_who_may_upload_and_read(client: Any) -> None:
    room = await scripted_room(client)
    other = await scripted_room(client)
    peer = await create_room(client, mode="peer", bank="behavioral")
    clip = await new_clip(client, room)
    base = f"/api/rooms/{room['room_id']}/clips"
    body = {"question_id": QUESTION, "take": 1, "mime": "audio/webm"}
    cand = room["tokens"]["candidate"]
    assert (await client.post(base, json=body)).status == 401
    for token in ("nope", room["tokens"]["reviewer"], other["tokens"]["candidate"]):
        assert (await client.post(base, json=body, headers=auth(token))).status == 403
        resp = await put_chunk(client, room, clip["clip_id"], 0, b"x", token=token)
        assert resp.status == 403
    # An observer (peer rooms) never reads recordings.
    peer_clips = f"/api/rooms/{peer['room_id']}/clips"
    assert (await client.get(peer_clips, headers=auth(peer["tokens"]["observer"]))).status == 403
    assert (await client.get(f"{clip['url']}?token={other['tokens']['reviewer']}")).status == 403
    assert (await client.get(clip["url"])).status == 401
    # Bad requests name the field.
    resp = await client.post(base, json={**body, "take": 0}, headers=auth(cand))
    assert resp.status == 400
    resp = await client.post(base, json={**body, "mime": "text/html"}, headers=auth(cand))
    assert resp.status == 400
    resp = await client.post(base, json={**body, "question_id": "not-in-bank"}, headers=auth(cand))
    assert resp.status == 400 and (await resp.json())["error"] == "unknown-question"


async def test_range_request(client: Any) -> None:
    room = await scripted_room(client)
    clip = await new_clip(client, room)
    payload = bytes(range(256)) * 40
    for seq, start in enumerate(range(0, len(payload), 3000)):
        resp = await put_chunk(client, room, clip["clip_id"], seq, payload[start : start + 3000])
        assert resp.status == 200
    resp = await client.get(
        clip["url"], headers={**auth(room["tokens"]["candidate"]), "Range": "bytes=100-1099"}
    )
    assert resp.status == 206
    assert resp.headers["Content-Range"] == f"bytes 100-1099/{len(payload)}"
    assert resp.headers.get("Accept-Ranges") == "bytes"
    assert resp.headers["Content-Type"] == "video/webm"
    assert await resp.read() == payload[100:1100]


async def test_restart_keeps_acknowledged_chunks(aiohttp_client: Any, settings: Settings) -> None:
    first = await aiohttp_client(create_app(settings))
    room = await scripted_room(first)
    clip = await new_clip(first, room)
    for seq in range(3):
        resp = await put_chunk(first, room, clip["clip_id"], seq, bytes([seq]) * 100)
        assert resp.status == 200
    await first.close()
    # Simulate a crash after a write that was never acknowledged: junk after the last chunk.
    path = settings.recordings_dir / room["room_id"] / f"{clip['clip_id']}.webm"
    with open(path, "ab") as file:
        file.write(b"junk-from-a-crash")

    second = await aiohttp_client(create_app(settings))
    again = await new_clip(second, room)
    assert again["clip_id"] == clip["clip_id"] and again["next_seq"] == 3 and again["bytes"] == 300
    assert (await put_chunk(second, room, clip["clip_id"], 3, b"\x03" * 100)).status == 200
    media = await second.get(clip["url"], headers=auth(room["tokens"]["candidate"]))
    assert await media.read() == b"".join(bytes([i]) * 100 for i in range(4))


async def test_reset_and_delete(client: Any, settings: Settings) -> None:
    room = await scripted_room(client)
    clip = await new_clip(client, room)
    await put_chunk(client, room, clip["clip_id"], 0, b"old recorder")
    # A reloaded page lost its recorder mid-take and starts the same take over.
    reset = await new_clip(client, room, reset=True)
    assert reset["clip_id"] == clip["clip_id"] and reset["next_seq"] == 0 and reset["bytes"] == 0
    await put_chunk(client, room, clip["clip_id"], 0, b"new")
    finish = f"/api/rooms/{room['room_id']}/clips/{clip['clip_id']}/finish"
    await client.post(finish, json={"duration_ms": 10}, headers=auth(room["tokens"]["candidate"]))
    # The flow re-opens a take cut off by a dropped connection: even a finished clip starts over.
    reset = await new_clip(client, room, reset=True)
    assert reset["finished"] is False and reset["bytes"] == 0 and reset["duration_ms"] is None
    await put_chunk(client, room, clip["clip_id"], 0, b"newer")
    # Without reset a re-POST only returns the clip as it is.
    assert (await new_clip(client, room))["bytes"] == 5
    second = await new_clip(client, room, take=2)
    assert second["clip_id"] != clip["clip_id"]
    await put_chunk(client, room, second["clip_id"], 0, b"take two")

    base = f"/api/rooms/{room['room_id']}/clips"
    assert (await client.delete(base, headers=auth(room["tokens"]["reviewer"]))).status == 403
    resp = await client.delete(base, headers=auth(room["tokens"]["candidate"]))
    assert resp.status == 200 and (await resp.json())["deleted"] == 2
    listing = await client.get(base, headers=auth(room["tokens"]["candidate"]))
    assert await listing.json() == []
    assert not (settings.recordings_dir / room["room_id"]).exists()
    assert (await client.get(clip["url"], headers=auth(room["tokens"]["candidate"]))).status == 404


async def test_real_webm_uploaded_in_chunks_probes_whole(client: Any) -> None:
    webm = make_webm(seconds=3.0)
    expected = probe(webm)
    assert expected["video_frames"] == 60 and expected["audio_frames"] > 100
    room = await scripted_room(client)
    clip = await new_clip(client, room)
    size = max(1, len(webm) // 7)
    for seq, start in enumerate(range(0, len(webm), size)):
        resp = await put_chunk(client, room, clip["clip_id"], seq, webm[start : start + size])
        assert resp.status == 200
        # Every other chunk is sent twice, as a browser retrying a lost acknowledgement would.
        if seq % 2:
            assert (await put_chunk(client, room, clip["clip_id"], seq, b"dup")).status == 200
    await client.post(
        f"/api/rooms/{room['room_id']}/clips/{clip['clip_id']}/finish",
        json={"duration_ms": 3000},
        headers=auth(room["tokens"]["candidate"]),
    )
    media = await client.get(clip["url"], headers=auth(room["tokens"]["candidate"]))
    got = probe(await media.read())
    assert got["streams"] == ["audio", "video"]
    assert got["video_frames"] == expected["video_frames"]
    assert got["audio_frames"] == expected["audio_frames"]
    assert got["end"] == pytest.approx(3.0, rel=0.1)


async def test_finished_clip_gets_a_duration_and_a_seek_index(client: Any) -> None:
    webm = make_webm(seconds=4.0, live=True)
    assert container_duration_ms(webm) is None  # what MediaRecorder uploads
    expected = probe(webm)
    room = await scripted_room(client)
    token = room["tokens"]["candidate"]
    clip = await new_clip(client, room)
    half = len(webm) // 2
    for seq, part in enumerate((webm[:half], webm[half:])):
        assert (await put_chunk(client, room, clip["clip_id"], seq, part)).status == 200
    resp = await client.post(
        f"/api/rooms/{room['room_id']}/clips/{clip['clip_id']}/finish",
        json={"duration_ms": 3900},
        headers=auth(token),
    )
    finished = await resp.json()
    data = await (await client.get(clip["url"], headers=auth(token))).read()
    # The remuxed file states its length, every frame is still there, and it seeks.
    assert container_duration_ms(data) == pytest.approx(4000, abs=100)
    assert finished["duration_ms"] == container_duration_ms(data)
    assert finished["bytes"] == len(data)
    assert probe(data)["video_frames"] == expected["video_frames"]
    assert probe(data)["audio_frames"] == expected["audio_frames"]
    assert first_video_time_after_seek(data, 2.0) == pytest.approx(2.0, abs=0.5)
    # Finishing again (a retried request) changes nothing.
    again = await client.post(
        f"/api/rooms/{room['room_id']}/clips/{clip['clip_id']}/finish",
        json={"duration_ms": 1},
        headers=auth(token),
    )
    assert (await again.json())["duration_ms"] == finished["duration_ms"]


async def test_unreadable_clip_is_kept_as_uploaded(client: Any) -> None:
    room = await scripted_room(client)
    token = room["tokens"]["candidate"]
    clip = await new_clip(client, room)
    junk = b"not a webm at all" * 100
    assert (await put_chunk(client, room, clip["clip_id"], 0, junk)).status == 200
    resp = await client.post(
        f"/api/rooms/{room['room_id']}/clips/{clip['clip_id']}/finish",
        json={"duration_ms": 1500},
        headers=auth(token),
    )
    assert resp.status == 200 and (await resp.json())["duration_ms"] == 1500
    assert await (await client.get(clip["url"], headers=auth(token))).read() == junk


def test_clip_rules_are_pure() -> None:
    from mockroom.errors import Conflict
    from mockroom.recordings.clips import ChunkAction, Clip, OutOfOrder, decide_chunk

    clip = Clip("c", "r", "q", 1, "audio/webm", 2, 20, 0.0, None, None, "webm")
    assert decide_chunk(clip, 1, 5, 100) is ChunkAction.DUPLICATE
    assert decide_chunk(clip, 2, 5, 100) is ChunkAction.APPEND
    with pytest.raises(OutOfOrder) as info:
        decide_chunk(clip, 3, 5, 100)
    assert info.value.expected == 2
    finished = dataclasses.replace(clip, finished_at=1.0)
    with pytest.raises(Conflict) as refused:
        decide_chunk(finished, 2, 5, 100)
    assert refused.value.status == 409


# recorder.js under faults: Node runs the real uploader against a live server, with a fake
# MediaRecorder (one chunk every 30 ms) and a fetch that drops requests and acknowledgements.
@pytest.mark.node
def test_recorder_js_loses_nothing_through_faults_and_a_restart(live_server: Any) -> None:
    room = make_room(live_server.url, mode="scripted", media="audio", bank="behavioral")
    run = RecorderRun(run_recorder(live_server, room))
    server = None
    try:
        run.until(lambda p: p["acked"] >= 5)  # uploading while it records
        stop_server(live_server)  # the server goes away mid-recording...
        at_kill = run.progress["total"]
        # ...the recorder keeps recording while it is gone (chunks wait, uploads retry)...
        run.until(lambda p: p["total"] >= at_kill + 5)
        server = start_server(live_server.data_dir, port=live_server.port)  # ...and comes back
        # Uploads resume after the restart: chunks recorded while the server was down arrive.
        run.until(lambda p: p["acked"] > at_kill + 5)
        # Enough PUTs that injected faults happened (one call in 9, 13 and 17 fails).
        run.until(lambda p: p["acked"] >= 40)
        report = run.stop()
        assert report["result"]["state"] == "saved", report["result"]
        assert report["chunks"] > at_kill + 5
        assert sum(report["faults"].values()) >= 3, report["faults"]
        req = urllib.request.Request(
            f"{server.url}/api/rooms/{room['room_id']}/clips",
            headers={"Authorization": f"Bearer {room['tokens']['candidate']}"},
        )
        with urllib.request.urlopen(req) as resp:
            [clip] = json.loads(resp.read())
        assert clip["finished"] and clip["next_seq"] == report["chunks"]
        with urllib.request.urlopen(
            f"{server.url}{clip['url']}?token={room['tokens']['candidate']}"
        ) as resp:
            assert resp.read().decode() == report["expected"]
    finally:
        run.close()
        if server is not None:
            stop_server(server)


async def test_a_take_cut_off_and_never_resumed_is_made_seekable_once_the_room_is_empty(
    client: Any, app: Any
) -> None:
    webm = make_webm(seconds=3.0, live=True)
    room = await scripted_room(client)
    app[CLIPS].idle_s = 0  # the room counts as idle at once (the default waits for a reload)
    ws, welcome = await join(client, room, "candidate")
    assert welcome["type"] == "welcome"
    clip = await new_clip(client, room)
    assert (await put_chunk(client, room, clip["clip_id"], 0, webm)).status == 200
    await ws.close()  # the tab closed mid-answer: no finish ever comes

    async def sealed() -> None:
        while not app[CLIPS].sealing:  # the leave hook runs once the server reads the close
            await asyncio.sleep(0)
        await asyncio.gather(*app[CLIPS].sealing)

    await asyncio.wait_for(sealed(), 20)
    token = room["tokens"]["candidate"]
    info = await (await client.get(f"{clip['url']}/info", headers=auth(token))).json()
    assert info["finished"]
    data = await (await client.get(clip["url"], headers=auth(token))).read()
    assert container_duration_ms(data) == pytest.approx(3000, abs=100)
    assert first_video_time_after_seek(data, 1.5) == pytest.approx(1.5, abs=0.5)


async def test_free_conversation_lists_no_clips(client: Any) -> None:
    """A peer room without a bank records nothing: its list is empty for each link (the room page
    asks on every join), and recording in it is still refused."""
    room = await create_room(client, mode="peer")
    base = f"/api/rooms/{room['room_id']}/clips"
    for token in room["tokens"].values():
        resp = await client.get(base, headers=auth(token))
        assert resp.status == 200 and await resp.json() == []
    assert (await client.get(base, headers=auth("nope"))).status == 403
    body = {"question_id": QUESTION, "take": 1, "mime": "audio/webm"}
    resp = await client.post(base, json=body, headers=auth(room["tokens"]["candidate"]))
    assert resp.status == 404
