"""`left` says whether someone left (Leave, a closed tab) or dropped (they may come back), so the
others can show "Ben left" or "Ben is reconnecting…"."""

from __future__ import annotations

from typing import Any

from aiohttp import WSMsgType

from support.http import create_room
from support.ws import join, next_of


async def test_bye_is_a_leave(client: Any) -> None:
    room = await create_room(client)
    a, _ = await join(client, room, "interviewer")
    b, wb = await join(client, room, "candidate")
    await b.send_json({"type": "bye"})
    # Read up to the server's close frame: answering it completes the close.
    while (await b.receive(timeout=5)).type not in (WSMsgType.CLOSE, WSMsgType.CLOSED):
        pass
    left = await next_of(a, "left")
    assert left == {"type": "left", "participant_id": wb["participant_id"], "reason": "left"}
    await a.close()


async def test_a_dropped_socket_is_lost_not_left(client: Any) -> None:
    room = await create_room(client)
    a, _ = await join(client, room, "interviewer")
    b, wb = await join(client, room, "candidate")
    # The network goes away: no close frame, the TCP connection just ends.
    transport = b._response.connection.transport
    transport.abort()
    left = await next_of(a, "left")
    assert left["participant_id"] == wb["participant_id"]
    assert left["reason"] == "lost"
    await a.close()
