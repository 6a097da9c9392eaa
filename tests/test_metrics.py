"""GET /metrics: off without a token, Bearer-guarded, and every figure moves with real traffic."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from mockroom.app import create_app
from mockroom.settings import Settings
from support.http import create_room
from support.notes import PyClient

TOKEN = "metrics-s3cret"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def scrape(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = await client.get("/metrics", headers=auth(TOKEN))
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(await resp.text()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def join(client: Any, room: dict[str, Any], role: str) -> Any:
    ws = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    await ws.send_json({"type": "hello", "version": 1, "token": room["tokens"][role]})
    while (msg := json.loads(await ws.receive_str(timeout=10)))["type"] != "welcome":
        assert msg["type"] != "error", msg
    return ws


async def test_no_metrics_endpoint_without_a_token(client: Any) -> None:
    resp = await client.get("/metrics")
    assert resp.status == 404


async def test_metrics_need_the_bearer_token(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", metrics_token=TOKEN)
    client = await aiohttp_client(create_app(settings))
    for headers in ({}, auth("wrong"), {"Authorization": TOKEN}):
        resp = await client.get("/metrics", headers=headers)
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert "mockroom_" not in await resp.text()
    assert (
        "mockroom_live_rooms 0.0"
        in await (await client.get("/metrics", headers=auth(TOKEN))).text()
    )


async def test_figures_follow_rooms_notes_uploads_and_errors(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", metrics_token=TOKEN, tts="off")
    client = await aiohttp_client(create_app(settings))
    before = await scrape(client)
    assert before[("mockroom_live_rooms", ())] == 0
    assert before[("mockroom_scripted_sessions", ())] == 0

    peer = await create_room(client)
    interviewer = await join(client, peer, "interviewer")
    candidate = await join(client, peer, "candidate")
    scripted = await create_room(client, mode="scripted", media="audio", bank="behavioral")
    solo = await join(client, scripted, "candidate")

    # Notes: an update is relayed only once stored, so the other side seeing it is the barrier.
    path = f"/ws/rooms/{peer['room_id']}/notes/shared"
    ana = await PyClient.connect(client, path, peer["tokens"]["interviewer"])
    ben = await PyClient.connect(client, path, peer["tokens"]["candidate"])
    await asyncio.wait_for(asyncio.gather(ana.synced.wait(), ben.synced.wait()), 5)
    ana.text.insert(0, "Hello")
    await ben.wait_text("Hello")

    candidate_auth = auth(scripted["tokens"]["candidate"])
    clips = f"/api/rooms/{scripted['room_id']}/clips"
    body = {"question_id": "conflict-with-teammate", "take": 1, "mime": "audio/webm;codecs=opus"}
    clip = await (await client.post(clips, json=body, headers=candidate_auth)).json()
    put = await client.put(
        f"{clips}/{clip['clip_id']}/chunks/0", data=b"x" * 1000, headers=candidate_auth
    )
    assert put.status == 200, await put.text()

    assert (await client.get("/api/rooms/ffffffffffff", headers=auth("nope"))).status == 404
    await interviewer.send_str("{not json")
    while json.loads(await interviewer.receive_str(timeout=5))["type"] != "error":
        pass  # interview and presence updates may come first

    after = await scrape(client)
    assert after[("mockroom_live_rooms", ())] == 2
    assert after[("mockroom_participants", (("role", "interviewer"),))] == 1
    assert after[("mockroom_participants", (("role", "candidate"),))] == 2
    assert after[("mockroom_scripted_sessions", ())] == 1
    assert after[("mockroom_scripted_session_cpu_cores", ())] >= 0
    assert after[("mockroom_notes_updates_total", ())] >= 1
    assert after[("mockroom_upload_bytes_total", ())] == 1000
    assert after[("mockroom_errors_total", (("code", "not-found"), ("transport", "http")))] == 1
    assert after[("mockroom_errors_total", (("code", "bad-json"), ("transport", "ws")))] == 1
    assert after[("process_cpu_seconds_total", ())] > 0

    for ws in (interviewer, candidate, solo):
        await ws.close()
    await ana.close()
    await ben.close()
