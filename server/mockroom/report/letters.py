"""Letter templates filled from a session, each addressed to the right person. Pure text.

Drawn from the report model (report_model.build_report), which offers each reader only their own
letters: the person who answered a half gets a thank-you note to whoever interviewed them, a
post-mortem and a reply to a real invitation; the person who interviewed a half gets a feedback
note to whoever answered. Square brackets mark what the reader still has to fill in; everything
the session knows is filled in already.
"""

from __future__ import annotations

from typing import Any

JOB_PLACEHOLDER = "[job title]"


def _job(model: dict[str, Any]) -> str:
    return str(model.get("job_title") or JOB_PLACEHOLDER)


def _topic(half: dict[str, Any] | None) -> str:
    """A specific thing discussed: the best-scored answered question, else the first asked."""
    answered = [q for q in (half or {}).get("questions", []) if not q["skipped"] and q["text"]]
    if not answered:
        return "[a topic you discussed]"
    best = max(answered, key=lambda q: (q["average"] or 0, -q["number"]))
    return str(best["text"]).rstrip("?.! ")


def thank_you_note(
    model: dict[str, Any], half: dict[str, Any] | None, me: str, interviewer: str | None
) -> str:
    """From the reader to the person who interviewed them."""
    job = _job(model)
    bank = model["bank"]
    field_hint = f" ({bank['title']})" if bank else ""
    return (
        f"Subject: Thank you — {job} interview\n"
        "\n"
        f"Dear {interviewer or '[interviewer name]'},\n"
        "\n"
        f"Thank you for taking the time to talk with me about the {job} role{field_hint}. "
        "I enjoyed our conversation, especially when we discussed "
        f"“{_topic(half)}” — it gave me a clearer picture of what the work involves.\n"
        "\n"
        "Our talk confirmed my interest in the position. [One sentence linking a strength of "
        "yours to something they said they need.]\n"
        "\n"
        "If anything else would help your decision, I am happy to send it. I look forward to "
        "hearing about the next steps.\n"
        "\n"
        "Kind regards,\n"
        f"{me}\n"
    )


def _bullets(items: list[str]) -> str:
    lines = [f"- {item}" for item in items if item]
    return "\n".join(lines) if lines else "- [fill in]"


def _marks(half: dict[str, Any], keep: Any) -> list[str]:
    return [
        f"{s['item']} (question {q['number']}, {s['score']}/4)"
        + (f" — {s['comment']}" if s["comment"] else "")
        for q in half["questions"]
        for s in q["scores"] or []
        if s["score"] is not None and keep(s["score"])
    ]


def post_mortem(model: dict[str, Any], half: dict[str, Any]) -> str:
    """The reader's reflection on the half they answered (with the marks they may see)."""
    own = half["self"]["data"] or {}
    rating = half["rating"]["data"] or {}
    went_well = [own.get("went_well", "").strip(), *_marks(half, lambda s: s >= 3)[:3]]
    improve = [own.get("to_improve", "").strip(), *_marks(half, lambda s: s <= 2)[:4]]
    struggled = [
        f"{q['number']}. {q['title']}"
        + (" (skipped)" if q["skipped"] else "")
        + (f" — self-score {q['self_score']}/4" if q["self_score"] else "")
        for q in half["questions"]
        if q["skipped"]
        or (q["self_score"] is not None and q["self_score"] <= 2)
        or (q["average"] is not None and q["average"] <= 2)
    ]
    verdict = rating.get("would_advance")
    return (
        f"Post-mortem: {_job(model)} practice interview ({model['date']})\n"
        f"Interviewed by {half['interviewer_name']}\n"
        "\n"
        "What went well\n"
        f"{_bullets(went_well)}\n"
        "\n"
        "What to improve\n"
        f"{_bullets(improve)}\n"
        "\n"
        "Questions I struggled with\n"
        f"{_bullets(struggled)}\n"
        "\n"
        f"{half['interviewer_name']}'s verdict: {verdict or '[not given yet]'}\n"
        "Questions I wish I had asked them: [fill in]\n"
        "What I will practise before the next interview: [fill in]\n"
    )


def feedback_note(model: dict[str, Any], half: dict[str, Any], me: str) -> str:
    """From the reader to the person they interviewed: their own marks, in words."""
    rating = half["rating"]["data"] or {}
    strong = [f"{s['item']} (question {q['number']})" for q, s in _scored(half, 3, 4)][:3]
    work_on = [f"{s['item']} (question {q['number']})" for q, s in _scored(half, 1, 2)][:3]
    verdict = {"yes": "I would advance you", "maybe": "I am on the fence", "no": "Not yet"}.get(
        rating.get("would_advance", ""), "[would you advance them?]"
    )
    return (
        f"Subject: Feedback on our {_job(model)} practice interview\n"
        "\n"
        f"Hi {half['candidate_name']},\n"
        "\n"
        "Thanks for practising with me. Here is my feedback while it is fresh.\n"
        "\n"
        "What worked\n"
        f"{_bullets(strong)}\n"
        "\n"
        "What to work on\n"
        f"{_bullets(work_on)}\n"
        "\n"
        f"Overall: {verdict}. {rating.get('comment', '').strip() or '[one sentence of advice]'}\n"
        "\n"
        "Good luck with the real one,\n"
        f"{me}\n"
    )


def _scored(half: dict[str, Any], low: int, high: int) -> list[tuple[Any, Any]]:
    return [
        (q, s)
        for q in half["questions"]
        for s in q["scores"] or []
        if s["score"] is not None and low <= s["score"] <= high
    ]


def reply_to_invitation(model: dict[str, Any], me: str) -> str:
    """A courteous answer to a real interview invitation you cannot take now.

    Replying beats silence: a company that invited you once may invite you again, so the reply
    says no (or not now) clearly, gives a time frame, and leaves the door open."""
    job = _job(model)
    return (
        f"Subject: Re: Interview invitation — {job}\n"
        "\n"
        "Dear [name],\n"
        "\n"
        f"Thank you for inviting me to interview for the {job} position, and for taking "
        "the time to look at my profile. I wanted to answer rather than leave your message "
        "waiting.\n"
        "\n"
        "To reschedule: I can't make [proposed time]. Could we move it to [option 1] or "
        "[option 2]? Any time after [date] also works for me.\n"
        "\n"
        "To decline: I'm not able to take this further at the moment, because [a short, honest "
        "reason, e.g. my current commitments run until <month>]. I expect to be available again "
        "in about [number] weeks.\n"
        "\n"
        "Either way, I'd be glad to stay in touch — please feel free to reach out about this or "
        "future roles, and I hope we can reconnect.\n"
        "\n"
        "Best regards,\n"
        f"{me}\n"
    )
