"""HTML pages (Jinja2). Pages carry no inline script (config travels in data attributes / JSON),
but for the open page's one, which its CSP names by hash (open_page.py)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from jinja2.utils import htmlsafe_json_dumps

from . import resources
from .access import Grant
from .http import open_link, page_opening
from .keys import BANKS
from .open_page import setup_open_page
from .roles import Mode, Role
from .room_info import room_info

WEB_DIR = resources.web_dir()  # package data in a wheel, web/ in a checkout
routes = web.RouteTableDef()


def _preloads() -> dict[str, list[str]]:
    """Chunks each page bundle imports (written by web/build.mjs); empty before a build."""
    try:
        data = json.loads((WEB_DIR / "static" / "build" / "preload.json").read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): [str(v) for v in vs] for k, vs in data.items()}


def setup_templates(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        # Templates ship with the package and change only with a restart; re-checking each
        # one's file on every render was a stat and an up-to-date check per page served.
        auto_reload=False,
    )
    preloads = _preloads()
    env.globals["preloads"] = lambda entry: preloads.get(entry, [])
    setup_open_page(app, WEB_DIR, preloads)


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    banks = [
        {"id": b.id, "title": b.title, "realism": b.realism} for b in request.app[BANKS].values()
    ]
    return aiohttp_jinja2.render_template("home.html", request, {"banks": banks})


def room_context(grant: Grant) -> dict[str, Any]:
    room = grant.room
    return {
        "room": room,
        "role": grant.role.value,
        "bank_title": room.bank["title"] if room.bank else None,
    }


@routes.get("/rooms/{room_id}")
async def room_page(request: web.Request) -> web.Response:
    grant = await page_opening(request)
    if not isinstance(grant, Grant):
        return open_link(request, opens=grant.mode)  # the page fetches the mode's page meanwhile
    ctx = room_context(grant)
    if ctx["role"] == Role.REVIEWER.value:
        raise web.HTTPFound(f"/rooms/{ctx['room'].id}/review?{request.query_string}")
    # Scripted rooms have their own page: one candidate and the server's interviewer.
    if ctx["room"].mode == Mode.SCRIPTED:
        return aiohttp_jinja2.render_template("scripted.html", request, ctx)
    # What GET /api/rooms/{id} answers this grant, in the page: the offer and the socket probe
    # start when the module runs, not a round trip later (room-page.js; issue 13).
    # htmlsafe_json_dumps escapes <, >, & and ' (a title holding "</script>" stays inside the
    # block). Not the `tojson` filter: it sorts keys, and the page opens the first notes tab.
    ctx["room_info"] = htmlsafe_json_dumps(await room_info(request, grant))
    return aiohttp_jinja2.render_template("room.html", request, ctx)
