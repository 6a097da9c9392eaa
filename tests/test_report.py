"""The report (HTML + Markdown) and the calendar invite, from a room's stored interview events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mockroom.interview.config import EVENT_KIND, config_for_room
from mockroom.interview.flow import Interview
from mockroom.keys import STORE
from mockroom.report.ics import fold, invite_ics
from mockroom.report.markdown import fmt_duration, render_markdown
from support.http import create_room
from support.notes import connect
from support.ws import join, next_of

T0 = 1_700_000_000_000
FIRST, SECOND = "background-walkthrough", "conflict-with-teammate"


async def played_room(client: Any, **options: Any) -> dict[str, Any]:
    """A behavioral room whose interview ran with known times, stored exactly as the interview
    service stores it: one `interview` event per action, through Store.append_event."""
    room = await create_room(
        client,
        bank="behavioral",
        title="Screen with Ben",
        think_seconds=20,
        answer_seconds=120,
        question_count=2,
        **options,
    )
    store = client.app[STORE]
    record = await store.get_room(room["room_id"])
    config = config_for_room(record)
    assert config is not None
    iv = Interview.create(config)
    events = [
        iv.start(by="interviewer", now=T0),
        iv.start(by="interviewer", now=T0 + 1_000),  # question 1, think
        iv.next(by="interviewer", now=T0 + 16_000),  # 15 s thinking -> answer
        iv.next(by="interviewer", now=T0 + 111_000),  # 95 s answer -> follow-ups
        iv.next(by="interviewer", now=T0 + 120_000),  # question 2, think
        iv.skip(by="interviewer", now=T0 + 125_000),  # skipped; it was the last: wrap up
        iv.open_feedback(by="interviewer", now=T0 + 130_000),
        iv.submit_feedback(
            "interviewer",
            {
                "would_advance": "maybe",
                "comment": "Solid opener, keep it shorter.",
                "scores": {FIRST: [{"score": 2, "comment": "Rambled a bit"}, {"score": 4}, None]},
            },
            now=T0 + 140_000,
        ),
        iv.submit_feedback(
            "candidate",
            {"self_scores": {FIRST: 3}, "went_well": "Calm start", "to_improve": "Fewer details"},
            now=T0 + 150_000,
        ),
        iv.finish(by="interviewer", now=T0 + 160_000),
    ]
    for event in events:
        await store.append_event(room["room_id"], EVENT_KIND, event)
    return room


async def write_notes(client: Any, room: dict[str, Any]) -> None:
    shared = await connect(client, room, "interviewer")
    shared.text.insert(0, "Talked about the move to Berlin.")
    mine = await connect(client, room, "interviewer", "private-interviewer")
    mine.text.insert(0, "Interviewer-only remark.")
    theirs = await connect(client, room, "candidate", "private-candidate")
    theirs.text.insert(0, "Candidate-only remark.")
    for c in (shared, mine, theirs):
        await c.flush()  # stored before the report reads it
        await c.close()


async def get_text(client: Any, path: str, token: str | None, status: int = 200) -> str:
    resp = await client.get(path, params={"token": token} if token else None)
    assert resp.status == status, await resp.text()
    return str(await resp.text())


async def test_report_html_and_markdown_show_timings_scores_and_only_own_notes(
    client: Any,
) -> None:
    room = await played_room(client)
    await write_notes(client, room)
    rid, tokens = room["room_id"], room["tokens"]

    page = await get_text(client, f"/rooms/{rid}/report", tokens["interviewer"])
    md = await get_text(client, f"/api/rooms/{rid}/report.md", tokens["interviewer"])
    for body in (page, md):
        assert "Screen with Ben" in body and "Behavioral (STAR)" in body
        assert "0:15" in body and "1:35" in body  # think and answer of question 1
        assert "2:00" in body  # the answer window it had
        assert "skipped" in body
        assert "Rambled a bit" in body and "Solid opener, keep it shorter." in body
        assert "Calm start" in body and "Fewer details" in body
        assert "Talked about the move to Berlin." in body
        assert "Interviewer-only remark." in body
        assert "Candidate-only remark." not in body
        # The interviewer's letter is to the person they interviewed; the candidate's are not
        # offered to them.
        assert "Feedback note to Candidate" in body and "Hi Candidate," in body
        assert "Thank-you note" not in body and "Post-mortem" not in body
        assert "interviewer link" not in body and "candidate link" not in body
    assert "| Concise and in a sensible order | 2 | Rambled a bit |" in md
    assert "Would advance: Maybe" in md

    cand_page = await get_text(client, f"/rooms/{rid}/report", tokens["candidate"])
    cand = await get_text(client, f"/api/rooms/{rid}/report.md", tokens["candidate"])
    for body in (cand_page, cand):
        assert "Candidate-only remark." in body and "Interviewer-only remark." not in body
        # Next steps come from the scores: the item scored 2 is the one to practise.
        assert "Practise “Concise and in a sensible order” (question 1, scored 2/4)" in body
        assert "Thank-you note" in body and "Post-mortem" in body
        assert "reconnect" in body  # the decline / reschedule reply keeps the door open
        assert "Feedback note" not in body
    assert "Candidate's self-score: 3/4" in cand
    assert "Dear Interviewer," in cand and "[job title]" in cand  # no job_title: a placeholder

    for body in (
        await get_text(client, f"/rooms/{rid}/report", tokens["observer"]),
        await get_text(client, f"/api/rooms/{rid}/report.md", tokens["observer"]),
    ):
        assert "Rambled a bit" in body  # observers see the scores ...
        assert "Interviewer-only remark." not in body  # ... never anyone's private notes
        assert "Candidate-only remark." not in body
        assert "private notes are only ever shown to the person who wrote them" in body

    resp = await client.get(
        f"/api/rooms/{rid}/report.md", headers={"Authorization": f"Bearer {tokens['candidate']}"}
    )
    assert resp.status == 200 and resp.content_type == "text/markdown"
    assert "attachment" in resp.headers["Content-Disposition"]


async def test_report_refuses_wrong_or_missing_tokens(client: Any) -> None:
    room = await played_room(client)
    rid = room["room_id"]
    assert (await client.get(f"/rooms/{rid}/report", params={"token": "nope"})).status == 403
    assert (await client.get(f"/api/rooms/{rid}/report.md?token=nope")).status == 403
    assert (await client.get(f"/api/rooms/{rid}/report.md")).status == 401
    other = await create_room(client, bank="behavioral")
    wrong_room = await client.get(
        f"/rooms/{rid}/report", params={"token": other["tokens"]["candidate"]}
    )
    assert wrong_room.status == 403
    scripted = await create_room(client, mode="scripted")
    resp = await client.get(
        f"/api/rooms/{scripted['room_id']}/report.md",
        params={"token": scripted["tokens"]["candidate"]},
    )
    assert resp.status == 404
    page = await client.get(
        f"/rooms/{scripted['room_id']}/report",
        params={"token": scripted["tokens"]["candidate"]},
        allow_redirects=False,
    )
    assert page.status == 302
    assert page.headers["Location"].startswith(f"/rooms/{scripted['room_id']}/review?token=")


async def test_free_conversation_room_has_a_report_too(client: Any) -> None:
    room = await create_room(client, title="Chat")
    page = await get_text(client, f"/rooms/{room['room_id']}/report", room["tokens"]["candidate"])
    assert "free conversation" in page and "Thank-you note" in page


async def test_report_of_an_interview_driven_over_the_socket(client: Any) -> None:
    room = await create_room(
        client, bank="behavioral", think_seconds=30, answer_seconds=60, question_count=1
    )
    iv, _ = await join(client, room, "interviewer")
    cand, _ = await join(client, room, "candidate")
    await next_of(iv, "interview-state")
    await next_of(cand, "interview-state")

    async def act(ws: Any, action: str, until: Any, **extra: Any) -> dict[str, Any]:
        """Send an action; return the first state it produced (older broadcasts are skipped)."""
        await ws.send_json({"type": "interview", "action": action, **extra})
        while True:
            state: dict[str, Any] = (await next_of(ws, "interview-state"))["state"]
            if until(state):
                return state

    await act(iv, "start", lambda s: s["phase"] == "intro")
    state = await act(iv, "start", lambda s: s["phase"] == "think")
    qid = state["question"]["id"]
    size = len(state["question"]["rubric"])
    await act(iv, "next", lambda s: s["phase"] == "answer", data={"step": "phase"})
    await act(iv, "wrap_up", lambda s: s["phase"] == "wrap_up")
    await act(iv, "open_feedback", lambda s: s["phase"] == "feedback")
    marks = [{"score": 3, "comment": "Clear thread"}] + [None] * (size - 1)
    state = await act(
        iv,
        "feedback",
        lambda s: s["feedback_submitted"]["interviewer"],
        data={"would_advance": "yes", "scores": {qid: marks}},
    )
    state = await act(
        cand,
        "feedback",
        lambda s: s["feedback_submitted"]["candidate"],
        data={"self_scores": {qid: 4}, "went_well": "Pace"},
    )
    assert state["role"] == "candidate" and state["phase"] == "feedback"
    md = await get_text(
        client, f"/api/rooms/{room['room_id']}/report.md", room["tokens"]["candidate"]
    )
    assert "Clear thread" in md and "Would advance: Yes" in md and "Pace" in md
    await iv.close()
    await cand.close()


# ---- the calendar invite -------------------------------------------------------------------------


def unfold(ics: str) -> list[str]:
    assert ics.endswith("\r\n")
    raw = ics.split("\r\n")[:-1]
    for line in raw:
        assert len(line.encode("utf-8")) <= 75, line
    lines: list[str] = []
    for line in raw:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


async def test_invite_ics_is_valid_and_carries_only_the_callers_token(client: Any) -> None:
    room = await create_room(
        client,
        bank="behavioral",
        title="Screen, with Ben; round 1",
        scheduled_at="2030-05-01T16:30:00+02:00",
    )
    rid, tokens = room["room_id"], room["tokens"]
    for role in ("candidate", "interviewer", "observer"):
        resp = await client.get(f"/api/rooms/{rid}/invite.ics", params={"token": tokens[role]})
        assert resp.status == 200
        assert resp.content_type == "text/calendar"
        lines = unfold(await resp.text())
        assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
        assert "VERSION:2.0" in lines and "BEGIN:VEVENT" in lines and "END:VEVENT" in lines
        assert any(line.startswith("PRODID:") for line in lines)
        assert any(line.startswith("UID:") and rid in line for line in lines)
        assert any(line.startswith("DTSTAMP:") for line in lines)
        assert "DTSTART:20300501T143000Z" in lines and "DTEND:20300501T153000Z" in lines
        assert "SUMMARY:Screen\\, with Ben\\; round 1" in lines
        text = "\n".join(lines)
        assert tokens[role] in text
        for other in tokens:
            if other != role:
                assert tokens[other] not in text
    bearer = await client.get(
        f"/api/rooms/{rid}/invite.ics", headers={"Authorization": f"Bearer {tokens['candidate']}"}
    )
    assert bearer.status == 200
    assert (await client.get(f"/api/rooms/{rid}/invite.ics?token=nope")).status == 403
    plain = await create_room(client)
    unscheduled = await client.get(
        f"/api/rooms/{plain['room_id']}/invite.ics", params={"token": plain["tokens"]["candidate"]}
    )
    assert unscheduled.status == 404


def test_fold_never_splits_a_character_and_round_trips() -> None:
    line = "DESCRIPTION:" + "é✓" * 60
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert parts[0] + "".join(p[1:] for p in parts[1:]) == line
    ics = invite_ics(
        uid="x@mockroom",
        title="T",
        start=datetime(2030, 1, 1, 9, tzinfo=UTC),
        link="http://h/rooms/x?token=abc",
        role="candidate",
        now=datetime(2029, 1, 1, tzinfo=UTC),
    )
    assert "DTEND:20300101T100000Z" in unfold(ics)


def test_markdown_of_an_empty_model_and_durations() -> None:
    assert fmt_duration(None) == "\u2013" and fmt_duration(95_400) == "1:35"
    assert fmt_duration(0) == "0:00"
    from mockroom.report.markdown import ReportInput, build_report

    model = build_report(ReportInput("r1", "T", "2030-01-01", "observer", {}, None))
    md = render_markdown(model)
    assert "free conversation" in md and "My private notes" not in md


# ---- two halves, names, letters, wording ---------------------------------------------------------


async def swapped_room(client: Any, **options: Any) -> dict[str, Any]:
    """Ana (interviewer link) asks question 1, they swap, Ben (candidate link) asks question 2;
    both halves get both forms; question 1 was repeated once and extended twice."""
    room = await create_room(
        client, bank="behavioral", title="Friday practice", question_count=2, **options
    )
    store = client.app[STORE]
    rid = room["room_id"]
    await store.record_join(rid, "int-ana00001", "interviewer", "Ana")
    await store.record_join(rid, "can-ben00001", "candidate", "Ben")
    await store.record_join(rid, "obs-olga0001", "observer", "Olga")
    config = config_for_room(await store.get_room(rid))
    assert config is not None
    iv = Interview.create(config)
    t = T0
    events = [iv.start(by="interviewer", now=t), iv.start(by="interviewer", now=t + 1)]
    events += [iv.repeat(by="interviewer", now=t + 2)]
    events += [iv.extend(by="interviewer", now=t + 3), iv.extend(by="interviewer", now=t + 4)]
    events += [iv.next(by="interviewer", now=t + 5), iv.next(by="interviewer", now=t + 6)]
    events += [
        iv.request_swap(by="interviewer", now=t + 7),
        iv.confirm_swap(by="candidate", now=t + 8),
    ]
    events += [iv.next(by="candidate", now=t + 9), iv.wrap_up(by="candidate", now=t + 10)]
    events += [iv.open_feedback(by="candidate", now=t + 11)]
    events += [
        iv.submit_feedback("interviewer", {"would_advance": "yes", "comment": "ANA-ON-BEN"},
                           now=t + 12, half=1),
        iv.submit_feedback("candidate", {"went_well": "BEN-ON-BEN"}, now=t + 13, half=1),
        iv.submit_feedback("candidate", {"would_advance": "no", "comment": "BEN-ON-ANA"},
                           now=t + 14, half=2),
        iv.submit_feedback("interviewer", {"went_well": "ANA-ON-ANA"}, now=t + 15, half=2),
        iv.finish(by="candidate", now=t + 16),
    ]  # fmt: skip
    for event in events:
        await store.append_event(rid, EVENT_KIND, event)
    return room


async def test_a_swapped_report_has_a_named_section_per_half_and_each_readers_letters(
    client: Any,
) -> None:
    room = await swapped_room(client, job_title="Data analyst")
    rid, tokens = room["room_id"], room["tokens"]
    ana = await get_text(client, f"/api/rooms/{rid}/report.md", tokens["interviewer"])
    ben = await get_text(client, f"/api/rooms/{rid}/report.md", tokens["candidate"])
    olga = await get_text(client, f"/api/rooms/{rid}/report.md", tokens["observer"])
    for md in (ana, ben, olga):
        assert "## Half 1: Ana interviews Ben" in md and "## Half 2: Ben interviews Ana" in md
        assert md.index("ANA-ON-BEN") < md.index("## Half 2") < md.index("BEN-ON-ANA")
        assert "- People: Ana and Ben" in md and "- Observers: Olga" in md
        assert "interviewer link" not in md and "candidate link" not in md
        assert "- Repeated 1 time, extended 2 times" in md  # plurals
        assert "Practising for: Data analyst" in md
    # Ana thanks Ben (who interviewed her in half 2) and sends Ben her feedback (half 1).
    assert "Dear Ben," in ana and "Kind regards,\nAna" in ana and "Hi Ben," in ana
    assert "about the Data analyst role" in ana and "Friday practice role" not in ana
    assert "Dear Ana," in ben and "Kind regards,\nBen" in ben and "Hi Ana," in ben
    assert "Dear Ben," not in ben and "Hi Ben," not in ben
    assert "Thank-you note" not in olga and "Feedback note" not in olga  # no letters of theirs
    page = await get_text(client, f"/rooms/{rid}/report", tokens["candidate"])
    assert page.count('data-testid="report-half"') == 2
    assert "Half 2: Ben interviews Ana" in page and "Dear Ana," in page and "Dear Ben," not in page


async def test_job_title_is_checked_stored_and_optional(client: Any) -> None:
    room = await create_room(
        client, bank="behavioral", job_title="  Site\x07 reliability\n engineer "
    )
    record = await client.app[STORE].get_room(room["room_id"])
    assert record.options["job_title"] == "Site reliability engineer"
    for bad in (5, ["x"], "x" * 121):
        resp = await client.post("/api/rooms", json={"mode": "peer", "job_title": bad})
        assert resp.status == 400
        assert "job_title" in (await resp.json())["message"]
    plain = await create_room(client, bank="behavioral", job_title="")
    assert "job_title" not in (await client.app[STORE].get_room(plain["room_id"])).options


def test_report_wording_uses_plurals() -> None:
    from mockroom.report.model import plural

    assert plural(1, "time") == "1 time" and plural(0, "time") == "0 times"
    assert plural(2, "question") == "2 questions"
