"""Chromium for the scripted-room browser tests: the built bundle, a spoken WAV as the fake
microphone, and autoplay allowed, so the interviewer's voice starts without a click.

conftest.py wraps these in module fixtures (`built_web`, `voice_wav`, `scripted_browser`)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from support.browser import CHROMIUM
from support.browser import CHROMIUM_FLAGS as BASE_FLAGS
from support.paths import WEB

CHROMIUM_FLAGS = [*BASE_FLAGS, "--autoplay-policy=no-user-gesture-required"]
ANSWER_TEXT = (
    "In my last team we disagreed about the release plan. I listened first, "
    "then we tried both options on a small scale, and the data decided."
)


def build_web() -> None:
    """The page bundles the server serves (web/static/build is not in git)."""
    subprocess.run(["node", "build.mjs"], cwd=WEB, check=True, capture_output=True)


def spoken_wav(folder: Path) -> Path:
    """A 48 kHz WAV of someone talking (espeak-ng, then sox), looped by Chromium as its mic."""
    raw, wav = folder / "raw.wav", folder / "voice.wav"
    subprocess.run(["espeak-ng", "-s", "160", "-w", str(raw), ANSWER_TEXT], check=True)
    subprocess.run(["sox", str(raw), "-r", "48000", "-c", "1", str(wav)], check=True)
    return wav


@contextmanager
def scripted_chromium(voice_wav: Path) -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={voice_wav}"],
        )
        try:
            yield browser
        finally:
            browser.close()
