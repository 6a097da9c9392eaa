"""Peer rooms record the acting candidate's answers, with consent, and only the right people
watch them: over the real signaling socket and every HTTP resource a token reaches.

Ana (interviewer link) interviews Ben for two questions, they swap, Ben interviews Ana for one.
Ben says yes to the recording notice, Ana says no. At each checkpoint every link (interviewer,
candidate, observer) fetches every HTTP resource its token opens, and a clip's id may appear
only where the rules allow: its candidate always, its half's interviewer once the interview is
done, an observer never.
"""

from __future__ import annotations

from typing import Any

from mockroom.settings import Settings
from support.http import create_room
from support.ws import join, next_of

LINKS = ("interviewer", "candidate", "observer")
# Clip bytes as the server stores them: it appends, acknowledges and serves them unread (a
# container it cannot remux is kept as uploaded, tests/test_recordings.py).
ANSWER_BYTES = bytes(range(256)) * 40


class Seats:
    """Everyone's socket; `act` sends one action and waits for everyone's new state."""

    def __init__(self) -> None:
        self.ws: dict[str, Any] = {}
        self.state: dict[str, Any] = {}

    async def act(self, link: str, action: str, **extra: Any) -> dict[str, Any]:
        await self.ws[link].send_json({"type": "interview", "action": action, **extra})
        states = {
            seat: (await next_of(ws, "interview-state"))["state"] for seat, ws in self.ws.items()
        }
        self.state = states[link]
        return self.state


