"""Short-lived signed URLs, so a token never has to sit in a URL (security review M7).

A capability link's token opens the room; the address bar, the history, proxy logs and the
`src` of a <video> must not hold it. Where a browser cannot send an Authorization header (a
navigation, a <video src>, a download link), the server signs the one path instead:

    ?sig=<expiry>.<role>.<mac>     mac = HMAC-SHA256(key = the link's token hash,
                                                     "room|role|path|expiry")

The key is the live link's token hash, which the store keeps and nobody outside sees, so no
server secret is needed and every node of a cluster can check a signature another node made.
Withdrawing (renewing) the link changes the hash and so voids every URL signed for it; expiry
bounds the rest. A signature opens exactly one path of one room for one role.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from ..access import Grant
from ..errors import Forbidden
from ..roles import Role
from ..rooms.request import link_expired
from ..storage.interface import Store

# Media and downloads on a rendered page: long enough for a session on the review page; a reload
# signs afresh.
MEDIA_TTL_S = 4 * 3600
# The hop from a `#token=` link (the fragment stays in the browser) to the rendered page.
PAGE_TTL_S = 60
PAGE = "page"  # the path a page ticket signs: any page of the room, for that role


def _mac(token_hash: str, room_id: str, role: str, path: str, expiry: int) -> str:
    message = f"{room_id}|{role}|{path}|{expiry}".encode()
    return hmac.new(token_hash.encode(), message, hashlib.sha256).hexdigest()


def sign(grant: Grant, path: str, ttl_s: float, now: float | None = None) -> str:
    expiry = int((time.time() if now is None else now) + ttl_s)
    mac = _mac(grant.token_hash, grant.room.id, grant.role.value, path, expiry)
    return f"{expiry}.{grant.role.value}.{mac}"


def signed_url(grant: Grant, path: str, ttl_s: float = MEDIA_TTL_S) -> str:
    return f"{path}?sig={sign(grant, path, ttl_s)}"


async def verify(store: Store, room_id: str, path: str, sig: str) -> Grant:
    """The grant a signature stands for, or Forbidden with what to do about it."""
    expiry_text, _, rest = sig.partition(".")
    role_text, _, mac = rest.partition(".")
    room = await store.get_room(room_id)
    if not expiry_text.isdigit() or role_text not in {r.value for r in Role} or room is None:
        raise Forbidden("This address is not valid. Open the link you were sent again.")
    now = time.time()
    if int(expiry_text) < now:
        raise Forbidden("This address has expired. Reload the page, or open your link again.")
    for link in await store.links_for(room_id):
        if link.role != role_text or link.revoked_at is not None:
            continue
        if link_expired(link.expires_at, now):
            continue
        expected = _mac(link.token_hash, room_id, role_text, path, int(expiry_text))
        if hmac.compare_digest(expected, mac):
            return Grant(room, Role(role_text), link.token_hash, link.expires_at)
    raise Forbidden(
        "This address no longer opens anything: the link was withdrawn or has expired. "
        "Ask the person who made the room for a new one."
    )
