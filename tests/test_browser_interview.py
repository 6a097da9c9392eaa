"""The interview pane in Chromium: shared question and countdown, role-filtered content, role
swap, both feedback forms, and the report they produce. Live server, built bundles, real CSP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from browser_support import chromium, csp_violations, join_room, two_pages
from browser_support import room_link as link
from conftest import LiveServer
from helpers_http import make_room
from test_interview_service import secret_strings

pytestmark = pytest.mark.browser

SECRETS = secret_strings("behavioral")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def assert_no_secrets(page: Page, who: str) -> None:
    """Nothing of the rubric, hints or follow-ups in the markup or the rendered text."""
    html = page.content()
    text = page.evaluate("() => document.body.innerText")
    leaked = [s for s in SECRETS if s in html or s in text]
    assert not leaked, f"{who} sees interviewer-only text: {leaked[:3]}"


def seconds(page: Page) -> int:
    text = page.get_by_test_id("timer").inner_text().strip()
    minutes, secs = text.split(":")
    return int(minutes) * 60 + int(secs)


def phase(page: Page, label: str) -> None:
    expect(page.get_by_test_id("interview-phase")).to_have_text(label, timeout=15_000)


def test_interview_flow_swap_feedback_and_report(browser: Browser, live_server: LiveServer) -> None:
    room = make_room(
        live_server.url,
        media="audio",
        bank="behavioral",
        title="Pane test",
        think_seconds=2,
        answer_seconds=10,
        question_count=2,
    )
    with two_pages(browser) as (ana, ben):
        join_room(ana, link(live_server, room, "interviewer"), "Ana")
        join_room(ben, link(live_server, room, "candidate"), "Ben")
        start = ana.get_by_test_id("start-interview")
        expect(start).to_be_enabled()
        expect(ben.get_by_test_id("checklist-candidate")).to_be_visible()  # prep in the lobby
        expect(ben.get_by_test_id("start-interview")).to_have_count(0)
        ana.get_by_test_id("start-intro").click()  # lobby -> intro (introductions first)
        phase(ana, "Introductions")
        ana.get_by_test_id("start-interview").click()  # intro -> question 1

        question = ana.get_by_test_id("question-text")
        expect(ana.get_by_test_id("interviewer-pane")).to_be_visible()
        expect(ana.get_by_test_id("interviewer-pane")).to_contain_text("Only you can see this")
        expect(ben.get_by_test_id("question-position")).to_have_text("Question 1 of 2")
        first_text = question.inner_text()
        expect(ben.get_by_test_id("question-text")).to_have_text(first_text)
        expect(ben.get_by_test_id("interviewer-pane")).to_have_count(0)
        assert_no_secrets(ben, "the candidate (think)")
        assert any(s in ana.content() for s in SECRETS)  # the check above can see them

        # Think time (2 s) ends on the server's clock; both screens count the same answer time.
        phase(ana, "Answer time")
        phase(ben, "Answer time")
        # Three paired readings (each page redraws every 200 ms; a busy CI box can delay one
        # redraw): the typical pair must agree within a second.
        pairs = [(seconds(ana), seconds(ben)) for _ in range(3)]
        gaps = sorted(abs(a - b) for a, b in pairs)
        assert gaps[1] <= 1 and all(0 <= a <= 11 for pair in pairs for a in pair), pairs
        assert_no_secrets(ben, "the candidate (answer)")

        ana.get_by_test_id("next-step").click()  # answer -> follow-ups
        phase(ben, "Follow-up questions")

        # Swap: Ana asks, Ben sees the request with her name and confirms.
        ana.get_by_test_id("swap-roles").click()
        expect(ben.get_by_test_id("swap-request")).to_contain_text("Ana asks to swap roles")
        ben.get_by_test_id("confirm-swap").click()
        expect(ben.get_by_test_id("interviewer-pane")).to_be_visible()
        expect(ana.get_by_test_id("interviewer-pane")).to_have_count(0)
        assert_no_secrets(ana, "the interviewer link acting as candidate")

        ben.get_by_test_id("next-question").click()  # question 2, Ben interviewing
        expect(ana.get_by_test_id("question-position")).to_have_text("Question 2 of 2")
        expect(ana.get_by_test_id("question-text")).to_have_text(
            ben.get_by_test_id("question-text").inner_text()
        )
        assert ana.get_by_test_id("question-text").inner_text() != first_text
        assert_no_secrets(ana, "the interviewer link acting as candidate (question 2)")

        ben.get_by_test_id("wrap-up").click()
        phase(ana, "Wrap-up")
        ben.get_by_test_id("open-feedback").click()
        phase(ana, "Feedback")

        # Ben (interviewing now) scores the first rubric item of each question.
        form = ben.get_by_test_id("feedback-form")
        for box in form.locator("fieldset.iv-form-question").all():
            box.locator(".iv-score").first.locator("input[value='3']").check()
        form.locator("input[name=would_advance][value=yes]").check()
        form.locator("textarea[name=comment]").fill("Great structure in both answers.")
        form.get_by_test_id("submit-feedback").click()
        expect(ben.get_by_test_id("feedback-saved")).to_contain_text("Thanks — saved")

        # Ana rates herself; Ben's submission arriving meanwhile must not wipe her form.
        mine = ana.get_by_test_id("feedback-form")
        mine.locator(".iv-score").first.locator("input[value='2']").check()
        mine.locator("textarea[name=went_well]").fill("Kept calm after the swap.")
        mine.get_by_test_id("submit-feedback").click()
        expect(ana.get_by_test_id("feedback-saved")).to_contain_text("Thanks — saved")
        assert_no_secrets(ana, "the candidate's feedback form")

        report = ana.get_by_test_id("report-link")
        expect(report).to_be_visible()
        href = report.get_attribute("href")
        assert href and href.startswith(f"/rooms/{room['room_id']}/report?token=")
        ana.goto(live_server.url + href)
        expect(ana.get_by_test_id("report")).to_be_visible()
        body = ana.get_by_test_id("report").inner_text()
        assert "Great structure in both answers." in body
        assert "Kept calm after the swap." in body
        assert "Would advance: Yes" in body
        scores = ana.locator("[data-testid=rubric-score] .score").all_inner_texts()
        assert scores.count("3") == 2, scores
        assert ana.get_by_test_id("self-score").first.inner_text() == "2"
        assert csp_violations(ben) == []


def test_home_schedules_a_room_and_offers_each_role_its_own_invite(
    browser: Browser, live_server: LiveServer
) -> None:
    with two_pages(browser) as (page, _):
        page.goto(live_server.url + "/")
        page.fill("input[name=title]", "Scheduled screen")
        page.get_by_test_id("schedule-input").fill("2031-03-04T09:30")
        page.get_by_test_id("create-room").click()
        ics = page.get_by_test_id("ics-candidate")
        expect(ics).to_have_text("Add to calendar (.ics)")
        candidate_link = page.get_by_test_id("link-candidate").input_value()
        token = candidate_link.split("token=", 1)[1]
        href = ics.get_attribute("href")
        assert href and href.endswith("/invite.ics?token=" + token)
        body = page.evaluate("(url) => fetch(url).then((r) => r.text())", href)
        assert "BEGIN:VEVENT" in body and "SUMMARY:Scheduled screen" in body
        assert "DTSTART:2031030" in body  # the local time, as a UTC instant
        unfolded = body.replace("\r\n ", "")
        assert token in unfolded
        interviewer_token = page.get_by_test_id("link-interviewer").input_value().split("token=")[1]
        assert interviewer_token not in unfolded


def test_one_click_on_start_interview_shows_question_one_to_both(
    browser: Browser, live_server: LiveServer
) -> None:
    room = make_room(live_server.url, media="audio", bank="behavioral", think_seconds=20)
    with two_pages(browser) as (ana, ben):
        join_room(ana, link(live_server, room, "interviewer"), "Ana")
        join_room(ben, link(live_server, room, "candidate"), "Ben")
        ana.get_by_test_id("start-interview").click()
        for page in (ana, ben):
            expect(page.get_by_test_id("question-position")).to_have_text("Question 1 of 15")
        text = ana.get_by_test_id("question-text").inner_text()
        assert text.strip()
        expect(ben.get_by_test_id("question-text")).to_have_text(text)
        assert abs(seconds(ana) - seconds(ben)) <= 1
        assert_no_secrets(ben, "candidate")
