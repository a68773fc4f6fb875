"""The lab's tables and sentences: a run's key results, a comparison side by side, a sweep.

The rows are built here from the catalogue's labels and ``iopsim.core.formatting``; the markup
is in the templates ``lab_summary.html``, ``lab_comparison.html`` and ``lab_sweep.html``
(``iopsim.present.html``, escaped).
"""

from __future__ import annotations

from typing import Any

from iopsim.analysis.catalogue import label, unit
from iopsim.analysis.stats import reading
from iopsim.core.formatting import format_interval, format_value, number, unit_label
from iopsim.present import html
from iopsim.present.html import Cell, Row
from iopsim.present.text_tables import unit_of


def run_words(exp: Any) -> str:
    """'Results for "X": 10 replications (seed 1), each 365 days after a 91-day warm-up.'"""
    run = exp.scenario.run
    text = (f"Results for '{exp.scenario.name}': {exp.reps} replications (seed {exp.seed}), each "
            f"{number(run.horizon_days)} days after a {number(run.warm_up_days)}-day warm-up.")
    if exp.reps < 5:
        text += " With so few replications the intervals are wide: use 10 or more before deciding anything."
    return text


def summary_table(summary: Any, names: Any) -> str:
    """KPI, mean, 95% interval and unit, as an HTML table."""
    rows = []
    for name in names:
        r = summary.loc[name]
        shown = unit_of(summary, name)
        rows.append(Row(label(name), [Cell(format_value(r["mean"], shown)),
                                      Cell(format_interval(r["ci_low"], r["ci_high"], shown)),
                                      Cell(unit_label(shown), "")]))
    return html.render("lab_summary.html", rows=rows)


def comparison_table(cmp: Any, names: Any) -> str:
    """Side by side: each scenario's mean, and each alternative's paired difference from the baseline."""
    experiments = dict(cmp.experiments)
    scenarios = [str(n) for n in experiments]
    baseline = experiments[next(iter(experiments))].summary
    rows = []
    for name in names:
        shown = unit_of(baseline, name)
        cells = [Cell(format_value(e.summary.loc[name]["mean"], shown)) for e in experiments.values()]
        for alternative in list(experiments)[1:]:
            d = cmp.differences.loc[(alternative, name)]
            kind, words = reading(d, name)
            change = (f"{format_value(d['mean_diff'], shown, signed=True)} "
                      f"({format_interval(d['ci_low'], d['ci_high'], shown, signed=True, with_unit=False)})")
            cells.append(Cell(change, f"num {kind}" if kind in ("better", "worse") else "num", words))
        rows.append(Row(label(name), cells))
    differences = [f"{n} minus {scenarios[0]} (95% interval)" for n in scenarios[1:]]
    return html.render("lab_comparison.html", names=scenarios, differences=differences, rows=rows)


def sweep_table(table: Any, words: str) -> str:
    """One row per lever value: seats, and each swept KPI's mean with its 95% interval below it."""
    names = [c[:-len("_mean")] for c in table.columns if c.endswith("_mean")]
    rows = [Row(str(int(r[words])), [Cell(str(int(r["seats"]))), *(
        Cell(format_value(r[n + "_mean"], unit(n)), "num",
             format_interval(r[n + "_ci_low"], r[n + "_ci_high"], unit(n))) for n in names)])
            for _, r in table.iterrows()]
    return html.render("lab_sweep.html", lever=words, labels=[label(n) for n in names], rows=rows)
