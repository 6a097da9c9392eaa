"""The recognition worker pool: spawned processes that are background work from their first
instruction.

A worker that lowered its own priority only in the pool's initializer would first import the
server's modules and PyAV at full priority (spawn re-imports the parent's `__main__`), about a
second of CPU taken from live sessions each time a pool starts; on 2 cores that was enough to
starve a browser's video recording in the scripted browser tests. On Linux nice is per thread
and a child inherits its creating thread's, so each worker is launched from a short-lived thread
that first lowers its own priority; the initializer then only makes sure (other systems).
"""

from __future__ import annotations

import contextlib
import multiprocessing.context
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.process import BaseProcess
from typing import Any

from .recognizer import Recognizer
from .worker import WORKER_NICE, init_worker

MAX_NICE = 19


def _lower_this_thread(target: int) -> None:
    if sys.platform != "linux":  # elsewhere PRIO_PROCESS of a thread id is another process
        return
    tid = threading.get_native_id()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, tid, max(target, os.getpriority(os.PRIO_PROCESS, tid)))


class _BackgroundProcess(multiprocessing.context.SpawnProcess):
    target_nice = MAX_NICE  # set per pool by background_pool

    @classmethod
    def _launch(cls, process_obj: Any) -> Any:
        launched: list[Any] = []
        failed: list[BaseException] = []

        def launch() -> None:
            _lower_this_thread(cls.target_nice)
            try:
                launched.append(multiprocessing.context.SpawnProcess._Popen(process_obj))
            except BaseException as exc:  # re-raised in the caller's thread
                failed.append(exc)

        thread = threading.Thread(target=launch, name="asr-launch")
        thread.start()
        thread.join()
        if failed:
            raise failed[0]
        return launched[0]

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _BackgroundProcess._launch(process_obj)


class _BackgroundContext(multiprocessing.context.SpawnContext):
    Process = _BackgroundProcess  # type: ignore[assignment]


def background_pool(workers: int, recognizer: Recognizer) -> ProcessPoolExecutor:
    """`workers` spawned processes at WORKER_NICE above the server, each holding `recognizer`."""
    target = min(MAX_NICE, os.nice(0) + WORKER_NICE)
    _BackgroundProcess.target_nice = target
    return ProcessPoolExecutor(
        workers,
        mp_context=_BackgroundContext(),
        initializer=init_worker,
        initargs=(recognizer, target),
    )


def background_process(
    target: Callable[..., None], args: tuple[Any, ...], nice: int
) -> BaseProcess:
    """One spawned process at `nice` above the server, started like a pool's workers; `target`
    gets `args` then its target nice (speech.captions' live decoders, one per stream slot)."""
    target_nice = min(MAX_NICE, os.nice(0) + nice)
    _BackgroundProcess.target_nice = target_nice
    process = _BackgroundContext().Process(target=target, args=(*args, target_nice), daemon=True)
    process.start()
    return process
