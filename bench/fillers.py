"""Can pocketsphinx count planted filler words? Measured on espeak-ng fixtures, per set-up.

    .venv/bin/python bench/fillers.py

Each clip is built from separately synthesised pieces (tests/support/speech.py's espeak-ng
voice), so every planted filler's time is known, then encoded as a browser uploads it
(WebM/Opus) and decoded the way the server does (speech/audio.py). Clips with no filler, and
clips full of words that share a filler's sounds ("some", "from", "them", "her", "were"), count
false alarms. Set-ups:

- the server's recogniser (speech/sphinx.py: the wheel's en-us model, language model on):
  fillers it writes as words;
- keyword spotting, one pass per filler, over a grid of thresholds (pocketsphinx `kws`): the
  threshold with the fewest errors (misses + false alarms), and its clips counted exactly.

A clip is exact when the count is right and every planted filler is found where it was said.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "server"), str(REPO / "tests")]

from mockroom.speech.audio import clip_pcm  # noqa: E402
from mockroom.speech.feedback import hesitation  # noqa: E402
from mockroom.speech.sphinx import SphinxRecognizer  # noqa: E402
from support.speech import FIXTURES, espeak_wav, read_mono, silence, webm_opus  # noqa: E402

FILLERS = ("um", "uh", "er", "ah")
CLIPS = (
    ("um", "so I led the migration", "uh", "and we finished early"),
    ("I led the migration of our billing system.", "um", "We finished the project early."),
    ("The result was", "uh", "that customers were happy and", "um", "the team learned a lot."),
    ("um", "my task was to", "uh", "reduce the cost of the service by ten percent."),
    ("some of them came from", "um", "another team"),
    ("her first job was", "er", "to work with the customer"),
    ("we were", "er", "the first to come up with a problem statement"),
    ("so", "ah", "we built it and then", "ah", "we shipped it"),
    ("From time to time some problems come up.",),
    ("Her team were the first customers to work with us.",),
    *((text,) for text in FIXTURES),
)
THRESHOLDS = (1e-3, 1e-1, 1e1, 1e3, 1e5, 1e8)


def build(tmp: Path) -> list[tuple[list[tuple[str, float, float]], bytes]]:
    """(planted fillers with their times, 16 kHz PCM as the server decodes it) per clip."""
    out = []
    for i, pieces in enumerate(CLIPS):
        parts, at, planted = [silence(0.5)], 0.5, []
        for j, piece in enumerate(pieces):
            audio = read_mono(espeak_wav(piece, tmp / f"{i}-{j}.wav"))
            if piece in FILLERS:
                planted.append((piece, at, at + len(audio) / 48_000))
            parts.append(audio)
            at += len(audio) / 48_000
        path = tmp / f"{i}.webm"
        path.write_bytes(webm_opus(np.concatenate([*parts, silence(0.5)])))
        out.append((planted, clip_pcm(path)))
    return out


def score(planted: list[tuple[float, float]], found: list[tuple[float, float]]) -> dict[str, int]:
    hit = sum(any(s < b and a < e for s, e in found) for a, b in planted)
    exact = int(hit == len(planted) == len(found))
    return {"planted": len(planted), "found": len(found), "missed": len(planted) - hit,
            "false": max(0, len(found) - hit), "exact": exact}  # fmt: skip


def total(rows: list[dict[str, int]]) -> dict[str, int]:
    return {k: sum(r[k] for r in rows) for k in rows[0]}


def recogniser_counts(clips: list[Any]) -> dict[str, dict[str, int]]:
    sphinx = SphinxRecognizer()
    heard = [sphinx.transcribe(pcm) for _, pcm in clips]
    out = {}
    for filler in FILLERS:
        rows = []
        for (planted, _), words in zip(clips, heard, strict=True):
            found = [(w.start_s, w.end_s) for w in words if hesitation(w.text) == filler]
            rows.append(score([(a, b) for f, a, b in planted if f == filler], found))
        out[filler] = total(rows)
    return out


def spotting(clips: list[Any], tmp: Path) -> dict[str, dict[str, Any]]:
    from pocketsphinx import Decoder

    out = {}
    for filler in FILLERS:
        best: dict[str, Any] | None = None
        for threshold in THRESHOLDS:
            (tmp / "kws").write_text(f"{filler} /{threshold:g}/\n")
            decoder = Decoder(loglevel="FATAL", kws=str(tmp / "kws"))
            rows = []
            for planted, pcm in clips:
                decoder.start_utt()
                decoder.process_raw(pcm, full_utt=True)
                decoder.end_utt()
                found = [
                    (s.start_frame / 100, (s.end_frame + 1) / 100) for s in decoder.seg() or ()
                ]
                rows.append(score([(a, b) for f, a, b in planted if f == filler], found))
            counts = total(rows)
            row: dict[str, Any] = {"threshold": f"{threshold:g}", **counts}
            errors = counts["missed"] + counts["false"]
            if best is None or errors < best["missed"] + best["false"]:
                best = row
        assert best is not None
        out[filler] = best
    return out


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="mockroom-fillers-"))
    clips = build(tmp)
    result: dict[str, Any] = {"clips": len(clips), "recogniser": recogniser_counts(clips),
              "keyword_spotting_best": spotting(clips, tmp)}  # fmt: skip
    print(f"{len(clips)} clips; per filler: planted, found, missed, false alarms, clips exact")
    for setup in ("recogniser", "keyword_spotting_best"):
        for filler, r in result[setup].items():
            extra = f" (threshold {r['threshold']})" if "threshold" in r else ""
            print(f"{setup:22} {filler:3} planted {r['planted']:2} found {r['found']:3} "
                  f"missed {r['missed']:2} false {r['false']:3} exact {r['exact']:2}/"
                  f"{len(clips)}{extra}")  # fmt: skip
    print(json.dumps({"bench": "fillers", **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
