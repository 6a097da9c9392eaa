"""The JSON API over aiohttp's test client: rooms, links, tokens, errors."""

from __future__ import annotations

from typing import Any

from mockroom.keys import STORE
from mockroom.links.tokens import hash_token
from mockroom.storage.sqlite import SqliteStore
from support.http import create_room
from support.paths import REPO


async def test_healthz(client: Any) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"ok": True}


async def test_banks_listed(client: Any) -> None:
    resp = await client.get("/api/banks")
    banks = await resp.json()
    assert resp.status == 200
    ids = {b["id"] for b in banks}
    assert {"behavioral", "recruiter-phone-screen"} <= ids
    assert all(b["title"] for b in banks)


async def test_create_peer_room_gives_one_link_per_role(client: Any) -> None:
    room = await create_room(client, mode="peer", media="video", bank="behavioral")
    assert set(room["links"]) == {"interviewer", "candidate", "observer"}
    tokens = set(room["tokens"].values())
    assert len(tokens) == 3
    for role, url in room["links"].items():
        assert f"/rooms/{room['room_id']}#token=" in url, role
        assert url.startswith("http://")


async def test_create_scripted_room_links(client: Any) -> None:
    room = await create_room(client, mode="scripted", media="audio", bank="behavioral")
    assert set(room["links"]) == {"candidate", "reviewer"}
    assert "/review#token=" in room["links"]["reviewer"]


