"""The page a `#token=` link opens first (open_page.py), as the server renders it.

Its script is inlined (no fetch stands between the document and the ticket request), allowed by
the page's CSP through its hash alone, and it preloads the files of the page that comes next,
chosen by the room's mode: a scripted room's link fetches nothing of the peer room's page.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from mockroom.pages import WEB_DIR
from mockroom.security import CSP
from support.http import create_room

SCRIPT = re.compile(r"<script data-next=\"([^\"]*)\">(.*?)</script>", re.S)


def preloads(entry: str) -> list[str]:
    data: dict[str, list[str]] = json.loads((WEB_DIR / "static/build/preload.json").read_text())
    return [f"/static/build/{name}" for name in (entry, *data[entry])]


async def open_page(client: Any, path: str) -> tuple[list[str], str, str]:
    """The open page at `path`: its data-next files, its inlined script and its CSP."""
    resp = await client.get(path)
    assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
    html = await resp.text()
    assert 'data-testid="open-link"' in html
    found = SCRIPT.search(html)
    assert found is not None, html
    outside = html.replace(found.group(0), "")
    assert "<script" not in outside and "modulepreload" not in outside  # the script preloads
    return found.group(1).split(), found.group(2), resp.headers["Content-Security-Policy"]


async def test_a_scripted_link_preloads_the_scripted_page_and_nothing_of_the_peer_room(
    built_web: None, client: Any
) -> None:
    room = await create_room(client, mode="scripted", media="audio")
    files, _, _ = await open_page(client, f"/rooms/{room['room_id']}")
    assert files == [*preloads("scripted-page.js"), "/static/scripted.css"]
    peer_only = set(preloads("room-page.js")) - set(preloads("scripted-page.js"))
    assert "/static/build/room-page.js" in peer_only and peer_only.isdisjoint(files)


async def test_a_peer_link_preloads_the_room_page(built_web: None, client: Any) -> None:
    room = await create_room(client)
    files, _, _ = await open_page(client, f"/rooms/{room['room_id']}")
    assert files == preloads("room-page.js")
    # A review link (its page is not the room's) preloads nothing, and still opens.
    scripted = await create_room(client, mode="scripted", media="audio")
    files, _, _ = await open_page(client, f"/rooms/{scripted['room_id']}/review")
    assert files == []


async def test_the_inlined_script_is_the_only_inline_script_the_csp_allows(
    built_web: None, client: Any
) -> None:
    room = await create_room(client)
    _, script, csp = await open_page(client, f"/rooms/{room['room_id']}")
    assert script == (WEB_DIR / "static/build/open-link.js").read_text().strip()
    assert "page-ticket" in script and "import" not in script.split("(", 1)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}';" in csp
    assert "unsafe-inline" not in csp
    assert csp.replace(f" 'sha256-{digest}'", "") == CSP  # nothing else changed
    # Every other page keeps the plain policy.
    rendered = await client.get(f"/rooms/{room['room_id']}?token={room['tokens']['candidate']}")
    assert rendered.headers["Content-Security-Policy"] == CSP


async def test_an_unknown_room_is_refused_before_any_open_page(client: Any) -> None:
    resp = await client.get("/rooms/ffffffffffff")
    assert resp.status == 404 and "does not exist" in await resp.text()
    assert "page-ticket" not in await resp.text()
