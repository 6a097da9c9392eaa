"""Reviewing a scripted room afterwards: clips per question, speech figures, ratings, comments.

`GET /rooms/{id}/review#token=` renders the page (candidate and reviewer links); the JSON API under
/api/rooms/{id}/review lets the candidate rate themselves against each question's rubric (1-4) and
the reviewer (a coach) leave comments the candidate can read. `GET /api/rooms/{id}/review.md`
exports everything as Markdown.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from ..access import Grant, scripted_only
from ..banks import model as bank_lib
from ..errors import Forbidden, UserError
from ..http import grant_for_fetch, grant_from_request, markdown_download, open_link, page_grant
from ..jsonbody import SMALL_BODY_BYTES, read_json_object
from ..keys import STORE
from ..links.signed import signed_url
from ..recordings.access import PeerAccess, clip_access
from ..recordings.clips import Clip, clip_json
from ..recordings.store import CLIPS
from ..roles import Mode, Role
from ..scripted.records import follow_ups_for_room
from ..scripted.service import metrics_for_room
from ..speech.views import take_transcripts, transcript_markdown
from ..storage.interface import RoomRecord, Store
from .figures import by_question, figure_rows
from .peer import peer_questions

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

REVIEW_ROLES = frozenset({Role.CANDIDATE, Role.REVIEWER})
PEER_REVIEW_ROLES = frozenset({Role.INTERVIEWER, Role.CANDIDATE})
MAX_COMMENT = 4000


def _review_grant(grant: Grant) -> Grant:
    if grant.room.mode == Mode.PEER and grant.role in PEER_REVIEW_ROLES:
        return grant  # recordings/access.py decides which clips each of them watches
    if grant.role not in REVIEW_ROLES:
        raise Forbidden("Only the candidate's and the reviewer's links open the review.")
    return scripted_only(grant)


def _scripted_review_grant(grant: Grant) -> Grant:
    """Ratings and comments: a scripted room's (a peer half is rated in its feedback form)."""
    return scripted_only(_review_grant(grant))


def _bank_questions(room: RoomRecord) -> dict[str, dict[str, Any]]:
    """Question id → {text, rubric}, from the bank stored with the room (checked on the way in)."""
    if room.bank is None:
        return {}
    try:
        bank = bank_lib.bank_from_dict(room.bank)
    except bank_lib.BankError:
        log.warning("stored bank no longer valid", extra={"room": room.id})
        return {
            q["id"]: {"text": q.get("text", ""), "rubric": list(q.get("rubric", []))}
            for q in room.bank.get("questions", [])
            if isinstance(q, dict) and "id" in q
        }
    return {q.id: {"text": q.text, "rubric": list(q.rubric)} for q in bank.questions}


async def speech_metrics(store: Store, room_id: str) -> dict[str, list[dict[str, Any]]]:
    """Speech figures per question (one dict per take) from the scripted interviewer.

    Any failure means "not measured": figures are a nice-to-have beside the recordings.
    """
    try:
        return by_question(await metrics_for_room(store, room_id))
    except Exception:
        log.exception("speech metrics failed", extra={"room": room_id})
        return {}


def review_markdown(review: dict[str, Any]) -> str:
    """The review as a Markdown document: questions, takes, figures, ratings, comments."""
    lines = [f"# Review: {review['title']}", ""]
    if review["bank"]:
        lines += [f"Question bank: {review['bank']}. Media: {review['media']}.", ""]
    peer = review.get("mode") == "peer"
    for half in review.get("halves", []):
        whose = "your answers" if half["yours"] else f"the {half['candidate']} link's answers"
        note = f" {half['note']}" if half["note"] else ""
        lines.append(f"- Half {half['number']}: {whose}.{note}")
    if review.get("halves"):
        lines.append("")
    if not review["questions"]:
        lines += ["No answers were recorded in this room.", ""]
    half_number = None
    for q in review["questions"]:
        if peer and q.get("half") != half_number:
            half_number = q.get("half")
            lines += [f"## Half {half_number}", ""]
        level = "###" if peer else "##"
        lines += [f"{level} Question {q['index'] + 1}: {q['text']}", ""]
        lines += _take_lines(q, level + "#", scripted_figures=not peer)
        if peer:
            lines.append("")
            continue  # a peer half is rated in the interview's feedback forms (the report)
        lines += ["", "### Self-rating (1-4)"]
        for item in q["rubric"]:
            rating = f"{item['rating']}/4" if item["rating"] else "not rated"
            lines.append(f"- {item['text']}: {rating}")
        if not q["rubric"]:
            lines.append("- no rubric for this question")
        lines += ["", "### Reviewer comments"]
        for c in q["comments"]:
            when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(c["created_at"]))
            body = c["text"].replace("\n", "\n  ")
            lines.append(f"- ({when} UTC, {c['author']}) {body}")
        if not q["comments"]:
            lines.append("- none")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _take_label(take: Any, follow_up: str | None) -> str:
    return f"Take {take} (follow-up: “{follow_up}”)" if follow_up else f"Take {take}"


