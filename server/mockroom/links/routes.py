"""GET /api/rooms/{id}/links: the room's current links, for its owner only; POST
/api/rooms/{id}/page-ticket: a bearer token traded for a page signature (links/signed.py).

The owner (interviewer in peer rooms, candidate in scripted rooms) proves it with their bearer
token, which is also the key that opens the sealed copies (links/vault.py). Withdrawn and expired
links are never returned.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from aiohttp import web

from ..http import bearer_token, grant_from_request, owner_grant
from ..keys import SETTINGS, STORE
from ..roles import ROLES_BY_MODE, Role
from ..rooms.request import link_expired
from .issue import base_url, link_url
from .signed import PAGE, PAGE_TTL_S, sign
from .vault import LINK_VAULT, LinkVault

routes = web.RouteTableDef()


@routes.get("/api/rooms/{room_id}/links")
async def room_links(request: web.Request) -> web.Response:
    grant = await owner_grant(request, "see its links")
    owner = grant.role
    token = str(bearer_token(request))
    room_id = grant.room.id
    now = time.time()
    current = {
        record.token_hash: record
        for record in await request.app[STORE].links_for(room_id)
        if record.revoked_at is None and not link_expired(record.expires_at, now)
    }
    opened = await request.app[LINK_VAULT].open_all(token, room_id)
    opened[owner.value] = (token, grant.token_hash)
    base = base_url(request, request.app[SETTINGS])
    links: dict[str, str] = {}
    expires: dict[str, float | None] = {}
    for role in ROLES_BY_MODE[grant.room.mode]:
        found = opened.get(role.value)
        if found is None or found[1] not in current:
            continue
        links[role.value] = link_url(base, room_id, Role(role), found[0])
        expires[role.value] = current[found[1]].expires_at
    return web.json_response(
        {"room_id": room_id, "owner": owner.value, "links": links, "expires_at": expires},
        headers={"Cache-Control": "no-store"},
    )


@routes.post("/api/rooms/{room_id}/page-ticket")
async def page_ticket(request: web.Request) -> web.Response:
    """A short-lived signature that renders this room's pages for the bearer's role: the page a
    `#token=` link opens trades the token (a header, never a URL) for it (links/signed.py)."""
    grant = await grant_from_request(request)
    return web.json_response(
        {"sig": sign(grant, PAGE, PAGE_TTL_S)}, headers={"Cache-Control": "no-store"}
    )


def setup_links(app: web.Application) -> None:
    async def vault(app: web.Application) -> AsyncIterator[None]:
        app[LINK_VAULT] = LinkVault(app[STORE])
        yield

    app.cleanup_ctx.append(vault)
    app.add_routes(routes)
