"""Capability links: one per role, the token in the URL's fragment.

`#token=` never reaches a server, a proxy log or a Referer (security review M7); the page reads
it, keeps it in the tab's sessionStorage and takes it out of the address bar. Links issued
before carried `?token=`: those keep working (pages.py, http.bearer_token)."""

from __future__ import annotations

import time
from urllib.parse import quote

from aiohttp import web

from ..access import Grant
from ..errors import Forbidden, UserError
from ..roles import ROLES_BY_MODE, Mode, Role
from ..security import request_origin
from ..settings import Settings
from ..storage.interface import LinkRecord
from .tokens import hash_token, new_token


def base_url(request: web.Request, settings: Settings) -> str:
    return settings.public_url or request_origin(request, settings)


def page_path(room_id: str, role: Role) -> str:
    """Reviewers get the review page; everyone else opens the room (lobby first)."""
    if role is Role.REVIEWER:
        return f"/rooms/{room_id}/review"
    return f"/rooms/{room_id}"


def link_url(base: str, room_id: str, role: Role, token: str) -> str:
    return f"{base}{page_path(room_id, role)}#token={quote(token)}"


def issue_link(room_id: str, role: Role, expires_in_hours: float | None) -> tuple[str, LinkRecord]:
    """A fresh token and the record we keep of it (its hash, never the token)."""
    token = new_token()
    now = time.time()
    expires_at = now + expires_in_hours * 3600 if expires_in_hours else None
    return token, LinkRecord(room_id, role.value, hash_token(token), now, expires_at, None)


def notes_paths(room_id: str, docs: list[str]) -> dict[str, str]:
    return {doc: f"/ws/rooms/{room_id}/notes/{doc}" for doc in docs}


# Who runs each kind of room, and so may withdraw and renew its links (their own included).
OWNER_BY_MODE = {Mode.PEER: Role.INTERVIEWER, Mode.SCRIPTED: Role.CANDIDATE}


def check_renewal(grant: Grant, role: Role) -> None:
    """May this grant withdraw and renew the link of `role`? A clear refusal if not."""
    mode = grant.room.mode
    owner = OWNER_BY_MODE[mode]
    if grant.role is not owner:
        raise Forbidden(f"Only the {owner.value} can withdraw and renew links in this room.")
    if role not in ROLES_BY_MODE[mode]:
        roles = ", ".join(r.value for r in ROLES_BY_MODE[mode])
        raise UserError(f"This room's links are: {roles}.", code="bad-role")
