"""Security review H1, over the wire: everything a candidate's token reaches over HTTP, in every
phase of a two-half session, holds no interviewer-only text.

The session runs over the real signaling socket (Ana interviews Ben for two questions, they swap,
Ben interviews Ana for two). At each checkpoint the *acting* candidate fetches every HTTP resource
their token opens (room API, room page, report page, report.md, notes.md, invite.ics, the review
and clips endpoints) and none may contain: a hint, follow-up or rubric item of a question they did
not ask; the other person's private notes; the other side's marks or comments before they sent
their own form; in phone-screen realism, the text of a question they are being asked.
"""

from __future__ import annotations

from typing import Any

import pytest

from mockroom.banks.model import load_bank
from mockroom.settings import Settings
from support.http import create_room
from support.notes import connect
from support.ws import join, next_of

BANK = load_bank(Settings().banks_dir / "behavioral.toml")
QUESTIONS = {q.id: q for q in BANK.questions}
EARLY_VERDICT = "EARLY-VERDICT: only after Ben's own form"
EARLY_ITEM_COMMENT = "EARLY-ITEM-COMMENT on the first rubric item"
PRIVATE = {"interviewer": "PRIVATE-ANA: Ben hesitates", "candidate": "PRIVATE-BEN: slow down"}
OTHER = {"interviewer": "candidate", "candidate": "interviewer"}


def secrets(q_id: str) -> set[str]:
    q = QUESTIONS[q_id]
    return {*q.hints, *q.follow_ups, *q.rubric}


class Session:
    def __init__(self, client: Any, room: dict[str, Any]) -> None:
        self.client, self.room = client, room
        self.ws: dict[str, Any] = {}
        self.asked_by: dict[str, str] = {}  # question id -> link role that asked it
        self.state: dict[str, Any] = {}

    async def act(self, link: str, action: str, **extra: Any) -> dict[str, Any]:
        """Send one action; every seat gets one new state from it. Returns `link`'s."""
        await self.ws[link].send_json({"type": "interview", "action": action, **extra})
        states = {
            seat: (await next_of(ws, "interview-state"))["state"] for seat, ws in self.ws.items()
        }
        for state in states.values():
            if state["role"] == "interviewer" and state.get("question"):
                self.asked_by.setdefault(state["question"]["id"], state["link_role"])
        self.state = states[link]
        return self.state

    async def fetch_all(self, link: str) -> dict[str, str]:
        """Every HTTP resource this link's token reaches, by name, as text."""
        rid, token = self.room["room_id"], self.room["tokens"][link]
        bearer = {"Authorization": f"Bearer {token}"}
        paths = {
            "room api": (f"/api/rooms/{rid}", bearer, None),
            "room page": (f"/rooms/{rid}", None, {"token": token}),
            "report page": (f"/rooms/{rid}/report", None, {"token": token}),
            "report.md": (f"/api/rooms/{rid}/report.md", bearer, None),
            "notes.md": (f"/api/rooms/{rid}/notes.md", bearer, None),
            "invite.ics": (f"/api/rooms/{rid}/invite.ics", bearer, None),
            "review": (f"/api/rooms/{rid}/review", bearer, None),
            "review.md": (f"/api/rooms/{rid}/review.md", bearer, None),
            "review page": (f"/rooms/{rid}/review", None, {"token": token}),
            "clips": (f"/api/rooms/{rid}/clips", bearer, None),
        }
        bodies = {}
        for name, (path, headers, params) in paths.items():
            resp = await self.client.get(path, headers=headers, params=params)
            assert resp.status < 500, f"{name}: {resp.status}"
            bodies[name] = await resp.text()
        assert "Ben" in bodies["report.md"] or "Ana" in bodies["report.md"]
        return bodies

    async def check(self, link: str, where: str, *, early: bool, phone: bool) -> None:
        """`link` is the acting candidate now; nothing of the above may reach them."""
        bodies = await self.fetch_all(link)
        own = {s for qid, by in self.asked_by.items() if by == link for s in secrets(qid)}
        forbidden = {s for qid in QUESTIONS for s in secrets(qid)} - own
        forbidden.add(PRIVATE[OTHER[link]])
        if early:
            forbidden |= {EARLY_VERDICT, EARLY_ITEM_COMMENT}
        for name, body in bodies.items():
            leaked = sorted(s for s in forbidden if s in body)
            assert not leaked, f"{where}: {name} shows {link} {leaked[:3]}"
            if phone and self.state.get("phase") in ("think", "answer", "follow_ups"):
                current = self.current_text()
                assert current not in body, f"{where}: {name} shows the hidden question"
        assert PRIVATE[link] in bodies["notes.md"]  # the check can see what is there

    def current_text(self) -> str:
        qid = next(reversed(self.asked_by))
        return QUESTIONS[qid].text


