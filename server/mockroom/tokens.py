"""Capability tokens: random secrets handed out once, stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 24  # 192 bits, above the 128 the threat model asks for


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """SHA-256 is enough: tokens are high-entropy, so no salt or slow hash is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)


def new_room_id() -> str:
    """Room ids appear in URLs and logs; they grant nothing on their own."""
    return secrets.token_hex(6)
