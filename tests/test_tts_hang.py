"""An espeak-ng that hangs costs one line its voice, never the server's voice: the render is
killed after `render_timeout_s`, its line is text-only, and its slot is free for the next line.
Without the timeout a hung process held one of the `concurrent` slots for good, and every
`start` that needed its line waited PREPARE_TIMEOUT_S.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import psutil

from mockroom.scripted.tts import Tts, TtsLimits


def hanging_espeak(folder: Path, *, partial: bool) -> str:
    """A stand-in espeak-ng that never exits (after writing a few bytes, with `partial`)."""
    script = folder / "espeak-ng"
    head = "printf 'RIFF'\n" if partial else ""
    script.write_text(f"#!/bin/sh\n{head}exec sleep 600\n")
    script.chmod(0o755)
    return str(script)


def children() -> list[psutil.Process]:
    found: list[psutil.Process] = psutil.Process().children(recursive=True)
    return found


async def test_a_hung_espeak_is_killed_and_its_line_is_text_only(tmp_path: Path) -> None:
    limits = TtsLimits(concurrent=1, render_timeout_s=0.5)
    tts = Tts(tmp_path / "tts", limits=limits)
    real = shutil.which("espeak-ng")
    assert real is not None and tts.available
    for partial in (False, True):
        tts.executable = hanging_espeak(tmp_path, partial=partial)
        before = {p.pid for p in children()}
        # Bounded here too, so without the render timeout this fails instead of hanging.
        line = f"A line that never comes ({partial})."
        assert await asyncio.wait_for(tts.render(line), 10) is None
        assert {p.pid for p in children() if p.is_running()} <= before  # killed and reaped
        assert tts.duration_ms("A line that never comes.") > 0  # reading time: the flow goes on
    # The one slot (concurrent=1) is free again: the next line renders with the real voice.
    tts.executable = real
    speech = await tts.render("Tell me about a plan that changed.")
    assert speech is not None and speech.duration_ms > 500
