"""README's nginx configuration for several nodes, run for real in front of two nodes.

Round robin without sticky sessions sends the room's sockets to both nodes; everything works
through whichever node a socket reached, the access log holds no token, and when the room's home
is killed -9 both participants come back through nginx within 10 s, the interview as it was.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp

from support.cluster import (
    closed_code,
    cluster_nodes,
    interview_state,
    join,
    next_of,
    rejoin,
    wait_for_http,
)
from support.http import make_room
from support.live_server import LiveServer, free_port, stop_server
from support.paths import REPO
from support.redis import RedisServer

CONF = """
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{}}
http {{
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
{block}
}}
"""


def readme_cluster_block() -> str:
    readme = (REPO / "README.md").read_text()
    found = re.search(r"```nginx\n(upstream mockroom \{.*?\n\})\n```", readme, re.DOTALL)
    assert found is not None, "README has no nginx example for several nodes"
    return found.group(1)


@contextmanager
def nginx_in_front(directory: Path, nodes: list[LiveServer]) -> Iterator[str]:
    directory.mkdir()
    port = free_port()
    block = readme_cluster_block()
    servers = re.findall(r"server 10\.0\.0\.\d+:8080", block)
    assert len(servers) == len(nodes)
    for server, node in zip(servers, nodes, strict=True):
        block = block.replace(server, f"server 127.0.0.1:{node.port}", 1)
    block = block.replace("listen 80;", f"listen 127.0.0.1:{port};")
    block = block.replace("/var/log/nginx/mockroom.log", str(directory / "access.log"))
    (directory / "nginx.conf").write_text(CONF.format(dir=directory, block=block))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    args = [binary, "-p", str(directory), "-c", str(directory / "nginx.conf")]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(url + "/healthz")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


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
