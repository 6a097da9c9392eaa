"""Optional recogniser: faster-whisper (CTranslate2) with a model directory already on disk.

Enabled only by MOCKROOM_ASR_BACKEND=faster-whisper plus MOCKROOM_ASR_MODEL_DIR (a converted
model: `model.bin`, `config.json`, tokenizer). The package is imported here, lazily, so MockRoom
never depends on it; `local_files_only=True` and a directory path mean it can never download.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from .recognizer import RATE, RecognizerUnavailable, Word


class WhisperRecognizer:
    name = "faster-whisper"

    def __init__(self, model_dir: Path | None, threads: int = 1) -> None:
        if model_dir is None:
            raise RecognizerUnavailable(
                "MOCKROOM_ASR_BACKEND=faster-whisper needs MOCKROOM_ASR_MODEL_DIR: a model "
                "directory already on disk (MockRoom never downloads one)."
            )
        if not (model_dir / "model.bin").is_file():
            raise RecognizerUnavailable(
                f"MOCKROOM_ASR_MODEL_DIR={model_dir} holds no model.bin: point it at a "
                "CTranslate2 Whisper model directory (e.g. a copy of Systran/faster-whisper-small)."
            )
        # Found, not imported: the package (CTranslate2) loads in the worker process only.
        if importlib.util.find_spec("faster_whisper") is None:
            raise RecognizerUnavailable(
                "MOCKROOM_ASR_BACKEND=faster-whisper needs the faster-whisper package "
                "(pip install faster-whisper) in MockRoom's environment."
            )
        self.model_dir = model_dir
        self.threads = threads
        self._loaded: Any = None  # the WhisperModel, once loaded (in the worker process)

    def __getstate__(self) -> dict[str, Any]:
        return {"model_dir": self.model_dir, "threads": self.threads, "_loaded": None}

    def _model(self) -> Any:
        if self._loaded is None:
            from faster_whisper import WhisperModel

            self._loaded = WhisperModel(
                str(self.model_dir),
                device="cpu",
                compute_type="int8",
                cpu_threads=self.threads,
                local_files_only=True,
            )
        return self._loaded

    def transcribe(self, pcm: bytes) -> list[Word]:
        audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        if audio.size < RATE // 10:
            return []
        words: list[Word] = []
        segments, _info = self._model().transcribe(audio, language="en", word_timestamps=True)
        for segment in segments:
            for w in segment.words or []:
                text = w.word.strip().lower().strip('.,!?;:"')
                if text:
                    words.append(
                        Word(text, round(w.start, 2), round(w.end, 2), round(w.probability, 3))
                    )
        return words
