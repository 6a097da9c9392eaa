"""Speech fixtures synthesised here with espeak-ng (GPL-3.0 program; its output is ours, made in
the test, so nothing is committed), and the word error rate that scores a transcript.

espeak-ng's voice is hard for pocketsphinx's acoustic model (trained on human speech): the
American male voice `en-us+m1`, slow (100 words a minute) with 100 ms between words, is the
clearest we measured. Bounds in the tests are set from measurements, see SPHINX_WER_BOUND.
"""

from __future__ import annotations

import io
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from mockroom.speech.recognizer import Word
from support.http import auth, create_room

VOICE = ("-v", "en-us+m1", "-s", "100", "-g", "10")
# Measured on FIXTURES with pocketsphinx 5.1.1 through WebM/Opus: mean WER 0.60-0.65. The bound
# leaves room for codec noise; a broken pipeline (no words, wrong rate, wrong times) scores ~1.0.
SPHINX_WER_BOUND = 0.75
# Recognition is background work (nice 10, in a niced scheduling group of its own): on 2 cores
# shared with other test runs it gets little CPU, so waits for it are long. They end as soon as
# the work is done; only a hang uses them up.
RECOGNITION_WAIT_S = 420
RECOGNITION_TEST_TIMEOUT_S = 540

FIXTURES = (
    "I led the migration of our billing system. We finished the project two weeks early.",
    "The result was that customers were happy and the team learned a lot.",
    "My task was to reduce the cost of the service by ten percent this year.",
)


def espeak_wav(text: str, path: Path, *extra: str) -> Path:
    subprocess.run(["espeak-ng", *VOICE, *extra, "-w", str(path), "--", text], check=True)
    return path


def read_mono(path: Path, rate: int = 48_000) -> np.ndarray:
    """Any audio file as mono int16 at `rate`."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
    parts = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(parts).astype(np.int16)


def silence(seconds: float, rate: int = 48_000) -> np.ndarray:
    return np.zeros(int(seconds * rate), dtype=np.int16)


def speech_samples(tmp: Path, texts: list[str], gap_s: float = 0.0) -> np.ndarray:
    """Each text spoken in turn, `gap_s` of silence between them, 48 kHz mono."""
    parts: list[np.ndarray] = []
    for i, text in enumerate(texts):
        if i and gap_s:
            parts.append(silence(gap_s))
        parts.append(read_mono(espeak_wav(text, tmp / f"say-{i}.wav")))
    return np.concatenate(parts)


def webm_opus(samples: np.ndarray, rate: int = 48_000) -> bytes:
    """48 kHz mono int16 as WebM/Opus in 20 ms frames, as a browser's MediaRecorder sends it."""
    import io

    sink = io.BytesIO()
    with av.open(sink, "w", format="webm") as container:
        stream = container.add_stream("libopus", rate=rate)
        stream.layout = "mono"
        step = rate // 50
        for i in range(0, len(samples) - step + 1, step):
            frame = av.AudioFrame.from_ndarray(
                samples[i : i + step].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = rate
            frame.pts = i
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return sink.getvalue()


def normalise(text: str) -> list[str]:
    return [w.strip('.,!?;:"').lower() for w in text.split() if w.strip('.,!?;:"')]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by edit distance."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(1, len(ref))


PLANTED = "um so i led it uh and you know we shipped it like early"


class PlantedRecognizer:
    """Hears the planted words in any take, to check the pipeline's counts exactly. Defined here,
    not in a test, so a spawned worker process can unpickle it (tests/ is on its sys.path)."""

    name = "planted"

    def transcribe(self, pcm: bytes) -> list[Word]:
        return [Word(t, 0.5 + i * 0.4, 0.8 + i * 0.4, 0.9) for i, t in enumerate(PLANTED.split())]


# The clip API as a candidate's recorder uses it, and the review it feeds (transcript tests).
QUESTION = "conflict-with-teammate"


async def upload_take(
    client: Any, room: dict[str, Any], data: bytes, take: int = 1, question_id: str = QUESTION
) -> str:
    token = room["tokens"]["candidate"]
    resp = await client.post(
        f"/api/rooms/{room['room_id']}/clips",
        json={"question_id": question_id, "take": take, "mime": "audio/webm;codecs=opus"},
        headers=auth(token),
    )
    clip_id = str((await resp.json())["clip_id"])
    resp = await client.put(
        f"/api/rooms/{room['room_id']}/clips/{clip_id}/chunks/0",
        data=io.BytesIO(data),
        headers={**auth(token), "Content-Type": "application/octet-stream"},
    )
    assert resp.status == 200, await resp.text()
    resp = await client.post(
        f"/api/rooms/{room['room_id']}/clips/{clip_id}/finish", json={}, headers=auth(token)
    )
    assert resp.status == 200, await resp.text()
    return clip_id


async def review(client: Any, room: dict[str, Any]) -> dict[str, Any]:
    resp = await client.get(
        f"/api/rooms/{room['room_id']}/review", headers=auth(room["tokens"]["candidate"])
    )
    assert resp.status == 200
    data: dict[str, Any] = await resp.json()
    return data


def takes(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["clip_id"]: c["transcript"] for q in data["questions"] for c in q["clips"]}


async def audio_room(client: Any) -> dict[str, Any]:
    return await create_room(client, mode="scripted", media="audio", bank="behavioral")