def _take_lines(q: dict[str, Any], heading: str, *, scripted_figures: bool) -> list[str]:
    """A question's takes, each take's transcript and speaking figures, then (scripted rooms)
    the interviewer's own speech figures. A peer room has no interviewer peer measuring the
    answer: its figures are the transcripts' alone, never a block saying "not measured"."""
    lines = [f"{heading} Takes"]
    for clip in q["clips"] or []:
        ms = clip["duration_ms"]
        seconds = f"{ms / 1000:.1f} s" if ms else "unknown length"
        state = "" if clip["finished"] else ", interrupted (the recording stopped early)"
        label = _take_label(clip["take"], clip.get("follow_up"))
        lines.append(f"- {label}: {seconds}, {clip['bytes']} bytes{state}")
    if not q["clips"]:
        lines.append("- no recording")
    lines.append("")
    for clip in q["clips"] or []:  # the words heard in each take, with their figures
        follow_up = " (follow-up)" if clip.get("follow_up") else ""
        lines += transcript_markdown(clip["take"], clip.get("transcript"), follow_up)
    if not scripted_figures:
        return lines
    lines += [f"{heading} Speech figures"]
    if not q["figures"]:
        lines.append("- not measured")
    for figures in q["figures"]:
        follow_up = " (follow-up)" if figures.get("follow_up") else ""
        prefix = f"take {figures['take']}{follow_up}: " if figures["take"] else ""
        rows = ", ".join(f"{r['label']} {r['value']}" for r in figures["rows"])
        lines.append(f"- {prefix}{rows}")
    return lines


async def build_review(request: web.Request, grant: Grant) -> dict[str, Any]:
    """Everything the page and the export show, for one room."""
    store = request.app[STORE]
    room = grant.room
    clips: list[Clip] = await request.app[CLIPS].for_room(room.id)
    access = await clip_access(request, grant)
    bank = _bank_questions(room)
    rubrics = {qid: info["rubric"] for qid, info in bank.items()}
    if isinstance(access, PeerAccess):
        # The rubric's terms (used / missed) are the interviewer's until the interview is over:
        # a candidate reading their own take mid-session must not learn them from the figures.
        done = access.interview.state.phase == "done"
        readable = [c for c in clips if access.may_read(c)]
        transcripts = await take_transcripts(
            request.app, room.id, readable, rubrics if done else {}
        )
        questions, half_rows = peer_questions(access, clips, transcripts)
        return _review(grant, questions, half_rows)
    metrics = await speech_metrics(store, room.id)
    ratings = await store.ratings(room.id)
    comments = await store.comments(room.id)
    transcripts = await take_transcripts(request.app, room.id, clips, rubrics)
    follow_ups = await follow_ups_for_room(
        store, room.id
    )  # (question, take) -> the follow-up asked
    # Questions in the order they were answered; then any measured or rated without a clip.
    order: list[str] = []
    for qid in [c.question_id for c in clips] + list(metrics) + list(ratings):
        if qid not in order:
            order.append(qid)
    questions = []
    for index, qid in enumerate(order):
        info = bank.get(qid, {"text": qid, "rubric": []})
        q_ratings = ratings.get(qid, {})
        questions.append(
            {
                "id": qid,
                "index": index,
                "text": info["text"],
                "clips": [
                    {
                        **clip_json(c),
                        "transcript": transcripts.get(c.id),
                        "follow_up": follow_ups.get((qid, c.take)),
                    }
                    for c in clips
                    if c.question_id == qid
                ],
                "metrics": metrics.get(qid, []),
                "figures": [
                    {
                        "take": m.get("take"),
                        "follow_up": follow_ups.get((qid, m.get("take") or 0)),
                        "rows": figure_rows(m),
                    }
                    for m in metrics.get(qid, [])
                ],
                "rubric": [
                    {"item": i, "text": text, "rating": q_ratings.get(i)}
                    for i, text in enumerate(info["rubric"])
                ],
                "comments": [c for c in comments if c["question_id"] == qid],
            }
        )
    return _review(grant, questions, None)


