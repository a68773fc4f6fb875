"""One program against another on the same random clients: what changed, and what is within noise.

The course panels (notebooks 02 to 05) compare a starting program with the trainee's settings.
A single run cannot tell a change from luck, so every comparison here is paired replications
(replication i of both programs meets the same clients, as in ``iopsim.compare``) and every
number comes with its 95% interval; a change whose interval holds 0 is called "no clear change".

    result = change_charts.paired(base, {"yours": scenario}, reps=4, seed=1)
    change_charts.change_bars(result, KPIS, title="...")      # a Chart: (figure, summary)
    change_charts.change(result, "yours", "admissions_per_year")  # the paired difference, a Series

A trainee waits for a panel, so ``refining`` answers first from one replication of each program
(the starting program's replications are kept, so only the trainee's program runs) and then again
with all of them: a first estimate in about a second, the intervals a few seconds later.

See ``iopsim.course.chart_basics`` for what every chart returns.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterator, Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd

from iopsim.analysis.catalogue import label, phrase, unit as unit_of
from iopsim.analysis.comparison import Comparison
from iopsim.analysis.experiment import Experiment, per_rep_frame, replication_seed
from iopsim.analysis.run import simulate
from iopsim.analysis.stats import NO_CLEAR_CHANGE
from iopsim.core.formatting import format_interval, format_value
from iopsim.core.scenario import Scenario
from iopsim.course.chart_basics import new_figure
from iopsim.present.plots import FONT, OKABE_ITO as C, STYLE, Chart


def paired(base: Scenario, alternatives: Mapping[str, Scenario], *, reps: int, seed: Any = 0,
           base_name: str = "built-in program", progress: Callable[[int, int], None] | None = None) -> Comparison:
    """``base`` and each alternative, ``reps`` replications each on the same seeds (paired)."""
    *_, result = refining(base, alternatives, reps=reps, seed=seed, first=reps, base_name=base_name,
                          progress=progress)
    return result


_KEPT: dict[tuple[str, tuple[int, ...]], dict[str, float]] = {}  # (scenario as JSON, seed) -> KPIs of one replication


def replication(scenario: Scenario, seed: Any, rep: int) -> dict[str, float]:
    """The KPIs of replication ``rep`` (the same as replication ``rep`` of ``iopsim.replicate``), kept for reuse."""
    key = (scenario.model_dump_json(), replication_seed(seed, rep))
    if key not in _KEPT:
        _KEPT[key] = simulate(scenario, seed=key[1]).kpis
    return _KEPT[key]


def refining(base: Scenario, alternatives: Mapping[str, Scenario], *, reps: int, seed: Any = 0, first: int = 1,
             base_name: str = "built-in program",
             progress: Callable[[int, int], None] | None = None) -> Iterator[Comparison]:
    """The paired comparison of ``paired``, first from ``first`` replications of each program, then from ``reps``."""
    programs = {base_name: base, **alternatives}
    total, done = reps * len(programs), 0
    results: dict[str, dict[int, dict]] = {name: {} for name in programs}
    for upto in sorted({min(first, reps), reps}):
        for rep in range(upto):
            for name, scenario in programs.items():
                if rep not in results[name]:
                    results[name][rep] = replication(scenario, seed, rep)
                    done += 1
                    if progress is not None:
                        progress(done, total)
        yield Comparison({name: Experiment(programs[name], seed, per_rep_frame(dict(results[name])))
                          for name in programs})


def keep(scenario: Scenario, *, reps: int, seed: Any = 0) -> None:
    """Run and keep a program's replications now (when the notebook runs), so a panel's first answer is quick."""
    for rep in range(reps):
        replication(scenario, seed, rep)


def change(result: Comparison, alternative: str, kpi: str) -> pd.Series:
    """alternative − baseline for one KPI: mean_diff, ci_low, ci_high, direction, the two means."""
    return result.differences.loc[(alternative, kpi)]


def change_words(result: Comparison, alternative: str, kpi: str) -> str:
    """'admissions a year 130 → 141: +11 (+6 to +16)' or '…: no clear change (−1 to +9)'."""
    d = change(result, alternative, kpi)
    unit = unit_of(kpi)
    if d.n < 2:  # a first estimate: no interval yet
        return (f"{phrase(kpi)} {format_value(d.baseline_mean, unit)} → {format_value(d.alternative_mean, unit)} "
                f"({format_value(d.mean_diff, unit, signed=True)}, one replication: no interval yet)")
    interval = format_interval(d.ci_low, d.ci_high, unit, signed=True)
    moved = (f"{format_value(d.mean_diff, unit, signed=True)} ({interval})" if d.direction != NO_CLEAR_CHANGE
             else f"{NO_CLEAR_CHANGE} ({interval})")
    return f"{phrase(kpi)} {format_value(d.baseline_mean, unit)} → {format_value(d.alternative_mean, unit)}: {moved}"


def change_bars(result: Comparison, kpis: Sequence[str], *, title: str) -> Chart:
    """One small panel per KPI: a bar per program with its 95% interval; the panel's title says the change."""
    names = list(result.experiments)
    colours = [C["blue"], C["orange"], C["bluish_green"], C["vermillion"], C["reddish_purple"], C["sky_blue"]]
    ncol = min(len(kpis), 2)
    nrow = math.ceil(len(kpis) / ncol)
    with mpl.rc_context(STYLE):
        fig = new_figure(0.8 + 3.0 * nrow)
        axes = np.atleast_1d(fig.subplots(nrow, ncol)).ravel()
        for ax, kpi in zip(axes, kpis):
            unit = unit_of(kpi)
            scale = 100.0 if unit == "share" else 1.0
            summaries = [result.experiments[n].summary.loc[kpi] for n in names]
            means = np.array([s["mean"] for s in summaries], float) * scale
            low = np.array([s["ci_low"] for s in summaries], float) * scale
            high = np.array([s["ci_high"] for s in summaries], float) * scale
            x = np.arange(len(names))
            ax.bar(x, means, 0.6, color=[colours[i % 6] for i in x], hatch=None, edgecolor="white")
            ax.errorbar(x, means, yerr=[np.nan_to_num(means - low), np.nan_to_num(high - means)], fmt="none",
                        ecolor="black", capsize=6, linewidth=1.5)
            for xi, v, top in zip(x, means, np.nan_to_num(high, nan=0.0)):
                ax.text(xi, max(v, top), format_value(v / scale, unit, with_unit=False), ha="center", va="bottom",
                        fontsize=12)
            ax.set_xticks(x, names)
            moved = [_short_change(result, n, kpi) for n in names[1:]]
            ax.set_title(label(kpi) + (" (%)" if unit == "share" else f" ({unit})" if unit else "") + "\n"
                         + "; ".join(moved), loc="left", fontsize=FONT - 1)
            finite = high[np.isfinite(high)]
            top = max(float(finite.max()) if finite.size else 0.0, float(np.nanmax(means)) if len(means) else 0.0)
            ax.set_ylim(0, (top if top > 0 else 1) * 1.3)
        for ax in axes[len(kpis):]:
            ax.set_axis_off()
        fig.suptitle(title, x=0.01, ha="left", fontsize=FONT + 2)
    reps = min(e.reps for e in result.experiments.values())
    parts = [f"{n}: " + "; ".join(change_words(result, n, k) for k in kpis) for n in names[1:]]
    how = ("a first estimate from 1 replication each; intervals follow" if reps < 2 else
           f"{reps} replications each, on the same clients; 95% intervals")
    return Chart(fig, f"{title} ({how}): " + ". ".join(parts) + ".")


def _short_change(result: Comparison, alternative: str, kpi: str) -> str:
    d = change(result, alternative, kpi)
    if d.n < 2:
        return f"first estimate {format_value(d.mean_diff, unit_of(kpi), signed=True)}"
    if d.direction == NO_CLEAR_CHANGE:
        return NO_CLEAR_CHANGE
    return f"{format_value(d.mean_diff, unit_of(kpi), signed=True)}"
