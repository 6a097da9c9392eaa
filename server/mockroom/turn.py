"""ICE servers for one join, with TURN REST credentials (coturn's `use-auth-secret`).

The TURN server and MockRoom share a secret. Each join gets the username `<expiry>:<name>`
(expiry in Unix seconds, name the room id or a random label) and the credential
base64(HMAC-SHA1(secret, username)). coturn recomputes the HMAC and refuses the username once
its expiry has passed, so a credential copied out of a browser stops working within the TTL and
the secret itself never leaves the server. This is the scheme of draft-uberti-behave-turn-rest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any

from .settings import Settings


def turn_credential(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def turn_username(name: str, ttl_s: float, now: float) -> str:
    return f"{int(now + ttl_s)}:{name}"


def ice_servers(
    settings: Settings, name: str | None = None, *, now: float | None = None
) -> list[dict[str, Any]]:
    """The RTCIceServer list for one join: the operator's STUN/TURN URLs, plus fresh TURN
    credentials when a TURN secret is set. `name` is the room id (None: a random label)."""
    servers = [dict(server) for server in settings.ice_servers]
    if settings.turn_secret and settings.turn_urls:
        label = name or secrets.token_hex(8)
        now = time.time() if now is None else now
        username = turn_username(label, settings.turn_ttl_hours * 3600, now)
        servers.append(
            {
                "urls": list(settings.turn_urls),
                "username": username,
                "credential": turn_credential(settings.turn_secret, username),
            }
        )
    return servers
