"""Sealed copies of a room's links, so its owner can see them again from inside the room.

Tokens are stored only as SHA-256 hashes (links/tokens.py), so the server cannot show a link
twice on its own. Here each non-owner link's token is also kept *sealed* with a key derived from the
owner's token (interviewer in peer rooms, candidate in scripted rooms) and the room id: the
database alone never yields a usable link, and only the owner's bearer token opens the copies.

The cipher is a stream from HMAC-SHA256 in counter mode (key, random nonce, block counter), with
an HMAC-SHA256 tag over role, nonce and ciphertext (encrypt-then-MAC). Standard-library only; the
plaintexts are short, random tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Iterable

from aiohttp import web

from ..roles import Mode, Role
from ..storage.interface import LinkRecord, Store

NONCE_BYTES = 16
TAG_BYTES = 16
KEY_LABEL = b"mockroom link vault v1|"

OWNER_BY_MODE = {Mode.PEER: Role.INTERVIEWER, Mode.SCRIPTED: Role.CANDIDATE}


def owner_role(mode: str) -> Role:
    """Who keeps the room's links: whoever sends the others theirs."""
    return OWNER_BY_MODE[Mode(mode)]


def _key(owner_token: str, room_id: str) -> bytes:
    return hmac.new(owner_token.encode(), KEY_LABEL + room_id.encode(), hashlib.sha256).digest()


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (
        hmac.new(key, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest()
        for i in range(-(-length // 32))
    )
    return b"".join(blocks)[:length]


def _tag(key: bytes, role: str, nonce: bytes, ciphertext: bytes) -> bytes:
    mac = hmac.new(key, b"tag|" + role.encode() + b"|" + nonce + ciphertext, hashlib.sha256)
    return mac.digest()[:TAG_BYTES]


def seal(owner_token: str, room_id: str, role: str, token: str) -> str:
    key = _key(owner_token, room_id)
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = token.encode()
    cipher = bytes(a ^ b for a, b in zip(plain, _keystream(key, nonce, len(plain)), strict=True))
    return urlsafe_b64encode(nonce + cipher + _tag(key, role, nonce, cipher)).decode()


def unseal(owner_token: str, room_id: str, role: str, sealed: str) -> str | None:
    """The token, or None when this owner token does not open the copy (or it was altered)."""
    try:
        raw = urlsafe_b64decode(sealed.encode())
    except ValueError:
        return None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        return None
    nonce, cipher, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    key = _key(owner_token, room_id)
    if not hmac.compare_digest(tag, _tag(key, role, nonce, cipher)):
        return None
    plain = bytes(a ^ b for a, b in zip(cipher, _keystream(key, nonce, len(cipher)), strict=True))
    try:
        return plain.decode()
    except UnicodeDecodeError:
        return None


class LinkVault:
    """The sealed_links table. Each role keeps one current copy; renewing replaces it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def keep(
        self, owner_token: str, room_id: str, role: str, token: str, token_hash: str
    ) -> None:
        sealed = seal(owner_token, room_id, role, token)
        await self.store.keep_sealed(room_id, role, token_hash, sealed)

    async def forget(self, room_id: str, role: str) -> None:
        await self.store.forget_sealed(room_id, role)

    async def open_all(self, owner_token: str, room_id: str) -> dict[str, tuple[str, str]]:
        """role -> (token, token_hash) for every copy this owner token opens."""
        opened = {}
        for role, token_hash, sealed in await self.store.sealed_links(room_id):
            token = unseal(owner_token, room_id, role, sealed)
            if token is not None:
                opened[role] = (token, token_hash)
        return opened

    # the two moments links are made -----------------------------------------------------
    async def room_created(
        self, room_id: str, mode: str, issued: Iterable[tuple[str, LinkRecord]]
    ) -> None:
        issued = list(issued)
        owner = owner_role(mode).value
        owner_token = next(token for token, record in issued if record.role == owner)
        for token, record in issued:
            if record.role != owner:
                await self.keep(owner_token, room_id, record.role, token, record.token_hash)

    async def link_renewed(
        self,
        room_id: str,
        mode: str,
        renewer: Role,
        renewer_token: str,
        record: LinkRecord,
        token: str,
    ) -> None:
        """Keep the new copy when the owner renewed; a renewal by anyone else (who cannot seal
        for the owner) drops the stale copy, so a withdrawn link is never shown again."""
        owner = owner_role(mode)
        if renewer is not owner:
            await self.forget(room_id, record.role)
        elif record.role == owner.value:
            # The owner's own link changed: the copies move to the new key.
            for role, (other, other_hash) in (await self.open_all(renewer_token, room_id)).items():
                await self.keep(token, room_id, role, other, other_hash)
        else:
            await self.keep(renewer_token, room_id, record.role, token, record.token_hash)


LINK_VAULT: web.AppKey[LinkVault] = web.AppKey("link_vault")
