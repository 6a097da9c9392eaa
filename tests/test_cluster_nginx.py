"""README's nginx configuration for several nodes, run for real in front of two nodes.

Round robin without sticky sessions sends the room's sockets to both nodes; everything works
through whichever node a socket reached, the access log holds no token, and when the room's home
is killed -9 both participants come back through nginx within 10 s, the interview as it was.
"""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp

from support.cluster import (
    closed_code,
    cluster_nodes,
    interview_state,
    join,
    next_of,
    nginx_in_front,
    rejoin,
)
from support.http import make_room
from support.live_server import LiveServer, stop_server
from support.redis import RedisServer


def through(url: str) -> LiveServer:
    """The balancer's address in the shape the socket helpers take."""
    return LiveServer(url, 0, Path(), None, Path())  # type: ignore[arg-type]


async def test_two_nodes_behind_readme_nginx_and_kill_9_the_home(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    with cluster_nodes(tmp_path, redis_server.url, pg_url) as nodes:
        with nginx_in_front(tmp_path / "nginx", nodes) as url:
            lb = through(url)
            room = make_room(url, bank="behavioral")
            async with aiohttp.ClientSession() as http:
                interviewer, w_i = await join(http, lb, room, "interviewer")
                candidate, w_c = await join(http, lb, room, "candidate")
                observer, _ = await join(http, lb, room, "observer")
                await interviewer.send_json({"type": "interview", "action": "start"})
                await interview_state(candidate)
                await interviewer.send_json({"type": "interview", "action": "begin_question"})
                before = await interview_state(interviewer)
                while not before.get("question"):
                    before = await interview_state(interviewer)
                await candidate.send_json(
                    {
                        "type": "signal",
                        "to": w_i["participant_id"],
                        "data": {"description": {"type": "offer", "sdp": "v=0\r\n"}},
                    }
                )
                assert (await next_of(interviewer, "signal"))["from"] == w_c["participant_id"]

                home = next(node for node in nodes if "'joined'" in node.log())
                stop_server(home, kill=True)
                killed = time.monotonic()
                deadline = killed + 10
                for ws in (interviewer, candidate, observer):
                    await closed_code(ws, 10)
                interviewer, _ = await rejoin(http, lb, room, "interviewer", deadline)
                candidate, _ = await rejoin(http, lb, room, "candidate", deadline)
                after = await interview_state(interviewer)
                assert after["question"]["id"] == before["question"]["id"]
                assert after["phase"] == before["phase"]
                # A new observer can join the room on its new home.
                newcomer, welcome = await rejoin(http, lb, room, "observer", deadline)
                assert {p["role"] for p in welcome["participants"]} >= {"interviewer", "candidate"}
                for ws in (interviewer, candidate, newcomer):
                    await ws.close()
        access = (tmp_path / "nginx" / "access.log").read_text()
        assert "GET /ws/rooms/" in access and "POST /api/rooms" in access
        for token in room["tokens"].values():
            assert token not in access
        # Round robin had sent some of the sockets to the other node, which relayed them to the
        # home and closed them (1012) when the home left the registry.
        survivor = next(node for node in nodes if node is not home)
        assert "'node left the registry'" in survivor.log()
