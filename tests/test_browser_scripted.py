"""End to end in Chromium: a scripted room, answers recorded in the browser, then the review page.

Chromium's fake microphone plays a spoken WAV (espeak-ng + sox) so the recordings hold real speech;
the fake camera supplies video in video rooms. Every clip is probed with PyAV: streams, frame
counts and duration against the answer window the server opened (never the file size).
"""

from __future__ import annotations

import io
import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

import av
import pytest
from playwright.sync_api import Browser, Page, expect

from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(scripted_browser: Browser) -> Browser:
    """Chromium with a spoken WAV as its microphone (conftest.py)."""
    return scripted_browser


ROOM = {
    "mode": "scripted",
    "bank": "behavioral",
    "think_seconds": 1,
    # Far longer than a take runs (answer() waits for ANSWER_S of media, RECORDING_DEADLINE_S at
    # most): the window never closes on its own under the test's feet on a slow machine.
    "answer_seconds": 60,
    "question_count": 2,
    "retakes": 1,
    "warm_up": False,  # the journey test (test_browser_scripted_journey.py) covers it
}
ANSWER_S = 3.0  # how much answer (seconds of recorded media) the "candidate" gives
# How long a take may take to hold ANSWER_S: generous, it is only reached when media is missing.
RECORDING_DEADLINE_S = 45.0


