"""Runs every benchmark in bench/ one after another (they each start their own server)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "join.py",
    "notes.py",
    "notes_paired.py",
    "weight.py",
    "capacity.py",
    "audio_cost.py",
    "asr.py",
    "capacity_asr.py",
    "voice_cost.py",
    "pg_roundtrip.py",
    "cluster.py",
]


def main() -> int:
    failed = []
    for name in BENCHES:
        path = HERE / name
        if not path.exists():
            print(f"== {name}: missing", flush=True)
            failed.append(name)
            continue
        print(f"\n== {name}", flush=True)
        if subprocess.run([sys.executable, str(path)], check=False).returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