def bearer(room: dict[str, Any], link: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {room['tokens'][link]}"}


async def open_clip(
    client: Any, room: dict[str, Any], link: str, number: int, take: int = 1
) -> Any:
    return await client.post(
        f"/api/rooms/{room['room_id']}/clips",
        json={"question": number, "take": take, "mime": "video/webm;codecs=vp8,opus"},
        headers=bearer(room, link),
    )


async def upload(client: Any, room: dict[str, Any], link: str, clip_id: str, data: bytes) -> None:
    """Three chunks, one retried (its acknowledgement 'lost'), then finish."""
    base = f"/api/rooms/{room['room_id']}/clips/{clip_id}"
    third = len(data) // 3
    parts = [data[:third], data[third : 2 * third], data[2 * third :]]
    for seq, part in enumerate(parts):
        resp = await client.put(f"{base}/chunks/{seq}", data=part, headers=bearer(room, link))
        assert resp.status == 200, await resp.text()
    again = await client.put(f"{base}/chunks/1", data=parts[1], headers=bearer(room, link))
    assert (await again.json())["next_seq"] == 3  # a duplicate is acknowledged, not appended
    gap = await client.put(f"{base}/chunks/5", data=b"x", headers=bearer(room, link))
    assert gap.status == 409 and (await gap.json())["expected"] == 3
    done = await client.post(
        f"{base}/finish", json={"duration_ms": 3000}, headers=bearer(room, link)
    )
    assert done.status == 200 and (await done.json())["finished"]


async def bodies(
    client: Any, room: dict[str, Any], link: str, clip_ids: list[str]
) -> dict[str, Any]:
    """Every resource the link's token reaches: name -> (status, text)."""
    rid, token = room["room_id"], room["tokens"][link]
    paths = {
        "clips": (f"/api/rooms/{rid}/clips", bearer(room, link), None),
        "review": (f"/api/rooms/{rid}/review", bearer(room, link), None),
        "review.md": (f"/api/rooms/{rid}/review.md", bearer(room, link), None),
        "review page": (f"/rooms/{rid}/review", None, {"token": token}),
        "report page": (f"/rooms/{rid}/report", None, {"token": token}),
        "report.md": (f"/api/rooms/{rid}/report.md", bearer(room, link), None),
        "room api": (f"/api/rooms/{rid}", bearer(room, link), None),
        "room page": (f"/rooms/{rid}", None, {"token": token}),
    }
    for clip_id in clip_ids:
        paths[f"info {clip_id}"] = (
            f"/api/rooms/{rid}/clips/{clip_id}/info",
            bearer(room, link),
            None,
        )
        paths[f"media {clip_id}"] = (f"/api/rooms/{rid}/clips/{clip_id}", None, {"token": token})
    out = {}
    for name, (path, headers, params) in paths.items():
        resp = await client.get(path, headers=headers, params=params)
        assert resp.status < 500, f"{link} {name}: {resp.status}"
        out[name] = (resp.status, await resp.read())
    return out


async def check_readers(
    client: Any, room: dict[str, Any], clip_ids: list[str], allowed: set[str], where: str
) -> None:
    """Only `allowed` links get the clips (list, info, media, review); the others see no id."""
    for link in LINKS:
        got = await bodies(client, room, link, clip_ids)
        for clip_id in clip_ids:
            media_status, _ = got[f"media {clip_id}"]
            info_status, _ = got[f"info {clip_id}"]
            if link in allowed:
                assert (media_status, info_status) == (200, 200), f"{where}: {link}"
                _, listing = got["clips"]
                assert clip_id.encode() in listing, f"{where}: {link} list"
                assert clip_id.encode() in got["review"][1], f"{where}: {link} review"
                assert clip_id.encode() in got["review page"][1], f"{where}: {link} page"
            else:
                expected = 403 if link == "observer" else 404
                assert (media_status, info_status) == (expected, expected), f"{where}: {link}"
                for name, (_status, body) in got.items():
                    if name.startswith(("info", "media")):
                        continue
                    assert clip_id.encode() not in body, f"{where}: {link} {name} has the clip"
        if link == "observer":
            assert got["clips"][0] == 403 and got["review"][0] == 403


async def recorded_lines(client: Any, room: dict[str, Any]) -> dict[str, list[str]]:
    """The report's "Recorded:" lines as each link reads them."""
    out = {}
    for link in LINKS:
        resp = await client.get(
            f"/api/rooms/{room['room_id']}/report.md", headers=bearer(room, link)
        )
        out[link] = [line for line in (await resp.text()).splitlines() if "Recorded:" in line]
    return out


async def test_consented_answers_are_recorded_and_reach_only_their_readers(client: Any) -> None:
    room = await create_room(
        client, bank="behavioral", question_count=3, think_seconds=300, answer_seconds=600
    )
    s = Seats()
    for link, name in (("interviewer", "Ana"), ("candidate", "Ben"), ("observer", "Oli")):
        s.ws[link], _ = await join(client, room, link, name=name)
        await next_of(s.ws[link], "interview-state")
    # Nobody asked yet: both seats show null, for everyone (the interviewer sees it too).
    state = await s.act("candidate", "recording", data={"on": True})
    assert state["recording"] == {"interviewer": None, "candidate": True}
    state = await s.act("interviewer", "recording", data={"on": False})
    assert state["recording"] == {"interviewer": False, "candidate": True}
    assert s.state["recording"]["candidate"] is True
    # An observer has no answers to record: an error frame, and nothing changes.
    await s.ws["observer"].send_json(
        {"type": "interview", "action": "recording", "data": {"on": True}}
    )
    assert (await next_of(s.ws["observer"], "error"))["code"] == "not-allowed"

    await s.act("interviewer", "start", data={"skip_intro": True})
    # Think time: nothing is recorded yet.
    early = await open_clip(client, room, "candidate", 1)
    assert early.status == 409 and (await early.json())["error"] == "not-answering"
    await s.act("interviewer", "next", data={"step": "phase"})
    # Ana said no (and she is not answering); a wrong question number is refused.
    assert (await open_clip(client, room, "interviewer", 1)).status == 403
    assert (await open_clip(client, room, "candidate", 2)).status == 409
    assert (await open_clip(client, room, "observer", 1)).status == 403
    resp = await open_clip(client, room, "candidate", 1)
    assert resp.status == 201, await resp.text()
    take1 = await resp.json()
    assert (take1["half"], take1["candidate"], take1["take"]) == (1, "candidate", 1)
    await upload(client, room, "candidate", take1["clip_id"], ANSWER_BYTES)
    await check_readers(client, room, [take1["clip_id"]], {"candidate"}, "half 1, live")

    # A retake is a new clip: take 2 of the same question; take 1 is not accepted any more.
    await s.act("interviewer", "repeat")
    await s.act("interviewer", "next", data={"step": "phase"})
    assert (await open_clip(client, room, "candidate", 1, take=1)).status == 409
    resp = await open_clip(client, room, "candidate", 1, take=2)
    take2 = await resp.json()
    assert resp.status == 201 and take2["clip_id"] != take1["clip_id"]
    # Ben changes his mind mid-answer: the upload stops at once; what he sent can be finished.
    base = f"/api/rooms/{room['room_id']}/clips/{take2['clip_id']}"
    first = await client.put(
        f"{base}/chunks/0", data=b"\x1a\x45", headers=bearer(room, "candidate")
    )
    assert first.status == 200
    await s.act("candidate", "recording", data={"on": False})
    refused = await client.put(f"{base}/chunks/1", data=b"x", headers=bearer(room, "candidate"))
    assert refused.status == 403 and (await refused.json())["error"] == "recording-off"
    fin = await client.post(f"{base}/finish", json={}, headers=bearer(room, "candidate"))
    assert fin.status == 200 and (await fin.json())["bytes"] == 2
    assert (await open_clip(client, room, "candidate", 1, take=2)).status == 403
    await s.act("candidate", "recording", data={"on": True})
    await s.act("interviewer", "next", data={"step": "phase"})  # follow-ups

    # Half 2: Ben interviews Ana, who said no: nothing of hers is recorded.
    await s.act("interviewer", "request_swap")
    await s.act("candidate", "confirm_swap")
    await s.act("candidate", "next", data={"step": "question"})
    await s.act("candidate", "next", data={"step": "phase"})
    refusal = await open_clip(client, room, "interviewer", 2)
    assert refusal.status == 403 and (await refusal.json())["error"] == "recording-off"
    assert (await open_clip(client, room, "candidate", 2)).status == 409  # Ben asks now
    # Ana deleting "her" recordings leaves Ben's alone.
    deleted = await client.delete(
        f"/api/rooms/{room['room_id']}/clips", headers=bearer(room, "interviewer")
    )
    assert (await deleted.json())["deleted"] == 0
    ids = [take1["clip_id"], take2["clip_id"]]
    await check_readers(client, room, ids, {"candidate"}, "half 2, live")
    both = "- Recorded: take 1 (0:03), take 2 (unknown length) (watch them on the review page)"
    assert await recorded_lines(client, room) == {
        "candidate": [both],
        "interviewer": [],
        "observer": [],
    }

    await s.act("candidate", "wrap_up")
    await s.act("candidate", "open_feedback")
    await check_readers(client, room, ids, {"candidate"}, "feedback")
    await s.act("candidate", "finish", data={"force": True})
    # Done: Ana, who interviewed half 1, watches Ben's answers; the observer still does not.
    await check_readers(client, room, ids, {"candidate", "interviewer"}, "done")
    assert await recorded_lines(client, room) == {
        "candidate": [both],
        "interviewer": [both],
        "observer": [],
    }
    page = await client.get(
        f"/rooms/{room['room_id']}/report", params={"token": room["tokens"]["interviewer"]}
    )
    assert 'data-testid="report-recordings"' in await page.text()
    review = await (
        await client.get(
            f"/api/rooms/{room['room_id']}/review", headers=bearer(room, "interviewer")
        )
    ).json()
    halves = {h["number"]: h for h in review["halves"]}
    assert halves[1]["yours"] is False and halves[1]["open"] and halves[2]["yours"]
    assert [q["half"] for q in review["questions"]] == [1, 2]
    assert [c["take"] for c in review["questions"][0]["clips"]] == [1, 2]
    assert review["questions"][1]["clips"] == [] and not review["can_rate"]
    md = await (
        await client.get(
            f"/api/rooms/{room['room_id']}/review.md", headers=bearer(room, "interviewer")
        )
    ).text()
    assert "## Half 1" in md and "- Take 1: 3.0 s" in md and "Self-rating" not in md
    # Ben deletes his recordings: gone for both readers.
    gone = await client.delete(
        f"/api/rooms/{room['room_id']}/clips", headers=bearer(room, "candidate")
    )
    assert (await gone.json())["deleted"] == 2
    listing = await client.get(
        f"/api/rooms/{room['room_id']}/clips", headers=bearer(room, "interviewer")
    )
    assert await listing.json() == []
    for ws in s.ws.values():
        await ws.close()


async def test_deleting_a_peer_room_deletes_its_recordings(client: Any, settings: Settings) -> None:
    room = await create_room(client, bank="behavioral", question_count=1, answer_seconds=600)
    s = Seats()
    for link in ("interviewer", "candidate"):
        s.ws[link], _ = await join(client, room, link)
        await next_of(s.ws[link], "interview-state")
    await s.act("candidate", "recording", data={"on": True})
    await s.act("interviewer", "start", data={"skip_intro": True})
    await s.act("interviewer", "next", data={"step": "phase"})
    clip = await (await open_clip(client, room, "candidate", 1)).json()
    await upload(client, room, "candidate", clip["clip_id"], ANSWER_BYTES)
    folder = settings.recordings_dir / room["room_id"]
    assert [p.name for p in folder.iterdir()] == [f"{clip['clip_id']}.webm"]
    for ws in s.ws.values():
        await ws.close()
    resp = await client.delete(f"/api/rooms/{room['room_id']}", headers=bearer(room, "interviewer"))
    assert resp.status == 200
    assert not folder.exists()
