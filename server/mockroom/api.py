"""The JSON API: health, banks, creating rooms, reading a room as a role, renewing links."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from . import quotas
from .banks import model as bank_lib
from .errors import NotFound, UserError
from .http import bearer_token, grant_from_request
from .jsonbody import read_json
from .keys import BANKS, SETTINGS, STORE
from .links.issue import base_url, check_renewal, issue_link, link_url
from .links.sockets import WITHDRAWN
from .links.vault import LINK_VAULT
from .ratelimit import check_room_creation
from .roles import Mode, Role
from .room_info import room_info
from .rooms.create import open_room
from .rooms.request import parse_room_request
from .signaling.service import SIGNALING

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

DEFAULT_SCRIPTED_BANK = "async-one-way"


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


@routes.get("/api/banks")
async def list_banks(request: web.Request) -> web.Response:
    return web.json_response(
        [
            {
                "id": b.id,
                "title": b.title,
                "field": b.field,
                "description": b.description,
                "questions": len(b.questions),
                "code_pad": b.code_pad,
                "realism": b.realism,
            }
            for b in request.app[BANKS].values()
        ]
    )


def _bank_for(
    request: web.Request, bank_id: str | None, bank_toml: str | None
) -> dict[str, Any] | None:
    if bank_toml is not None:
        quotas.check_pasted_bank_text(request.app[SETTINGS], bank_toml)
        try:
            pasted = bank_lib.bank_to_dict(bank_lib.parse_bank(bank_toml, "pasted bank"))
        except bank_lib.BankError as exc:
            raise UserError(f"The pasted bank has problems:\n{exc}", code="invalid-bank") from None
        quotas.check_pasted_bank_questions(request.app[SETTINGS], pasted)
        return pasted
    if bank_id is None:
        return None
    bank = request.app[BANKS].get(bank_id)
    if bank is None:
        known = ", ".join(request.app[BANKS].keys()) or "none"
        raise UserError(f"Unknown bank '{bank_id}'. Known banks: {known}.", code="unknown-bank")
    return bank_lib.bank_to_dict(bank)


@routes.post("/api/rooms")
async def create_room(request: web.Request) -> web.Response:
    check_room_creation(request)
    spec = parse_room_request(await read_json(request))
    bank_id = spec.bank
    if spec.mode is Mode.SCRIPTED and bank_id is None and spec.bank_toml is None:
        bank_id = DEFAULT_SCRIPTED_BANK
    return await open_room(
        request,
        mode=spec.mode,
        media=spec.media,
        title=spec.title,
        bank=_bank_for(request, bank_id, spec.bank_toml),
        options=spec.options,
        roles=spec.roles,
        expires_in_hours=spec.expires_in_hours,
        ignored_fields=spec.ignored_fields,
    )


@routes.get("/api/rooms/{room_id}")
async def get_room(request: web.Request) -> web.Response:
    grant = await grant_from_request(request)
    return web.json_response(await room_info(request, grant))


@routes.post("/api/rooms/{room_id}/links/{role}/renew")
async def renew_link(request: web.Request) -> web.Response:
    """The room's owner withdraws a role's link (e.g. sent to the wrong person), gets a new one.

    Every socket the old link holds open (signaling and notes) is closed at once with the reason
    and its seat is freed, so the new link can join straight away.
    """
    grant = await grant_from_request(request)
    try:
        role = Role(request.match_info["role"])
    except ValueError:
        raise NotFound("No such role in this room.") from None
    check_renewal(grant, role)
    store = request.app[STORE]
    old = [
        link.token_hash for link in await store.links_for(grant.room.id) if link.role == role.value
    ]
    revoked = await store.revoke_links(grant.room.id, role.value)
    token, record = issue_link(grant.room.id, role, request.app[SETTINGS].link_ttl_hours or None)
    await store.add_link(record)
    closed = sum(request.app[SIGNALING].cut_off(token_hash, WITHDRAWN) for token_hash in old)
    await request.app[LINK_VAULT].link_renewed(
        grant.room.id, grant.room.mode, grant.role, str(bearer_token(request)), record, token
    )
    log.info(
        "link renewed",
        extra={"room": grant.room.id, "role": role.value, "revoked": revoked, "closed": closed},
    )
    url = link_url(base_url(request, request.app[SETTINGS]), grant.room.id, role, token)
    return web.json_response({"role": role.value, "link": url, "revoked": revoked})
