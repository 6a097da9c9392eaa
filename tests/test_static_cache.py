"""Cache headers of the static files: hashed bundle chunks for good, everything else a minute."""

from __future__ import annotations

import json
from typing import Any

from mockroom.pages import WEB_DIR
from mockroom.static_cache import BRIEFLY, FOR_GOOD


def a_hashed_chunk() -> str:
    preload: dict[str, list[str]] = json.loads(
        (WEB_DIR / "static" / "build" / "preload.json").read_text()
    )
    return preload["room-page.js"][0]


async def test_hashed_chunks_are_kept_for_good(client: Any, built_web: None) -> None:
    chunk = a_hashed_chunk()
    for path in (f"/static/build/{chunk}", f"/static/build/{chunk}.map"):
        resp = await client.get(path)
        assert resp.status == 200, path
        assert resp.headers["Cache-Control"] == FOR_GOOD, path


async def test_entries_and_stylesheets_are_kept_briefly(client: Any, built_web: None) -> None:
    for path in ("/static/build/room-page.js", "/static/style.css", "/static/interview.css"):
        resp = await client.get(path)
        assert resp.status == 200, path
        assert resp.headers["Cache-Control"] == BRIEFLY, path
        # Asked again after that minute, unchanged since: a 304, kept a minute more.
        again = await client.get(path, headers={"If-Modified-Since": resp.headers["Last-Modified"]})
        assert again.status == 304, path
        assert again.headers["Cache-Control"] == BRIEFLY, path


async def test_a_missing_file_or_a_link_is_never_kept(client: Any, built_web: None) -> None:
    missing = await client.get("/static/build/room-page-ABCDEFGH.js")
    assert missing.status == 404
    assert missing.headers.get("Cache-Control") != FOR_GOOD
    # A capability link's token in the query: nothing may keep that response.
    chunk = a_hashed_chunk()
    linked = await client.get(f"/static/build/{chunk}?token=secret")
    assert linked.status == 200
    assert linked.headers["Cache-Control"] == "no-store"
