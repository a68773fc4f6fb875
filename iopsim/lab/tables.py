"""The lab's HTML tables and sentences: a run's key results, a comparison side by side, a sweep.

Every value goes through `iopsim.present.report`'s formatters and is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from iopsim.analysis.kpis import BY_NAME
from iopsim.present.report import direction_words, format_interval, format_value, label, unit_label


def run_words(exp: Any) -> str:
    """'Results for "X": 10 replications (seed 1), each 365 days after a 91-day warm-up.'"""
    run = exp.scenario.run
    text = (f"Results for '{exp.scenario.name}': {exp.reps} replications (seed {exp.seed}), each "
            f"{run.horizon_days:g} days after a {run.warm_up_days:g}-day warm-up.")
    if exp.reps < 5:
        text += " With so few replications the intervals are wide: use 10 or more before deciding anything."
    return text


def summary_table(summary: Any, names: Any) -> str:
    """KPI, mean, 95% interval and unit, as an HTML table."""
    rows = []
    for name in names:
        r = summary.loc[name]
        unit = str(r.get("unit", ""))
        rows.append(f"<tr><td>{escape(label(name))}</td><td class='num'>{escape(format_value(r['mean'], unit))}</td>"
                    f"<td class='num'>{escape(format_interval(r['ci_low'], r['ci_high'], unit))}</td>"
                    f"<td>{escape(unit_label(unit))}</td></tr>")
    return ("<table class='iop-table'><thead><tr><th>Measure</th><th>Mean</th><th>95% interval</th><th>Unit</th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def comparison_table(cmp: Any, names: Any) -> str:
    """Side by side: each scenario's mean, and each alternative's paired difference from the baseline."""
    experiments = dict(cmp.experiments)
    scenario_names = list(experiments)
    head = "".join(f"<th>{escape(str(n))}</th>" for n in scenario_names)
    head += "".join(f"<th>{escape(str(n))} minus {escape(scenario_names[0])} (95% interval)</th>"
                    for n in scenario_names[1:])
    rows = []
    for name in names:
        unit = str(experiments[scenario_names[0]].summary.loc[name].get("unit", ""))
        cells = [f"<td class='num'>{escape(format_value(e.summary.loc[name]['mean'], unit))}</td>"
                 for e in experiments.values()]
        for alternative in scenario_names[1:]:
            d = cmp.differences.loc[(alternative, name)]
            words = direction_words(d, name)
            css = "better" if words == "better" else "worse" if words == "worse" else ""
            cells.append(f"<td class='num'>{escape(format_value(d['mean_diff'], unit, signed=True))} "
                         f"({escape(format_interval(d['ci_low'], d['ci_high'], unit, signed=True, with_unit=False))})"
                         f" <span class='{css}'>{escape(words)}</span></td>")
        rows.append(f"<tr><td>{escape(label(name))}</td>{''.join(cells)}</tr>")
    return (f"<div style='overflow-x:auto'><table class='iop-table'><thead><tr><th>Measure</th>{head}</tr></thead>"
            "<tbody>" + "".join(rows) + "</tbody></table></div>")


def sweep_table(table: Any, words: str) -> str:
    """One row per lever value: seats, and each swept KPI's mean with its 95% interval below it."""
    names = [c[:-len("_mean")] for c in table.columns if c.endswith("_mean")]
    head = "".join(f"<th>{escape(label(n))}</th>" for n in names)
    rows = []
    for _, r in table.iterrows():
        cells = "".join(
            f"<td class='num'>{escape(format_value(r[n + '_mean'], BY_NAME[n].unit))}<br><small>"
            f"{escape(format_interval(r[n + '_ci_low'], r[n + '_ci_high'], BY_NAME[n].unit))}</small></td>"
            for n in names)
        rows.append(f"<tr><td class='num'>{int(r[words])}</td><td class='num'>{int(r['seats'])}</td>{cells}</tr>")
    return (f"<table class='iop-table'><thead><tr><th>{escape(words)}</th><th>Seats</th>{head}</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table><p class='iop-hint'>Each cell: mean, and below it the 95% "
              "interval.</p>")
