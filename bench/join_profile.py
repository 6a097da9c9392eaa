"""Where the joining page's main thread spends click → first remote frame: JS self time per
function, from Chromium's sampling profiler (CDP Profiler), against the browser's own work.

    .venv/bin/python bench/join_profile.py [--runs 3]

bench/join_busy.py says how long the main thread is busy; this says whose that time is. The
profile's "(program)" is native work outside any script (style, layout, paint, media and
WebRTC internals), "(idle)" is waiting; every other row is a script function's own time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from join_harness import (  # noqa: E402
    SETTLE_MS,
    absolute,
    make_room,
    open_until_join,
    wait_in_room,
    waiting_and_joining,
)
from support.browser import chromium  # noqa: E402
from support.live_server import start_server, stop_server  # noqa: E402

# The remote <video> (not our muted preview) has decoded a frame.
REMOTE_FRAME = """() => [...document.querySelectorAll("video")]
  .some((v) => v.srcObject && !v.muted && v.videoWidth > 0)"""


def profiled_join(browser: Browser, base: str) -> Counter[str]:
    """One join under the profiler: self ms per function, click → remote frame."""
    room = make_room(base)
    with waiting_and_joining(browser) as (first, second):
        wait_in_room(first, absolute(base, room["links"]["interviewer"]))
        open_until_join(second, absolute(base, room["links"]["candidate"]), lands="sig=")
        # The lobby settles (camera, prepared offer), so the profile holds the join only.
        second.wait_for_timeout(SETTLE_MS)
        cdp = second.context.new_cdp_session(second)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 100})
        cdp.send("Profiler.start")
        second.locator("[data-testid=join-button]").click(force=True)
        second.wait_for_function(REMOTE_FRAME, polling="raf")
        profile: dict[str, Any] = cdp.send("Profiler.stop")["profile"]
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    spent: Counter[str] = Counter()
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        frame = nodes[sample]
        where = frame["url"].rsplit("/", 1)[-1]
        name = frame["functionName"] or "(anonymous)"
        spent[f"{name} {where}".strip()] += delta / 1000
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    total: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", env={"MOCKROOM_ROOM_RATE_PER_HOUR": "0"})
        try:
            with chromium() as browser:
                for _ in range(args.runs):
                    total.update(profiled_join(browser, server.url))
        finally:
            stop_server(server)
    native = {"(program)", "(idle)", "(garbage collector)"}
    script = sum(v for k, v in total.items() if k not in native) / args.runs
    print(f"joining page, click → remote frame, mean of {args.runs} joins (ms):")
    for key in ("(program)", "(garbage collector)", "(idle)"):
        print(f"  {total[key] / args.runs:7.1f}  {key}")
    print(f"  {script:7.1f}  scripts, all functions' own time; the largest:")
    for key, ms in total.most_common():
        if key in native:
            continue
        if args.top <= 0:
            break
        args.top -= 1
        print(f"  {ms / args.runs:7.2f}    {key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
