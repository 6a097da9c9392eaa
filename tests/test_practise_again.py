"""Practise again: a new room like this one, with the very bank stored with it (a pasted bank
too, which no bank id names: before, the scripted page fell back to the home page)."""

from __future__ import annotations

from typing import Any

from support.http import auth, create_room

PASTED = """id = "my-own"
title = "My own questions"

[[questions]]
id = "why-us"
kind = "behavioral"
text = "Why do you want to work with us?"

[[questions]]
id = "hard-bug"
kind = "behavioral"
text = "Tell me about the hardest bug you fixed."
"""


async def again(client: Any, room: dict[str, Any], role: str) -> Any:
    return await client.post(
        f"/api/rooms/{room['room_id']}/again", headers=auth(room["tokens"][role])
    )


async def test_a_pasted_bank_is_practised_again_with_the_same_questions(client: Any) -> None:
    room = await create_room(
        client, mode="scripted", media="audio", bank_toml=PASTED, title="Tuesday", retakes=2
    )
    resp = await again(client, room, "candidate")
    assert resp.status == 201, await resp.text()
    made = await resp.json()
    assert made["room_id"] != room["room_id"] and made["bank"] == "my-own"
    assert (
        set(made["links"]) == {"candidate", "reviewer"} and "#token=" in made["links"]["candidate"]
    )
    token = made["links"]["candidate"].split("token=", 1)[1]
    info = await (await client.get(f"/api/rooms/{made['room_id']}", headers=auth(token))).json()
    assert info["bank"] == {"id": "my-own", "title": "My own questions"}
    assert info["title"] == "Tuesday" and info["options"]["retakes"] == 2
    assert (info["mode"], info["media"]) == ("scripted", "audio")


async def test_only_the_owner_practises_again(client: Any) -> None:
    scripted = await create_room(client, mode="scripted", bank="behavioral")
    assert (await again(client, scripted, "reviewer")).status == 403
    peer = await create_room(client, bank="behavioral", scheduled_at="2031-03-04T09:30:00Z")
    assert (await again(client, peer, "candidate")).status == 403
    resp = await again(client, peer, "interviewer")
    assert resp.status == 201
    made = await resp.json()
    assert set(made["links"]) == {"interviewer", "candidate", "observer"}
    token = made["links"]["interviewer"].split("token=", 1)[1]
    info = await (await client.get(f"/api/rooms/{made['room_id']}", headers=auth(token))).json()
    assert "scheduled_at" not in info["options"]  # a new session is not the old appointment
    assert (
        await client.post("/api/rooms/ffffffffffff/again", headers=auth("x" * 32))
    ).status == 404
