"""A whole one-way practice in Chromium, as the candidate and then as the reviewer.

Device check → consent → the unrecorded warm-up → question 1 with a retake → question 2, where the
page is reloaded mid-answer (it resumes at the same question and take, without the intro) and then
a second tab takes the session over (the first stops recording and says so) → the end (camera and
microphone released, "Practise again") → reopening the link (no camera) → the review page with
clips that have a duration and seek → the reviewer's view.
"""

from __future__ import annotations

import io
import json
import urllib.request
from typing import Any

import av
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from support.browser import room_link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(scripted_browser: Browser) -> Browser:
    """Chromium with a spoken WAV as its microphone (conftest.py)."""
    return scripted_browser


# Every stream getUserMedia hands out, and how often it was asked (window.__gumCalls).
TRACK_DEVICES = """
(() => {
  window.__tracks = [];
  window.__gumCalls = 0;
  const md = navigator.mediaDevices;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = async (constraints) => {
    window.__gumCalls += 1;
    const stream = await original(constraints);
    window.__tracks.push(...stream.getTracks());
    return stream;
  };
})();
"""
ALL_TRACKS_ENDED = (
    "() => window.__tracks.length > 0 && window.__tracks.every(t => t.readyState === 'ended')"
)
ROOM = {
    "mode": "scripted",
    "media": "video",
    "bank": "behavioral",
    "question_count": 2,
    "think_seconds": 2,
    "answer_seconds": 10,
    "retakes": 1,
}  # warm_up: on by default


def api(server: LiveServer, path: str, token: str) -> Any:
    req = urllib.request.Request(server.url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        body = resp.read()
    return body if path.startswith("/api/rooms/") and "/clips/" in path else json.loads(body)


def open_page(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    page.goto(url)
    return page


def phase(page: Page, name: str) -> None:
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=timer]').dataset.phase === '{name}'"
    )


def record_answer(page: Page, talk_ms: int) -> None:
    """From think time: 'Start recording', talk, 'Done'."""
    phase(page, "think")
    done = page.get_by_test_id("done-answer")
    expect(done).to_have_text("Start recording")
    done.click()
    expect(page.locator("[data-recording]")).to_be_visible()
    expect(done).to_have_text("Done")
    page.wait_for_timeout(talk_ms)
    done.click()
    expect(page.locator("[data-recording]")).to_be_hidden()


def join_after_check(page: Page) -> None:
    """The device check: preview, moving meter, pickers; then Join."""
    expect(page.locator("[data-device-check]")).to_be_visible()
    page.wait_for_function(
        "() => document.getElementById('local-video').videoWidth > 0"
        " && document.getElementById('mic-meter').value > 0"
    )
    assert page.locator("#camera-select option").count() >= 1
    assert page.locator("#mic-select option").count() >= 1
    page.get_by_test_id("join-button").click()


def seekable(page: Page, index: int) -> None:
    """A clip on the review page has a finite duration, and a seek to its middle plays on."""
    player = page.get_by_test_id("clip-player").nth(index)
    player.evaluate("p => { p.muted = true; p.load(); }")
    page.wait_for_function(
        "i => { const p = document.querySelectorAll('[data-testid=clip-player]')[i];"
        " return p.readyState >= 1 && Number.isFinite(p.duration) && p.duration > 1; }",
        arg=index,
    )
    middle = player.evaluate("p => p.duration / 2")
    player.evaluate(
        "(p, t) => new Promise(resolve => {"
        " p.addEventListener('seeked', resolve, {once: true}); p.currentTime = t; })",
        middle,
    )
    assert player.evaluate("p => p.currentTime") == pytest.approx(middle, abs=0.3)
    player.evaluate("p => p.play()")
    page.wait_for_function(
        "([i, t]) => document.querySelectorAll('[data-testid=clip-player]')[i].currentTime > t",
        arg=[index, middle + 0.2],
    )


