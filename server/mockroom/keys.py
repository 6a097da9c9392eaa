"""Typed keys for what hangs off the aiohttp application (no module globals)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from .banks.model import Bank
    from .settings import Settings
    from .storage.interface import Store

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
STORE: web.AppKey[Store] = web.AppKey("store")
BANKS: web.AppKey[dict[str, Bank]] = web.AppKey("banks")
