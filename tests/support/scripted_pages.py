"""The scripted-room browser tests' common start: a one-question room, and the candidate's way
from the link to a started interview (join, consent to recording, connected, start)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from support.http import make_room

CONNECTED_MS = 20_000  # the interviewer's peer connects within this, on a loaded machine


def one_question_room(base_url: str, **options: Any) -> dict[str, Any]:
    """A scripted audio room of one behavioural question and no warm-up; `options` add to the
    room's options or override these."""
    body = {"mode": "scripted", "media": "audio", "bank": "behavioral", "question_count": 1}
    return make_room(base_url, **{**body, "warm_up": False, **options})


def join_and_start(page: Page, room: dict[str, Any]) -> None:
    """As the candidate: open the link, join, accept recording, wait until the interviewer's
    peer is connected, and start the interview."""
    page.goto(room["links"]["candidate"])
    page.get_by_test_id("join-button").click()
    page.get_by_test_id("accept-recording").click()
    expect(page.get_by_test_id("connection-state")).to_have_text("connected", timeout=CONNECTED_MS)
    page.get_by_test_id("start-interview").click()
