"""The heap that start-up leaves behind is taken out of the cyclic garbage collector's sight.

After start-up the server holds tens of thousands of objects that live as long as it does
(modules, aiortc, pycrdt, templates, the banks). Every full (generation 2) collection walks them
all, on the event loop thread: measured here, 76 000 objects, 10-150 ms per full collection on
two loaded cores, a pause that every notes relay and signal in flight waits behind (the notes
p99 is a few milliseconds). `gc.freeze()` moves them to a permanent generation that collections
skip; objects made later (rooms, sockets, documents) are collected as before.
"""

from __future__ import annotations

import gc

from aiohttp import web


async def freeze_startup_heap(app: web.Application) -> None:
    """An on_startup hook, run after the app's services started (their objects live on too)."""
    gc.collect()  # start-up's own garbage goes now, rather than being kept forever
    gc.freeze()
