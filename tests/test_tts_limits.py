"""Text to speech under load (security review H3): bounded processes, lazy renders, bounded caches,
a cap on spoken text and on open scripted sessions.

espeak-ng runs as a child of this test process, so psutil sees each render as a real process.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from aiohttp import web

from mockroom.app import create_app
from mockroom.scripted.config import (
    STOP_LINE,
    TRANSITION_LINE,
    WARM_UP_DONE_LINE,
    WARM_UP_LEAD,
    FlowConfig,
    FlowQuestion,
    warm_up_for,
)
from mockroom.scripted.limits import server_full
from mockroom.scripted.service import SCRIPTED
from mockroom.scripted.tts import Tts, TtsLimits, lines_ahead, prune_cache, spoken_text
from mockroom.settings import Settings
from support.http import create_room

WORDS = [
    "tell",
    "me",
    "about",
    "a",
    "time",
    "you",
    "had",
    "to",
    "change",
    "a",
    "plan",
    "because",
    "the",
    "facts",
    "changed",
]


def long_text(seed: int, chars: int = 990) -> str:
    """Distinct long text per seed, so nothing is served from an earlier render."""
    words = [f"case{seed}"]
    i = seed
    while len(" ".join(words)) < chars - 12:
        words.append(WORDS[i % len(WORDS)])
        i += 7
    return " ".join(words)[:chars]


def pasted_bank(questions: int, chars: int = 990) -> str:
    blocks = [
        f'[[questions]]\nid = "q{n}"\nkind = "behavioral"\ntext = "{long_text(n, chars)}"\n'
        for n in range(questions)
    ]
    return 'id = "long"\ntitle = "Long questions"\n\n' + "\n".join(blocks)


class ChildWatch:
    """Counts this process's espeak-ng children from a thread, every few milliseconds."""

    def __init__(self) -> None:
        self.most = 0
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            running = set()
            for child in me.children(recursive=True):
                try:
                    if child.name() == "espeak-ng":
                        running.add(child.pid)
                except psutil.Error:
                    continue
            self.seen |= running
            self.most = max(self.most, len(running))
            time.sleep(0.002)

    def __enter__(self) -> ChildWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.glob("*.wav"))


def test_spoken_text_is_cut_at_a_word() -> None:
    text = long_text(1)
    spoken = spoken_text(text, 400)
    assert len(spoken) <= 400 and text.startswith(spoken) and text[len(spoken)] == " "
    assert spoken_text("Short  question?", 400) == "Short question?"


def test_lines_ahead_is_the_next_step_only() -> None:
    qs = tuple(FlowQuestion(f"q{n}", f"Question {n}?", 0, 10_000) for n in range(12))
    config = FlowConfig(questions=qs)
    assert lines_ahead(config, -1) == [config.intro_line(), "Question 0?"]
    assert lines_ahead(config, 3) == ["Question 3?", TRANSITION_LINE, "Question 4?", STOP_LINE]
    assert "Question 11?" in lines_ahead(config, 10)
    assert all(f"Question {n}?" not in lines_ahead(config, 3) for n in range(5, 12))


def test_lines_ahead_speaks_the_warm_up_too() -> None:
    qs = tuple(FlowQuestion(f"q{n}", f"Question {n}?", 0, 10_000) for n in range(3))
    config = FlowConfig(questions=qs, warm_up=warm_up_for(list(qs)))
    assert config.warm_up is not None
    assert lines_ahead(config, -1) == [
        config.intro_line(),
        WARM_UP_LEAD,
        config.warm_up.text,
        WARM_UP_DONE_LINE,
        "Question 0?",
    ]


async def test_a_long_list_runs_at_most_n_espeak_processes(tmp_path: Path) -> None:
    tts = Tts(tmp_path / "tts", limits=TtsLimits(concurrent=2))
    texts = [long_text(n) for n in range(8)]
    with ChildWatch() as watch:
        await tts.render_all(texts)
    assert len(watch.seen) >= 4  # the watch does see renders...
    assert 1 <= watch.most <= 2  # ...and never more than two at once
    assert all(tts.cached(t) is not None for t in texts)


async def test_disk_cache_is_bounded_and_evicts_the_least_recently_used(tmp_path: Path) -> None:
    folder = tmp_path / "tts"
    probe = Tts(folder)
    speech = await probe.render(long_text(0, 200))
    assert speech is not None
    line_bytes = folder_bytes(folder)
    bound = int(line_bytes * 2.5)  # room for two lines of this length, not three
    for path in folder.glob("*.wav"):
        path.unlink()

    tts = Tts(folder, limits=TtsLimits(cache_bytes=bound))
    a, b, c = (long_text(n, 200) for n in (10, 11, 12))
    await tts.render(a)
    await tts.render(b)
    past = time.time() - 100
    os.utime(folder / f"{tts.key(b)}.wav", (past, past))
    os.utime(folder / f"{tts.key(a)}.wav", (past + 10, past + 10))
    # A new process reads `a` from disk, which marks it as used just now: `b` is the oldest.
    again = Tts(folder, limits=TtsLimits(cache_bytes=bound))
    assert await again.render(a) is not None
    await again.render(c)
    assert folder_bytes(folder) <= bound
    names = {p.name for p in folder.glob("*.wav")}
    assert names == {f"{tts.key(a)}.wav", f"{tts.key(c)}.wav"}
    for n in range(5):
        await again.render(long_text(20 + n, 200))
        assert folder_bytes(folder) <= bound


