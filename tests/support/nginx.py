"""Debian's nginx in front of test servers, configured with README's own example blocks: a
private prefix directory, a loopback port, stopped when the block ends (the doctor test and the
several-node tests)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.paths import REPO

# Under root nginx's workers run as `nobody`, who may not write the request bodies it buffers
# (an answer chunk is bigger than the in-memory buffer) into pytest's private temp dirs.
CONF = """
{user}daemon off;
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


def readme_block(opening: str) -> str:
    """README's nginx example that opens with `opening`, exactly as people will copy it."""
    readme = (REPO / "README.md").read_text()
    pattern = r"```nginx\n(" + re.escape(opening) + r".*?\n\})\n```"
    found = re.search(pattern, readme, re.DOTALL)
    assert found is not None, f"README has no nginx example that opens with {opening!r}"
    return found.group(1)


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Until `url` answers; fails at once if `process` (the server behind it) exited."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"the process behind {url} exited"
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            assert time.monotonic() < deadline, f"{url} did not answer"
            time.sleep(0.1)  # polling a process starting up: there is no event to wait on


@contextmanager
def running_nginx(directory: Path, block: str, port: int) -> Iterator[str]:
    """nginx with `block` (server and upstream blocks) in its http {}, its files in `directory`
    (made here); its URL, once `/healthz` answers through it."""
    directory.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = directory / "nginx.conf"
    conf.write_text(CONF.format(dir=directory, block=block, user=user))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    args = [binary, "-p", str(directory), "-c", str(conf)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(url + "/healthz", process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
