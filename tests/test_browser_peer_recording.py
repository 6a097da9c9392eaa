"""Peer-room recordings in Chromium, as the two people would use them.

Chromium's fake microphone plays a WAV synthesised here with espeak-ng (sox resamples it to
48 kHz), so the recorded answer holds real speech. Ben accepts the recording notice, Ana says
no: Ben's answer to question 1 is recorded and uploaded from his page while Ana sees that
recording is on; Ana's answer in half 2 is not recorded at all. After the interview, Ben's
clip plays in both allowed readers' review pages (his own and Ana's, who interviewed that half),
and an observer's link gets 403s.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from support.browser import CHROMIUM, CHROMIUM_FLAGS, csp_violations, join_room, two_pages
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer
from support.scripted_browser import build_web
from support.speech import RECOGNITION_WAIT_S

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-peerrec")
# Planted filler words (um, uh, like): pocketsphinx hears espeak-ng's voice too poorly to count them
# exactly (test_transcripts counts planted fillers through a planted recogniser); here the take's
# transcript must exist, be timed and hold words of this text.
ANSWER = (
    "Um, in my last team we disagreed about the release plan. Uh, I listened first, "
    "then we tried both options on a small scale, like a pilot, and the data decided."
)
# The take holds only part of the looping answer (the answer window is shorter than the WAV), so
# its word error rate against the whole text says little; what the take must show is the
# answer's own longer words (five runs heard 1-3 of "disagreed", "about", "release"). Noise or a
# wrong sample rate yields none. WER is bounded on the fixture set (test_transcripts, bench/asr.py).
CONTENT_WORDS = {w.strip(",.").lower() for w in ANSWER.split() if len(w.strip(",.")) >= 5}


@pytest.fixture(scope="module")
def voice_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("peer-voice")
    raw, wav = folder / "raw.wav", folder / "voice.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(raw), ANSWER], check=True)
    subprocess.run(["sox", str(raw), "-r", "48000", "-c", "1", str(wav)], check=True)
    return wav


@pytest.fixture(scope="module")
def browser(voice_wav: Path) -> Iterator[Browser]:
    build_web()
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={voice_wav}"],
        )
        yield b
        b.close()


def shot(page: Page, name: str, pane: bool = True) -> None:
    SHOTS.mkdir(exist_ok=True)
    target = page.locator("#interview-pane") if pane else page
    target.screenshot(path=str(SHOTS / f"{name}.png"))


def phase(page: Page, label: str) -> None:
    expect(page.get_by_test_id("interview-phase")).to_have_text(label, timeout=15_000)


def wait_uploaded(page: Page, take: int, chunks: int) -> None:
    """Until the take's row says at least `chunks` chunks are acknowledged (it may skip counts)."""
    page.wait_for_function(
        """([take, chunks]) => {
          const row = document.querySelector(`[data-testid=peer-answers] li[data-take="${take}"]`);
          const m = row && /uploaded (\\d+)\\//.exec(row.textContent);
          return !!m && Number(m[1]) >= chunks;
        }""",
        arg=[take, chunks],
        timeout=30_000,
    )


def transcript_of(
    page: Page, server: LiveServer, room: dict[str, Any], clip_id: str
) -> dict[str, Any]:
    """The interviewer's review view of a clip's transcript, once recognition is through."""
    deadline = time.monotonic() + RECOGNITION_WAIT_S
    while True:
        review = api(page, server, room, "interviewer", "/review").json()
        views = [
            clip["transcript"]
            for q in review["questions"]
            for clip in q["clips"]
            if clip["clip_id"] == clip_id
        ]
        if views and views[0]["status"] not in ("queued", "pending", "missing"):
            return dict(views[0])
        assert time.monotonic() < deadline, views
        page.wait_for_timeout(500)  # the server says nothing when a transcript is done


def api(page: Page, server: LiveServer, room: dict[str, Any], role: str, path: str) -> Any:
    return page.request.get(
        f"{server.url}/api/rooms/{room['room_id']}{path}",
        headers={"Authorization": f"Bearer {room['tokens'][role]}"},
    )


