"""py-spy on a bench's server subprocess: where its CPU went, as own time per function.

py-spy (a dev dependency) samples another process from outside, so the server runs unchanged;
`--gil` keeps only samples of a thread holding the GIL: Python work, not threads waiting.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

RATE = 200  # samples per second


def start(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """Sample `pid` for `seconds` into `out` (collapsed stacks); wait on the result to read it."""
    spy = Path(sys.executable).with_name("py-spy")
    args = ["record", "-p", str(pid), "-d", str(int(seconds)), "-f", "raw", "-r", str(RATE)]
    return subprocess.Popen(
        [str(spy), *args, "-o", str(out), "--nonblocking", "--gil"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def report(out: Path, top: int = 25, ours: str = "mockroom") -> str:
    """Own time per function, then inclusive time of the functions in modules named `ours`."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        samples = int(count)
        total += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            if ours in frame:
                inclusive[frame] += samples
    if not total:
        return "py-spy: no samples"
    lines = [f"py-spy: {total} samples ({RATE}/s, only while holding the GIL)", "own time:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines.append(f"inclusive, {ours} modules:")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(15)]
    return "\n".join(lines)
