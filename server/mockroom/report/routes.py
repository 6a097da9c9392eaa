"""The end-of-interview report (HTML and Markdown) and the calendar invite of a scheduled room.

    GET /rooms/{id}/report#token=           printable HTML page (`?token=` works without JavaScript)
    GET /api/rooms/{id}/report.md           Markdown download (Bearer token, ?token= or ?sig=)
    GET /api/rooms/{id}/invite.ics          iCalendar invite for rooms made with scheduled_at

Any live role of a peer room may read the report, but each reads their *own* report: what it
shows depends on the reader's link role and on the phase (interview.report_view decides: no rubric
of a question still being answered, no early marks, phone realism kept), each reader gets the shared
notes and only their own private notes, and only their own letters. The data is the live
Interview of the room when it is live (no replay on the event loop, security review M8), else
its bounded log replayed, so a report is there during the interview, after it, and after a
restart.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from ..access import Grant
from ..errors import NotFound
from ..http import (
    bearer_token,
    download,
    grant_for_fetch,
    grant_from_request,
    markdown_download,
    open_link,
    page_grant,
)
from ..interview.config import INTERVIEW_SOURCE, load_interview
from ..interview.flow import Interview
from ..keys import SETTINGS, STORE
from ..links.issue import base_url, link_url
from ..links.signed import signed_url
from ..notes.export import document_text
from ..notes.keys import NOTES_HUB
from ..recordings.access import PEER_SEATS, PeerAccess
from ..recordings.store import CLIPS
from ..roles import SHARED_DOC, Mode, Role, private_notes_doc
from ..storage.interface import RoomRecord
from .ics import invite_ics, parse_scheduled
from .markdown import ReportInput, build_report, render_markdown

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

REPORT_ROLES = frozenset({Role.INTERVIEWER, Role.CANDIDATE, Role.OBSERVER})


def _report_grant(grant: Grant) -> Grant:
    if grant.room.mode != Mode.PEER:
        raise NotFound("Scripted rooms have a review page instead of a report.")
    if grant.role not in REPORT_ROLES:
        raise NotFound("This link does not open a report.")
    return grant


async def _notes(app: web.Application, grant: Grant) -> tuple[str, str | None]:
    """Shared notes and the reader's own private notes (None where the role has none)."""
    if NOTES_HUB not in app:
        return "", None
    shared, _ = await document_text(app, grant.room.id, SHARED_DOC)
    doc = private_notes_doc(grant.role)
    private = (await document_text(app, grant.room.id, doc))[0] if doc is not None else None
    return shared, private


DEFAULT_NAMES = {"interviewer": "Interviewer", "candidate": "Candidate"}
# After a swap "Candidate interviews Interviewer" would say the opposite of what happened.
SWAPPED_FALLBACK = {"interviewer": "Person A", "candidate": "Person B"}


def display_names(rows: list[dict[str, Any]], swapped: bool) -> tuple[dict[str, str], list[str]]:
    """(seat link role -> the name it last joined with, observers' names). A seat nobody named
    gets its role's word, or "Person A/B" once the roles were swapped."""
    names: dict[str, str] = {}
    observers: list[str] = []
    for row in rows:
        role, name = str(row["role"]), str(row["name"])
        if role == "observer":
            if name not in observers:
                observers.append(name)
        else:
            names[role] = name
    for role, default in DEFAULT_NAMES.items():
        if names.get(role, default) == default:
            names[role] = SWAPPED_FALLBACK[role] if swapped else default
    return names, observers


async def _interview(app: web.Application, room: RoomRecord) -> Interview | None:
    if INTERVIEW_SOURCE in app:
        return await app[INTERVIEW_SOURCE].interview_for(room)
    return await load_interview(app[STORE], room)


async def _recordings(
    app: web.Application, grant: Grant, interview: Interview | None
) -> dict[str, list[dict[str, Any]]]:
    """Question id -> the takes of it this reader may watch; observers watch none."""
    if interview is None or grant.role not in PEER_SEATS or CLIPS not in app:
        return {}
    access = PeerAccess(grant, interview)
    out: dict[str, list[dict[str, Any]]] = {}
    for clip in await app[CLIPS].for_room(grant.room.id):
        if access.may_read(clip):
            out.setdefault(clip.question_id, []).append(access.json(clip))
    return out


async def report_model(app: web.Application, grant: Grant) -> dict[str, Any]:
    room = grant.room
    interview = await _interview(app, room)
    data = interview.report_data(grant.role.value) if interview is not None else None
    windows = (
        {qid: q.answer_seconds * 1000 for qid, q in interview.questions.items()}
        if interview is not None
        else {}
    )
    started = data["started_at"] / 1000 if data and data["started_at"] else room.created_at
    shared, private = await _notes(app, grant)
    names, observers = display_names(
        await app[STORE].participants(room.id), bool(data and data["swaps"])
    )
    job = room.options.get("job_title")
    return build_report(
        ReportInput(
            room_id=room.id,
            title=room.title,
            date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
            reader_role=grant.role.value,
            names=names,
            observers=observers,
            job_title=job if isinstance(job, str) else None,
            data=data,
            answer_windows_ms=windows,
            shared_notes=shared,
            private_notes=private,
            recordings=await _recordings(app, grant, interview),
        )
    )


@routes.get("/rooms/{room_id}/report")
async def report_page(request: web.Request) -> web.Response:
    grant = await page_grant(request)
    if grant is None:
        return open_link(request)
    if grant.room.mode == Mode.SCRIPTED:
        # A scripted room's report is its review page: clips, figures, ratings, comments.
        raise web.HTTPFound(f"/rooms/{grant.room.id}/review?{request.query_string}")
    grant = _report_grant(grant)
    model = await report_model(request.app, grant)
    return aiohttp_jinja2.render_template(
        "report.html",
        request,
        {"r": model, "room": grant.room, "markdown_url": signed_url(grant, _md_path(grant))},
    )


def _md_path(grant: Grant) -> str:
    return f"/api/rooms/{grant.room.id}/report.md"


@routes.get("/api/rooms/{room_id}/report.md")
async def report_markdown(request: web.Request) -> web.Response:
    grant = _report_grant(await grant_for_fetch(request))
    body = render_markdown(await report_model(request.app, grant))
    return markdown_download(body, f"mockroom-{grant.room.id}-report.md")


@routes.get("/api/rooms/{room_id}/invite.ics")
async def invite(request: web.Request) -> web.Response:
    grant = await grant_from_request(request)
    token = bearer_token(request)
    assert token is not None  # grant_from_request refused a request without one
    scheduled = grant.room.options.get("scheduled_at")
    if not isinstance(scheduled, str):
        raise NotFound("This room has no scheduled time, so there is no invite.")
    try:
        start = parse_scheduled(scheduled)
    except ValueError:
        raise NotFound("This room's scheduled time is not a date we can read.") from None
    link = link_url(base_url(request, request.app[SETTINGS]), grant.room.id, grant.role, token)
    body = invite_ics(
        uid=f"{grant.room.id}-{grant.role.value}@mockroom",
        title=grant.room.title,
        start=start,
        link=link,
        role=grant.role.value,
        now=datetime.now(UTC),
    )
    return download(body, f"mockroom-{grant.room.id}.ics", "text/calendar")


def setup_report(app: web.Application) -> None:
    app.add_routes(routes)
