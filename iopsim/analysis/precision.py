"""Enough replications for a verdict: a comparison run in batches until its verdicts are known.

Ten replications can read "no clear change" for a change that fifty show plainly.  Here each
alternative's paired difference of every watched KPI (the headline ones) is *settled* when its
95% interval excludes 0 (the direction is known) or is narrower than the KPI's tolerance
(``stats.tolerance``: ±1 day, ±2 percentage points, ±5% of the baseline), so that "no clear
change" means "less than that either way".  Unsettled alternatives get more replications, in
batches, with the baseline on the same seeds; settled ones stop.  At the cap a difference still
unsettled reads "not enough replications to tell", with the range it could lie in.

    cmp = compare_to_precision(baseline, more_referrals, reps=10, max_reps=60)
    cmp.precision     # {"reached": False, "max_reps": 60, "reps": {...}, "unsettled": {...}}
    cmp.verdicts      # "... waits from assessment to IOP start longer by 0.9–3.1 days (worse) ..."
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from iopsim.analysis import catalogue
from iopsim.analysis.comparison import Comparison, named_scenarios
from iopsim.analysis.experiment import Experiment, per_rep_frame, run_batches
from iopsim.analysis.runner import Runner
from iopsim.analysis.stats import paired_differences, tolerance, too_wide
from iopsim.analysis.work_limits import check_reps, check_tasks
from iopsim.core.scenario import Scenario
from iopsim.core.seeds import seed_tuple

BATCH_GROWTH = 2.0
"""At most this factor more replications per batch (an estimate from the interval widths may ask fewer)."""


def unsettled(differences: pd.DataFrame, kpis: Sequence[str]) -> list[str]:
    """The KPIs (of one alternative's ``paired_differences``) whose difference is not yet settled."""
    return [k for k in kpis if k in differences.index and too_wide(differences.loc[k], k)]


def next_reps(n: int, differences: pd.DataFrame, open_kpis: Sequence[str], max_reps: int) -> int:
    """How many replications the next batch should reach: enough, by the interval's 1/sqrt(n) shrinkage,
    to bring the widest unsettled interval (relative to its tolerance or its distance from 0) under it."""
    ratios = []
    for k in open_kpis:
        row = differences.loc[k]
        half = (row["ci_high"] - row["ci_low"]) / 2
        # settles when the half-width is under the tolerance or under |mean| (the interval leaves 0)
        target = max(tolerance(k, row["baseline_mean"]), abs(row["mean_diff"]))
        ratios.append(half / target if target > 0 and math.isfinite(half) else math.inf)
    worst = max(ratios, default=math.inf)
    needed = math.ceil(n * worst ** 2 * 1.1) if math.isfinite(worst) else math.ceil(n * BATCH_GROWTH)
    return min(max_reps, max(n + 2, min(needed, math.ceil(n * BATCH_GROWTH))))


def compare_to_precision(baseline: Scenario, *alternatives: Any, reps: int = 10, max_reps: int = 60,
                         kpis: Sequence[str] | None = None, seed: Any = 0, workers: int | None = None,
                         scheduler: Any = None, names: Sequence[str] | None = None,
                         progress: Any = None) -> Comparison:
    """``compare``, adding replications to unsettled alternatives until every difference of ``kpis``
    (default ``catalogue.HEADLINE``) is settled or ``max_reps`` is reached (see the module docstring).

    reps: the first batch, for every scenario.  progress: a callable ``progress(done, total)``;
    total is the most that may be run (every scenario at max_reps), so the bar never goes back.
    The Comparison's ``precision`` records the replications each alternative got and what is unsettled.
    """
    check_reps(reps, "reps")
    check_reps(max_reps, "max_reps")
    if max_reps < reps:
        raise ValueError(f"max_reps ({max_reps}) must be at least reps ({reps})")
    kpis = list(catalogue.HEADLINE if kpis is None else kpis)
    scenarios, names = named_scenarios(baseline, alternatives, names)
    check_tasks(len(scenarios), max_reps)
    seed_t = seed_tuple(seed)
    results: list[dict[int, dict]] = [{} for _ in scenarios]
    wanted = [reps] * len(scenarios)
    total = len(scenarios) * max_reps
    done = [0]

    def step(*_: Any) -> None:
        done[0] += 1
        if callable(progress):
            progress(done[0], total)

    with Runner(workers=workers, scheduler=scheduler) as runner:
        while True:
            ranges = [range(len(r), n) for r, n in zip(results, wanted)]
            run_batches(scenarios, [None] * len(scenarios), seed_t, ranges, results, runner, step)
            base = per_rep_frame(results[0])
            open_by_alt = {}
            for j in range(1, len(scenarios)):
                diffs = paired_differences(base, per_rep_frame(results[j]))
                left = unsettled(diffs, kpis)
                if left and wanted[j] < max_reps:
                    open_by_alt[j] = (diffs, left)
            if not open_by_alt:
                break
            for j, (diffs, left) in open_by_alt.items():
                wanted[j] = next_reps(wanted[j], diffs, left, max_reps)
            wanted[0] = max(wanted)
    experiments = {name: Experiment(s, seed, per_rep_frame(r)) for name, s, r in zip(names, scenarios, results)}
    cmp = Comparison(experiments, precision={})
    left = {alt: unsettled(cmp.differences.loc[alt], kpis) for alt in cmp.alternatives}
    cmp.precision.update({"reached": not any(left.values()), "first_reps": reps, "max_reps": max_reps,
                          "kpis": kpis, "reps": {n: e.reps for n, e in experiments.items()},
                          "unsettled": {alt: ks for alt, ks in left.items() if ks}})
    return cmp
