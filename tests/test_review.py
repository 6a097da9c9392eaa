"""The review page and API: who may open it, self-ratings, reviewer comments, Markdown export."""

from __future__ import annotations

from typing import Any

from mockroom.review.figures import by_question, figure_rows
from support.http import auth, create_room

QUESTION = "conflict-with-teammate"
TEXT = "Tell me about a time you disagreed with a teammate"


async def room_with_clips(client: Any, media: str = "video") -> dict[str, Any]:
    room = await create_room(client, mode="scripted", media=media, bank="behavioral")
    cand = auth(room["tokens"]["candidate"])
    mime = "video/webm;codecs=vp8,opus" if media == "video" else "audio/webm;codecs=opus"
    for take in (1, 2):
        resp = await client.post(
            f"/api/rooms/{room['room_id']}/clips",
            json={"question_id": QUESTION, "take": take, "mime": mime},
            headers=cand,
        )
        clip = await resp.json()
        base = f"/api/rooms/{room['room_id']}/clips/{clip['clip_id']}"
        await client.put(f"{base}/chunks/0", data=b"media" * take, headers=cand)
        await client.post(f"{base}/finish", json={"duration_ms": 4200 * take}, headers=cand)
    return room


async def test_page_renders_for_candidate_and_reviewer(client: Any) -> None:
    room = await room_with_clips(client)
    for role in ("candidate", "reviewer"):
        resp = await client.get(f"/rooms/{room['room_id']}/review?token={room['tokens'][role]}")
        assert resp.status == 200, role
        html = await resp.text()
        assert TEXT in html
        assert html.count('data-testid="clip-player"') == 2
        assert html.count("<video") == 2
        assert room["tokens"][role] not in html  # players carry signed URLs (test_token_urls)
        assert "not measured" in html or "Talk time" in html
        assert "Clear thread" not in html  # another question's rubric is not shown
        assert ("Delete my recordings" in html) == (role == "candidate")
        assert ("Add a comment" in html) == (role == "reviewer")
    # The reviewer link from POST /api/rooms points at this page.
    assert room["links"]["reviewer"].split("#")[0].endswith(f"/rooms/{room['room_id']}/review")
    # Opening the room page with a reviewer link redirects here too.
    resp = await client.get(
        f"/rooms/{room['room_id']}?token={room['tokens']['reviewer']}", allow_redirects=False
    )
    assert resp.status == 302 and "/review?" in resp.headers["Location"]


async def test_audio_room_uses_audio_players(client: Any) -> None:
    room = await room_with_clips(client, media="audio")
    resp = await client.get(f"/rooms/{room['room_id']}/review?token={room['tokens']['candidate']}")
    html = await resp.text()
    assert html.count("<audio") == 2 and "<video" not in html


async def test_wrong_tokens_are_refused(client: Any) -> None:
    room = await room_with_clips(client)
    other = await create_room(client, mode="scripted", media="video", bank="behavioral")
    peer = await create_room(client, mode="peer", bank="behavioral")
    page = f"/rooms/{room['room_id']}/review"
    assert (await client.get(f"{page}?token=wrong")).status == 403
    assert (await client.get(f"{page}?token={other['tokens']['reviewer']}")).status == 403
    assert (await client.get(f"{page}?sig=1.reviewer.00")).status == 403
    # No token: the page that reads a #token= fragment (it answers 401 to nobody in particular).
    assert 'data-testid="open-link"' in await (await client.get(page)).text()
    resp = await client.get(f"/rooms/{peer['room_id']}/review?token={peer['tokens']['observer']}")
    assert resp.status == 403
    assert "This link does not open the room" in await resp.text()
    api = f"/api/rooms/{room['room_id']}/review"
    assert (await client.get(api, headers=auth("wrong"))).status == 403
    assert (await client.get(api + ".md", headers=auth(other["tokens"]["candidate"]))).status == 403


