"""A peer room's review shows each take's transcript figures, and never the scripted
interviewer's "Speech figures: not measured" block (a peer room has no interviewer peer that
measures answers): in the review JSON, review.md and the review page."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from mockroom.app import create_app
from mockroom.settings import Settings
from mockroom.speech.transcripts import TRANSCRIPTS
from support.http import create_room
from support.speech import RECOGNITION_WAIT_S, PlantedRecognizer, silence, webm_opus
from support.ws import join, next_of


def bearer(room: dict[str, Any], link: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {room['tokens'][link]}"}


async def test_peer_review_shows_transcript_figures_never_not_measured(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    app = create_app(Settings(data_dir=tmp_path / "d"))
    client = await aiohttp_client(app)
    app[TRANSCRIPTS].recognizer = PlantedRecognizer()  # before the pool starts
    room = await create_room(client, bank="behavioral", question_count=2, answer_seconds=600)
    rid = room["room_id"]
    ws = {}
    for link in ("interviewer", "candidate"):
        ws[link], _ = await join(client, room, link)
        await next_of(ws[link], "interview-state")

    async def act(link: str, action: str, **data: Any) -> None:
        await ws[link].send_json({"type": "interview", "action": action, "data": data})
        for socket in ws.values():
            await next_of(socket, "interview-state")

    await act("candidate", "recording", on=True)
    await act("interviewer", "start", skip_intro=True)
    await act("interviewer", "next", step="phase")  # answering question 1: recorded
    resp = await client.post(
        f"/api/rooms/{rid}/clips",
        json={"question": 1, "take": 1, "mime": "audio/webm;codecs=opus"},
        headers=bearer(room, "candidate"),
    )
    assert resp.status == 201, await resp.text()
    clip_id = (await resp.json())["clip_id"]
    base = f"/api/rooms/{rid}/clips/{clip_id}"
    audio = webm_opus(silence(2.0))  # the planted recogniser hears its words in any take
    put = await client.put(f"{base}/chunks/0", data=audio, headers=bearer(room, "candidate"))
    assert put.status == 200, await put.text()
    done = await client.post(f"{base}/finish", json={}, headers=bearer(room, "candidate"))
    assert done.status == 200
    await asyncio.wait_for(app[TRANSCRIPTS].idle(), RECOGNITION_WAIT_S)
    await act("interviewer", "next", step="question")  # question 2: never answered on record

    got = await client.get(f"/api/rooms/{rid}/review", headers=bearer(room, "candidate"))
    review = await got.json()
    assert review["mode"] == "peer" and len(review["questions"]) == 2
    for q in review["questions"]:
        assert "figures" not in q and "metrics" not in q, q  # the scripted-only block
    take = review["questions"][0]["clips"][0]
    keys = [f["key"] for f in take["transcript"]["feedback"]["figures"]]
    assert keys[:3] == ["wpm", "fillers_per_min", "longest_pause"]

    md_resp = await client.get(f"/api/rooms/{rid}/review.md", headers=bearer(room, "candidate"))
    md = await md_resp.text()
    assert "not measured" not in md and "Speech figures" not in md
    assert "Speaking figures, take 1:" in md and "- Filler words: 4 (" in md
    page = await client.get(f"/rooms/{rid}/review", params={"token": room["tokens"]["candidate"]})
    html = await page.text()
    assert page.status == 200 and 'data-testid="review-question"' in html
    assert "not measured" not in html and 'data-testid="speech-figures"' not in html
    for socket in ws.values():
        await socket.close()
