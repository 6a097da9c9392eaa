"""Notes as Markdown: shared notes, the caller's own private notes, and the code pad.

`notes_markdown(app, grant)` is the reusable part (the end-of-interview report embeds it);
`export_notes` is GET /api/rooms/{room_id}/notes.md.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web
from pycrdt import Map, Text

from ..access import Grant
from ..http import grant_from_request, markdown_download
from ..keys import STORE
from ..markdown import fenced
from ..roles import CODE_DOC, SHARED_DOC, private_notes_doc
from .keys import NOTES_HUB

FENCE_LANGUAGES = {"javascript": "javascript", "python": "python", "plain": "text"}


async def document_text(app: web.Application, room_id: str, doc: str) -> tuple[str, dict[str, Any]]:
    """The Y.Text "notes" of a document and its Y.Map "meta" (empty for non-code documents)."""
    room = await app[NOTES_HUB].peek(room_id, doc)
    text = str(room.doc.get("notes", type=Text))
    meta = dict(room.doc.get("meta", type=Map)) if doc == CODE_DOC else {}
    return text, meta


async def notes_markdown(app: web.Application, grant: Grant) -> str:
    """Markdown of the notes `grant` may read: never another role's private notes."""
    room = grant.room
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(room.created_at))
    lines = [f"# {room.title}", "", f"- Date: {date}", f"- Room: {room.id}"]
    people = await app[STORE].participants(room.id)
    if people:
        lines.append("- Participants: " + ", ".join(f"{p['name']} ({p['role']})" for p in people))
    shared, _ = await document_text(app, room.id, SHARED_DOC)
    lines += ["", "## Shared notes", "", shared.strip() or "_(empty)_"]
    private = private_notes_doc(grant.role)
    if private is not None:
        own, _ = await document_text(app, room.id, private)
        lines += ["", f"## My notes ({grant.role.value})", "", own.strip() or "_(empty)_"]
    code, meta = await document_text(app, room.id, CODE_DOC)
    if code.strip():
        language = FENCE_LANGUAGES.get(str(meta.get("language", "plain")), "text")
        lines += ["", "## Code pad", "", *fenced(code, language)]
    return "\n".join(lines) + "\n"


async def export_notes(request: web.Request) -> web.Response:
    grant = await grant_from_request(request)
    body = await notes_markdown(request.app, grant)
    return markdown_download(body, f"mockroom-{grant.room.id}-notes.md")
