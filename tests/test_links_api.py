"""GET /api/rooms/{id}/links: the owner sees every current link again; nobody else does, and the
database alone never yields a usable token."""

from __future__ import annotations

from typing import Any

from mockroom.keys import STORE
from mockroom.links.vault import seal, unseal
from support.http import create_room


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_owner_sees_every_link_and_renewals_replace_them(client: Any) -> None:
    room = await create_room(client, mode="peer")
    resp = await client.get(
        f"/api/rooms/{room['room_id']}/links", headers=auth(room["tokens"]["interviewer"])
    )
    assert resp.status == 200
    assert resp.headers["Cache-Control"] == "no-store"
    body = await resp.json()
    assert body["owner"] == "interviewer"
    assert body["links"] == room["links"]

    renew = await client.post(
        f"/api/rooms/{room['room_id']}/links/candidate/renew",
        headers=auth(room["tokens"]["interviewer"]),
    )
    new_link = (await renew.json())["link"]
    again = await client.get(
        f"/api/rooms/{room['room_id']}/links", headers=auth(room["tokens"]["interviewer"])
    )
    links = (await again.json())["links"]
    assert links["candidate"] == new_link != room["links"]["candidate"]
    assert links["observer"] == room["links"]["observer"]


async def test_scripted_rooms_belong_to_the_candidate(client: Any) -> None:
    room = await create_room(client, mode="scripted")
    resp = await client.get(
        f"/api/rooms/{room['room_id']}/links", headers=auth(room["tokens"]["candidate"])
    )
    body = await resp.json()
    assert body["owner"] == "candidate"
    assert body["links"] == room["links"]
    refused = await client.get(
        f"/api/rooms/{room['room_id']}/links", headers=auth(room["tokens"]["reviewer"])
    )
    assert refused.status == 403


async def test_other_roles_and_strangers_are_refused(client: Any) -> None:
    room = await create_room(client, mode="peer")
    path = f"/api/rooms/{room['room_id']}/links"
    for role in ("candidate", "observer"):
        resp = await client.get(path, headers=auth(room["tokens"][role]))
        assert resp.status == 403
        assert "interviewer" in (await resp.json())["message"]
    assert (await client.get(path)).status == 401
    assert (await client.get(path, headers=auth("x" * 32))).status == 403
    assert (await client.get("/api/rooms/nosuchroom/links", headers=auth("x"))).status == 404


async def test_the_database_holds_no_usable_token(client: Any) -> None:
    room = await create_room(client, mode="peer")
    db = client.server.app[STORE].connection
    dump = "\n".join(db.iterdump())
    for token in room["tokens"].values():
        assert token not in dump
    # What is stored opens only with the owner's token.
    row = db.execute(
        "SELECT sealed FROM sealed_links WHERE room_id = ? AND role = 'candidate'",
        (room["room_id"],),
    ).fetchone()
    owner = room["tokens"]["interviewer"]
    assert unseal(owner, room["room_id"], "candidate", row["sealed"]) == room["tokens"]["candidate"]
    assert unseal(room["tokens"]["observer"], room["room_id"], "candidate", row["sealed"]) is None
    assert unseal(owner, "otherroom", "candidate", row["sealed"]) is None
    assert unseal(owner, room["room_id"], "observer", row["sealed"]) is None  # role is bound


def test_tampering_is_detected() -> None:
    sealed = seal("owner-token", "room1", "candidate", "secret-token")
    assert unseal("owner-token", "room1", "candidate", sealed) == "secret-token"
    raw = bytearray(sealed.encode())
    raw[30] = ord("A") if raw[30] != ord("A") else ord("B")
    assert unseal("owner-token", "room1", "candidate", raw.decode()) is None
    assert unseal("owner-token", "room1", "candidate", "not base64 !!") is None
    assert seal("owner-token", "room1", "candidate", "t") != seal(
        "owner-token", "room1", "candidate", "t"
    )