def test_a_consented_answer_is_recorded_and_reviewed_by_both_allowed_readers(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(
        live_server.url,
        media="audio",
        bank="behavioral",
        title="Recorded peer practice",
        think_seconds=60,
        answer_seconds=120,
        question_count=2,
    )
    with two_pages(browser, viewport={"width": 1280, "height": 1300}) as (ana, ben):
        join_room(ana, link(live_server, room, "interviewer"), "Ana")
        join_room(ben, link(live_server, room, "candidate"), "Ben")
        # The notice, once per person: Ben accepts, Ana declines.
        expect(ben.get_by_test_id("recording-consent")).to_contain_text("microphone only")
        expect(ben.get_by_test_id("recording-consent")).to_contain_text("observers never")
        shot(ben, "1-ben-notice")
        ben.get_by_test_id("accept-recording").click()
        expect(ben.get_by_test_id("recording-consent")).to_be_hidden()
        ana.get_by_test_id("decline-recording").click()
        expect(ana.get_by_test_id("recording-consent")).to_be_hidden()
        expect(ana.get_by_test_id("recording-indicator")).to_have_text(
            "● Recording is on for Ben's answers"
        )
        expect(ben.get_by_test_id("recording-toggle")).to_have_text("Stop recording my answers")
        expect(ana.get_by_test_id("recording-toggle")).to_have_text("Record my answers")

        ana.get_by_test_id("start-interview").click()
        phase(ben, "Think time")
        expect(ben.get_by_test_id("peer-answers")).to_have_count(1)
        assert ben.get_by_test_id("peer-answers").locator("li").count() == 0  # not yet
        ana.get_by_test_id("next-step").click()  # think -> answer: Ben's page records
        phase(ben, "Answer time")
        expect(ana.get_by_test_id("recording-indicator")).to_have_text("● Recording Ben's answers")
        take = ben.get_by_test_id("peer-answers").locator("li[data-take='1']")
        expect(take).to_contain_text("Question 1, take 1")
        # Some seconds of the spoken answer reach the server while he speaks.
        wait_uploaded(ben, 1, 4)
        shot(ben, "2-ben-recording")
        shot(ana, "3-ana-sees-recording")
        ana.get_by_test_id("next-step").click()  # answer -> follow-ups: the take is finished
        phase(ben, "Follow-up questions")
        expect(take).to_have_attribute("data-state", "saved", timeout=30_000)
        expect(take).to_contain_text("Saved ✓")
        expect(ben.get_by_test_id("review-link")).to_be_visible()

        # Ana re-asks the question: a new take. Ben's tab reloads in the middle of it; what
        # the server acknowledged is kept (the clip is finished as it is), nothing is overwritten.
        ana.get_by_test_id("repeat-question").click()
        ana.get_by_test_id("next-step").click()
        phase(ben, "Answer time")
        take2 = ben.get_by_test_id("peer-answers").locator("li[data-take='2']")
        wait_uploaded(ben, 2, 3)
        held = api(ben, live_server, room, "candidate", "/clips").json()[1]
        assert held["take"] == 2 and held["bytes"] > 0 and not held["finished"]
        join_room(ben, ben.url, "Ben")
        phase(ben, "Answer time")
        take2 = ben.get_by_test_id("peer-answers").locator("li[data-take='2']")
        expect(take2).to_have_attribute("data-state", "interrupted")
        expect(take2).to_contain_text("the part before it is saved")
        take1 = ben.get_by_test_id("peer-answers").locator("li[data-take='1']")
        expect(take1).to_contain_text("Saved ✓")  # rebuilt from the server's list
        # This page is not recording the rest of the answer, and says so.
        expect(ben.get_by_test_id("recording-indicator")).to_have_text(
            "● Recording is on for your answers"
        )
        expect(ben.get_by_test_id("recording-consent")).to_be_hidden()  # asked once per room
        shot(ben, "2b-ben-after-reload")
        ana.get_by_test_id("next-step").click()  # answer -> follow-ups
        # Consent is revocable, and Ana sees at once whether Ben is being recorded.
        ben.get_by_test_id("recording-toggle").click()
        expect(ana.get_by_test_id("recording-indicator")).to_be_hidden()
        expect(ben.get_by_test_id("recording-toggle")).to_have_text("Record my answers")
        ben.get_by_test_id("recording-toggle").click()
        expect(ana.get_by_test_id("recording-indicator")).to_have_text(
            "● Recording is on for Ben's answers"
        )

        # Half 2: Ben asks, Ana answers without recording (she said no).
        ana.get_by_test_id("swap-roles").click()
        ben.get_by_test_id("confirm-swap").click()
        ben.get_by_test_id("next-question").click()
        ben.get_by_test_id("next-step").click()  # think -> answer
        phase(ana, "Answer time")
        expect(ben.get_by_test_id("recording-indicator")).to_be_hidden()
        expect(ana.get_by_test_id("peer-answers").locator("li")).to_have_count(0)
        shot(ana, "4-ana-answers-unrecorded")
        ben.get_by_test_id("wrap-up").click()
        ben.get_by_test_id("open-feedback").click()
        phase(ana, "Feedback")
        # Before the end, Ana (who interviewed half 1) does not get Ben's clip.
        assert api(ana, live_server, room, "interviewer", "/clips").json() == []
        ben.get_by_test_id("finish-interview").click()
        ben.get_by_test_id("finish-anyway").click()
        phase(ana, "Finished")

        clips = api(ben, live_server, room, "candidate", "/clips").json()
        assert [(c["half"], c["number"], c["take"], c["candidate"]) for c in clips] == [
            (1, 1, 1, "candidate"),
            (1, 1, 2, "candidate"),
        ]
        assert clips[0]["finished"] and clips[0]["duration_ms"] > 3000, clips
        # The interrupted take: every second acknowledged before the reload, and playable.
        assert clips[1]["finished"] and clips[1]["bytes"] > 0, clips
        assert clips[1]["duration_ms"] >= (held["next_seq"] - 1) * 1000, (clips, held)
        # Refusing consent recorded nothing: Ana's answer has no clip, for anyone.
        assert api(ana, live_server, room, "interviewer", "/clips").json() == clips
        observer = api(ana, live_server, room, "observer", "/clips")
        assert observer.status == 403 and clips[0]["clip_id"] not in observer.text()
        media = api(ana, live_server, room, "observer", f"/clips/{clips[0]['clip_id']}")
        assert media.status == 403

        # Both allowed readers play the clip in their review page.
        for page, role, heading in ((ben, "candidate", "your answers"),
                                    (ana, "interviewer", "the answers you heard")):  # fmt: skip
            href = page.get_by_test_id("review-link").get_attribute("href")
            assert href and room["tokens"][role] in href
            page.goto(live_server.url + href)
            expect(page.get_by_test_id("review-half").first).to_contain_text(heading)
            expect(page.locator(".take audio")).to_have_count(2)
            player = page.locator(f"[data-clip-id='{clips[0]['clip_id']}'] audio")
            duration = page.evaluate(
                """(el) => new Promise((resolve) => {
                  if (el.readyState >= 1) return resolve(el.duration);
                  el.addEventListener('loadedmetadata', () => resolve(el.duration));
                  el.load();
                })""",
                player.element_handle(),
            )
            assert duration > 3, duration
            assert csp_violations(page) == []
            shot(page, f"5-review-{role}", pane=False)
        page = ana
        token = room["tokens"]["observer"]
        resp = page.request.get(f"{live_server.url}/rooms/{room['room_id']}/review?token={token}")
        assert resp.status == 403
        # The take is transcribed in the background; the review shows it once done.
        view = transcript_of(ana, live_server, room, clips[0]["clip_id"])
        assert view["status"] == "done" and view["words"], view
        heard = CONTENT_WORDS & set(view["text"].lower().split())
        assert heard and len(view["words"]) >= 5, view["text"]
        assert all(a["start_s"] <= b["start_s"] for a, b in pairwise(view["words"]))
        assert view["feedback"]["figures"][0]["key"] == "wpm"
        md = api(ana, live_server, room, "interviewer", "/review.md").text()
        assert "## Half 1" in md and "Take 1:" in md, md
        assert "Transcript, take 1" in md and f"> {view['text']}" in md, md
        (SHOTS / "review-interviewer.md").write_text(md)
        (SHOTS / "clips.json").write_text(json.dumps(clips, indent=2))
