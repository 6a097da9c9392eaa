"""The page a `#token=` link opens first (web/templates/open.html), and what it fetches.

Its script (web/src/open-link.js, built alone by web/build.mjs) is inlined into the document:
the hop from the link to the room waits on it, and a script file (and the chunks it imported)
was a fetch, or two in a row, before the page could even ask for its ticket. The page's CSP
names the inlined text by its hash, so `script-src` still allows nothing else inline.

It also preloads what the page after it loads, chosen by the room's mode (the server read the
room to answer at all): the scripted page's bundle and stylesheet for a scripted room, the room
page's bundle for a peer room. Review and report links preload nothing.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from .roles import Mode
from .security import CSP

log = logging.getLogger(__name__)

# Each mode's page: its entry bundle and the stylesheets it links besides style.css.
NEXT_PAGE: dict[Mode, tuple[str, tuple[str, ...]]] = {
    Mode.PEER: ("room-page.js", ()),
    Mode.SCRIPTED: ("scripted-page.js", ("scripted.css",)),
}


@dataclass(frozen=True)
class OpenPage:
    script: str  # the inlined script; "" before a build (the page then says it cannot open)
    csp: str  # CSP with the script's hash in script-src
    next_files: dict[Mode, list[str]] = field(default_factory=dict)  # URLs, per mode


OPEN_PAGE: web.AppKey[OpenPage] = web.AppKey("open_page", OpenPage)


def script_csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return CSP.replace("script-src 'self'", f"script-src 'self' 'sha256-{digest}'", 1)


def load_open_page(web_dir: Path, preloads: dict[str, list[str]]) -> OpenPage:
    """The built script and each mode's files (web/build.mjs writes both)."""
    try:
        script = (web_dir / "static" / "build" / "open-link.js").read_text("utf-8").strip()
    except OSError:
        log.warning("web/static/build/open-link.js is missing: #token= links cannot open (build)")
        script = ""
    if "</script" in script.lower():
        raise ValueError("open-link.js cannot be inlined: it holds '</script'")
    next_files = {
        mode: [f"/static/build/{name}" for name in (entry, *preloads.get(entry, []))]
        + [f"/static/{css}" for css in styles]
        for mode, (entry, styles) in NEXT_PAGE.items()
    }
    return OpenPage(script, script_csp(script) if script else CSP, next_files)


def setup_open_page(app: web.Application, web_dir: Path, preloads: dict[str, list[str]]) -> None:
    app[OPEN_PAGE] = load_open_page(web_dir, preloads)


def render_open_page(request: web.Request, opens: Mode | None) -> web.Response:
    page = request.app[OPEN_PAGE]
    files = page.next_files.get(opens, []) if opens is not None else []
    response = aiohttp_jinja2.render_template(
        "open.html", request, {"open_script": page.script, "next_files": " ".join(files)}
    )
    response.headers["Content-Security-Policy"] = page.csp
    return response
