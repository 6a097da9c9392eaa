"""Request helpers every route module shares: who is asking, and file downloads.

No route module owns these, so a feature's routes import this module and never another feature's
routes. JSON bodies are read by `jsonbody.read_json` (the one parser, with its size and depth
limits).
"""

from __future__ import annotations

from aiohttp import web

from .access import Grant, authorize
from .errors import Forbidden
from .keys import STORE
from .links.signed import PAGE, verify
from .links.vault import owner_role
from .open_page import render_open_page
from .roles import Mode
from .storage.interface import RoomRecord


def bearer_header(request: web.Request) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def bearer_token(request: web.Request) -> str | None:
    """A room token: the Authorization header (the API), else `?token=` (pages and downloads)."""
    return bearer_header(request) or request.query.get("token") or None


async def grant_from_request(request: web.Request) -> Grant:
    return await authorize(request.app[STORE], request.match_info["room_id"], bearer_token(request))


async def owner_grant(request: web.Request, may: str) -> Grant:
    """The grant of the room's owner (who sends the others their links: the interviewer of a
    peer room, the candidate of a scripted one); anyone else is refused: "Only the … `may`"."""
    grant = await grant_from_request(request)
    owner = owner_role(grant.room.mode)
    if grant.role is not owner:
        raise Forbidden(f"Only the {owner.value} of this room can {may}.")
    return grant


async def page_grant(request: web.Request) -> Grant | None:
    """Who opened a page: `?token=` (links issued before #token=), `?sig=` (the page ticket a
    `#token=` link trades its token for), or None: the token is in a fragment, which only the
    browser sees, so the page must first fetch a ticket (open_link)."""
    opened = await page_opening(request)
    return opened if isinstance(opened, Grant) else None


async def page_opening(request: web.Request) -> Grant | RoomRecord:
    """`page_grant`, or where the page must first fetch a ticket, the room it opens (read
    anyway, to answer "does not exist"): its mode says which page comes after (open_link)."""
    store, room_id = request.app[STORE], request.match_info["room_id"]
    if token := request.query.get("token"):
        return await authorize(store, room_id, token)
    if sig := request.query.get("sig"):
        return await verify(store, room_id, PAGE, sig)
    room = await store.get_room(room_id)
    # No such room: authorize refuses it with the room's own "does not exist" page.
    return room if room is not None else await authorize(store, room_id, None)


def open_link(request: web.Request, opens: Mode | None = None) -> web.Response:
    """What a page answers when `page_grant` is None: open-link.js finds the token (the
    fragment, else this tab's sessionStorage), trades it for a page ticket and loads the page
    with that; without a token it says which link to open. opens: the mode of the room whose
    page comes next, whose files it fetches meanwhile (open_page.py)."""
    return render_open_page(request, opens)


async def grant_for_fetch(request: web.Request) -> Grant:
    """Media and downloads: a bearer token, `?token=` (old links), or a URL signed for exactly
    this path (links/signed.py), which is what pages put in <video src> and download links."""
    sig = request.query.get("sig")
    if sig and bearer_token(request) is None and request.method in ("GET", "HEAD"):
        return await verify(request.app[STORE], request.match_info["room_id"], request.path, sig)
    return await grant_from_request(request)


def download(body: str, filename: str, content_type: str) -> web.Response:
    """A text file the browser saves rather than shows."""
    return web.Response(
        body=body.encode("utf-8"),
        content_type=content_type,
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def markdown_download(text: str, filename: str) -> web.Response:
    """A Markdown file the browser saves (notes, report and review exports)."""
    return download(text, filename, "text/markdown")