async def test_tokens_are_stored_only_as_hashes(client: Any, app: Any, settings: Any) -> None:
    room = await create_room(client)
    raw = settings.db_path.read_bytes()
    wal = settings.db_path.with_name(settings.db_path.name + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    for token in room["tokens"].values():
        assert token.encode() not in raw
        assert hash_token(token).encode() in raw
    assert len(room["tokens"]["candidate"]) >= 22  # >= 128 bits of base64url


async def test_get_room_as_each_role(client: Any) -> None:
    room = await create_room(client, bank="behavioral")
    for role, token in room["tokens"].items():
        resp = await client.get(
            f"/api/rooms/{room['room_id']}", headers={"Authorization": f"Bearer {token}"}
        )
        info = await resp.json()
        assert resp.status == 200
        assert info["role"] == role
        assert info["room_id"] == room["room_id"]
        assert info["mode"] == "peer" and info["media"] == "video"
        assert info["notes"]["shared"] == f"/ws/rooms/{room['room_id']}/notes/shared"
    interviewer = await (
        await client.get(
            f"/api/rooms/{room['room_id']}",
            headers={"Authorization": f"Bearer {room['tokens']['interviewer']}"},
        )
    ).json()
    assert "private-interviewer" in interviewer["notes"]
    assert "private-candidate" not in interviewer["notes"]


async def test_get_room_errors(client: Any) -> None:
    room = await create_room(client)
    rid = room["room_id"]
    missing = await client.get(f"/api/rooms/{rid}")
    assert missing.status == 401
    assert "link" in (await missing.json())["message"]
    wrong = await client.get(f"/api/rooms/{rid}", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 403
    unknown = await client.get(
        "/api/rooms/000000000000",
        headers={"Authorization": f"Bearer {room['tokens']['candidate']}"},
    )
    assert unknown.status == 404
    other = await create_room(client)
    cross = await client.get(
        f"/api/rooms/{rid}", headers={"Authorization": f"Bearer {other['tokens']['interviewer']}"}
    )
    assert cross.status == 403


async def test_create_room_validation(client: Any) -> None:
    cases: list[tuple[Any, str]] = [
        ({"mode": "party"}, "mode"),
        ({"media": "smell"}, "media"),
        ({"bank": "no-such-bank"}, "Unknown bank"),
        ({"title": "x" * 500}, "title"),
        ({"expires_in_hours": -1}, "expires_in_hours"),
        ({"answer_seconds": 5}, "answer_seconds"),
        ([1, 2], "JSON object"),
    ]
    for body, needle in cases:
        resp = await client.post("/api/rooms", json=body)
        assert resp.status == 400, body
        assert needle in (await resp.json())["message"], body
    bad_json = await client.post(
        "/api/rooms", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status == 400
    assert (await bad_json.json())["error"] == "bad-json"


async def test_extra_fields_are_allowed_and_named(client: Any) -> None:
    room = await create_room(client, bank="behavioral", integration_ref="lms-42", medai="audio")
    assert room["ignored_fields"] == ["integration_ref", "medai"]
    assert room["media"] == "video"


async def test_pasted_bank_is_validated_and_stored(client: Any, app: Any) -> None:
    broken = await client.post("/api/rooms", json={"bank_toml": "id = 'x'\nnonsense = 1\n"})
    assert broken.status == 400
    assert "pasted bank" in (await broken.json())["message"]
    pasted = (REPO / "question_banks" / "README.md").read_text().split("```toml\n", 1)[1]
    room = await create_room(client, bank_toml=pasted.split("```", 1)[0])
    assert room["bank"] == "customer-support"
    info = await (
        await client.get(
            f"/api/rooms/{room['room_id']}",
            headers={"Authorization": f"Bearer {room['tokens']['interviewer']}"},
        )
    ).json()
    assert info["bank"] == {"id": "customer-support", "title": "Customer support"}


async def test_expired_and_revoked_links(client: Any, app: Any) -> None:
    room = await create_room(client, expires_in_hours=1)
    store = app[STORE]
    assert isinstance(store, SqliteStore)  # the link's expiry is set behind the API's back
    store.connection.execute("UPDATE links SET expires_at = 1 WHERE role = 'observer'")
    resp = await client.get(
        f"/api/rooms/{room['room_id']}",
        headers={"Authorization": f"Bearer {room['tokens']['observer']}"},
    )
    assert resp.status == 403
    assert "expired" in (await resp.json())["message"]

    interviewer = {"Authorization": f"Bearer {room['tokens']['interviewer']}"}
    renewed = await client.post(
        f"/api/rooms/{room['room_id']}/links/candidate/renew", headers=interviewer
    )
    assert renewed.status == 200
    new_link = (await renewed.json())["link"]
    old = await client.get(
        f"/api/rooms/{room['room_id']}",
        headers={"Authorization": f"Bearer {room['tokens']['candidate']}"},
    )
    assert old.status == 403
    assert "withdrawn" in (await old.json())["message"]
    new_token = new_link.split("token=", 1)[1]
    fresh = await client.get(
        f"/api/rooms/{room['room_id']}", headers={"Authorization": f"Bearer {new_token}"}
    )
    assert fresh.status == 200
    by_candidate = await client.post(
        f"/api/rooms/{room['room_id']}/links/observer/renew",
        headers={"Authorization": f"Bearer {new_token}"},
    )
    assert by_candidate.status == 403


async def test_room_page_link_checks(client: Any) -> None:
    room = await create_room(client)
    ok = await client.get(f"/rooms/{room['room_id']}?token={room['tokens']['candidate']}")
    assert ok.status == 200
    assert "Content-Security-Policy" in ok.headers
    assert ok.headers["Referrer-Policy"] == "no-referrer"
    wrong = await client.get(f"/rooms/{room['room_id']}?token=wrong")
    assert wrong.status == 403
    assert "not valid" in await wrong.text()
    # No token in the query: a #token= link, whose fragment only the browser sees. The page that
    # trades it for a ticket says nothing of the room.
    none = await client.get(f"/rooms/{room['room_id']}", params={"x": "1"})
    assert none.status == 200 and none.headers["Cache-Control"] == "no-store"
    opening = await none.text()
    assert 'data-testid="open-link"' in opening
    assert room["room_id"] not in opening.replace(f"/rooms/{room['room_id']}", "")
    for path in ("", "/report", "/review"):
        unknown = await client.get(f"/rooms/ffffffffffff{path}")
        assert unknown.status == 404, path
        assert "does not exist" in await unknown.text()
