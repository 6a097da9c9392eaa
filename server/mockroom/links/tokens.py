"""Capability tokens: random secrets handed out once, stored only as hashes."""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 24  # 192 bits, above the 128 the threat model asks for
# What token_urlsafe produces (32 characters today), with room for longer tokens later.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def well_formed(token: str) -> bool:
    """Checked before hashing: anything else (a lone surrogate, a megabyte) is simply wrong."""
    return TOKEN_SHAPE.fullmatch(token) is not None


def hash_token(token: str) -> str:
    """SHA-256 is enough: tokens are high-entropy, so no salt or slow hash is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_room_id() -> str:
    """Room ids appear in URLs and logs; they grant nothing on their own."""
    return secrets.token_hex(6)