async def write_private_notes(client: Any, room: dict[str, Any]) -> None:
    for link, text in PRIVATE.items():
        doc = await connect(client, room, link, f"private-{link}")
        doc.text.insert(0, text)
        await doc.flush()  # stored
        await doc.close()


@pytest.mark.parametrize("phone", [False, True], ids=["video", "phone-realism"])
async def test_nothing_interviewer_only_reaches_the_acting_candidate(
    client: Any, phone: bool
) -> None:
    room = await create_room(
        client,
        bank="behavioral",
        question_count=4,
        think_seconds=300,
        answer_seconds=600,
        phone_realism=phone,
        scheduled_at="2031-01-01T10:00:00Z",
        job_title="Support engineer",
    )
    await write_private_notes(client, room)
    s = Session(client, room)
    s.ws["interviewer"], _ = await join(client, room, "interviewer", name="Ana")
    await next_of(s.ws["interviewer"], "interview-state")
    s.ws["candidate"], _ = await join(client, room, "candidate", name="Ben")
    await next_of(s.ws["candidate"], "interview-state")
    await s.check("candidate", "lobby", early=True, phone=phone)

    # Half 1: Ana asks two questions.
    for n in (1, 2):
        await s.act("interviewer", "next" if n == 2 else "start", data={"step": "question"}
                    if n == 2 else {"skip_intro": True})  # fmt: skip
        await s.check("candidate", f"think {n}", early=True, phone=phone)
        await s.act("interviewer", "next", data={"step": "phase"})
        await s.check("candidate", f"answer {n}", early=True, phone=phone)
        await s.act("interviewer", "next", data={"step": "phase"})
        await s.check("candidate", f"follow-ups {n}", early=True, phone=phone)
    assert s.state["swap"]["suggested"]  # the half-way mark

    # The swap: Ben asks now, Ana is the acting candidate.
    await s.act("interviewer", "request_swap")
    await s.act("candidate", "confirm_swap")
    for n in (3, 4):
        await s.act("candidate", "next", data={"step": "question"})
        assert s.state["role"] == "interviewer" and s.state["link_role"] == "candidate"
        await s.check("interviewer", f"think {n} (swapped)", early=True, phone=phone)
        await s.act("candidate", "next", data={"step": "phase"})
        await s.check("interviewer", f"answer {n} (swapped)", early=True, phone=phone)
        await s.act("candidate", "next", data={"step": "phase"})
    await s.act("candidate", "wrap_up")
    await s.check("candidate", "wrap-up", early=True, phone=phone)
    await s.check("interviewer", "wrap-up", early=True, phone=phone)
    await s.act("candidate", "open_feedback")

    # Ana rates Ben's half 1 with comments; Ben has not sent his self-assessment yet.
    q1 = next(qid for qid, by in s.asked_by.items() if by == "interviewer")
    marks = [{"score": 2, "comment": EARLY_ITEM_COMMENT}] + [None] * (len(QUESTIONS[q1].rubric) - 1)
    await s.act(
        "interviewer",
        "feedback",
        data={"half": 1, "would_advance": "no", "comment": EARLY_VERDICT, "scores": {q1: marks}},
    )
    await s.check("candidate", "feedback, Ben's form not sent", early=True, phone=phone)
    # Ben sends his: now he may read Ana's marks of his answers (and only of those).
    await s.act("candidate", "feedback", data={"half": 1, "self_scores": {q1: 3}})
    md = (await s.fetch_all("candidate"))["report.md"]
    assert EARLY_VERDICT in md and EARLY_ITEM_COMMENT in md
    half2 = next(qid for qid, by in s.asked_by.items() if by == "candidate")
    assert QUESTIONS[half2].text in md  # the check above would have seen real text
    for ws in s.ws.values():
        await ws.close()