def get_json(url: str, token: str) -> Any:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def get_bytes(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        data: bytes = resp.read()
    return data


def probe(data: bytes) -> dict[str, Any]:
    """Decoded frames per kind, the end time of the last packet, and the time span each kind
    covers (first to last frame), in seconds."""
    out: dict[str, Any] = {"audio": 0, "video": 0, "end": 0.0, "start": None}
    spans: dict[str, list[float]] = {}
    with av.open(io.BytesIO(data), mode="r") as container:
        out["streams"] = sorted(s.type for s in container.streams)
        for packet in container.demux():
            if packet.pts is None or packet.time_base is None:
                continue
            start = float(packet.pts * packet.time_base)
            end = start + float((packet.duration or 0) * packet.time_base)
            out["end"] = max(out["end"], end)
            out["start"] = start if out["start"] is None else min(out["start"], start)
            for frame in packet.decode():
                out[packet.stream.type] += 1 if frame is not None else 0
            spans.setdefault(packet.stream.type, []).append(start)
    for kind, starts in spans.items():
        out[f"{kind}_span"] = max(starts) - min(starts)
    return out


def recorded_so_far(page: Page, server: LiveServer, room_id: str, token: str) -> dict[str, Any]:
    """What the take being recorded holds on the server now (the recorder uploads a chunk a
    second while it records), probed like a finished clip; empty before its first chunk."""
    clip_id = page.evaluate(
        "() => document.querySelector('[data-uploads] li[data-state=recording]')"
        "?.dataset.clipId || null"
    )
    if not clip_id:
        return {}
    try:
        data = get_bytes(f"{server.url}/api/rooms/{room_id}/clips/{clip_id}?token={token}")
        return probe(data)
    except urllib.error.HTTPError as err:
        if err.code == 404:  # created, no chunk acknowledged yet
            return {}
        raise
    except av.error.FFmpegError:  # too little yet for a WebM header and a first cluster
        return {}


def long_enough(got: dict[str, Any], media: str) -> bool:
    """The recorder has made ANSWER_S of answer: that much audio, and in video rooms a frame a
    second of moving video across it."""
    if not got or got["audio"] == 0 or got["end"] < ANSWER_S:
        return False
    return media == "audio" or (
        got["video"] >= ANSWER_S and got.get("video_span", 0.0) >= 0.5 * ANSWER_S
    )


def answer(page: Page, server: LiveServer, room_id: str, token: str, media: str) -> None:
    """Wait for the answer window to open, talk until the recorder has ANSWER_S of it on the
    server, press Done. Waiting on the recorder's own progress, not on a fixed time: on a busy
    machine Chromium's fake camera and MediaRecorder fall behind the wall clock."""
    expect(page.locator("[data-recording]")).to_be_visible(timeout=20_000)
    deadline = time.monotonic() + RECORDING_DEADLINE_S
    got = recorded_so_far(page, server, room_id, token)
    while not long_enough(got, media):
        assert time.monotonic() < deadline, f"the take never held {ANSWER_S} s of {media}: {got}"
        page.wait_for_timeout(250)
        got = recorded_so_far(page, server, room_id, token)
    page.get_by_test_id("done-answer").click()
    expect(page.locator("[data-recording]")).to_be_hidden()  # a round trip: expect's default


def run_room(browser: Browser, server: LiveServer, media: str) -> None:
    room = make_room(server.url, media=media, **ROOM)
    token = room["tokens"]["candidate"]
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(room["links"]["candidate"])
        expect(page.get_by_test_id("accept-recording")).to_be_hidden()
        page.get_by_test_id("join-button").click()
        # Consent comes first: nothing is recorded before it.
        expect(page.get_by_test_id("accept-recording")).to_be_visible(timeout=10_000)
        assert page.locator("[data-uploads] li").count() == 0
        page.get_by_test_id("accept-recording").click()
        expect(page.get_by_test_id("connection-state")).to_have_text("connected", timeout=15_000)
        if media == "video":
            assert page.get_by_test_id("local-video").evaluate("v => v.srcObject !== null")
        page.get_by_test_id("start-interview").click()

        # Question 1 is spoken and shown; the interviewer's media plays in remote-media.
        question = page.get_by_test_id("question-text")
        expect(question).not_to_have_text("", timeout=20_000)
        first = question.inner_text()
        kinds = page.get_by_test_id("remote-media").evaluate(
            "m => m.srcObject ? m.srcObject.getTracks().map(t => t.kind).sort() : []"
        )
        assert "audio" in kinds and (media == "audio" or "video" in kinds), kinds
        if media == "video":
            page.wait_for_function(
                "() => document.querySelector('[data-testid=remote-media]').videoWidth > 0",
                timeout=10_000,
            )
        timer = page.get_by_test_id("timer")
        expect(timer).to_have_text(re.compile(r"^\d+:\d\d$"))

        answer(page, server, room["room_id"], token, media)
        page.get_by_test_id("retake").click()
        # The retake's think timer counts down on screen before the window reopens.
        page.wait_for_function(
            "() => document.querySelector('[data-testid=timer]').dataset.phase === 'think'"
        )
        answer(page, server, room["room_id"], token, media)
        expect(page.get_by_test_id("retake")).to_be_hidden()  # the one retake is used up
        page.get_by_test_id("next-question").click()
        expect(question).not_to_have_text(first, timeout=20_000)
        expect(question).not_to_have_text("", timeout=20_000)
        answer(page, server, room["room_id"], token, media)
        page.get_by_test_id("next-question").click()
        expect(page.get_by_test_id("review-link")).to_be_visible(timeout=30_000)
        rows = page.locator("[data-uploads] li")
        expect(rows).to_have_count(3)
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-uploads] li')]"
            ".every(li => li.dataset.state === 'saved')",
            timeout=20_000,
        )
        expect(rows.first).to_contain_text("Saved ✓")
        windows = {
            (r["questionId"], int(r["take"])): int(r["windowMs"])
            for r in rows.evaluate_all("rows => rows.map(r => ({...r.dataset}))")
        }

        clips = get_json(f"{server.url}/api/rooms/{room['room_id']}/clips", token)
        assert sorted((c["question_id"], c["take"]) for c in clips) == sorted(windows)
        assert [c["take"] for c in clips[:2]] == [1, 2] and clips[0]["question_id"] != clips[2][
            "question_id"
        ]
        for clip in clips:
            assert clip["finished"] and clip["mime"].startswith(f"{media}/webm")
            got = probe(get_bytes(f"{server.url}{clip['url']}?token={token}"))
            window_s = windows[(clip["question_id"], clip["take"])] / 1000
            print(
                f"{media} {clip['question_id']} take {clip['take']}: window {window_s:.2f} s,"
                f" probed {got}, browser {clip['duration_ms']} ms"
            )
            assert "audio" in got["streams"] and got["audio"] > 0, got
            if media == "video":
                # Moving video across the answer: the frame a second the take was waited for
                # (answer()) and, first to last frame, over at least half the window (a frame
                # count tied to Chromium's speed on a loaded machine is not what this proves).
                assert got["streams"] == ["audio", "video"], got
                assert got["video"] >= ANSWER_S and got["video_span"] >= 0.5 * window_s, got
            else:
                assert got["streams"] == ["audio"], got
            assert got["end"] == pytest.approx(window_s, rel=0.1), (got, window_s)

        # The review page plays a clip.
        page.get_by_test_id("review-link").click()
        player = page.get_by_test_id("clip-player").first
        expect(page.get_by_test_id("clip-player")).to_have_count(3)
        assert page.get_by_test_id("question-text").first.inner_text() == first
        player.evaluate("p => { p.muted = true; return p.play(); }")
        page.wait_for_function(
            "() => { const p = document.querySelector('[data-testid=clip-player]');"
            " return p.readyState >= 2 && p.currentTime > 0.5; }",
            timeout=10_000,
        )
        # The candidate rates themselves; the rating is saved through the API.
        page.locator("[data-testid=review-question] [data-item='0'] input[value='3']").first.check()
        # Said beside the control that was saved, not in the header far above.
        rated = page.locator("[data-testid=review-question] [data-item='0']").first
        expect(rated.get_by_test_id("rating-status")).to_have_text("Rating saved ✓")
        expect(page.locator("[data-review-status]")).to_have_text("")
        review = get_json(f"{server.url}/api/rooms/{room['room_id']}/review", token)
        assert review["questions"][0]["rubric"][0]["rating"] == 3
        assert not errors, errors
    finally:
        context.close()


def test_audio_scripted_room_end_to_end(browser: Browser, live_server: LiveServer) -> None:
    run_room(browser, live_server, "audio")


def test_video_scripted_room_end_to_end(browser: Browser, live_server: LiveServer) -> None:
    run_room(browser, live_server, "video")
