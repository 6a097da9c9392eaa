"""A scripted session whose server dies mid-answer, seen from the candidate's page: the steps
the single-node test (a restart) and the cluster test (kill -9 of the home behind nginx) share.

    answering(page, link, room)   joined, consented, started, a take being recorded with a few
                                  chunks acknowledged; returns where it stood (`Mid`)
    goes_on(page, room, mid)      after the outage: the page found the new server's interviewer
                                  by itself, the take went on in its window (no Resume pressed,
                                  no new take), its clip kept every chunk, and Done finishes it
                                  as one recording that spans the outage
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from support.browser import csp_violations, wait_until

ROOM = {
    "mode": "scripted",
    "media": "audio",
    "bank": "behavioral",
    "think_seconds": 1,
    "answer_seconds": 90,
    "question_count": 2,
    "retakes": 1,
    "warm_up": False,
}
BACK_WITHIN_S = 10.0
KEPT_TEXT = "your answer kept recording the whole time"

CLIPS = """async ([room, token]) => {
  const r = await fetch(`/api/rooms/${room}/clips`, {headers: {Authorization: `Bearer ${token}`}});
  return r.ok ? await r.json() : [];
}"""


@dataclass(frozen=True)
class Mid:
    question: str  # the question's text
    take: str  # "Question 1 of 2 · take 1 …" as the page shows it
    clip: dict[str, Any]  # the take's clip, a few chunks in
    pcs: int  # peer connections the page made so far
    recording_since: float  # time.monotonic() when the page started recording the take


def clips_of(page: Page, room: dict[str, Any]) -> list[dict[str, Any]]:
    clips: list[dict[str, Any]] = page.evaluate(
        CLIPS, [room["room_id"], room["tokens"]["candidate"]]
    )
    return clips


def wait_for_chunks(page: Page, room: dict[str, Any], more_than: int) -> None:
    """Until the server acknowledged more than `more_than` chunks of the room's one clip."""
    check = f"async (args) => (await ({CLIPS})(args)).some((c) => c.next_seq > {more_than})"
    wait_until(page, check, [room["room_id"], room["tokens"]["candidate"]])


def answering(page: Page, link: str, room: dict[str, Any]) -> Mid:
    page.goto(link)
    page.get_by_test_id("join-button").click()
    page.get_by_test_id("accept-recording").click()
    expect(page.get_by_test_id("connection-state")).to_have_text("connected")
    page.get_by_test_id("start-interview").click()
    question = page.get_by_test_id("question-text")
    expect(question).not_to_have_text("", timeout=20_000)
    expect(page.locator("[data-recording]")).to_be_visible(timeout=30_000)
    since = time.monotonic()
    take = page.locator("span[data-take]").inner_text()
    assert take.startswith("Question 1 of 2 · take 1"), take
    wait_for_chunks(page, room, 2)  # a few seconds of the answer are on the server
    (clip,) = clips_of(page, room)
    return Mid(question.inner_text(), take, clip, page.evaluate("() => window.__pcs.length"), since)


def goes_on(
    page: Page, room: dict[str, Any], mid: Mid, outage_began: float, shot: Path | None = None
) -> float:
    """Returns the seconds from `outage_began` until the page was back with the new server;
    `shot`: a screenshot of the page back and still recording."""
    status = page.get_by_test_id("scripted-status")
    expect(status).not_to_have_attribute("data-state", "reconnecting", timeout=BACK_WITHIN_S * 1000)
    back = time.monotonic() - outage_began
    # Calm words for what happened, and the answer simply goes on.
    expect(status).to_have_attribute("data-state", "back")
    expect(status).to_contain_text(KEPT_TEXT)
    # A new connection to the new server's interviewer, and it connects.
    page.wait_for_function(
        f"() => window.__pcs.length > {mid.pcs} && "
        "window.__pcs[window.__pcs.length - 1].connectionState === 'connected'",
        timeout=15_000,
    )
    expect(page.get_by_test_id("connection-state")).to_have_text("connected")
    # The same question and take, still recording: nobody pressed Resume.
    expect(page.get_by_test_id("question-text")).to_have_text(mid.question)
    expect(page.locator("span[data-take]")).to_have_text(mid.take)
    expect(page.locator("[data-recording]")).to_be_visible()
    expect(page.get_by_test_id("start-interview")).to_be_hidden()
    expect(page.get_by_test_id("done-answer")).to_be_visible()
    if shot is not None:
        page.screenshot(path=str(shot))
    # The same clip grows: the chunks acknowledged before the crash are kept, never reset.
    wait_for_chunks(page, room, mid.clip["next_seq"] + 2)
    (now,) = clips_of(page, room)
    assert now["clip_id"] == mid.clip["clip_id"] and now["take"] == mid.clip["take"]
    assert now["bytes"] >= mid.clip["bytes"]
    page.get_by_test_id("done-answer").click()
    stopped = time.monotonic()
    expect(page.get_by_test_id("next-question")).to_be_visible(timeout=10_000)
    finished = f"async (args) => (await ({CLIPS})(args)).every((c) => c.finished)"
    wait_until(page, finished, [room["room_id"], room["tokens"]["candidate"]], 30)
    (done,) = clips_of(page, room)
    assert done["clip_id"] == mid.clip["clip_id"]
    # One recording from the take's start to Done, the outage inside it.
    recorded_s = stopped - mid.recording_since
    assert done["duration_ms"] >= (recorded_s - 3) * 1000, (done, recorded_s)
    assert csp_violations(page) == []
    return back
