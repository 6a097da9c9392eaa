"""Role isolation beyond the live views: review writes exist only in scripted rooms, and
observers send no media (the server refuses their media flags and names the sender's role on
every relayed signal, so a receiver can refuse an observer's tracks)."""

from __future__ import annotations

from typing import Any

import pytest

from mockroom.signaling.media_rules import sdp_sends_media
from support.http import create_room

SDP_OFFER = {"description": {"type": "offer", "sdp": "v=0\r\n"}}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def join(client: Any, room: dict[str, Any], role: str) -> tuple[Any, dict[str, Any]]:
    ws = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    await ws.send_json({"type": "hello", "version": 1, "token": room["tokens"][role]})
    return ws, await ws.receive_json(timeout=5)


async def next_of(ws: Any, kind: str) -> dict[str, Any]:
    while True:
        msg: dict[str, Any] = await ws.receive_json(timeout=5)
        if msg["type"] == kind:
            return msg


async def test_peer_rooms_have_no_review_writes_and_record_nothing_unasked(client: Any) -> None:
    room = await create_room(client, mode="peer", bank="behavioral")
    rid, cand = room["room_id"], auth(room["tokens"]["candidate"])
    # The probe of the security review: rating an unasked question to read its rubric.
    rating = {"question_id": "conflict-with-teammate", "item": 0, "rating": 1}
    resp = await client.put(f"/api/rooms/{rid}/review/ratings", json=rating, headers=cand)
    assert resp.status == 404
    assert "peer room" in (await resp.json())["message"]
    # The review (recordings of peer halves, tests/test_peer_recordings.py) has nothing yet.
    review = await client.get(f"/api/rooms/{rid}/review", headers=cand)
    assert review.status == 200 and (await review.json())["questions"] == []
    assert "conflict" not in await review.text()
    for method, path, body, status in (
        ("GET", "/review.md", None, 200),
        # Nobody said yes to the recording notice, and nothing is being answered.
        ("POST", "/clips", {"question": 1, "take": 1, "mime": "audio/webm"}, 403),
        ("POST", "/clips", {"question_id": "anything-0", "take": 1, "mime": "audio/webm"}, 400),
        ("GET", "/clips", None, 200),
        ("DELETE", "/clips", None, 200),
        ("GET", "/clips/abc/info", None, 404),
    ):
        resp = await client.request(method, f"/api/rooms/{rid}{path}", json=body, headers=cand)
        assert resp.status == status, (method, path)
        assert "conflict" not in await resp.text()
    page = await client.get(f"/rooms/{rid}/review?token={room['tokens']['candidate']}")
    assert page.status == 200 and "conflict" not in await page.text()
    # An unknown id is no oracle either: the same 404.
    resp = await client.put(
        f"/api/rooms/{rid}/review/ratings",
        json={**rating, "question_id": "no-such-question"},
        headers=cand,
    )
    assert resp.status == 404
    # A wrong token is still a 403, so the guard says nothing to strangers.
    assert (await client.get(f"/api/rooms/{rid}/review", headers=auth("wrong"))).status == 403
    # Scripted rooms keep their review.
    scripted = await create_room(client, mode="scripted", media="audio")
    resp = await client.get(
        f"/api/rooms/{scripted['room_id']}/review", headers=auth(scripted["tokens"]["candidate"])
    )
    assert resp.status == 200


async def test_observers_may_not_claim_media(client: Any) -> None:
    room = await create_room(client)
    ana, _ = await join(client, room, "interviewer")
    olga, _ = await join(client, room, "observer")
    joined = await next_of(ana, "joined")
    # An observer is listed with no media, whatever its hello said.
    assert joined["participant"]["audio"] is False
    assert joined["participant"]["video"] is False
    for flag in ("audio", "video", "screen"):
        await olga.send_json({"type": "state", flag: True})
        err = await next_of(olga, "error")
        assert err["code"] == "not-allowed" and err["fatal"] is False
    # Turning things off, or a name, is fine.
    await olga.send_json({"type": "state", "audio": False, "name": "Olga"})
    updated = await next_of(ana, "updated")
    assert updated["participant"] == {**joined["participant"], "name": "Olga"}
    await ana.close()
    await olga.close()


async def test_relayed_signals_name_the_senders_role(client: Any) -> None:
    room = await create_room(client)
    ana, wa = await join(client, room, "interviewer")
    olga, wo = await join(client, room, "observer")
    await olga.send_json({"type": "signal", "to": wa["participant_id"], "data": SDP_OFFER})
    got = await next_of(ana, "signal")
    assert got["from"] == wo["participant_id"] and got["from_role"] == "observer"
    await ana.send_json({"type": "signal", "to": wo["participant_id"], "data": SDP_OFFER})
    assert (await next_of(olga, "signal"))["from_role"] == "interviewer"
    await ana.close()
    await olga.close()


RECVONLY = (
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=recvonly\r\nm=video 9 UDP 96\r\na=recvonly\r\n"
)


@pytest.mark.parametrize(
    ("sdp", "sends"),
    [
        ("v=0\r\n", False),
        (RECVONLY, False),
        ("v=0\r\nm=audio 9 RTP 0\r\na=inactive\r\n", False),
        (RECVONLY.replace("a=recvonly\r\nm=video", "a=sendrecv\r\nm=video"), True),
        ("v=0\r\nm=audio 9 RTP 0\r\na=sendonly\r\n", True),
        ("v=0\r\nm=audio 9 RTP 0\r\n", True),  # no direction: sendrecv
        ("v=0\r\na=recvonly\r\nm=audio 9 RTP 0\r\n", False),  # session-level default
    ],
)
def test_which_descriptions_send_media(sdp: str, sends: bool) -> None:
    assert sdp_sends_media(sdp) is sends


async def test_an_observers_description_that_would_send_is_refused(client: Any) -> None:
    room = await create_room(client)
    ana, wa = await join(client, room, "interviewer")
    olga, _ = await join(client, room, "observer")
    sending = RECVONLY.replace("a=recvonly", "a=sendrecv")
    for kind in ("offer", "answer"):
        data = {"description": {"type": kind, "sdp": sending}}
        await olga.send_json({"type": "signal", "to": wa["participant_id"], "data": data})
        err = await next_of(olga, "error")
        assert err["code"] == "not-allowed" and "only receive" in err["message"]
    ok = {"description": {"type": "offer", "sdp": RECVONLY}}
    await olga.send_json({"type": "signal", "to": wa["participant_id"], "data": ok})
    got = await next_of(ana, "signal")  # the refused ones never arrived: this is the first
    assert got["data"] == ok
    await ana.close()
    await olga.close()
