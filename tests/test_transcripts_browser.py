"""The review page shows each take's transcript: a word or a figure's moment seeks the player,
and the search box finds words across takes (Chromium against a live server)."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Browser

from support.axe import audit_page, axe_violations, describe_violations
from support.browser import chromium, new_page
from support.http import make_room
from support.live_server import LiveServer
from support.paths import REPO
from support.speech import (
    FIXTURES,
    RECOGNITION_TEST_TIMEOUT_S,
    RECOGNITION_WAIT_S,
    silence,
    speech_samples,
    webm_opus,
)

QUESTION = "conflict-with-teammate"
SHOTS = Path("/tmp/shots-asr2")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    subprocess.run(["node", "build.mjs"], cwd=REPO / "web", check=True, capture_output=True)
    with chromium() as b:
        yield b


def call(url: str, token: str, method: str = "GET", body: bytes | None = None) -> Any:
    kind = "application/json" if method == "POST" else "application/octet-stream"
    req = urllib.request.Request(
        url, data=body, method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": kind},
    )  # fmt: skip
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def upload(server: LiveServer, room: dict[str, Any], data: bytes) -> str:
    base, token = f"{server.url}/api/rooms/{room['room_id']}", room["tokens"]["candidate"]
    spec = {"question_id": QUESTION, "take": 1, "mime": "audio/webm;codecs=opus"}
    clip = call(f"{base}/clips", token, "POST", json.dumps(spec).encode())
    call(f"{base}/clips/{clip['clip_id']}/chunks/0", token, "PUT", data)
    call(f"{base}/clips/{clip['clip_id']}/finish", token, "POST", b"{}")
    return str(clip["clip_id"])


@pytest.mark.browser
@pytest.mark.timeout(RECOGNITION_TEST_TIMEOUT_S)
def test_review_page_transcript_seeks_and_searches(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    room = make_room(live_server.url, mode="scripted", media="audio", bank="behavioral")
    speech = speech_samples(tmp_path, [FIXTURES[1]])
    upload(live_server, room, webm_opus(np.concatenate((silence(1.0), speech, silence(0.5)))))
    token = room["tokens"]["candidate"]
    deadline = time.monotonic() + RECOGNITION_WAIT_S
    view: dict[str, Any] = {}
    while time.monotonic() < deadline:  # the recogniser runs in the server's own time
        data = call(f"{live_server.url}/api/rooms/{room['room_id']}/review", token)
        view = data["questions"][0]["clips"][0]["transcript"]
        if view["status"] == "done":
            break
        time.sleep(0.2)
    assert view["status"] == "done" and view["words"], view

    page = new_page(browser)
    page.goto(f"{live_server.url}/rooms/{room['room_id']}/review?token={token}")
    words = page.get_by_test_id("transcript-words").locator("[data-word]")
    assert words.count() == len(view["words"])
    player = page.get_by_test_id("clip-player")
    player.evaluate("p => new Promise(r => p.readyState >= 1 ? r() : p.onloadedmetadata = r)")
    third = view["words"][2]
    words.nth(2).click()
    at = player.evaluate("p => p.currentTime")
    assert abs(at - third["start_s"]) < 0.3, (at, third)
    pause = next(f for f in view["feedback"]["figures"] if f["key"] == "longest_pause")
    page.locator("[data-figure='longest_pause']").click()
    assert abs(player.evaluate("p => p.currentTime") - pause["at_s"]) < 0.3
    assert page.get_by_test_id("speaking-figures").get_by_text("words a minute").count() == 1

    wanted = view["words"][0]["text"]
    search = page.get_by_test_id("transcript-search")
    search.fill(wanted)
    result = page.get_by_test_id("transcript-search-result")
    hits = sum(w["text"].startswith(wanted) for w in view["words"])
    assert result.inner_text() == f"{hits} {'word' if hits == 1 else 'words'} in 1 take"
    assert page.locator(".word.hit").count() == hits
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "review-transcript.png"), full_page=True)
    page.context.close()

    # No serious accessibility problems in the transcript markup, in light and dark mode.
    for scheme in ("light", "dark"):
        audit = audit_page(browser, color_scheme=scheme)
        audit.goto(f"{live_server.url}/rooms/{room['room_id']}/review?token={token}")
        audit.get_by_test_id("transcript-words").wait_for()
        found = axe_violations(audit)
        assert not found, describe_violations(found)
        if scheme == "dark":
            audit.screenshot(path=str(SHOTS / "review-transcript-dark.png"), full_page=True)
        audit.context.close()
