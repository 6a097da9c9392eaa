"""Request helpers every route module shares: who is asking, and file downloads.

No route module owns these, so a feature's routes import this module and never another feature's
routes. JSON bodies are read by `jsonbody.read_json` (the one parser, with its size and depth
limits).
"""

from __future__ import annotations

from aiohttp import web

from .access import Grant, authorize
from .keys import STORE


def bearer_header(request: web.Request) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def bearer_token(request: web.Request) -> str | None:
    """A room token: the Authorization header (the API), else `?token=` (pages and downloads)."""
    return bearer_header(request) or request.query.get("token") or None


def grant_from_request(request: web.Request) -> Grant:
    return authorize(request.app[STORE], request.match_info["room_id"], bearer_token(request))


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
