"""A follow-up in Chromium: the candidate's short answer (a fake microphone that says one short
sentence every 12 s) gets the question's follow-up on the page, the browser records its answer
as take 2, and the review lists that take as the follow-up."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from support.http import auth
from support.live_server import LiveServer
from support.scripted_browser import build_web, scripted_chromium
from support.scripted_pages import join_and_start, one_question_room

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("MOCKROOM_SHOTS") or Path(tempfile.gettempdir()) / "shots-followup")


def get_json(url: str, token: str) -> Any:
    with urllib.request.urlopen(urllib.request.Request(url, headers=auth(token)), timeout=10) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def short_answers_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Chromium whose microphone says "We shipped it early." then stays silent for 11 s, looped:
    every answer window hears one short sentence, then the silence that ends the turn."""
    folder = tmp_path_factory.mktemp("short")
    raw, wav = folder / "raw.wav", folder / "short.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(raw), "We shipped it early."], check=True)
    subprocess.run(
        ["sox", str(raw), "-r", "48000", "-c", "1", str(wav), "pad", "0", "11"], check=True
    )
    build_web()
    with scripted_chromium(wav) as browser:
        yield browser


def test_a_short_answer_is_followed_up_and_recorded_as_its_own_take(
    short_answers_browser: Browser, live_server: LiveServer
) -> None:
    room = one_question_room(
        live_server.url,
        think_seconds=0,
        answer_seconds=30,
        end_on_silence_seconds=4,
        follow_up_short_answers=True,
    )
    token = room["tokens"]["candidate"]
    page = short_answers_browser.new_page()
    try:
        join_and_start(page, room)
        take = page.locator("[data-take]").first
        expect(take).to_contain_text("follow-up, take 2", timeout=60_000)
        state = get_json(f"{live_server.url}/api/rooms/{room['room_id']}/scripted", token)
        asked = state["question"]["text"]
        expect(page.get_by_test_id("question-text")).to_have_text(asked)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "follow-up-asked.png"))
        # The follow-up's answer ends on silence too; no second follow-up: go on, finish.
        expect(page.get_by_test_id("next-question")).to_be_visible(timeout=60_000)
        expect(take).to_contain_text("Question 1 of 1 · take 2")
        page.get_by_test_id("next-question").click()
        expect(page.get_by_test_id("review-link")).to_be_visible(timeout=60_000)
        review = get_json(f"{live_server.url}/api/rooms/{room['room_id']}/review", token)
        clips = review["questions"][0]["clips"]
        assert [(c["take"], c["follow_up"]) for c in clips] == [(1, None), (2, asked)], clips
        assert all(c["finished"] and c["bytes"] > 0 for c in clips)
        page.goto(f"{live_server.url}/rooms/{room['room_id']}/review?token={token}")
        expect(page.get_by_test_id("follow-up-take")).to_contain_text(asked)
        page.screenshot(path=str(SHOTS / "follow-up-review.png"), full_page=True)
    finally:
        page.close()
