"""Server time for both interview engines: wall-clock ms, the wire timer, the clock loop's sleep.

Deadlines are absolute wall-clock milliseconds, so every client renders the same second from
one `server_time`; the peer interview and the scripted flow share these so they cannot drift
apart in units (int ms) or in the timer's wire shape.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any


def now_ms() -> int:
    return int(time.time() * 1000)


def timer_wire(
    *,
    phase: str,
    started_at: int,
    deadline: int | None,
    duration_ms: int,
    remaining_ms: int | None = None,
    held: bool | None = None,
) -> dict[str, Any]:
    """A countdown as clients read it (docs/protocol.md): `deadline` None means paused.

    `held` (paused by the room because the acting candidate is away) exists only in peer rooms;
    the scripted flow, which never holds, leaves it out.
    """
    wire = {
        "phase": phase,
        "started_at": started_at,
        "deadline": deadline,
        "duration_ms": duration_ms,
        "paused": deadline is None,
        "remaining_ms": remaining_ms,
    }
    if held is not None:
        wire["held"] = held
    return wire


async def sleep_until(deadline_ms: int | None, wake: asyncio.Event) -> bool:
    """Sleep until `deadline_ms` (None: until woken) or until `wake` is set.

    True when woken, with `wake` cleared again; False when the deadline came. A set that arrives
    while the caller is busy stays set, so the next call returns at once and nothing is missed.
    """
    timeout = None if deadline_ms is None else max(0.0, (deadline_ms - now_ms()) / 1000)
    try:
        await asyncio.wait_for(wake.wait(), timeout)
    except TimeoutError:
        return False
    wake.clear()
    return True