def test_prune_removes_stale_temporary_files(tmp_path: Path) -> None:
    stale = tmp_path / "x.123.tmp"
    fresh = tmp_path / "y.123.tmp"
    stale.write_bytes(b"x" * 10)
    fresh.write_bytes(b"y" * 10)
    old = time.time() - 7200
    os.utime(stale, (old, old))
    assert prune_cache(tmp_path, 1000) == 10
    assert not stale.exists() and fresh.exists()  # a render may still be writing the fresh one


async def test_memory_cache_is_bounded_in_bytes(tmp_path: Path) -> None:
    tts = Tts(tmp_path / "tts", limits=TtsLimits(memory_bytes=1_500_000))
    texts = [long_text(n, 150) for n in range(6)]
    for text in texts:
        await tts.render(text)
    held = [t for t in texts if tts.cached(t) is not None]
    assert sum(len(s.pcm) for s in (tts.cached(t) for t in held) if s is not None) <= 1_500_000
    assert texts[-1] in held and texts[0] not in held


@pytest.fixture
def limited(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        tts_max_concurrent=2,
        tts_cache_bytes=12 * 1024 * 1024,
        max_scripted_sessions=1,
    )


@pytest.fixture
def limited_app(limited: Settings) -> Iterator[web.Application]:
    yield create_app(limited)


async def hello(client: Any, room_id: str, token: str) -> Any:
    ws = await client.ws_connect(f"/ws/rooms/{room_id}")
    await ws.send_json({"type": "hello", "version": 1, "token": token})
    welcome = await ws.receive_json(timeout=10)
    assert welcome["type"] == "welcome", welcome
    return ws


async def until(ws: Any, kind: str, timeout: float = 60.0, **state: Any) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        msg: dict[str, Any] = await ws.receive_json(timeout=max(0.01, deadline - time.monotonic()))
        if msg["type"] != kind:
            continue
        if all(msg.get("state", {}).get(k) == v for k, v in state.items()):
            return msg


async def eventually(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Wait for a condition the server reaches in the background (renders, a leave hook)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_pasted_bank_and_one_hello_render_nothing_then_only_what_comes_next(
    aiohttp_client: Any, limited_app: web.Application, limited: Settings
) -> None:
    client = await aiohttp_client(limited_app)
    room = await create_room(
        client,
        mode="scripted",
        media="audio",
        bank_toml=pasted_bank(12),
        think_seconds=0,
        warm_up=False,  # question 1 comes right after the intro
    )
    folder = limited.data_dir / "tts"
    service = limited_app[SCRIPTED]
    with ChildWatch() as watch:
        ws = await hello(client, room["room_id"], room["tokens"]["candidate"])
        first = await until(ws, "scripted-state")
        # The card shows the whole question; nothing was rendered for a join.
        assert first["state"]["phase"] == "waiting"
        assert not service.tts._pending and not list(folder.glob("*.wav"))
        assert watch.seen == set()

        await ws.send_json({"type": "scripted", "action": "consent"})
        await ws.send_json({"type": "scripted", "action": "start"})
        asking = await until(ws, "scripted-state", phase="think")
        assert asking["state"]["question"]["text"] == long_text(0)  # the whole text on the card
        assert len(long_text(0)) > 900
        # Question 1 is asked: question 2 renders while the candidate answers, no further.
        second = long_text(1)
        tts = service.tts
        await eventually(lambda: tts.cached(second) is not None and not tts._pending)
        await ws.close()
    assert 1 <= watch.most <= 2
    rendered = {p.name for p in folder.glob("*.wav")}
    question_files = {f"{service.tts.key(long_text(n))}.wav" for n in range(12)}
    assert rendered & question_files == {
        f"{service.tts.key(long_text(0))}.wav",
        f"{service.tts.key(second)}.wav",
    }
    assert folder_bytes(folder) <= limited.tts_cache_bytes
    spoken = service.tts.cached(long_text(0))
    assert spoken is not None and spoken.duration_ms < 45_000  # 400 characters, not 990


async def test_a_full_server_tells_the_candidate(
    aiohttp_client: Any, limited_app: web.Application
) -> None:
    client = await aiohttp_client(limited_app)
    first = await create_room(client, mode="scripted", media="audio")
    second = await create_room(client, mode="scripted", media="audio")
    ws1 = await hello(client, first["room_id"], first["tokens"]["candidate"])
    await until(ws1, "scripted-state")
    ws2 = await hello(client, second["room_id"], second["tokens"]["candidate"])
    refused = await until(ws2, "error")
    assert refused["code"] == "server-full" and "at most 1 practice session" in refused["message"]
    await ws2.send_json({"type": "scripted", "action": "consent"})
    again = await until(ws2, "error")
    assert again["code"] == "server-full"
    await ws2.close()
    await ws1.close()
    # A freed seat is taken by the next join.
    service = limited_app[SCRIPTED]
    await eventually(lambda: not service.sessions)
    ws3 = await hello(client, second["room_id"], second["tokens"]["candidate"])
    assert (await until(ws3, "scripted-state"))["state"]["phase"] == "waiting"
    await ws3.close()


def test_session_cap_of_zero_means_no_cap() -> None:
    assert server_full(Settings(max_scripted_sessions=0), 10_000) is False
    assert server_full(Settings(max_scripted_sessions=2), 1) is False
    assert server_full(Settings(max_scripted_sessions=2), 2) is True
