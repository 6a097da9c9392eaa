"""Runs every benchmark in bench/ one after another (they each start their own server), then
prints one table: Issue 13's figures first, then each other bench's headline figures, each with
its baseline, ratio, goal and whether it was met, and the load average.

    .venv/bin/python bench/run_all.py [--quick] [--only join,weight] [--results out.jsonl]
    .venv/bin/python bench/run_all.py --summary out.jsonl   # the table of an earlier run

Each bench prints its own report as before and appends its figures as JSON lines
(bench/results.py) to a file named by MOCKROOM_BENCH_RESULTS. Exit status 1 only when a bench
failed to run (a crash, a timeout, no figures); a goal that is not met is shown, not an error:
a bench that exits non-zero after writing its figures (weight over budget, notes with a lost
update) reported a miss, which the table shows.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import results  # noqa: E402

BENCHES = [
    "join.py",
    "first_frame.py",
    "join_whose.py",
    "signal_cpu.py",
    "lobby_busy.py",
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

# `make bench-quick`: small runs, a few minutes in all; the figures are for checking the benches
# work, not for judging (too few rounds for this host's noise).
QUICK = {
    "join.py": ["--runs", "2"],
    "first_frame.py": ["--runs", "2"],
    "join_whose.py": ["--runs", "2"],
    "signal_cpu.py": ["--relays", "400", "--joins", "40", "--rounds", "1"],
    "lobby_busy.py": ["--runs", "2"],
    "notes.py": ["--rooms", "6", "--duration", "5", "--repeat", "1"],
    "notes_paired.py": ["--rooms", "6", "--duration", "5", "--rounds", "1"],
    "capacity.py": ["--media", "audio", "--sessions", "2", "--duration", "5"],
    "audio_cost.py": ["--sessions", "2", "--duration", "5", "--rounds", "1"],
    "asr.py": ["--repeat", "1"],
    "capacity_asr.py": ["--sessions", "2", "--duration", "8"],
    "voice_cost.py": ["--voices", "4", "--seconds", "2", "--repeat", "1"],
    "pg_roundtrip.py": ["--calls", "200"],
    "cluster.py": ["--trips", "20", "--rounds", "1", "--rooms", "4"],
}

# Issue 13's figures, in its order: (bench, key or key prefix ending in ":", what it is).
ISSUE_13 = [
    ("join", "nav_frame", "navigation → first remote frame vs the bare room"),
    ("join", "click_frame", "click → first remote frame vs the bare room"),
    ("join", "click_frame_floor", "click → first remote frame vs the in-page floor"),
    # Whose the click → frame time is (bench/join_whose.py): our script, and time off the CPU.
    ("join_whose", "whose_ours", "click → frame: our script on the critical main thread"),
    ("join_whose", "whose_off_cpu", "click → frame: critical main thread off the CPU"),
    ("notes_paired", "p99_ratio", "notes keystroke → other client p99, paired"),
    ("notes_paired", "lost", "notes updates lost"),
    ("weight", "weight:", "page weight before usable vs its budget"),
    ("audio_cost", "question_ms", "scripted: question audio start"),
    ("audio_cost", "offer_ms", "scripted: offer → answer"),
    ("audio_cost", "answering", "audio session core-s per session-s"),
    ("audio_cost", "sessions", "audio sessions on 2 cores"),
]


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the bench's process group, then SIGKILL to whatever is left of it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run_bench(path: Path, args: list[str], out: Path, timeout: float | None) -> dict[str, Any]:
    """Run one bench with its figures going to a file of its own: {"records": its figures,
    "run": a record of how it went}."""
    name = path.stem
    record: dict[str, Any] = {"type": "run", "bench": name, "load": os.getloadavg()[0]}
    if not path.exists():
        return {"records": [], "run": {**record, "status": "failed", "why": "missing"}}
    own = out.with_name(f"{out.stem}-{name}.jsonl")
    own.unlink(missing_ok=True)
    env = {**os.environ, results.ENV: str(own)}
    started = time.monotonic()
    # A session of its own, so a bench that hangs is stopped with the servers and browsers it
    # started (they would otherwise outlive it on a shared machine).
    proc = subprocess.Popen([sys.executable, str(path), *args], env=env, start_new_session=True)
    code: int | None = None
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_group(proc)
    except KeyboardInterrupt:
        stop_group(proc)
        raise
    record["seconds"] = round(time.monotonic() - started, 1)
    written = results.read(own) if own.exists() else []
    own.unlink(missing_ok=True)
    figures = [{**r, "bench": name} for r in written if r.get("type") == "figure"]
    record.update(returncode=code, figures=len(figures))
    if code is None:
        record.update(status="failed", why=f"timed out after {timeout:g} s")
    elif code != 0 and not figures:
        record.update(status="failed", why=f"exit {code}, no figures")
    elif not figures:
        record.update(status="failed", why="wrote no figures")
    else:
        # Non-zero after its figures: the bench's own verdict on a goal, shown in the table.
        record.update(status="ok", why="" if code == 0 else f"exit {code} after its figures")
    return {"records": figures, "run": record}


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.4g}"


def _row(label: str, f: results.Figure | None, why: str = "") -> list[str]:
    if f is None:
        return [label, "-", "", "", "", why or "not reported"]
    base = ""
    if f.baseline is not None:
        base = f"{f.baseline.name} {_num(f.baseline.value)} {f.unit}".strip()
    value = f"{_num(f.value)} {f.unit}".strip() if f.value is not None else "not measured"
    ratio = f"{f.ratio:.2f}x" if f.ratio is not None else ""
    met = {True: "met", False: "NOT MET", None: ""}[f.met]
    return [label, value, base, ratio, f.goal or "no goal", met]


def _table(rows: list[list[str]]) -> list[str]:
    head = ["figure", "value", "baseline", "ratio", "goal", "met?"]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    right = {1, 3}  # numbers line up on the right
    out = []
    for r in [head, *rows]:
        pairs = enumerate(zip(r, widths, strict=True))
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def summary(records: Iterable[dict[str, Any]]) -> str:
    """The one table of a run (or of a results file): Issue 13, the others, each bench's run."""
    records = list(records)
    figures = results.figures(records)
    runs = {r["bench"]: r for r in records if r.get("type") == "run"}
    failed = {b: r for b, r in runs.items() if r.get("status") == "failed"}
    used: set[int] = set()
    rows = []
    for bench, key, label in ISSUE_13:
        found = [
            (i, f)
            for i, f in enumerate(figures)
            if f.bench == bench and (f.key.startswith(key) if key.endswith(":") else f.key == key)
        ]
        if not found:
            why = f"{bench} failed" if bench in failed else ""
            rows.append(_row(f"{bench}: {label}", None, why))
        for i, f in found:
            used.add(i)
            rows.append(_row(f"{bench}: {f.name}", f))
    lines = ["Issue 13 figures:", *_table(rows)]
    others = [_row(f"{f.bench}: {f.name}", f) for i, f in enumerate(figures) if i not in used]
    if others:
        lines += ["", "other benches, headline figures:", *_table(others)]
    if runs:
        lines += ["", "benches:"]
        for bench, r in runs.items():
            took = f"{r['seconds']:.0f} s" if "seconds" in r else ""
            state = "FAILED" if r.get("status") == "failed" else "ok"
            detail = f"{r.get('figures', 0)} figures" + (f", {r['why']}" if r.get("why") else "")
            at = f"; load {r['load']:.1f} at start" if "load" in r else ""
            lines.append(f"  {bench:14s} {state:7s} {took:>7s}  {detail}{at}")
    misses = sum(1 for f in figures if f.met is False)
    lines.append(
        f"\n{misses} goal(s) not met; {len(failed)} bench(es) failed to run"
        + (f": {', '.join(failed)}" if failed else "")
    )
    return "\n".join(lines)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    cores = os.cpu_count()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1/5/15 min) on {cores} cores"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small runs (make bench-quick)")
    parser.add_argument("--only", help="comma-separated benches, e.g. join,weight")
    parser.add_argument("--results", type=Path, help="keep the JSON lines here (appended)")
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds per bench before it counts as failed"
    )
    parser.add_argument("--summary", type=Path, help="only print the table of this results file")
    args = parser.parse_args(argv)
    if args.summary:
        if not args.summary.exists():
            print(f"no such results file: {args.summary}", file=sys.stderr)
            return 2
        print(summary(results.read(args.summary)))
        return 0
    chosen = BENCHES
    if args.only:
        wanted = {f"{n.strip().removesuffix('.py')}.py" for n in args.only.split(",") if n.strip()}
        unknown = wanted - set(BENCHES)
        if unknown:
            print(f"unknown bench(es): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        chosen = [b for b in BENCHES if b in wanted]
    with tempfile.TemporaryDirectory(prefix="mockroom-bench-") as tmp:
        out = args.results or Path(tmp) / "results.jsonl"
        records: list[dict[str, Any]] = []
        try:
            for script in chosen:
                print(f"\n== {script}", flush=True)
                extra = QUICK.get(script, []) if args.quick else []
                done = run_bench(HERE / script, extra, out, args.timeout)
                records += [*done["records"], done["run"]]
                results.append(out, [*done["records"], done["run"]])
        except KeyboardInterrupt:  # Ctrl-C: still the table of the benches that ran
            print("\ninterrupted", flush=True)
        print("\n== summary" + (" (quick: small runs, not for judging)" if args.quick else ""))
        print(summary(records))
        print(load())
    return 1 if any(r.get("status") == "failed" for r in records if r.get("type") == "run") else 0


if __name__ == "__main__":
    sys.exit(main())
