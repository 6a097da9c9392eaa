"""Typed app keys of the notes feature."""

from __future__ import annotations

from aiohttp import web

from .hub import NotesConfig, NotesHub

NOTES_HUB: web.AppKey[NotesHub] = web.AppKey("notes_hub")
# Replace before the app starts (tests) to change limits and timings.
NOTES_CONFIG: web.AppKey[NotesConfig] = web.AppKey("notes_config")
