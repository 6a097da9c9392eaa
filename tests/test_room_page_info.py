"""Issue 13, over the wire: the room page carries the room as the API answers its link.

The page embeds `GET /api/rooms/{id}`'s answer for the same grant (room_info.py) as a JSON data
block, so its script prepares the call without a fetch. Built by the one function both use,
it is role-scoped like the API: a candidate's page holds no interviewer-only text or key. A
title that closes the block (`</script>`) stays inside it, the page is never cached, and a
withdrawn link's page is refused with its clear message, embedding nothing.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

from mockroom.banks.model import load_bank
from mockroom.settings import Settings
from support.http import create_room

BANK = load_bank(Settings().banks_dir / "behavioral.toml")
SECRETS = {s for q in BANK.questions for s in (*q.hints, *q.follow_ups, *q.rubric)}
HOSTILE_TITLE = "</script><script>alert(\"x\")</script><!-- & 'quoted'"


class Blocks(HTMLParser):
    """The text of every `<script id=…>` element, as a browser's parser splits the page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: dict[str, str] = {}
        self.open: str | None = None
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.count += 1
            named = dict(attrs)
            self.open = f"{named.get('id')}:{named.get('type')}"
            self.scripts.setdefault(self.open, "")

    def handle_data(self, data: str) -> None:
        if self.open is not None:
            self.scripts[self.open] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.open = None


async def page_of(client: Any, room: dict[str, Any], role: str) -> tuple[Any, Blocks]:
    resp = await client.get(f"/rooms/{room['room_id']}", params={"token": room["tokens"][role]})
    blocks = Blocks()
    blocks.feed(await resp.text())
    return resp, blocks


async def api_of(client: Any, room: dict[str, Any], role: str) -> dict[str, Any]:
    bearer = {"Authorization": f"Bearer {room['tokens'][role]}"}
    resp = await client.get(f"/api/rooms/{room['room_id']}", headers=bearer)
    assert resp.status == 200, await resp.text()
    info: dict[str, Any] = await resp.json()
    return info


def embedded(blocks: Blocks) -> dict[str, Any]:
    info: dict[str, Any] = json.loads(blocks.scripts["room-info:application/json"])
    return info


async def test_each_role_s_page_embeds_its_own_api_answer(client: Any) -> None:
    room = await create_room(client, bank="behavioral", title="Embedded")
    pages = {}
    for role in ("candidate", "interviewer", "observer"):
        resp, blocks = await page_of(client, room, role)
        assert resp.status == 200
        assert resp.headers["Cache-Control"] == "no-store"  # it holds the role's view
        pages[role] = embedded(blocks)
        # The same, in the same order too (the page opens the first of its notes documents).
        assert json.dumps(pages[role]) == json.dumps(await api_of(client, room, role))
        assert pages[role]["role"] == role
    candidate = pages["candidate"]
    # What the isolation tests check of the API, on the page: no interviewer-only notes, no
    # hint, follow-up or rubric text of any question.
    assert "private-interviewer" not in candidate["notes"]
    assert "private-interviewer" in pages["interviewer"]["notes"]  # the check can see it
    text = json.dumps(candidate)
    assert not sorted(s for s in SECRETS if s in text)
    assert candidate != pages["interviewer"]


async def test_a_title_that_closes_the_block_stays_inside_it(client: Any) -> None:
    room = await create_room(client, title=HOSTILE_TITLE)
    resp, blocks = await page_of(client, room, "candidate")
    assert resp.status == 200
    body = await resp.text()
    assert "<script>alert" not in body
    assert embedded(blocks)["title"] == HOSTILE_TITLE
    # The page's scripts are its own three (data block, module, join-early): none injected.
    assert blocks.count == 3, blocks.scripts.keys()


async def test_a_withdrawn_link_s_page_is_refused_and_embeds_nothing(client: Any) -> None:
    room = await create_room(client, title="Withdrawn")
    owner = {"Authorization": f"Bearer {room['tokens']['interviewer']}"}
    resp = await client.post(f"/api/rooms/{room['room_id']}/links/candidate/renew", headers=owner)
    assert resp.status == 200, await resp.text()
    resp, blocks = await page_of(client, room, "candidate")
    assert resp.status == 403
    assert "This link was withdrawn" in await resp.text()
    assert "room-info:application/json" not in blocks.scripts


async def test_a_scripted_room_page_still_renders(client: Any) -> None:
    room = await create_room(client, mode="scripted", media="audio")
    resp, _ = await page_of(client, room, "candidate")
    assert resp.status == 200
