"""The join bench's tables (bench/join.py): where each room's join goes, milestone by
milestone; the measures around the click; and the figures against the bare room and the floor,
with their per-round spread and the goals (issue 13)."""

from __future__ import annotations

import os
import statistics


def summary(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return statistics.median(ordered), p90, ordered[0]


def print_breakdown(name: str, rooms: list[dict[str, float]]) -> None:
    """Every milestone the room page stamps, as the median after navigation and after the click
    (negative: it happened in the lobby, before the click), in the order they happen."""
    skip = {"frame", "enabled", "click"}
    keys = sorted(
        {k for r in rooms for k in r} - skip,
        key=lambda k: statistics.median(r[k] for r in rooms if k in r),
    )
    print(f"\nwhere the {name}'s join goes (median ms; 'after click' < 0: before the click;")
    print("  peer:* = the waiting page's marks, on the joining page's clock):")
    print(f"  {'milestone':32s} {'after nav':>9s} {'after click':>11s} {'runs':>5s}")
    for key in [*keys, "frame"]:
        have = [r for r in rooms if key in r]
        if key.startswith("server-"):
            # A duration on the server, not a moment in the page.
            med = statistics.median(r[key] for r in have)
            print(f"  {key + ' (duration)':32s} {med:9.1f} {'':>11s} {len(have):5d}")
            continue
        nav = statistics.median(r[key] for r in have)
        click = statistics.median(r[key] - r["click"] for r in have)
        print(f"  {key:32s} {nav:9.1f} {click:11.1f} {len(have):5d}")


def print_measures(rows: list[tuple[str, list[float]]]) -> None:
    """The moments around the click, each as its median, p90 and fastest run."""
    print(f"\n{'measure (ms)':44s} {'median':>8s} {'p90':>8s} {'min':>8s}")
    for label, values in rows:
        med, p90, low = summary(values)
        print(f"{label:44s} {med:8.1f} {p90:8.1f} {low:8.1f}")


def quartiles(values: list[float]) -> tuple[float, float, float, float]:
    """min, p25, p75, max: the spread of the per-round ratios on this noisy host."""
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=4, method="inclusive") if len(ordered) > 1 else ordered * 3
    return ordered[0], q[0], q[2], ordered[-1]


Figure = tuple[str, list[float], list[float], list[float], float | None, float | None]


def print_figures(figures: list[Figure]) -> None:
    """Each figure: MockRoom, the bare room and the floor (medians, ms), the per-round ratios'
    median and spread, and the goals (issue 13) with a verdict on the per-round median."""
    print(
        f"\n  {'figure (median ms)':32s} {'MockRoom':>8s} {'bare':>7s} {'ratio':>6s} "
        f"{'spread (min p25-p75 max)':>25s} {'floor':>7s} {'/floor':>6s}  goal"
    )
    for label, ours, bare, floor, goal_bare, goal_floor in figures:
        ratios = [a / b for a, b in zip(ours, bare, strict=True)]
        of_floor = statistics.median(a / f for a, f in zip(ours, floor, strict=True))
        ratio = statistics.median(ratios)
        low, p25, p75, high = quartiles(ratios)
        goals = []
        if goal_bare is not None:
            goals.append(f"≤ {goal_bare:.2f}x bare: {'met' if ratio <= goal_bare else 'NOT MET'}")
        if goal_floor is not None:
            met = "met" if of_floor <= goal_floor else "NOT MET"
            goals.append(f"≤ {goal_floor:.2f}x floor: {met}")
        spread = f"{low:4.2f} {p25:4.2f}-{p75:4.2f} {high:4.2f}"
        print(
            f"  {label:32s} {statistics.median(ours):8.1f} {statistics.median(bare):7.1f} "
            f"{ratio:5.2f}x {spread:>25s} {statistics.median(floor):7.1f} {of_floor:5.2f}x  "
            + ("; ".join(goals) or "(no goal: reported)")
        )
    print("  (ratio: the median of the per-round ratios; the floor has no click, so both rows")
    print("   divide by its navigation → frame)")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"
