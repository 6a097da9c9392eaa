"""Machine-readable bench figures: each bench appends JSON lines that bench/run_all.py sums up.

A bench keeps printing its own table; at the end of its main() it also calls `write(bench,
[figure(...), ...])`, which appends one JSON object a line to the file named by the environment
variable MOCKROOM_BENCH_RESULTS (nothing is written when it is unset: a bench run by hand behaves
as before). One line:

    {"type": "figure", "bench": "join", "key": "nav_frame",
     "name": "navigation → first remote frame", "value": 812.0, "unit": "ms",
     "baseline": {"name": "bare room", "value": 701.0}, "ratio": 1.16,
     "goal": "≤ 1.25x bare room", "met": true}

`key` is the figure's stable id (run_all picks Issue 13's figures by it), `name` is for people.
`goal` and `met` are null where the bench reports a figure without a goal. A value that could
not be measured (no question heard, say) is null, and its goal is not met.
"""

from __future__ import annotations

import json
import math
import os
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ENV = "MOCKROOM_BENCH_RESULTS"


@dataclass(frozen=True)
class Baseline:
    name: str
    value: float | None


@dataclass(frozen=True)
class Figure:
    key: str
    name: str
    value: float | None
    unit: str
    baseline: Baseline | None = None
    ratio: float | None = None
    goal: str | None = None
    met: bool | None = None
    bench: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"type": "figure", **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        base = data.get("baseline")
        return cls(
            key=str(data["key"]),
            name=str(data["name"]),
            value=_number(data.get("value")),
            unit=str(data.get("unit", "")),
            baseline=Baseline(str(base["name"]), _number(base.get("value"))) if base else None,
            ratio=_number(data.get("ratio")),
            goal=data.get("goal"),
            met=data.get("met"),
            bench=str(data.get("bench", "")),
        )


def _number(value: Any) -> float | None:
    """JSON has no NaN or infinity: a figure that was not measured is null."""
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _fmt(limit: float) -> str:
    return f"{limit:g}"


def figure(
    key: str,
    name: str,
    value: float | None,
    unit: str,
    *,
    baseline: str | None = None,
    baseline_value: float | None = None,
    ratio: float | None = None,
    max_ratio: float | None = None,
    max_value: float | None = None,
    min_value: float | None = None,
) -> Figure:
    """One figure. The ratio defaults to value / baseline_value; a goal is one of max_ratio
    (against the baseline), max_value or min_value (in the figure's unit), and `met` follows."""
    value = _number(value)
    base_value = _number(baseline_value)
    if ratio is None and value is not None and base_value:
        ratio = value / base_value
    ratio = _number(ratio)
    goal, met = None, None
    if max_ratio is not None:
        goal = f"≤ {max_ratio:.2f}x {baseline or 'baseline'}"
        met = ratio is not None and ratio <= max_ratio
    elif max_value is not None:
        goal = f"≤ {_fmt(max_value)} {unit}".rstrip()
        met = value is not None and value <= max_value
    elif min_value is not None:
        goal = f"≥ {_fmt(min_value)} {unit}".rstrip()
        met = value is not None and value >= min_value
    return Figure(
        key,
        name,
        value,
        unit,
        Baseline(baseline, base_value) if baseline is not None else None,
        ratio,
        goal,
        met,
    )


def paired(
    key: str,
    name: str,
    ours: Sequence[float],
    baseline: str,
    theirs: Sequence[float],
    unit: str,
    max_ratio: float | None = None,
) -> Figure:
    """Interleaved rounds: the medians of each side, and the median of the per-round ratios
    (drift on a shared host between rounds cancels out within a round)."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=True) if b]
    return figure(
        key,
        name,
        statistics.median(ours) if ours else None,
        unit,
        baseline=baseline,
        baseline_value=statistics.median(theirs) if theirs else None,
        ratio=statistics.median(ratios) if ratios else None,
        max_ratio=max_ratio,
    )


def write(bench: str, figures: Iterable[Figure], path: str | Path | None = None) -> Path | None:
    """Append the bench's figures to `path`, or to $MOCKROOM_BENCH_RESULTS; None if neither."""
    target = path if path is not None else os.environ.get(ENV)
    if not target:
        return None
    return append(target, [{**f.to_json(), "bench": bench} for f in figures])


def append(path: str | Path, records: Iterable[dict[str, Any]]) -> Path:
    """Append records as JSON lines (whole lines in one write, so a reader never sees half)."""
    out = Path(path)
    text = "".join(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n" for r in records)
    with out.open("a", encoding="utf-8") as handle:
        handle.write(text)
    return out


def read(path: str | Path) -> list[dict[str, Any]]:
    """Every record of a results file (figures, and run_all's per-bench run records); a line
    that is not JSON (a bench killed mid-write) is skipped, not fatal."""
    records = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            records.append(data)
    return records


def figures(records: Iterable[dict[str, Any]]) -> list[Figure]:
    return [Figure.from_json(r) for r in records if r.get("type") == "figure"]
