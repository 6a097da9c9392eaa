"""`mockroom serve` freezes the start-up heap, so full collections skip it (gc_tuning.py)."""

from __future__ import annotations

import gc

from aiohttp import web

from mockroom.gc_tuning import freeze_startup_heap


async def test_startup_heap_is_frozen_and_later_garbage_still_collected() -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        await freeze_startup_heap(web.Application())
        assert gc.get_freeze_count() > 1000  # the modules and objects of this process
        cycle: list[object] = []
        cycle.append(cycle)  # made after the freeze: still the collector's to free
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