def test_scripted_journey(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(live_server.url, **ROOM)
    room_id, token = room["room_id"], room["tokens"]["candidate"]
    url = room_link(live_server, room, "candidate")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(TRACK_DEVICES)
    try:
        tab = open_page(context, url)
        join_after_check(tab)
        tab.get_by_test_id("accept-recording").click()
        expect(tab.get_by_test_id("connection-state")).to_have_text("connected", timeout=15_000)
        tab.get_by_test_id("start-interview").click()

        # The warm-up: labelled, never recorded.
        badge = tab.locator("[data-practice]")
        expect(badge).to_be_visible(timeout=20_000)
        expect(badge).to_have_text("Practice question — not recorded")
        expect(tab.get_by_test_id("done-answer")).to_have_text("Start answering")
        tab.get_by_test_id("done-answer").click()
        phase(tab, "answer")
        expect(tab.locator("[data-recording]")).to_be_hidden()
        tab.get_by_test_id("done-answer").click()
        expect(badge).to_be_hidden(timeout=20_000)

        # Question 1, take 1 and its retake.
        first = tab.get_by_test_id("question-text")
        expect(first).not_to_have_text("")
        record_answer(tab, 2500)
        tab.get_by_test_id("retake").click()
        record_answer(tab, 2500)
        tab.get_by_test_id("next-question").click()

        # Question 2: reload mid-answer.
        phase(tab, "think")
        tab.get_by_test_id("done-answer").click()
        expect(tab.locator("[data-recording]")).to_be_visible()
        tab.wait_for_timeout(2000)
        q2 = tab.get_by_test_id("question-text").inner_text()
        tab.reload()
        expect(tab.locator("[data-resume-note]")).to_contain_text("question 2, take 1")
        expect(tab.locator("[data-resume-note]")).to_contain_text("cut off")
        join_after_check(tab)
        start = tab.get_by_test_id("start-interview")
        expect(start).to_have_text("Resume")
        expect(tab.get_by_test_id("question-text")).to_have_text(q2)
        interrupted = tab.locator("[data-uploads] li[data-state=interrupted]")
        expect(interrupted).to_have_count(1)
        expect(interrupted).to_contain_text("Question 2, take 1")
        expect(tab.locator("[data-uploads] li[data-state=saved]")).to_have_count(2)
        start.click()
        phase(tab, "think")  # no intro and no question read out: think time at once
        assert tab.locator("[data-said]").inner_text() == ""
        tab.get_by_test_id("done-answer").click()
        expect(tab.locator("[data-recording]")).to_be_visible()

        # A second tab takes over: the first stops recording and uploading, and says so.
        other = open_page(context, url)
        join_after_check(other)
        expect(other.get_by_test_id("join-takeover")).to_be_visible()
        other.get_by_test_id("join-takeover").click()
        expect(tab.locator("[data-notice]")).to_contain_text("another tab")
        expect(tab.locator("[data-uploads] li[data-state=stopped]")).to_have_count(1)
        tab.wait_for_function(ALL_TRACKS_ENDED)
        expect(other.get_by_test_id("start-interview")).to_have_text("Resume")
        other.get_by_test_id("start-interview").click()
        record_answer(other, 2500)
        other.get_by_test_id("next-question").click()

        # The end: devices released, peer closed, "Practise again".
        expect(other.locator("[data-finished]")).to_be_visible(timeout=30_000)
        other.wait_for_function(ALL_TRACKS_ENDED)
        expect(other.get_by_test_id("connection-state")).to_have_text("closed")
        expect(other.get_by_test_id("practise-again")).to_be_visible()
        clips = api(live_server, f"/api/rooms/{room_id}/clips", token)
        takes = sorted((c["take"], c["finished"]) for c in clips)
        assert takes == [(1, True), (1, True), (2, True)]
        for clip in clips:  # the stored files state their length now
            with av.open(io.BytesIO(api(live_server, clip["url"], token)), mode="r") as container:
                assert container.duration is not None and container.duration > 1_000_000

        # Reopening the finished link does not turn the camera on.
        again = open_page(context, url)
        expect(again.locator("[data-finished]")).to_be_visible()
        assert again.evaluate("() => window.__gumCalls") == 0

        # The review page: every take has a duration and seeks.
        other.get_by_test_id("review-link").click()
        expect(other.get_by_test_id("clip-player")).to_have_count(3)
        for index in range(3):
            seekable(other, index)

        # "Practise again" opens a new room with the same settings.
        again.get_by_test_id("practise-again").click()
        again.wait_for_url(lambda u: room_id not in u and "/rooms/" in u)
        expect(again.locator("[data-device-check]")).to_be_visible()
        new_id = again.url.split("/rooms/")[1].split("?")[0]
        new_token = again.url.split("token=")[1]
        options = api(live_server, f"/api/rooms/{new_id}", new_token)["options"]
        assert {k: options[k] for k in ("question_count", "think_seconds", "retakes")} == {
            "question_count": 2,
            "think_seconds": 2,
            "retakes": 1,
        }
        for page in (tab, other, again):
            assert not page.errors, page.errors  # type: ignore[attr-defined]
    finally:
        context.close()

    # The reviewer: the same clips, seekable, and a comment confirmed beside its form.
    reviewer = browser.new_context()
    try:
        page = open_page(reviewer, room_link(live_server, room, "reviewer"))
        expect(page.get_by_test_id("clip-player")).to_have_count(3)
        seekable(page, 2)
        form = page.locator("[data-comment-form]").first
        form.locator("textarea").fill("Clear structure; say the result first.")
        form.get_by_role("button", name="Add comment").click()
        expect(form.locator("[data-comment-status]")).to_have_text("Comment added ✓")
        expect(page.locator("[data-comments]").first).to_contain_text("say the result first")
    finally:
        reviewer.close()
