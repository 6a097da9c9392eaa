"""What serving a room's pages costs the server: templates compiled once, never re-checked."""

from __future__ import annotations

import os
from typing import Any

import pytest

from support.http import auth, create_room


async def test_the_room_page_renders_without_touching_template_files(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jinja2's auto_reload stats every template a page uses (room.html, base.html and what they
    import) on each render; they ship with the package and change only with a restart."""
    room = await create_room(client)
    room_id, token = room["room_id"], room["tokens"]["candidate"]
    resp = await client.post(f"/api/rooms/{room_id}/page-ticket", headers=auth(token))
    sig = (await resp.json())["sig"]
    for path in (f"/rooms/{room_id}", f"/rooms/{room_id}?sig={sig}"):  # open page, room page
        assert (await client.get(path)).status == 200  # the first render compiles
    looked: list[str] = []
    real = os.path.getmtime

    def getmtime(path: Any) -> float:
        looked.append(str(path))
        return real(path)

    monkeypatch.setattr(os.path, "getmtime", getmtime)
    for path in (f"/rooms/{room_id}", f"/rooms/{room_id}?sig={sig}"):
        resp = await client.get(path)
        assert resp.status == 200
        assert 'data-testid="' in await resp.text()
    assert looked == []
