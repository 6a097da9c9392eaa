"""Filler words counted exactly from a transcript, whatever spelling the recogniser uses, end to
end: a recorded take through the real clip API, worker process and review. pocketsphinx itself
does not hear espeak-ng's "um" and "uh" (measured in bench/fillers.py; README, Transcripts), so
the end-to-end count runs on a recogniser whose transcript is known."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np

from mockroom.app import create_app
from mockroom.settings import Settings
from mockroom.speech.feedback import DEFAULT_FILLERS, hesitation, speaking_feedback
from mockroom.speech.recognizer import Word
from mockroom.speech.transcripts import TRANSCRIPTS
from support.fillers import DEFAULT_LIST_COUNT, SCRIPT, ScriptRecognizer
from support.http import auth
from support.speech import (
    RECOGNITION_WAIT_S,
    audio_room,
    review,
    silence,
    speech_samples,
    takes,
    upload_take,
    webm_opus,
)


def words(text: str) -> list[Word]:
    return [Word(t, i * 0.5, i * 0.5 + 0.4, 0.9) for i, t in enumerate(text.split())]


def test_every_spelling_of_a_hesitation_counts_once() -> None:
    assert [hesitation(t) for t in ("umm", "uhm", "erm", "uhh", "err", "ahh", "hmmm")] == [
        "um", "um", "um", "uh", "er", "ah", "hmm",
    ]  # fmt: skip
    assert [hesitation(t) for t in ("um", "uh", "mum", "human", "hum", "her", "ha")] == [
        "um", "uh", "mum", "human", "hum", "her", "ha",
    ]  # fmt: skip
    fb = speaking_feedback(words(SCRIPT))
    assert [f for f, _ in fb.fillers] == ["um", "uh", "um", "uh", "um"]
    assert len(fb.fillers) == DEFAULT_LIST_COUNT
    # A list spelled differently matches the same sounds; "ah" only when listed.
    assert len(speaking_feedback(words(SCRIPT), fillers=("umm", "uhh", "ah")).fillers) == 6
    assert "ah" not in DEFAULT_FILLERS  # pocketsphinx says "ah" for other words (bench/fillers)


async def test_planted_fillers_are_counted_exactly_end_to_end(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    app = create_app(Settings(data_dir=tmp_path / "d"))
    client = await aiohttp_client(app)
    app[TRANSCRIPTS].recognizer = ScriptRecognizer()  # before the pool starts
    speech = speech_samples(tmp_path, [SCRIPT.replace(",", "").replace(".", "")])
    audio = webm_opus(np.concatenate((silence(0.5), speech, silence(0.5))))
    room = await audio_room(client)
    clip_id = await upload_take(client, room, audio)
    await asyncio.wait_for(app[TRANSCRIPTS].idle(), RECOGNITION_WAIT_S)
    view = takes(await review(client, room))[clip_id]
    assert view["status"] == "done" and view["backend"] == "script", view
    fillers = view["feedback"]["fillers"]
    assert [f[0] for f in fillers] == ["um", "uh", "um", "uh", "um"]
    # Each filler points at its own word in the clip, in order.
    starts = {w["text"]: w["start_s"] for w in view["words"]}
    assert fillers[0][1] == starts["Umm,"] and fillers[-1][1] == starts["Um."]
    resp = await client.get(
        f"/api/rooms/{room['room_id']}/review.md", headers=auth(room["tokens"]["candidate"])
    )
    assert f"- Filler words: {DEFAULT_LIST_COUNT} (" in await resp.text()
