"""The lab's tables and sentences: a run's key results, a comparison side by side, a sweep.

The rows are built here from the catalogue's labels and ``iopsim.core.formatting``; the markup
is in the templates ``lab_summary.html``, ``lab_comparison.html`` and ``lab_sweep.html``
(``iopsim.present.html``, escaped).
"""

from __future__ import annotations

from typing import Any

from iopsim.analysis.catalogue import label, unit
from iopsim.core.formatting import format_interval, format_value, number, unit_label
from iopsim.present import html
from iopsim.present.html import Cell, Row
from iopsim.present.report import comparison_rows
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
    """Side by side, one column per scenario: each mean, and under each alternative's its paired change
    from the baseline (rows as the report's, ``report.comparison_rows``), narrow enough for five columns."""
    scenarios = [str(n) for n in dict(cmp.experiments)]
    return html.render("lab_comparison.html", names=scenarios, rows=comparison_rows(cmp, names))


def sweep_table(table: Any, words: str) -> str:
    """One row per lever value: seats, and each swept KPI's mean with its 95% interval below it."""
    names = [c[:-len("_mean")] for c in table.columns if c.endswith("_mean")]
    rows = [Row(str(int(r[words])), [Cell(str(int(r["seats"]))), *(
        Cell(format_value(r[n + "_mean"], unit(n)), "num",
             format_interval(r[n + "_ci_low"], r[n + "_ci_high"], unit(n))) for n in names)])
            for _, r in table.iterrows()]
    return html.render("lab_sweep.html", lever=words, labels=[label(n) for n in names], rows=rows)