def _review(
    grant: Grant, questions: list[dict[str, Any]], half_rows: list[dict[str, Any]] | None
) -> dict[str, Any]:
    room, peer = grant.room, half_rows is not None
    return {
        "room_id": room.id,
        "title": room.title,
        "media": room.media,
        "mode": room.mode,
        "role": grant.role.value,
        "bank": room.bank["title"] if room.bank else None,
        "can_rate": grant.role is Role.CANDIDATE and not peer,
        "can_comment": grant.role is Role.REVIEWER and not peer,
        # A peer link deletes its own answers (recordings/access.py), whichever seat it is.
        "can_delete": grant.role is Role.CANDIDATE or peer,
        "halves": half_rows or [],
        "questions": questions,
    }


async def _body(request: web.Request) -> dict[str, Any]:
    return await read_json_object(request, max_bytes=SMALL_BODY_BYTES)


@routes.get("/rooms/{room_id}/review")
async def review_page(request: web.Request) -> web.Response:
    opened = await page_grant(request)
    if opened is None:
        return open_link(request)
    grant = _review_grant(opened)
    review = await build_review(request, grant)
    # The page's media and export are signed URLs for exactly those paths (links/signed.py):
    # a <video src> cannot send a header, and a token must not sit in it.
    for question in review["questions"]:
        for clip in question["clips"]:
            clip["src"] = signed_url(grant, clip["url"])
    export = signed_url(grant, f"/api/rooms/{grant.room.id}/review.md")
    return aiohttp_jinja2.render_template(
        "review.html", request, {"review": review, "room": grant.room, "export_url": export}
    )


@routes.get("/api/rooms/{room_id}/review")
async def review_json(request: web.Request) -> web.Response:
    grant = _review_grant(await grant_from_request(request))
    return web.json_response(await build_review(request, grant))


@routes.get("/api/rooms/{room_id}/review.md")
async def review_export(request: web.Request) -> web.Response:
    grant = _review_grant(await grant_for_fetch(request))
    text = review_markdown(await build_review(request, grant))
    return markdown_download(text, f"review-{grant.room.id}.md")


async def _review_post(
    request: web.Request, role: Role, refusal: str
) -> tuple[Grant, dict[str, Any], str]:
    """The grant (only `role` may write), the JSON body and its question id (of this bank)."""
    grant = _scripted_review_grant(await grant_from_request(request))
    if grant.role is not role:
        raise Forbidden(refusal)
    data = await _body(request)
    qid = data.get("question_id")
    if not isinstance(qid, str) or qid not in _bank_questions(grant.room):
        raise UserError("This room's question bank has no such question.", code="unknown-question")
    return grant, data, qid


@routes.put("/api/rooms/{room_id}/review/ratings")
async def put_rating(request: web.Request) -> web.Response:
    """The candidate's own 1-4 rating of one rubric item; `rating: null` clears it."""
    grant, data, qid = await _review_post(
        request, Role.CANDIDATE, "Only the candidate rates their own answers."
    )
    item, rating = data.get("item"), data.get("rating")
    rubric = _bank_questions(grant.room)[qid]["rubric"]
    if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item < len(rubric):
        raise UserError("'item' must be the index of a rubric item.", code="bad-item")
    if rating is not None and (
        isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 4
    ):
        raise UserError("'rating' must be 1, 2, 3 or 4 (or null to clear it).", code="bad-rating")
    store = request.app[STORE]
    await store.set_rating(grant.room.id, qid, item, rating)
    ratings = (await store.ratings(grant.room.id)).get(qid, {})
    return web.json_response(
        {"question_id": qid, "ratings": {str(k): v for k, v in sorted(ratings.items())}}
    )


@routes.post("/api/rooms/{room_id}/review/comments")
async def add_comment(request: web.Request) -> web.Response:
    """A reviewer's comment on a question (optionally on one take); the candidate reads them."""
    grant, data, qid = await _review_post(
        request, Role.REVIEWER, "Only the reviewer's link can add comments."
    )
    clip_id, text = data.get("clip_id"), data.get("text")
    if clip_id is not None:
        if not isinstance(clip_id, str):
            raise UserError("'clip_id' must be a clip's id.", code="bad-clip")
        await request.app[CLIPS].get(grant.room.id, clip_id)  # 404 if it is not this room's clip
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_COMMENT:
        raise UserError(f"'text' must be 1 to {MAX_COMMENT} characters.", code="bad-comment")
    store = request.app[STORE]
    new_id = await store.add_comment(grant.room.id, qid, clip_id, grant.role.value, text.strip())
    comment = next(c for c in await store.comments(grant.room.id) if c["id"] == new_id)
    return web.json_response(comment, status=201)


def setup_review(app: web.Application) -> None:
    app.add_routes(routes)
