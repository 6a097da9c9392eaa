"""A bounded fuzz run against a live `mockroom serve`: thousands of hostile messages over HTTP,
the signaling socket and the notes socket, on loopback only.

Pass: no 5xx, no "internal" error frame, no traceback or error line in the server log, and the
server still creates, serves and joins a room afterwards. Bounded in count (FUZZ_MESSAGES,
6,000 in all) and time (FUZZ_SECONDS). The run is seeded with FUZZ_SEED so `make test` is
repeatable; MOCKROOM_FUZZ_SEED=random explores new input, and a failure prints the seed that
MOCKROOM_FUZZ_SEED=<seed> replays (the interleaving of the concurrent senders still varies).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType

from mockroom.notes import codec
from support.live_server import LiveServer, start_server, stop_server

# Messages per channel: HTTP requests, signaling frames, notes frames.
FUZZ_MESSAGES = {"http": 2400, "signaling": 2000, "notes": 1600}
FUZZ_SECONDS = 45.0
CONCURRENCY = 6
FUZZ_SEED = 20261201

ROOM_BODIES = [
    {"mode": "peer", "media": "video", "bank": "behavioral"},
    {"mode": "scripted", "media": "audio"},
    {"title": "t", "scheduled_at": "2027-01-01T10:00:00Z", "question_count": 3},
]
WEIRD_STRINGS = [
    "",
    "\x00",
    "\r\nX-Injected: 1",
    "\ud800",
    "../../etc/passwd",
    "%2e%2e%2f",
    "a" * 5000,
    "<script>alert(1)</script>",
    "null",
    "9" * 400,
    "é语😀",
    "-1",
]


class Fuzz:
    """Random but reproducible hostile input, shaped like what the server expects."""

    def __init__(self, seed: int, rooms: list[dict[str, Any]]) -> None:
        self.rng = random.Random(seed)
        self.rooms = rooms
        self.clips: list[str] = ["c1"]  # real clip ids join as the fuzzer creates them

    def choice(self, items: list[Any]) -> Any:
        return self.rng.choice(items)

    def scalar(self) -> Any:
        return self.choice(
            [
                None,
                True,
                False,
                0,
                -1,
                2**63,
                1.5,
                -1e308,
                self.choice(WEIRD_STRINGS),
                self.rng.randbytes(self.rng.randrange(0, 20)).hex(),
            ]
        )

    def value(self, depth: int = 0) -> Any:
        roll = self.rng.random()
        if depth > 3 or roll < 0.6:
            return self.scalar()
        if roll < 0.8:
            return [self.value(depth + 1) for _ in range(self.rng.randrange(0, 4))]
        return {self.choice([*WEIRD_STRINGS[:6], "type", "id"]): self.value(depth + 1)}

    def mutate(self, obj: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        out = dict(obj)
        for _ in range(self.rng.randrange(0, 4)):
            action = self.rng.random()
            key = self.choice(fields + list(out) + ["extra"])
            if action < 0.6:
                out[key] = self.value()
            elif out:
                out.pop(self.choice(list(out)), None)
        return out

    def text(self, obj: Any) -> str:
        """JSON text, sometimes broken: truncated, deeply nested, not JSON at all."""
        raw = json.dumps(obj)
        roll = self.rng.random()
        if roll < 0.08:
            return raw[: self.rng.randrange(0, len(raw) + 1)]
        if roll < 0.14:
            n = self.rng.choice([17, 100, 5000, 50_000])
            return "[" * n + "]" * n
        if roll < 0.18:
            return str(self.choice(["NaN", "1e999", "9" * 5000, '{"a":"\\ud800"}', "{", "\x00"]))
        return raw

    # HTTP ----------------------------------------------------------------------------------
    def request(self) -> tuple[str, str, dict[str, str], bytes | None]:
        room = self.choice(self.rooms)
        rid = self.choice([room["room_id"]] * 8 + ["ffffffffffff", "x", "%00", "a" * 300])
        token = self.choice(list(room["tokens"].values()) * 2 + WEIRD_STRINGS[:4] + ["x" * 32])
        clip = self.choice([*self.clips, "x" * 80, ".."])
        seq = self.choice(["0", "1", "-1", "9" * 30, "x"])
        method, path = self.choice(
            [
                ("POST", "/api/rooms"),
                ("POST", "/api/rooms"),
                ("GET", f"/api/rooms/{rid}"),
                ("GET", f"/api/rooms/{rid}/report.md"),
                ("GET", f"/api/rooms/{rid}/invite.ics"),
                ("GET", f"/api/rooms/{rid}/notes.md"),
                ("GET", f"/api/rooms/{rid}/review"),
                ("GET", f"/api/rooms/{rid}/review.md"),
                ("PUT", f"/api/rooms/{rid}/review/ratings"),
                ("POST", f"/api/rooms/{rid}/review/comments"),
                ("POST", f"/api/rooms/{rid}/clips"),
                ("GET", f"/api/rooms/{rid}/clips"),
                ("GET", f"/api/rooms/{rid}/clips/{clip}/info"),
                ("GET", f"/api/rooms/{rid}/clips/{clip}"),
                ("PUT", f"/api/rooms/{rid}/clips/{clip}/chunks/{seq}"),
                ("POST", f"/api/rooms/{rid}/clips/{clip}/finish"),
                (
                    "POST",
                    f"/api/rooms/{rid}/links/{self.choice(['candidate', 'observer', 'x'])}/renew",
                ),
                ("GET", f"/rooms/{rid}"),
                ("GET", f"/rooms/{rid}/report"),
                ("GET", f"/rooms/{rid}/review"),
                ("GET", "/"),
                ("GET", "/healthz"),
                ("GET", "/api/banks"),
                ("GET", "/static/../../etc/passwd"),
                ("GET", "/nonexistent/%ff%fe"),
            ]
        )
        if self.rng.random() < 0.5:
            path += "?token=" + self.choice([token, token, "%ED%A0%80", "a&token=b"])
        if self.rng.random() < 0.1:
            method = self.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
        headers = {}
        if self.rng.random() < 0.6:
            # Only what the client library will put in a header line.
            headers["Authorization"] = "Bearer " + "".join(c for c in token if " " < c < "\x7f")
        if self.rng.random() < 0.5:
            headers["Content-Type"] = self.choice(
                ["application/json", "text/plain", "multipart/form-data", "video/webm"]
            )
        body: bytes | None = None
        if method in ("POST", "PUT", "PATCH"):
            base = self.choice(
                [
                    *ROOM_BODIES,
                    {"question_id": "background-walkthrough", "item": 0, "rating": 2},
                    {"question_id": "background-walkthrough", "mime": "audio/webm"},
                    {"text": "hi", "clip_id": "c1"},
                ]
            )
            fields = ["mode", "media", "bank", "bank_toml", "title", "expires_in_hours"]
            body = self.text(self.mutate(base, fields)).encode("utf-8", "surrogatepass")
            if self.rng.random() < 0.1 or "/chunks/" in path:
                body = self.rng.randbytes(self.rng.randrange(0, 2000))
        return method, path, headers, body

    # signaling -------------------------------------------------------------------------------
    def hello(self) -> str:
        room = self.choice(self.rooms)
        token = self.choice(list(room["tokens"].values()))
        hello = {"type": "hello", "version": 1, "token": token, "name": "Fuzz"}
        if self.rng.random() < 0.3:
            hello = self.mutate(hello, ["version", "token", "participant_id", "takeover", "media"])
        return self.text(hello)

    def frame(self) -> str | bytes:
        if self.rng.random() < 0.03:
            return self.rng.randbytes(self.rng.randrange(1, 100))
        base = self.choice(
            [
                {"type": "ping", "t": 1},
                {"type": "state", "audio": True, "name": "x"},
                {"type": "signal", "to": "p1", "data": {"candidate": None}},
                {"type": "signal", "to": "p1", "data": {"description": {"type": "offer"}}},
                {"type": "interview", "action": self.choice(["start", "next", "pick", "pause"])},
                {"type": "interview", "action": "feedback", "data": {"scores": [1, 2]}},
                {"type": "scripted", "action": self.choice(["offer", "consent", "next"])},
                {"type": "bye"},
            ]
        )
        fields = ["type", "to", "data", "action", "question_id", "sdp", "t", "name"]
        return self.text(self.mutate(base, fields))

    # notes -----------------------------------------------------------------------------------
    def notes_frame(self) -> bytes | str:
        roll = self.rng.random()
        junk = self.rng.randbytes(self.rng.randrange(0, 64))
        if roll < 0.25:
            return codec.sync_step1(junk)
        if roll < 0.45:
            return codec.update_message(junk)
        if roll < 0.6:
            entries = [codec.AwarenessEntry(self.rng.randrange(2**32), 1, self.text(self.value()))]
            return codec.awareness_message(codec.encode_awareness(entries))
        if roll < 0.7:
            return bytes([self.rng.randrange(0, 8)]) + codec.write_var_uint(2**60) + junk
        if roll < 0.75:
            return "text frame"
        return junk


class Tally:
    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.internal: list[str] = []
        self.deadline = time.monotonic() + FUZZ_SECONDS

    def more(self, kind: str) -> bool:
        return self.sent[kind] < FUZZ_MESSAGES[kind] and time.monotonic() < self.deadline


async def fuzz_http(http: aiohttp.ClientSession, base: str, fuzz: Fuzz, tally: Tally) -> None:
    while tally.more("http"):
        method, path, headers, body = fuzz.request()
        tally.sent["http"] += 1
        async with http.request(method, base + path, headers=headers, data=body) as resp:
            reply = await resp.read()
            tally.statuses[resp.status] += 1
            if resp.status >= 500:
                tally.internal.append(f"{method} {path} -> {resp.status}")
            if resp.status == 201 and path.endswith("/clips"):
                fuzz.clips.append(json.loads(reply)["clip_id"])


async def _read_replies(ws: aiohttp.ClientWebSocketResponse, tally: Tally) -> None:
    async for msg in ws:
        if msg.type == WSMsgType.TEXT and '"internal"' in msg.data:
            tally.internal.append(msg.data[:200])


async def fuzz_socket(
    kind: str,
    http: aiohttp.ClientSession,
    url: Callable[[], str],
    first: Callable[[], str | bytes | None],
    frame: Callable[[], str | bytes],
    tally: Tally,
) -> None:
    """Open a socket, send frames until the server closes it, open the next one."""
    while tally.more(kind):
        async with http.ws_connect(url(), max_msg_size=0) as ws:
            reader = asyncio.ensure_future(_read_replies(ws, tally))
            opening = first()
            for data in ([opening] if opening is not None else []) + [None] * 30:
                data = frame() if data is None else data
                if ws.closed or not tally.more(kind):
                    break
                tally.sent[kind] += 1
                try:
                    if isinstance(data, bytes):
                        await ws.send_bytes(data)
                    else:
                        await ws.send_str(data)
                except ConnectionError:
                    break
            await ws.close()
            await reader


async def _make_rooms(http: aiohttp.ClientSession, base: str) -> list[dict[str, Any]]:
    rooms = []
    for body in ROOM_BODIES:
        async with http.post(base + "/api/rooms", json=body) as resp:
            assert resp.status == 201, await resp.text()
            room = await resp.json()
        room["tokens"] = {r: u.split("token=", 1)[1] for r, u in room["links"].items()}
        rooms.append(room)
    return rooms


async def still_serves_a_room(http: aiohttp.ClientSession, base: str) -> None:
    room = (await _make_rooms(http, base))[0]
    token = room["tokens"]["candidate"]
    async with http.get(f"{base}/api/rooms/{room['room_id']}?token={token}") as resp:
        assert resp.status == 200
    async with http.ws_connect(base.replace("http", "ws") + f"/ws/rooms/{room['room_id']}") as ws:
        await ws.send_json({"type": "hello", "version": 1, "token": token})
        assert (await ws.receive_json(timeout=10))["type"] == "welcome"
    notes = f"/ws/rooms/{room['room_id']}/notes/shared?token={token}"
    async with http.ws_connect(base.replace("http", "ws") + notes) as ws:
        first = await ws.receive(timeout=10)
        assert first.type == WSMsgType.BINARY
        assert codec.parse(first.data).kind == codec.MESSAGE_SYNC


@pytest.fixture
def fuzz_server(tmp_path: Path) -> Any:
    # Rate limit off: the fuzzer creates rooms from one address far faster than a person.
    env = {"MOCKROOM_ROOM_RATE_PER_HOUR": "0", "MOCKROOM_TTS": "off"}
    server = start_server(tmp_path / "data", env=env)
    yield server
    stop_server(server)


@pytest.mark.timeout(180)
async def test_fuzz_a_live_server(fuzz_server: LiveServer) -> None:
    chosen = os.environ.get("MOCKROOM_FUZZ_SEED", str(FUZZ_SEED))
    seed = random.randrange(2**32) if chosen == "random" else int(chosen)
    print(f"fuzz seed {seed} (MOCKROOM_FUZZ_SEED={seed} replays it)")
    base = fuzz_server.url
    ws_base = base.replace("http", "ws")
    tally = Tally()
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        rooms = await _make_rooms(http, base)
        peer = [r for r in rooms if r["mode"] == "peer"]
        fuzz = Fuzz(seed, rooms)

        def signaling_url() -> str:
            return f"{ws_base}/ws/rooms/{fuzz.choice(rooms)['room_id']}"

        def notes_url() -> str:
            room = fuzz.choice(peer)
            role = fuzz.choice(["interviewer", "candidate", "observer"])
            doc = fuzz.choice(["shared", "code", "private-interviewer", "nope"])
            return f"{ws_base}/ws/rooms/{room['room_id']}/notes/{doc}?token={room['tokens'][role]}"

        started = time.monotonic()
        workers = [fuzz_http(http, base, fuzz, tally) for _ in range(CONCURRENCY - 2)]
        workers.append(fuzz_socket("signaling", http, signaling_url, fuzz.hello, fuzz.frame, tally))
        workers.append(fuzz_socket("notes", http, notes_url, lambda: None, fuzz.notes_frame, tally))
        await asyncio.gather(*workers)
        elapsed = time.monotonic() - started
        total = sum(tally.sent.values())
        print(f"fuzz: {dict(tally.sent)} in {elapsed:.1f} s; HTTP statuses {dict(tally.statuses)}")
        assert total >= 1500, f"only {total} messages in {FUZZ_SECONDS} s"
        assert tally.internal == [], f"seed {seed}: {tally.internal[:5]}"
        assert not any(status >= 500 for status in tally.statuses), f"seed {seed}"
        await still_serves_a_room(http, base)
    log = fuzz_server.log()
    assert "Traceback" not in log, f"seed {seed}:\n{log[log.index('Traceback') - 300 :][:3000]}"
    errors = [line for line in log.splitlines() if line.split(" ", 2)[1:2] == ["error"]]
    assert errors == [], f"seed {seed}: {errors[:5]}"
