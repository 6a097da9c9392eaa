"""What runs inside a recognition worker process: decode a clip, recognise it, time it.

pocketsphinx holds the GIL while it decodes, so recognition in a thread stalled the server's
event loop (about 4 s per 10 s take, enough to break live sessions). Each worker is therefore a
separate process (spawned, so it shares nothing with the server's threads and sockets), started
by `speech.transcripts` with `init_worker(recognizer)`: it lowers its own CPU priority and keeps
the one recogniser it was given, whose model loads on the first take and stays loaded.

This module is imported in the child: it pulls in only PyAV, numpy and the recogniser's backend,
never aiohttp or the server.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

from .audio import clip_pcm
from .recognizer import RATE, NullRecognizer, Recognizer

# Recognition is background work: a busy recogniser must never delay a live session's audio.
WORKER_NICE = 10
# The nice of the worker's own scheduling group (autogroup, below): its weight against every
# other session's. 5 gives the worker about a quarter of a busy session's share: live work keeps
# most of the CPU, and on a crowded machine (2 shared cores, 20+ runnable tasks) recognition
# still finishes a take in minutes; at 10 it starved for more than 7 minutes there (measured).
AUTOGROUP_NICE = 5


@dataclass
class _Process:
    """This worker process's recogniser. One per child process; the server process never sets
    it (it only holds the pool), which is why module state is right here and nowhere else."""

    recognizer: Recognizer = field(default_factory=NullRecognizer)


_PROCESS = _Process()


def init_worker(recognizer: Recognizer, target_nice: int) -> None:
    """The pool's initializer: keep the recogniser (pickled from the server) and make sure this
    process runs at `target_nice` (speech.pool launched it there already on Linux)."""
    with contextlib.suppress(OSError):  # not allowed: run as is
        current = os.nice(0)
        if current < target_nice:
            os.nice(target_nice - current)
    _own_autogroup(AUTOGROUP_NICE)
    _PROCESS.recognizer = recognizer


def _own_autogroup(nice: int) -> None:
    """With Linux's autogroup scheduling (kernel.sched_autogroup_enabled, on in most desktop and
    many server kernels) nice only ranks threads within one session: a niced worker in the
    server's session still takes a whole session's share of the CPU from every other session
    (measured: a browser on the same 2 cores recorded half its video frames). In a session of
    its own, with that session's nice raised, the worker is background work machine-wide."""
    if not os.path.exists("/proc/self/autogroup"):
        return
    with contextlib.suppress(OSError):
        os.setsid()  # a pool worker is never a process group leader, so this is allowed
        with open("/proc/self/autogroup", "w", encoding="ascii") as autogroup:
            autogroup.write(str(nice))


def transcribe_file(path: str) -> tuple[list[dict[str, Any]], float, float]:
    """(words as dicts, audio seconds, CPU seconds for decode + recognition) for one clip.

    Raises audio.NoAudio for a file without readable audio (it pickles back to the server)."""
    started = time.process_time()
    pcm = clip_pcm(path)
    words = _PROCESS.recognizer.transcribe(pcm)
    cpu_s = time.process_time() - started
    return [w.as_dict() for w in words], len(pcm) / 2 / RATE, cpu_s


def worker_nice() -> int:
    """This process's nice value (the test checks that workers run in the background)."""
    return os.getpriority(os.PRIO_PROCESS, 0)


def worker_autogroup() -> str | None:
    """This process's autogroup line ("/autogroup-42 nice 10"), where the kernel has them."""
    try:
        with open("/proc/self/autogroup", encoding="ascii") as autogroup:
            return autogroup.read().strip()
    except OSError:
        return None
