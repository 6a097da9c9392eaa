"""Speech recognition cost and accuracy on the fixture set, next to a baseline from the same run.

    .venv/bin/python bench/asr.py [--repeat N]

Each fixture sentence (tests/support/speech.py: espeak-ng, synthesised here) is encoded as a
browser would upload it (WebM/Opus 48 kHz) and transcribed the way the server does it
(speech/audio.py decode + speech/sphinx.py). Per take we measure thread CPU time, so the
figures are per core whatever else the machine runs:

- baseline: decoding alone (PyAV Opus -> 16 kHz mono) with the null recogniser;
- pocketsphinx: decoding + recognition; real-time factor = CPU seconds / audio seconds;
- word error rate against the text that was spoken.

"Takes per minute on 2 cores" is 2 / RTF minutes of audio a minute: how much recorded speech a
2-core server can transcribe in the time it takes to speak it (recognition runs after upload,
in asr_workers threads, so it never competes with the live interviewer beyond that).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "server"), str(REPO / "tests")]

from mockroom.speech.audio import clip_pcm  # noqa: E402
from mockroom.speech.recognizer import RATE, NullRecognizer, Recognizer  # noqa: E402
from mockroom.speech.sphinx import SphinxRecognizer  # noqa: E402
from results import figure, write  # noqa: E402
from support.speech import (  # noqa: E402
    FIXTURES,
    SPHINX_WER_BOUND,
    silence,
    speech_samples,
    webm_opus,
    word_error_rate,
)


def measure(recognizer: Recognizer, path: Path) -> tuple[float, float, str]:
    """(audio seconds, CPU seconds for decode + recognition, words heard)."""
    started = time.thread_time()
    pcm = clip_pcm(path)
    words = recognizer.transcribe(pcm)
    return len(pcm) / 2 / RATE, time.thread_time() - started, " ".join(w.text for w in words)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2, help="passes over the fixture set")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mockroom-asr-"))
    clips = []
    for i, text in enumerate(FIXTURES):
        folder = tmp / str(i)
        folder.mkdir()
        audio = np.concatenate((silence(0.5), speech_samples(folder, [text]), silence(0.5)))
        path = folder / "take.webm"
        path.write_bytes(webm_opus(audio))
        clips.append((text, path))
    sphinx = SphinxRecognizer()
    sphinx.transcribe(b"\0\0" * RATE)  # load the model outside the timings (once per thread)
    rows = []
    for name, recognizer in (("baseline: decode only", NullRecognizer()), ("pocketsphinx", sphinx)):
        audio_s = cpu_s = 0.0
        errors = []
        for _ in range(args.repeat):
            for text, path in clips:
                a, c, heard = measure(recognizer, path)
                audio_s, cpu_s = audio_s + a, cpu_s + c
                errors.append(word_error_rate(text, heard))
        rtf = cpu_s / audio_s
        rows.append(
            {
                "backend": name,
                "audio_s": round(audio_s, 1),
                "cpu_s": round(cpu_s, 2),
                "rtf": round(rtf, 3),
                "cpu_ms_per_audio_s": round(1000 * rtf, 1),
                "audio_min_per_min_2_cores": round(2 / rtf, 1),
                "wer": round(sum(errors) / len(errors), 3),
            }
        )
    print(f"{'backend':24} {'RTF':>7} {'CPU ms/s':>9} {'min/min, 2 cores':>17} {'WER':>6}")
    for r in rows:
        print(
            f"{r['backend']:24} {r['rtf']:7.3f} {r['cpu_ms_per_audio_s']:9.1f} "
            f"{r['audio_min_per_min_2_cores']:17.1f} {r['wer']:6.2f}"
        )
    print(f"(WER bound the tests hold pocketsphinx to: {SPHINX_WER_BOUND}; the baseline hears "
          "nothing, so its WER is 1.0)")  # fmt: skip
    print(json.dumps({"bench": "asr", "rows": rows}))
    base, sphinx_row = rows
    write("asr", [
        figure("rtf", "pocketsphinx: CPU s per audio s (RTF)", float(str(sphinx_row["rtf"])), "",
               baseline="decode only", baseline_value=float(str(base["rtf"]))),
        figure("wer", "pocketsphinx: word error rate", float(str(sphinx_row["wer"])), "",
               max_value=SPHINX_WER_BOUND),
    ])  # fmt: skip
    return 0 if float(str(rows[1]["wer"])) <= SPHINX_WER_BOUND else 1


if __name__ == "__main__":
    sys.exit(main())
