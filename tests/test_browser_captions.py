"""Live captions in Chromium: the candidate switches them on, answers through Chromium's fake
microphone (a WAV of espeak-ng fixture speech) and watches the caption line under the video fill
in with the answer's words; the line passes axe in light and dark mode; the choice is remembered
in this browser. Screenshots go to /tmp/shots-captions/ (or $MOCKROOM_SHOTS)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from support.axe import audit_page, axe_violations, describe_violations
from support.live_server import LiveServer
from support.scripted_browser import scripted_chromium
from support.scripted_pages import one_question_room
from support.speech import FIXTURES, espeak_wav, normalise

pytestmark = pytest.mark.browser

SPOKEN = FIXTURES[1]
SHOTS = Path(os.environ.get("MOCKROOM_SHOTS", "/tmp/shots-captions"))
# The caption line must show at least this many of the fixture's words (a final line; the
# aiortc test bounds the share of words, test_captions_live.py). Chromium loops the WAV.
WORDS_SHOWN = 4


@pytest.fixture(scope="module")
def captions_browser(
    tmp_path_factory: pytest.TempPathFactory, built_web: None
) -> Iterator[Browser]:
    """Chromium whose microphone says the fixture, with 1.5 s pauses, over and over."""
    folder = tmp_path_factory.mktemp("captions-wav")
    raw, wav = espeak_wav(SPOKEN, folder / "raw.wav"), folder / "mic.wav"
    subprocess.run(
        ["sox", str(raw), "-r", "48000", "-c", "1", str(wav), "pad", "0.5", "1.5"], check=True
    )
    with scripted_chromium(wav) as browser:
        yield browser


def test_the_caption_line_fills_in_while_the_candidate_answers(
    captions_browser: Browser, live_server: LiveServer
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    room = one_question_room(
        live_server.url,
        media="video",
        think_seconds=0,
        answer_seconds=120,  # ends long after the words appear: on a loaded machine they lag
    )
    page = audit_page(captions_browser)
    try:
        page.goto(room["links"]["candidate"])
        page.get_by_test_id("join-button").click()
        toggle, line = page.get_by_test_id("captions-toggle"), page.get_by_test_id("captions")
        expect(toggle).not_to_be_checked()  # off by default
        expect(line).to_be_hidden()
        toggle.check()
        expect(line).to_have_attribute("data-state", "waiting")
        expect(line).to_have_attribute("aria-live", "polite")
        page.get_by_test_id("accept-recording").click()
        expect(page.get_by_test_id("connection-state")).to_have_text("connected", timeout=15_000)
        page.get_by_test_id("start-interview").click()
        expect(line).to_have_attribute("data-state", "live", timeout=30_000)
        reference = set(normalise(SPOKEN))
        page.screenshot(path=str(SHOTS / "captions-live.png"))
        # The text is taken when it is seen: the line moves on (a new partial) meanwhile.
        shown = page.wait_for_function(
            """([words, least]) => {
              const line = document.querySelector('[data-testid="captions"]');
              if (line.classList.contains("placeholder")) return false;
              const heard = line.textContent.toLowerCase().split(/\\s+/);
              // Distinct words, as the assertion below counts them ("look look" is one).
              const known = new Set(heard.filter((w) => words.includes(w)));
              return known.size >= least && line.textContent;
            }""",
            arg=[sorted(reference), WORDS_SHOWN],
            timeout=100_000,  # seconds on an idle machine; the worker is niced below Chromium
            polling=200,
        )
        text = str(shown.json_value())
        assert len(set(normalise(text)) & reference) >= WORDS_SHOWN, text
        page.screenshot(path=str(SHOTS / "captions-light.png"), full_page=True)
        found = {"light": axe_violations(page)}
        page.emulate_media(color_scheme="dark")
        page.screenshot(path=str(SHOTS / "captions-dark.png"), full_page=True)
        found["dark"] = axe_violations(page)
        report = "\n".join(f"[{k}]\n{describe_violations(v)}" for k, v in found.items() if v)
        assert not report, report
        # Switched off: the line goes; the choice is kept in this browser for the next visit.
        toggle.uncheck()
        expect(line).to_be_hidden()
        toggle.check()
        page.reload()
        expect(page.get_by_test_id("captions-toggle")).to_be_checked()
    finally:
        page.context.close()