async def test_ratings_and_comments_round_trip(client: Any) -> None:
    room = await room_with_clips(client)
    cand, rev = auth(room["tokens"]["candidate"]), auth(room["tokens"]["reviewer"])
    api = f"/api/rooms/{room['room_id']}/review"

    resp = await client.put(
        f"{api}/ratings", json={"question_id": QUESTION, "item": 0, "rating": 3}, headers=cand
    )
    assert resp.status == 200
    assert (await resp.json())["ratings"] == {"0": 3}
    resp = await client.put(
        f"{api}/ratings", json={"question_id": QUESTION, "item": 0, "rating": 4}, headers=cand
    )
    assert (await resp.json())["ratings"] == {"0": 4}
    # Refusals: the reviewer does not rate, ratings are 1-4, items exist.
    for body, headers, status in (
        ({"question_id": QUESTION, "item": 1, "rating": 2}, rev, 403),
        ({"question_id": QUESTION, "item": 1, "rating": 5}, cand, 400),
        ({"question_id": QUESTION, "item": 99, "rating": 2}, cand, 400),
        ({"question_id": "nope", "item": 0, "rating": 2}, cand, 400),
    ):
        resp = await client.put(f"{api}/ratings", json=body, headers=headers)
        assert resp.status == status, body

    resp = await client.post(
        f"{api}/comments",
        json={"question_id": QUESTION, "text": "Lead with the result."},
        headers=rev,
    )
    assert resp.status == 201
    comment = await resp.json()
    assert comment["author"] == "reviewer" and comment["text"] == "Lead with the result."
    resp = await client.post(
        f"{api}/comments", json={"question_id": QUESTION, "text": "me"}, headers=cand
    )
    assert resp.status == 403
    resp = await client.post(
        f"{api}/comments", json={"question_id": QUESTION, "text": "  "}, headers=rev
    )
    assert resp.status == 400

    for headers in (cand, rev):
        review = await (await client.get(api, headers=headers)).json()
        [question] = review["questions"]
        assert question["id"] == QUESTION and question["text"].startswith(TEXT)
        assert [c["take"] for c in question["clips"]] == [1, 2]
        assert question["rubric"][0]["rating"] == 4
        assert all(item["rating"] is None for item in question["rubric"][1:])
        assert [c["text"] for c in question["comments"]] == ["Lead with the result."]
    page = await client.get(f"/rooms/{room['room_id']}/review?token={room['tokens']['candidate']}")
    html = await page.text()
    assert "Lead with the result." in html
    assert 'value="4"\n          data-rating checked' in html


async def test_markdown_export(client: Any) -> None:
    room = await room_with_clips(client)
    cand, rev = auth(room["tokens"]["candidate"]), auth(room["tokens"]["reviewer"])
    api = f"/api/rooms/{room['room_id']}/review"
    await client.put(
        f"{api}/ratings", json={"question_id": QUESTION, "item": 1, "rating": 2}, headers=cand
    )
    await client.post(
        f"{api}/comments", json={"question_id": QUESTION, "text": "Good STAR."}, headers=rev
    )
    resp = await client.get(f"{api}.md?token={room['tokens']['reviewer']}")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/markdown")
    text = await resp.text()
    assert text.startswith("# Review: Scripted practice")
    assert f"## Question 1: {TEXT}" in text
    assert "- Take 1: 4.2 s" in text and "- Take 2: 8.4 s" in text
    assert ": 2/4" in text and "not rated" in text
    assert "reviewer) Good STAR." in text
    assert "### Speech figures" in text


def test_figures_per_question_in_the_order_measured() -> None:
    metrics = [
        {"question_id": "q1", "take": 1, "talk_ms": 41000},
        {"question_id": "q2", "take": 1, "talk_ms": 1000},
        {"question_id": "q1", "take": 2, "talk_ms": 3200},
    ]
    grouped = by_question(metrics)
    assert list(grouped) == ["q1", "q2"]
    assert [m["take"] for m in grouped["q1"]] == [1, 2]
    assert figure_rows(grouped["q1"][0]) == [{"label": "Talk time", "value": "41.0 s"}]
    # The scripted interviewer's own field names (speech.AnswerMetrics).
    rows = figure_rows(
        {
            "talk_ms": 5000,
            "longest_pause_ms": 800,
            "first_word_ms": None,
            "window_ms": 3000,
            "share_used": 0.29,
            "allowed_ms": 10000,
        }
    )
    # Both window figures are worded against the time allowed: 3.0 s of 10 s, last word at
    # 29 % of it (never "Answer window 3.0 s" beside "29 % of the answer time used").
    assert rows == [
        {"label": "Talk time", "value": "5.0 s"},
        {"label": "Longest pause", "value": "0.8 s"},
        {"label": "Time to first word", "value": "no speech detected"},
        {"label": "Answer length", "value": "3.0 s of the 10.0 s allowed"},
        {"label": "Last word at", "value": "2.9 s, 29 % of the 10.0 s allowed"},
    ]
    without_limit = figure_rows({"window_ms": 3000, "share_used": 0.29})
    assert without_limit == [
        {"label": "Answer length", "value": "3.0 s"},
        {"label": "Last word at", "value": "29 % of the time allowed"},
    ]


async def test_speech_figures_from_the_scripted_interviewer(client: Any, app: Any) -> None:
    from mockroom.keys import STORE
    from mockroom.scripted import records
    from mockroom.scripted.speech import AnswerMetrics

    room = await room_with_clips(client)
    figures = AnswerMetrics(
        talk_ms=41000, longest_pause_ms=3200, first_word_ms=900, window_ms=60000, share_used=0.75
    )
    await records.save_metrics(app[STORE], room["room_id"], QUESTION, 1, figures)
    html = await (
        await client.get(f"/rooms/{room['room_id']}/review?token={room['tokens']['reviewer']}")
    ).text()
    assert "Talk time" in html and "41.0 s" in html and "75 %" in html
    # The room's own answer time (behavioral bank default) is what both figures are against.
    assert "Answer length" in html and "60.0 s of the" in html
    assert "not measured" not in html
    text = await (
        await client.get(
            f"/api/rooms/{room['room_id']}/review.md?token={room['tokens']['candidate']}"
        )
    ).text()
    assert "- take 1: Talk time 41.0 s, Longest pause 3.2 s, Time to first word 0.9 s" in text
