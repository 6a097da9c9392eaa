"""An optional neural voice for the scripted interviewer: piper-tts with a voice already on disk.

espeak-ng stays the default. `MOCKROOM_TTS_VOICE=/path/voice.onnx` (its `voice.onnx.json` beside
it, as Piper voices ship) makes the interviewer speak with that voice, through piper-tts
(`pip install 'mockroom[tts-neural]'`). Nothing is ever downloaded: a missing package, file or
config, or a voice that does not load, is logged once and espeak-ng speaks instead.

`open_voice` checks what it can cheaply at start-up; the model (tens of MB, seconds to load)
loads on the first line rendered, in the rendering thread, never on the event loop.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

FALLBACK = "the interviewer speaks with espeak-ng instead"


class VoiceUnavailable(RuntimeError):
    """The neural voice cannot speak here; the message says why."""


class NeuralVoice:
    """One Piper voice. `synthesise` blocks (call it in a thread); thread-safe."""

    def __init__(self, path: Path, config: Path) -> None:
        self.path = path
        self.config = config
        stat = path.stat()
        # Part of the cache key: another voice file (or a new version of it) renders anew.
        ident = f"piper\0{path.name}\0{stat.st_size}\0{int(stat.st_mtime)}"
        self.key = hashlib.sha256(ident.encode()).hexdigest()[:16]
        self._loaded: Any = None
        self._lock = threading.Lock()

    def _voice(self) -> Any:
        with self._lock:
            if self._loaded is None:
                from piper import PiperVoice

                try:  # no download_dir: Piper only reads the files it is given
                    self._loaded = PiperVoice.load(self.path, config_path=self.config)
                except Exception as exc:  # onnxruntime and Piper raise assorted errors
                    raise VoiceUnavailable(f"the voice {self.path} did not load: {exc}") from exc
            return self._loaded

    def synthesise(self, text: str) -> tuple[np.ndarray, int]:
        """(int16 mono samples, their rate) for `text`; VoiceUnavailable on any failure."""
        voice = self._voice()
        try:
            chunks = list(voice.synthesize(text))
        except Exception as exc:
            raise VoiceUnavailable(f"the voice {self.path.name} failed: {exc}") from exc
        if not chunks:
            raise VoiceUnavailable(f"the voice {self.path.name} produced no audio")
        audio = b"".join(chunk.audio_int16_bytes for chunk in chunks)
        return np.frombuffer(audio, dtype=np.int16).copy(), int(chunks[0].sample_rate)


def open_voice(path: Path | None) -> NeuralVoice | None:
    """The configured voice, or None (logged) when it cannot be used: espeak-ng speaks."""
    if path is None:
        return None
    try:
        import piper  # noqa: F401  (checked now, loaded on first use)
    except ImportError:
        log.error(
            "MOCKROOM_TTS_VOICE is set but piper-tts is not installed "
            f"(pip install 'mockroom[tts-neural]'): {FALLBACK}"
        )
        return None
    config = path.with_name(path.name + ".json")
    try:
        if not path.is_file():
            raise VoiceUnavailable(f"no voice file at {path}")
        json.loads(config.read_text(encoding="utf-8"))
        return NeuralVoice(path, config)
    except (OSError, ValueError, VoiceUnavailable) as exc:
        reason = f"no readable voice config at {config}" if path.is_file() else str(exc)
        log.error(f"MOCKROOM_TTS_VOICE: {reason}: {FALLBACK}")
        return None
