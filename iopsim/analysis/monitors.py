"""Time-weighted monitors and survival curves, derived from the event log.

Levels (waitlist length, census) are step functions built from the times clients join and
leave; their averages weight each level by how long it lasted, clipped to the reporting
window, so work spanning the warm-up boundary is counted only for the part inside it.
"""

from __future__ import annotations

import math

import numpy as np


def level(joins, leaves) -> tuple[np.ndarray, np.ndarray]:
    """A step function: change times and the level from each time on (starts at 0).

    At equal times leaves count before joins, so a hand-over never shows as an extra client.
    """
    joins = np.asarray(joins, dtype=float)
    leaves = np.asarray(leaves, dtype=float)
    times = np.concatenate([joins, leaves])
    steps = np.concatenate([np.ones(joins.size), -np.ones(leaves.size)])
    order = np.lexsort((steps, times))
    return times[order], np.cumsum(steps[order])


def time_average(step: tuple[np.ndarray, np.ndarray], start: float, end: float) -> float:
    """Mean level over [start, end), each level weighted by how long it held."""
    times, levels = step
    if end <= start:
        return math.nan
    edges = np.clip(np.concatenate([times, [end]]), start, end)
    before = levels[times < start]
    area = (before[-1] if before.size else 0.0) * (edges[0] - start) if times.size else 0.0
    area += float(np.sum(levels * np.diff(edges)))
    return area / (end - start)


def maximum(step: tuple[np.ndarray, np.ndarray], start: float, end: float) -> float:
    """Highest level held at any time in [start, end)."""
    times, levels = step
    k = np.searchsorted(times, start, side="right") - 1
    at_start = levels[k] if k >= 0 else 0.0
    inside = levels[(times > start) & (times < end)]
    return float(max(at_start, inside.max() if inside.size else at_start))


def kaplan_meier_failure(durations, observed, at: float) -> float:
    """Share failed by time `at` (1 - Kaplan-Meier survival), with right-censoring."""
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if durations.size == 0:
        return math.nan
    event_times, deaths = np.unique(durations[observed & (durations <= at)], return_counts=True)
    if event_times.size == 0 and not np.any(durations >= at):
        return math.nan  # nobody followed that long
    at_risk = durations.size - np.searchsorted(np.sort(durations), event_times, side="left")
    return float(1.0 - np.prod(1.0 - deaths / at_risk))
