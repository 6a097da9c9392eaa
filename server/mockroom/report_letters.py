"""Letter templates filled from a finished session: thank-you note, post-mortem, decline/reschedule.

Pure text from the report model (report_text.build_report). Square brackets mark what the reader
still has to fill in; everything the session knows is filled in already.
"""

from __future__ import annotations

from typing import Any


def _topic(model: dict[str, Any]) -> str:
    """A specific thing discussed: the best-scored answered question, else the first asked."""
    answered = [q for q in model["questions"] if not q["skipped"]]
    if not answered:
        return "[a topic you discussed]"
    best = max(answered, key=lambda q: (q["average"] or 0, -q["number"]))
    return str(best["text"]).rstrip("?.! ")


def thank_you_note(model: dict[str, Any], participants: list[tuple[str, str]]) -> str:
    reader = model["reader_role"]
    # The note goes to whoever interviewed the reader: with a swap, that is the other seat.
    other_role = "candidate" if reader == "interviewer" else "interviewer"
    recipient = next((n for n, r in reversed(participants) if r == other_role), None)
    signer = next((n for n, r in reversed(participants) if r == reader), None)
    bank = model["bank"]
    role_title = model["title"] if model["title"] != "Mock interview" else "[role title]"
    field_hint = f" ({bank['title']})" if bank else ""
    return (
        f"Subject: Thank you — {role_title} interview\n"
        "\n"
        f"Dear {recipient or '[interviewer name]'},\n"
        "\n"
        f"Thank you for taking the time to talk with me about the {role_title} role{field_hint}. "
        "I enjoyed our conversation, especially when we discussed "
        f"“{_topic(model)}” — it gave me a clearer picture of what the work involves.\n"
        "\n"
        "Our talk confirmed my interest in the position. [One sentence linking a strength of "
        "yours to something they said they need.]\n"
        "\n"
        "If anything else would help your decision, I am happy to send it. I look forward to "
        "hearing about the next steps.\n"
        "\n"
        "Kind regards,\n"
        f"{signer or '[your name]'}\n"
    )


def post_mortem(model: dict[str, Any]) -> str:
    cand = model["feedback"]["candidate"] or {}
    by_interviewer = model["feedback"]["interviewer"] or {}
    went_well = [cand.get("went_well", "").strip()]
    high = [
        f"{s['item']} (question {q['number']}, {s['score']}/4)"
        for q in model["questions"]
        for s in q["scores"]
        if s["score"] is not None and s["score"] >= 3
    ]
    went_well += high[:3]
    improve = [cand.get("to_improve", "").strip()]
    improve += [
        f"{s['item']} (question {q['number']}, {s['score']}/4)"
        + (f" — {s['comment']}" if s["comment"] else "")
        for q in model["questions"]
        for s in q["scores"]
        if s["score"] is not None and s["score"] <= 2
    ][:4]
    struggled = [
        f"{q['number']}. {q['text']}"
        + (" (skipped)" if q["skipped"] else "")
        + (f" — self-score {q['self_score']}/4" if q["self_score"] else "")
        for q in model["questions"]
        if q["skipped"]
        or (q["self_score"] is not None and q["self_score"] <= 2)
        or (q["average"] is not None and q["average"] <= 2)
    ]

    def bullets(items: list[str]) -> str:
        lines = [f"- {item}" for item in items if item]
        return "\n".join(lines) if lines else "- [fill in]"

    verdict = by_interviewer.get("would_advance")
    return (
        f"Post-mortem: {model['title']} ({model['date']})\n"
        "\n"
        "What went well\n"
        f"{bullets(went_well)}\n"
        "\n"
        "What to improve\n"
        f"{bullets(improve)}\n"
        "\n"
        "Questions I struggled with\n"
        f"{bullets(struggled)}\n"
        "\n"
        f"Interviewer's verdict: {verdict or '[not given]'}\n"
        "Questions I wish I had asked them: [fill in]\n"
        "What I will practise before the next interview: [fill in]\n"
    )


def decline_reply(model: dict[str, Any]) -> str:
    """A courteous answer to an interview invitation you cannot take now.

    Replying beats silence: a company that invited you once may invite you again, so the reply
    says no (or not now) clearly, gives a time frame, and leaves the door open."""
    role_title = model["title"] if model["title"] != "Mock interview" else "[role title]"
    return (
        f"Subject: Re: Interview invitation — {role_title}\n"
        "\n"
        "Dear [name],\n"
        "\n"
        f"Thank you for inviting me to interview for the {role_title} position, and for taking "
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
        "[your name]\n"
    )
