"""Running a module script under Node against web/src (the JavaScript tests' one helper)."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from support.paths import REPO


def run_node(script: str, **env: str) -> dict[str, Any]:
    """Runs a module script with node in web/ and returns the JSON of its last line."""
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        env={**os.environ, "SRC": (REPO / "web/src").as_uri(), **env},
        cwd=REPO / "web",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
