"""bench/results.py's figure records and bench/run_all.py's summary table (no browser)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import results  # noqa: E402
import run_all  # noqa: E402


def test_a_figure_round_trips_through_its_json_line(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    label = ("nav_frame", "navigation → frame")
    sent = [
        results.paired(*label, [900, 1100], "bare room", [800, 1000], "ms", max_ratio=1.25),
        results.figure("question_ms", "question audio", float("inf"), "ms", max_value=300),
        results.figure("sessions", "sessions on 2 cores", 41, "", min_value=40),
        results.figure("cpu", "CPU per key", 30, "us", baseline="reference", baseline_value=20),
    ]
    assert results.write("join", sent, out) == out
    results.write("join", sent[:1], out)  # appended, not replaced
    back = results.figures(results.read(out))
    assert len(back) == 5
    assert [f.bench for f in back] == ["join"] * 5
    nav, question, sessions, cpu = back[:4]
    assert nav == results.Figure(
        "nav_frame",
        "navigation → frame",
        1000.0,
        "ms",
        results.Baseline("bare room", 900.0),
        # The median of the per-round ratios (1.125, 1.1), not the ratio of the medians.
        pytest.approx(1.1125),  # type: ignore[arg-type]
        "≤ 1.25x bare room",
        True,
        "join",
    )
    # Not measured: null in JSON (no NaN/Infinity), and a goal it cannot have met.
    assert (question.value, question.met, question.goal) == (None, False, "≤ 300 ms")
    assert "Infinity" not in out.read_text()
    assert (sessions.met, sessions.goal) == (True, "≥ 40")
    assert (cpu.ratio, cpu.goal, cpu.met) == (1.5, None, None)


def test_no_results_file_means_nothing_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(results.ENV, raising=False)
    assert results.write("join", [results.figure("k", "n", 1, "ms")]) is None


def test_the_env_var_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(results.ENV, str(tmp_path / "env.jsonl"))
    results.write("weight", [results.figure("weight:home script", "home", 30, "KiB")])
    assert results.figures(results.read(tmp_path / "env.jsonl"))[0].bench == "weight"


SAMPLE = [
    {"type": "figure", "bench": "join", "key": "nav_frame", "name": "navigation → first frame",
     "value": 1300.0, "unit": "ms", "baseline": {"name": "bare room", "value": 1000.0},
     "ratio": 1.3, "goal": "≤ 1.25x bare room", "met": False},
    {"type": "figure", "bench": "join", "key": "click_frame", "name": "click → first frame",
     "value": 700.0, "unit": "ms", "baseline": {"name": "bare room", "value": 1000.0},
     "ratio": 0.7, "goal": "≤ 0.8x bare room", "met": True},
    {"type": "run", "bench": "join", "status": "ok", "returncode": 0, "seconds": 95.0,
     "figures": 2, "load": 4.5},
    {"type": "run", "bench": "notes_paired", "status": "failed", "returncode": 1,
     "seconds": 3.0, "figures": 0, "why": "exit 1, no figures", "load": 4.0},
    {"type": "figure", "bench": "voice_cost", "key": "opus", "name": "ready-made Opus",
     "value": 0.5, "unit": "ms/s", "baseline": {"name": "pcm + encode", "value": 2.0},
     "ratio": 0.25, "goal": None, "met": None},
]  # fmt: skip


def test_the_summary_shows_misses_failures_and_other_benches(tmp_path: Path) -> None:
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in SAMPLE) + "\nnot json, a torn line\n")
    text = run_all.summary(results.read(path))
    lines = text.splitlines()
    issue, others = text.split("other benches")
    nav = next(line for line in lines if "navigation → first frame" in line)
    assert nav.endswith("NOT MET")
    assert "1300 ms" in nav and "bare room 1000 ms" in nav and "1.30x" in nav
    click = next(line for line in lines if "click → first frame" in line)
    assert click.endswith("met") and "0.70x" in click
    # The failed bench's Issue 13 rows are there, saying why they are empty.
    paired = [line for line in issue.splitlines() if line.strip().startswith("notes_paired:")]
    assert len(paired) == 2 and all(line.endswith("notes_paired failed") for line in paired)
    # A bench Issue 13 does not name: in the second table, without a goal.
    assert "voice_cost: ready-made Opus" in others and "no goal" in others
    assert "voice_cost" not in issue
    failed = next(
        line for line in lines if line.strip().startswith("notes_paired ") and "FAILED" in line
    )
    assert "exit 1, no figures" in failed
    assert lines[-1] == "1 goal(s) not met; 1 bench(es) failed to run: notes_paired"
    # The columns line up: the verdict stands under its header, the ratio ends under its own.
    header = next(line for line in lines if line.strip().startswith("figure"))
    assert nav.index("NOT MET") == click.index("met") == header.index("met?")
    assert nav.index("1.30x") + 5 == header.index("ratio") + 5


def test_summary_of_a_file_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in SAMPLE) + "\n")
    cmd = [sys.executable, str(BENCH / "run_all.py"), "--summary", str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Issue 13 figures:" in done.stdout and "NOT MET" in done.stdout
    missing = subprocess.run(
        [*cmd[:-1], str(tmp_path / "nope.jsonl")], capture_output=True, text=True, check=False
    )
    assert missing.returncode == 2 and "no such results file" in missing.stderr
    assert "Traceback" not in missing.stderr


FAKE = """
import sys
sys.path.insert(0, {bench!r})
import results
results.write("fake", [results.figure("k", "a figure", 5, "ms", max_value=1)])
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
"""


@pytest.mark.parametrize(
    ("code", "writes", "status", "why"),
    [
        (0, True, "ok", ""),
        # Its own verdict on a goal (weight over budget): ran, and the table shows the miss.
        (1, True, "ok", "exit 1 after its figures"),
        (1, False, "failed", "exit 1, no figures"),
        (0, False, "failed", "wrote no figures"),
    ],
)
def test_a_bench_failed_only_when_it_did_not_report(
    tmp_path: Path, code: int, writes: bool, status: str, why: str
) -> None:
    script = tmp_path / "fake.py"
    body = FAKE.format(bench=str(BENCH))
    script.write_text(body if writes else "import sys\nsys.exit(int(sys.argv[1]))\n")
    done = run_all.run_bench(script, [str(code)], tmp_path / "all.jsonl", timeout=60)
    assert (done["run"]["status"], done["run"]["why"]) == (status, why)
    assert [r["key"] for r in done["records"]] == (["k"] if writes else [])
    assert not list(tmp_path.glob("all-*.jsonl"))  # the bench's own file is cleaned up


HANGS = """
import pathlib, subprocess, sys, time
server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
pathlib.Path(sys.argv[1]).write_text(str(server.pid))
time.sleep(120)
"""


def test_a_bench_that_hangs_is_stopped_with_what_it_started(tmp_path: Path) -> None:
    script, pid_file = tmp_path / "hangs.py", tmp_path / "server.pid"
    script.write_text(HANGS)
    done = run_all.run_bench(script, [str(pid_file)], tmp_path / "all.jsonl", timeout=5)
    assert done["run"]["status"] == "failed" and "timed out after 5 s" in done["run"]["why"]
    # The bench's child (its "server") went with it: no process is left behind (a dead one may
    # stay a zombie a while: its parent is gone, and init reaps it when it gets to it).
    server = psutil.Process(int(pid_file.read_text()))
    deadline = time.monotonic() + 10
    while not gone(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(server)


def gone(proc: psutil.Process) -> bool:
    try:
        return bool(proc.status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def test_a_missing_bench_is_a_failure(tmp_path: Path) -> None:
    done = run_all.run_bench(tmp_path / "gone.py", [], tmp_path / "all.jsonl", timeout=5)
    assert (done["run"]["status"], done["run"]["why"]) == ("failed", "missing")


def test_run_all_exits_non_zero_only_for_a_bench_that_did_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "misses.py").write_text(FAKE.format(bench=str(BENCH)))  # a goal not met, exit 1
    (tmp_path / "crashes.py").write_text("raise SystemExit('no server')\n")
    monkeypatch.setattr(run_all, "HERE", tmp_path)
    monkeypatch.setattr(run_all, "BENCHES", ["misses.py", "crashes.py"])
    out = tmp_path / "kept.jsonl"
    assert run_all.main(["--only", "misses", "--results", str(out), "--timeout", "60"]) == 0
    first = capsys.readouterr().out
    assert "misses: a figure" in first and "NOT MET" in first and "load average" in first
    assert run_all.main(["--results", str(out), "--timeout", "60"]) == 1
    second = capsys.readouterr().out
    assert "0 bench(es) failed" not in second and "failed to run: crashes" in second
    kept = results.read(out)  # both runs appended, each bench's figures and its run record
    assert [r["bench"] for r in kept if r["type"] == "run"] == ["misses", "misses", "crashes"]
    assert run_all.main(["--only", "nope"]) == 2
    assert "unknown bench(es): nope.py" in capsys.readouterr().err


def test_capacity_asr_judges_a_silent_interviewer_by_cpu_and_lag() -> None:
    """In the answer window no voice frame is timed (voice_late inf): that alone must not make
    the live part 'not real time', as capacity.real_time (which expects a voice) would."""
    import capacity_asr

    quiet = {"cores": 0.2, "lag_p99": 40.0, "voice_late": float("inf")}
    assert capacity_asr.live_real_time(quiet)
    assert not capacity_asr.live_real_time({**quiet, "lag_p99": 150.0})
    assert not capacity_asr.live_real_time({**quiet, "voice_late": 130.0})
    assert not capacity_asr.live_real_time({**quiet, "cores": 1.9})
