"""How long a browser may keep the static files: the web bundle's hashed chunks for good, the
rest for a minute.

esbuild names every shared chunk and lazily loaded pane after a hash of its content
(`chunk-CQMLUFQS.js`, `notes-P25LSI7D.js`): a new build makes a new name, so such a file never
changes under its name and a browser that has it need not ask again (`immutable`). That is most
of a room's script and all of the notes editor. The page entries (`room-page.js`), the
stylesheets and the rest keep their names across builds: a browser keeps them a minute, enough
for a link's short open page and the room page after it (the stylesheet is render-blocking on
both) and a reload, and asks again after that (a 304 when unchanged), so an upgrade runs with
stale styles or entries for a minute at most. Without a header browsers guess (a tenth of the
file's age), which after an upgrade could keep old styles for days.
"""

from __future__ import annotations

import re

from aiohttp import web

# /static/build/<name>-<8 hash characters>.js (and its source map).
HASHED = re.compile(r"/static/build/[\w-]+-[A-Z0-9]{8}\.js(\.map)?")
FOR_GOOD = "public, max-age=31536000, immutable"
BRIEFLY = "public, max-age=60"


async def _cache_headers(request: web.Request, response: web.StreamResponse) -> None:
    if not request.path.startswith("/static/") or "Cache-Control" in response.headers:
        return  # not a static file, or already decided (no-store for a capability link)
    if response.status not in (200, 304):
        return
    fixed = HASHED.fullmatch(request.path) is not None
    response.headers["Cache-Control"] = FOR_GOOD if fixed else BRIEFLY


def setup_static_cache(app: web.Application) -> None:
    app.on_response_prepare.append(_cache_headers)
