"""Several scenarios on the same seeds: paired comparisons, parameter grids, one-at-a-time sensitivity.

Every scenario's replication *i* uses seed ``(seed, i)``, so the scenarios meet the same
clients, no-shows and dropouts as far as the model allows (common random numbers) and their
differences are measured replication by replication (paired), with much narrower intervals
than two separate experiments would give.  All (scenario, replication) tasks go to one runner,
so the parallel workers stay busy across scenarios.

    cmp = iopsim.compare(baseline, more_assessors, reps=20)
    cmp.differences                   # (alternative, kpi) -> mean_diff, CI, direction ...
    cmp.verdicts["more assessors"]    # "waits for assessment shorter by 2.1–3.4 days (better); ..."
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from iopsim.analysis import catalogue
from iopsim.analysis.experiment import Experiment, Store, per_rep_frame, run_batches, seed_value
from iopsim.analysis.runner import Runner
from iopsim.analysis.stats import DIFFERENCE_COLUMNS, paired_differences, t_interval, verdict
from iopsim.analysis.work_limits import check_reps, check_tasks
from iopsim.core import paths
from iopsim.core.files import write_atomic
from iopsim.core.scenario import Scenario
from iopsim.core.seeds import seed_tuple


class Comparison:
    """Experiments of a baseline and alternatives on the same seeds, and their paired differences.

    experiments: name -> Experiment, baseline first; baseline: its name; differences: DataFrame
    indexed by (alternative, kpi) with the columns of ``stats.paired_differences``; verdicts:
    alternative name -> plain-language sentence (``stats.verdict`` over the headline KPIs);
    precision: how the replications were chosen when run to a precision (``iopsim.analysis.precision``),
    else None; with it the verdicts say "not enough replications to tell" where that is the truth.
    """

    def __init__(self, experiments: dict[str, Experiment], precision: dict | None = None) -> None:
        self.experiments = dict(experiments)
        self.precision = precision
        self.baseline = next(iter(self.experiments))
        base = self.experiments[self.baseline]
        frames = {name: paired_differences(base.per_rep, exp.per_rep)
                  for name, exp in self.experiments.items() if name != self.baseline}
        if frames:
            self.differences = pd.concat(frames, names=["alternative", "kpi"])
        else:
            self.differences = pd.DataFrame(
                columns=list(DIFFERENCE_COLUMNS),
                index=pd.MultiIndex.from_arrays([[], []], names=["alternative", "kpi"]))
        self.verdicts = {name: verdict(frame, precise=precision is not None) for name, frame in frames.items()}

    @property
    def alternatives(self) -> list[str]:
        return [n for n in self.experiments if n != self.baseline]

    def verdict(self, alternative: str, kpis: Sequence[str] | None = None) -> str:
        """The verdict sentence for one alternative, over the chosen KPIs."""
        return verdict(self.differences.loc[alternative], kpis, precise=self.precision is not None)

    def __repr__(self) -> str:
        exp = self.experiments[self.baseline]
        lines = [f"<Comparison: baseline {self.baseline!r}, {exp.reps} paired replications, seed {exp.seed!r}>"]
        lines += [f"  {name}: {text}" for name, text in self.verdicts.items()]
        return "\n".join(lines)


# ------------------------------------------------------------------------------ helpers
def _as_scenario(item: Any, baseline: Scenario) -> Scenario:
    """A Scenario, or a mapping of changes by parameter path to the baseline (named after the changes)."""
    if isinstance(item, Scenario):
        return item
    if isinstance(item, Mapping):
        changes = dict(item)
        if "name" not in changes:
            changes["name"] = _changes_name(changes)
        return baseline.replace(**changes)
    raise TypeError(f"an alternative must be an iopsim.Scenario or a dict of changes by parameter path, "
                    f"got {type(item).__name__}")


def _changes_name(changes: Mapping[str, Any]) -> str:
    text = ", ".join(f"{path}={value}" for path, value in changes.items() if path != "name")
    return (text or "unchanged")[:120]


def unique_names(names: Sequence[str]) -> list[str]:
    """Names made unique: the second "A" becomes "A (2)", the third "A (3)"."""
    seen: dict[str, int] = {}
    out = []
    taken = set(names)
    for name in names:
        if name not in seen:
            seen[name] = 1
            out.append(name)
            continue
        k = seen[name]
        while True:
            k += 1
            candidate = f"{name} ({k})"
            if candidate not in taken:
                break
        seen[name] = k
        taken.add(candidate)
        out.append(candidate)
    return out


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return slug[:60] or "scenario"


def run_scenarios(scenarios: Sequence[Scenario], *, reps: int, seed: Any, workers: int | None, scheduler: Any,
                  progress: Any, outs: Sequence[str | os.PathLike | None] | None = None,
                  desc: str = "replications") -> list[Experiment]:
    """Replications 0..reps-1 of every scenario, all tasks on one runner; one Experiment each."""
    check_reps(reps, "reps")
    check_tasks(len(scenarios), reps)
    seed_t = seed_tuple(seed)
    outs = list(outs) if outs is not None else [None] * len(scenarios)
    stores = []
    for scenario, out in zip(scenarios, outs):
        store = None if out is None else Store(out, scenario, seed_t)
        if store is not None:
            store.prepare()
        stores.append(store)
    results: list[dict[int, dict]] = [{} for _ in scenarios]
    with Runner(workers=workers, scheduler=scheduler) as runner:
        run_batches(scenarios, stores, seed_t, [range(reps)] * len(scenarios), results, runner, progress, desc)
    return [Experiment(s, seed, per_rep_frame(r), None, out) for s, r, out in zip(scenarios, results, outs)]


# ------------------------------------------------------------------------------ compare
def named_scenarios(baseline: Scenario | None, alternatives: Sequence[Any],
                    names: Sequence[str] | None) -> tuple[list[Scenario], list[str]]:
    """The scenarios of a comparison, baseline first (changes applied to it), and their unique names."""
    baseline = Scenario() if baseline is None else baseline
    if not isinstance(baseline, Scenario):
        raise TypeError(f"baseline must be an iopsim.Scenario, got {type(baseline).__name__}")
    scenarios = [baseline, *(_as_scenario(a, baseline) for a in alternatives)]
    if names is None:
        names = [s.name for s in scenarios]
    else:
        names = [str(n) for n in names]
        if len(names) != len(scenarios):
            raise ValueError(f"names must give one name per scenario (baseline first): {len(scenarios)} "
                             f"scenarios, {len(names)} names")
    return scenarios, unique_names(names)


def compare(baseline: Scenario | None, *alternatives: Any, reps: int = 10, seed: Any = 0,
            workers: int | None = None, scheduler: Any = None, names: Sequence[str] | None = None,
            progress: Any = None, out: str | os.PathLike | None = None) -> Comparison:
    """Run the baseline and each alternative on the same seeds and compare them pairwise.

    alternatives: Scenarios, or dicts of changes by parameter path to the baseline
    (``{"intake.assessors": 2}``).  names: one per scenario, baseline first (default each
    scenario's ``name``; repeats become "name (2)", "name (3)").  out: a folder holding one
    experiment folder per scenario (named from the scenario names) and comparison.json;
    rerunning with it resumes.  Other arguments as ``replicate``.
    """
    check_reps(reps, "reps")  # before anything is written to out
    check_tasks(1 + len(alternatives), reps)
    seed_t = seed_tuple(seed)
    scenarios, names = named_scenarios(baseline, alternatives, names)
    outs = None
    if out is not None:
        root = Path(out)
        folders = unique_names([_slug(n) for n in names])
        folders = [f.replace(" (", "-").replace(")", "") for f in folders]
        outs = [root / f for f in folders]
        root.mkdir(parents=True, exist_ok=True)
        record = {"baseline": names[0], "scenarios": dict(zip(names, folders)), "reps": reps,
                  "seed": seed_value(seed_t)}
        write_atomic(root / "comparison.json", json.dumps(record, indent=2) + "\n")
    experiments = run_scenarios(scenarios, reps=reps, seed=seed, workers=workers, scheduler=scheduler,
                                progress=progress, outs=outs)
    return Comparison(dict(zip(names, experiments)))


# ---------------------------------------------------------------------------------- grid
def _kpi_list(kpis: Sequence[str] | str | None, default: Sequence[str]) -> list[str]:
    chosen = list(default if kpis is None else [kpis] if isinstance(kpis, str) else kpis)
    unknown = [k for k in chosen if k not in catalogue.BY_NAME]
    if unknown or not chosen:
        raise ValueError(f"unknown KPI names {unknown}; see iopsim.analysis.catalogue.CATALOGUE")
    return chosen


def grid(baseline: Scenario | None, parameters: Mapping[str, Sequence[Any]], *, reps: int = 10, seed: Any = 0,
         kpis: Sequence[str] | None = None, workers: int | None = None, scheduler: Any = None,
         progress: Any = None) -> pd.DataFrame:
    """Every combination of parameter values, on the same seeds: a wide table, one row per combination.

    parameters: ``{"group.parameter": [values, ...], ...}``.  kpis: default ``catalogue.HEADLINE``.
    Columns: one per parameter path (its value), then for each KPI ``<kpi>_mean``,
    ``<kpi>_ci_low``, ``<kpi>_ci_high`` (95% t interval over replications), then ``reps``.
    Rows follow ``itertools.product`` order (the last parameter varies fastest).
    ``frame.attrs`` holds "kpis", "parameters", "seed" and "reps".
    """
    baseline = Scenario() if baseline is None else baseline
    if not parameters:
        raise ValueError("grid needs at least one parameter with a list of values")
    paths = list(parameters)
    values = [list(v) if not isinstance(v, (str, bytes)) and isinstance(v, Sequence) else None
              for v in parameters.values()]
    bad = [p for p, v in zip(paths, values) if not v]
    if bad:
        raise ValueError(f"give each parameter a non-empty list of values; check {bad}")
    chosen = _kpi_list(kpis, catalogue.HEADLINE)
    check_reps(reps, "reps")
    check_tasks(math.prod(len(v) for v in values), reps)  # before a scenario is built for each combination
    combos = list(itertools.product(*values))
    scenarios = []
    for combo in combos:
        changes = dict(zip(paths, combo))
        scenarios.append(baseline.replace(**changes, name=_grid_name(baseline.name, changes)))
    experiments = run_scenarios(scenarios, reps=reps, seed=seed, workers=workers, scheduler=scheduler,
                                progress=progress, desc="grid")
    rows = []
    for combo, exp in zip(combos, experiments):
        row: dict[str, Any] = dict(zip(paths, combo))
        for k in chosen:
            mean, _, low, high, _ = t_interval(exp.per_rep[k].to_numpy(dtype=float)) if k in exp.per_rep \
                else (math.nan,) * 5
            row[f"{k}_mean"], row[f"{k}_ci_low"], row[f"{k}_ci_high"] = mean, low, high
        row["reps"] = exp.reps
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs.update(kpis=chosen, parameters=paths, seed=seed, reps=reps)
    return frame


def _grid_name(base: str, changes: Mapping[str, Any]) -> str:
    return f"{base} [{_changes_name(changes)}]"[:120]


# --------------------------------------------------------------------------- sensitivity
def sensitivity(baseline: Scenario | None, ranges: Mapping[str, tuple[Any, Any]], *,
                kpi: str = "wait_referral_to_assessment_median_days", reps: int = 10, seed: Any = 0,
                workers: int | None = None, scheduler: Any = None, progress: Any = None) -> pd.DataFrame:
    """One-at-a-time sensitivity of one KPI: each parameter set to its low and its high value.

    ranges: ``{"group.parameter": (low, high), ...}``; every other parameter stays at the baseline.
    All scenarios share seeds.  Returns one row per parameter, sorted by swing (largest first,
    ready for a tornado chart): parameter, value_low, value_high, value_baseline, kpi_low,
    kpi_high (mean KPI at the low/high value), baseline (mean KPI at the baseline), swing
    (|kpi_high − kpi_low|).  ``frame.attrs`` holds "kpi", "unit", "seed" and "reps".
    """
    baseline = Scenario() if baseline is None else baseline
    if not ranges:
        raise ValueError("sensitivity needs at least one parameter with a (low, high) pair")
    (kpi,) = _kpi_list(kpi, ())
    for path, pair in ranges.items():
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValueError(f"give {path} a (low, high) pair, got {pair!r}")
    check_reps(reps, "reps")
    check_tasks(1 + 2 * len(ranges), reps)
    scenarios = [baseline]
    for path, (low, high) in ranges.items():
        for value in (low, high):
            scenarios.append(baseline.replace(**{path: value}, name=_grid_name(baseline.name, {path: value})))
    experiments = run_scenarios(scenarios, reps=reps, seed=seed, workers=workers, scheduler=scheduler,
                                progress=progress, desc="sensitivity")

    def mean(exp: Experiment) -> float:
        return t_interval(exp.per_rep[kpi].to_numpy(dtype=float))[0] if kpi in exp.per_rep else math.nan

    base_value = mean(experiments[0])
    rows = []
    for j, (path, (low, high)) in enumerate(ranges.items()):
        k_low, k_high = mean(experiments[1 + 2 * j]), mean(experiments[2 + 2 * j])
        rows.append({"parameter": path, "value_low": low, "value_high": high,
                     "value_baseline": paths.read(baseline.to_dict(), path), "kpi_low": k_low, "kpi_high": k_high,
                     "baseline": base_value, "swing": abs(k_high - k_low)})
    frame = pd.DataFrame(rows).sort_values("swing", ascending=False, na_position="last", ignore_index=True)
    frame.attrs.update(kpi=kpi, unit=catalogue.unit(kpi), seed=seed, reps=reps)
    return frame


__all__ = ["Comparison", "compare", "grid", "sensitivity", "run_scenarios", "unique_names"]
