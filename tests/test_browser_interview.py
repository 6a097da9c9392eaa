"""The interview pane in Chromium: shared question and countdown, role-filtered content, role
swap, both feedback forms, and the report they produce. Live server, built bundles, real CSP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from mockroom.banks.model import load_bank
from mockroom.settings import Settings
from support.banks import secret_strings
from support.browser import chromium, csp_violations, join_lobby, join_room, two_pages
from support.browser import room_link as link
from support.http import make_room
from support.live_server import LiveServer

pytestmark = pytest.mark.browser

SECRETS = secret_strings("behavioral")
BANK = load_bank(Settings().banks_dir / "behavioral.toml")


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


# Real sentences, with every letter the room's shortcuts use (m, v, s), typed key by key: a
# shortcut that fired inside the editor would eat its letter, and the server's export would show
# it.
ANA_NOTE = "Ben: strong opening, used STAR; move faster to the measurable result."
BEN_NOTE = " Ana: very calm voice, vivid story, summarise the outcome sooner."
SHOTS = Path("/tmp/shots-halves")


def shot(page: Page, name: str) -> None:
    """The interview pane (the room's side column scrolls on its own), or the whole page."""
    SHOTS.mkdir(exist_ok=True)
    pane = page.locator("#interview-pane")
    target = pane if pane.count() else page
    target.screenshot(path=str(SHOTS / f"{name}.png"))


def report_md(page: Page, server: LiveServer, room: dict[str, Any], role: str) -> str:
    """The report as `role` reads it now, fetched with that role's bearer token."""
    resp = page.request.get(
        f"{server.url}/api/rooms/{room['room_id']}/report.md",
        headers={"Authorization": f"Bearer {room['tokens'][role]}"},
    )
    assert resp.status == 200, resp.text()
    return resp.text()


def secrets_of(question_text: str) -> list[str]:
    q = next(q for q in BANK.questions if q.text == question_text)
    return [*q.hints, *q.follow_ups, *q.rubric]


def assert_names_match_labels(page: Page) -> None:
    """axe's label-content-name-mismatch on the interview pane: every button's accessible name
    contains its visible text."""
    bad = page.evaluate(
        """() => [...document.querySelectorAll('#interview-pane button')]
          .filter((b) => b.offsetParent && b.getAttribute('aria-label'))
          .filter((b) => !b.getAttribute('aria-label').toLowerCase()
            .includes(b.innerText.trim().toLowerCase()))
          .map((b) => b.innerText + ' / ' + b.getAttribute('aria-label'))"""
    )
    assert bad == []


def type_note(page: Page, text: str) -> None:
    page.get_by_test_id("notes-editor").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


@pytest.mark.parametrize("media", ["video", "audio"])
def test_a_whole_two_half_session(browser: Browser, live_server: LiveServer, media: str) -> None:
    """Ana and Ben, one question each way: notes during the call, the half-way swap, feedback in
    both halves both ways, and the report as each role in each phase. Audio rooms run with
    phone-screen realism (the candidate never reads the question)."""
    phone = media == "audio"
    room = make_room(
        live_server.url,
        media=media,
        bank="behavioral",
        title=f"Two halves ({media})",
        job_title="Support engineer",
        think_seconds=90,
        answer_seconds=120,
        question_count=2,
        phone_realism=phone,
    )
    # The audio journey runs in dark mode, so its screenshots show the pane's dark colours.
    scheme = "dark" if phone else "light"
    with two_pages(browser, viewport={"width": 1280, "height": 1400}, color_scheme=scheme) as (
        ana,
        ben,
    ):
        join_room(ana, link(live_server, room, "interviewer"), "Ana")
        join_room(ben, link(live_server, room, "candidate"), "Ben")
        expect(ana.get_by_test_id("start-interview")).to_be_enabled()
        type_note(ana, ANA_NOTE)
        expect(ben.get_by_test_id("notes-editor")).to_contain_text("measurable result")
        ana.get_by_test_id("start-interview").click()

        # Half 1, question 1: Ana asks.
        expect(ana.get_by_test_id("question-position")).to_have_text("Question 1 of 2")
        expect(ana.get_by_test_id("interviewer-pane")).to_contain_text("Rubric")
        first = ana.get_by_test_id("question-text").inner_text()
        if phone:
            expect(ben.get_by_test_id("question-text")).to_have_text("Listen to your interviewer")
        else:
            expect(ben.get_by_test_id("question-text")).to_have_text(first)
        assert_names_match_labels(ana)
        # The swap is unavailable mid-question, and says why.
        expect(ana.get_by_test_id("swap-why")).to_contain_text("once this answer is over")
        expect(ana.get_by_test_id("swap-roles")).to_be_disabled()
        type_note(ben, BEN_NOTE)
        for role in ("candidate", "observer"):  # Ben's and an observer's report, mid-question
            md = report_md(ben, live_server, room, role)
            assert not [s for s in secrets_of(first) if s in md]
            assert (first in md) is not phone
        shot(ana, f"{media}-1-ana-question1")
        shot(ben, f"{media}-1-ben-question1")

        if media == "video":
            # Ben drops out: Ana is told, and his countdown waits for him.
            ben_url = ben.url
            ben.goto("about:blank")
            expect(ana.get_by_test_id("presence-note")).to_contain_text("Ben left")
            expect(ana.get_by_test_id("timer-hold")).to_contain_text(
                "Paused: Ben left", timeout=20_000
            )
            frozen = ana.get_by_test_id("timer").inner_text()
            expect(ana.get_by_test_id("timer")).to_have_attribute(
                "aria-label", f"Paused at {frozen}"
            )
            shot(ana, "video-2-ana-ben-left")
            join_room(ben, ben_url, "Ben")
            expect(ana.get_by_test_id("timer-hold")).to_be_hidden()
            expect(ana.get_by_test_id("presence-note")).to_contain_text("Ben is back")
            expect(ana.get_by_test_id("timer")).not_to_have_attribute(
                "aria-label", f"Paused at {frozen}"
            )

        ana.get_by_test_id("next-step").click()  # think -> answer
        phase(ben, "Answer time")
        ana.get_by_test_id("next-step").click()  # answer -> follow-ups
        phase(ben, "Follow-up questions")
        # One "Next question" button, and the half-way prompt on both sides.
        expect(ana.get_by_role("button", name="Next question", exact=False)).to_have_count(1)
        expect(ana.get_by_test_id("swap-prompt")).to_contain_text("Half way")
        expect(ben.get_by_test_id("swap-prompt")).to_contain_text("You interview Ana next")
        shot(ana, f"{media}-3-ana-half-way")
        ana.get_by_test_id("swap-roles").click()
        expect(ben.get_by_test_id("swap-request")).to_contain_text("Ana asks to swap roles")
        ben.get_by_test_id("confirm-swap").click()

        # Half 2: Ben asks, Ana answers.
        expect(ben.get_by_test_id("interviewer-pane")).to_be_visible()
        expect(ana.get_by_test_id("interviewer-pane")).to_have_count(0)
        expect(ana.get_by_test_id("interview-half")).to_have_text("Half 2: Ben interviews you")
        expect(ben.get_by_test_id("interview-half")).to_have_text("Half 2: You interview Ana")
        ben.get_by_test_id("next-question").click()
        expect(ana.get_by_test_id("question-position")).to_have_text("Question 2 of 2")
        expect(ben.get_by_test_id("question-position")).to_have_text("Question 2 of 2")
        second = ben.get_by_test_id("question-text").inner_text()
        assert second != first
        md = report_md(ana, live_server, room, "interviewer")  # Ana, now the candidate
        assert not [s for s in secrets_of(second) if s in md]
        assert secrets_of(first)[-1] in md  # the rubric of the question she asked herself
        assert (second in md) is not phone
        ben.get_by_test_id("wrap-up").click()
        phase(ana, "Wrap-up")
        ben.get_by_test_id("open-feedback").click()
        phase(ana, "Feedback")

        # Each has two forms: a rating of the half they asked, a self-assessment of the other.
        expect(ana.get_by_test_id("feedback-rating")).to_contain_text(
            "Your feedback on Ben's answers"
        )
        expect(ana.get_by_test_id("feedback-self")).to_contain_text("Your self-assessment (half 2)")
        expect(ben.get_by_test_id("feedback-rating")).to_contain_text(
            "Your feedback on Ana's answers"
        )
        rating = ana.get_by_test_id("feedback-rating")
        rating.locator(".iv-score").first.locator("input[value='2']").check()
        rating.locator("input[name=would_advance][value=maybe]").check()
        rating.locator("textarea[name=comment]").fill("Ben: lead with the result.")
        rating.get_by_test_id("submit-feedback").click()
        expect(ana.get_by_test_id("feedback-rating")).to_contain_text("Thanks — saved")

        # Ben starts his self-assessment, then reloads: the draft comes back.
        own = ben.get_by_test_id("feedback-self")
        own.locator(".iv-score").first.locator("input[value='3']").check()
        own.locator("textarea[name=went_well]").fill("Stayed calm when Ana probed.")
        # The reload lands on the open page, which replaces itself with the room: join that,
        # rather than a second goto racing the page's own navigation.
        ben.reload()
        join_lobby(ben, "Ben")
        own = ben.get_by_test_id("feedback-self")
        expect(own.locator("textarea[name=went_well]")).to_have_value(
            "Stayed calm when Ana probed."
        )
        expect(own.locator(".iv-score").first.locator("input[value='3']")).to_be_checked()
        # Ben may not read Ana's marks of his answers before sending his own form.
        assert "lead with the result" not in report_md(ben, live_server, room, "candidate")
        # Ben (interviewing) tries to finish: he is warned who is still writing.
        ben.get_by_test_id("finish-interview").click()
        expect(ben.get_by_test_id("finish-warning")).to_contain_text(
            "Waiting for Ana's self-assessment (half 2)"
        )
        expect(ben.get_by_test_id("feedback-waiting")).to_contain_text("Ana's self-assessment")
        shot(ben, f"{media}-4-ben-finish-warning")
        ben.get_by_test_id("finish-wait").click()
        own.get_by_test_id("submit-feedback").click()
        expect(ben.get_by_test_id("feedback-self")).to_contain_text("Thanks — saved")
        assert "lead with the result" in report_md(ben, live_server, room, "candidate")
        observer = report_md(ben, live_server, room, "observer")
        assert "lead with the result" not in observer  # observers: at the end

        rating = ben.get_by_test_id("feedback-rating")
        rating.locator("input[name=would_advance][value=yes]").check()
        rating.locator("textarea[name=comment]").fill("Ana: vivid story, quantify it.")
        rating.get_by_test_id("submit-feedback").click()
        expect(ben.get_by_test_id("feedback-rating")).to_contain_text("Thanks — saved")
        mine = ana.get_by_test_id("feedback-self")
        mine.locator("textarea[name=to_improve]").fill("Summarise the outcome sooner.")
        if phone:
            # Ben finishes while Ana is still typing: her form stays, and she sends it after.
            ben.get_by_test_id("finish-interview").click()
            ben.get_by_test_id("finish-anyway").click()
            phase(ana, "Finished")
            expect(mine.locator("textarea[name=to_improve]")).to_have_value(
                "Summarise the outcome sooner."
            )
            shot(ana, "audio-5-ana-form-after-finish")
            mine.get_by_test_id("submit-feedback").click()
            expect(ana.get_by_test_id("feedback-self")).to_contain_text("Thanks — saved")
            expect(ben.get_by_test_id("feedback-waiting")).to_be_hidden()
        else:
            mine.get_by_test_id("submit-feedback").click()
            expect(ana.get_by_test_id("feedback-self")).to_contain_text("Thanks — saved")
            expect(ben.get_by_test_id("feedback-waiting")).to_be_hidden()
            ben.get_by_test_id("finish-interview").click()  # nothing pending: no warning
            phase(ana, "Finished")
        expect(ben.get_by_test_id("finish-warning")).to_have_count(0)

        # The report after the end, as each of them: a section per half, with names.
        for page, me, other, role in (
            (ana, "Ana", "Ben", "interviewer"),
            (ben, "Ben", "Ana", "candidate"),
        ):
            md = report_md(page, live_server, room, role)
            assert "## Half 1: Ana interviews Ben" in md and "## Half 2: Ben interviews Ana" in md
            assert "interviewer link" not in md and "candidate link" not in md
            assert f"Dear {other}," in md and f"Hi {other}," in md  # thank-you and feedback note
            assert f"Dear {me}," not in md and f"Hi {me}," not in md  # never the other's letters
            assert "Support engineer" in md
            assert "lead with the result" in md and "quantify it" in md
        assert "quantify it" in report_md(ana, live_server, room, "observer")
        with ana.expect_popup() as popup:
            ana.get_by_test_id("report-link").click()
        report = popup.value
        expect(report.get_by_test_id("report-half")).to_have_count(2)
        shot(report, f"{media}-6-ana-report")
        report.close()
        notes = ana.request.get(
            f"{live_server.url}/api/rooms/{room['room_id']}/notes.md",
            headers={"Authorization": f"Bearer {room['tokens']['observer']}"},
        ).text()
        assert ANA_NOTE in notes and BEN_NOTE.strip() in notes
        assert csp_violations(ana) == [] and csp_violations(ben) == []


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
        assert href and href.endswith("/invite.ics") and token not in href  # M7: no token in URLs
        with page.expect_download() as saved:
            ics.click()  # fetched with the link's token as a bearer, saved from a blob
        body = Path(saved.value.path()).read_text()
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
