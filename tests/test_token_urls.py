"""Tokens stay out of URLs (security review M7), over the wire.

Links carry `#token=` (the fragment never reaches a server); the page that opens trades the
token, as a bearer header, for a short-lived page ticket; media and downloads on rendered pages
are URLs signed for their one path; the notes socket takes the token in its subprotocol header.
Old `?token=` links keep working everywhere.
"""

from __future__ import annotations

import re
import time
from typing import Any

import aiohttp

from mockroom.keys import STORE
from mockroom.links.signed import MEDIA_TTL_S, sign
from support.clips import new_clip, put_chunk, scripted_room
from support.http import auth, create_room
from support.notes import PyClient, notes_path


async def ticket(client: Any, room: dict[str, Any], role: str) -> str:
    resp = await client.post(
        f"/api/rooms/{room['room_id']}/page-ticket", headers=auth(room["tokens"][role])
    )
    assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
    sig: str = (await resp.json())["sig"]
    return sig


async def test_links_carry_the_token_in_the_fragment_and_old_query_links_still_open(
    client: Any,
) -> None:
    room = await create_room(client, bank="behavioral")
    for role, link in room["links"].items():
        assert "#token=" in link and "?" not in link, role
    token = room["tokens"]["candidate"]
    old = await client.get(f"/rooms/{room['room_id']}", params={"token": token})
    assert old.status == 200 and 'data-testid="join-button"' in await old.text()


async def test_a_page_ticket_renders_the_page_without_the_token_in_any_url(client: Any) -> None:
    room = await create_room(client, bank="behavioral")
    page = f"/rooms/{room['room_id']}"
    opening = await (await client.get(page)).text()
    assert 'data-testid="open-link"' in opening and 'data-testid="join-button"' not in opening
    sig = await ticket(client, room, "interviewer")
    assert room["tokens"]["interviewer"] not in sig
    rendered = await client.get(page, params={"sig": sig})
    assert rendered.status == 200 and rendered.headers["Cache-Control"] == "no-store"
    html = await rendered.text()
    assert 'data-testid="join-button"' in html
    assert all(token not in html for token in room["tokens"].values())
    # The ticket opens pages of this room for this role only, and no API.
    other = await create_room(client)
    assert (await client.get(f"/rooms/{other['room_id']}", params={"sig": sig})).status == 403
    forged = sig.replace(".interviewer.", ".candidate.")
    assert (await client.get(page, params={"sig": forged})).status == 403
    assert (await client.get(f"/api/rooms/{room['room_id']}", params={"sig": sig})).status == 401
    # Renewing the link voids every ticket it made.
    renew = await client.post(
        f"/api/rooms/{room['room_id']}/links/interviewer/renew",
        headers=auth(room["tokens"]["interviewer"]),
    )
    assert renew.status == 200
    assert (await client.get(page, params={"sig": sig})).status == 403


async def test_review_media_and_export_are_signed_for_their_one_path(client: Any) -> None:
    room = await scripted_room(client)
    clips = []
    for take in (1, 2):
        clip = await new_clip(client, room, take=take)
        assert (await put_chunk(client, room, clip["clip_id"], 0, b"take%d" % take)).status == 200
        clips.append(clip)
    sig = await ticket(client, room, "reviewer")
    html = await (await client.get(f"/rooms/{room['room_id']}/review", params={"sig": sig})).text()
    assert all(token not in html for token in room["tokens"].values())
    sources = re.findall(r'src="([^"]+\?sig=[^"]+)"', html)
    assert len(sources) == 2, html
    first = sources[0].replace("&amp;", "&")
    media = await client.get(first)
    assert media.status == 200 and await media.read() == b"take1"
    assert media.headers["Cache-Control"] == "no-store"
    # The signature opens that clip, and not the other one.
    other_path = f"/api/rooms/{room['room_id']}/clips/{clips[1]['clip_id']}"
    assert (await client.get(other_path + "?" + first.split("?", 1)[1])).status == 403
    export = re.search(r'href="(/api/rooms/[^"]+/review\.md\?sig=[^"]+)"', html)
    assert export is not None
    resp = await client.get(export.group(1).replace("&amp;", "&"))
    assert resp.status == 200 and "# Review" in await resp.text()


async def test_an_expired_signature_says_what_to_do_and_none_writes(client: Any, app: Any) -> None:
    room = await scripted_room(client)
    clip = await new_clip(client, room)
    await put_chunk(client, room, clip["clip_id"], 0, b"x")
    path = f"/api/rooms/{room['room_id']}/clips/{clip['clip_id']}"
    from mockroom.access import authorize

    grant = await authorize(app[STORE], room["room_id"], room["tokens"]["candidate"])
    stale = sign(grant, path, MEDIA_TTL_S, now=time.time() - MEDIA_TTL_S - 1)
    resp = await client.get(path, params={"sig": stale})
    assert resp.status == 403 and "expired" in (await resp.json())["message"]
    fresh = sign(grant, path, MEDIA_TTL_S)
    assert (await client.get(path, params={"sig": fresh})).status == 200
    # Signatures only read: a write signed for its path still needs the bearer token.
    finish = f"{path}/finish"
    signed_finish = sign(grant, finish, MEDIA_TTL_S)
    resp = await client.post(finish, params={"sig": signed_finish}, json={"duration_ms": 1})
    assert resp.status == 401


async def test_the_report_page_signs_its_download(client: Any) -> None:
    room = await create_room(client, bank="behavioral")
    sig = await ticket(client, room, "interviewer")
    html = await (await client.get(f"/rooms/{room['room_id']}/report", params={"sig": sig})).text()
    assert all(token not in html for token in room["tokens"].values())
    download = re.search(r'href="(/api/rooms/[^"]+/report\.md\?sig=[^"]+)"', html)
    assert download is not None
    resp = await client.get(download.group(1).replace("&amp;", "&"))
    assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
    assert "attachment" in resp.headers["Content-Disposition"]


async def test_the_notes_socket_takes_the_token_in_its_subprotocol_header(client: Any) -> None:
    room = await create_room(client)
    token = room["tokens"]["candidate"]
    py = await PyClient.connect(
        client, notes_path(room), "", protocols=("mockroom-notes", f"token.{token}")
    )
    try:
        assert py.ws.protocol == "mockroom-notes"  # echoed, as a browser requires
        await py.synced.wait()
    finally:
        await py.ws.close()
    refused = await client.ws_connect(
        notes_path(room), protocols=("mockroom-notes", "token.not-a-valid-token")
    )
    msg = await refused.receive(timeout=5)
    assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4403
    # The y-websocket way of the stable surface: ?token= still opens it.
    plain = await PyClient.connect(client, notes_path(room), token)
    await plain.synced.wait()
    await plain.ws.close()
