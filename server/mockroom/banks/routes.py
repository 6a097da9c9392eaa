"""GET /banks/format: how to write a question bank (question_banks/README.md), as plain text.

The home page's "paste a bank" box links here instead of naming a file on the server.
"""

from __future__ import annotations

from aiohttp import web

from ..errors import NotFound
from ..keys import SETTINGS

routes = web.RouteTableDef()


@routes.get("/banks/format")
async def bank_format(request: web.Request) -> web.Response:
    readme = request.app[SETTINGS].banks_dir / "README.md"
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError:
        raise NotFound("The question bank format is not installed on this server.") from None
    return web.Response(text=text, content_type="text/plain", charset="utf-8")


def setup_bank_format(app: web.Application) -> None:
    app.add_routes(routes)
