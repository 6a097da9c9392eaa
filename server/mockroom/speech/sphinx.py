"""The default recogniser: CMU PocketSphinx 5 with the en-us model shipped inside its wheel.

A Decoder takes ~0.3 s to load, so it is made on the first take in the worker process
(speech.worker) and kept; the object itself is small and pickles (the server hands it to each
worker process without loading the model in the server).
Batch mode (`full_utt=True`) normalises the whole clip's cepstra at once, which is what a finished
recording allows and is more accurate than the live per-frame estimate.
"""

from __future__ import annotations

import re
from typing import Any

from .recognizer import RecognizerUnavailable, Word

FRAMES_PER_S = 100  # pocketsphinx's default frame rate (-frate)
# Markers, not words: sentence bounds, silence, and the model's noise "fillers".
NOT_WORDS = re.compile(r"^(<s>|</s>|<sil>|\[.*\]|\+\+.*\+\+)$")
ALTERNATE = re.compile(r"\(\d+\)$")  # "are(2)": the second pronunciation of "are"


class SphinxRecognizer:
    name = "pocketsphinx"

    def __init__(self) -> None:
        try:
            import pocketsphinx  # noqa: F401  (checked at start-up, loaded per thread)
        except ImportError as exc:
            raise RecognizerUnavailable(
                "MOCKROOM_ASR_BACKEND=pocketsphinx needs the pocketsphinx package "
                "(pip install pocketsphinx; it is a dependency of mockroom)."
            ) from exc
        self._loaded: Any = None  # the Decoder, once loaded (in the worker process)

    def __getstate__(self) -> dict[str, Any]:
        return {"_loaded": None}  # a Decoder does not pickle; each process loads its own

    def _decoder(self) -> Any:
        if self._loaded is None:
            from pocketsphinx import Decoder

            self._loaded = Decoder(loglevel="FATAL")  # the model from the wheel; quiet on stderr
        return self._loaded

    def transcribe(self, pcm: bytes) -> list[Word]:
        if len(pcm) < 2:
            return []
        decoder = self._decoder()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        words = []
        for seg in decoder.seg():
            if NOT_WORDS.match(seg.word):
                continue
            text = ALTERNATE.sub("", seg.word).lower()
            start = seg.start_frame / FRAMES_PER_S
            end = (seg.end_frame + 1) / FRAMES_PER_S
            words.append(Word(text, round(start, 2), round(end, 2), round(float(seg.prob), 3)))
        return words
