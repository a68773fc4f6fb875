"""Programs side by side: one small bar chart per KPI, one bar per program (notebooks 03 to 05).

See ``iopsim.course.chart_basics`` for what every chart returns.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd

from iopsim.analysis.catalogue import label, unit as unit_of
from iopsim.analysis.comparison import run_scenarios
from iopsim.core.formatting import format_interval, format_value
from iopsim.core.scenario import Scenario
from iopsim.course.chart_basics import new_figure
from iopsim.present.plots import FONT, OKABE_ITO as C, STYLE, Chart


# --------------------------------------------------------------------------- comparing programs
def kpi_bars(table: pd.DataFrame, kpis: Sequence[str], *, title: str) -> Chart:
    """One small bar chart per KPI, one bar per program (rows of `table`: program -> KPI means).

    With a two-level index (e.g. program length x demand) bars are grouped by the first level
    and coloured by the second.  Shares show as percentages.
    """
    two = isinstance(table.index, pd.MultiIndex)
    firsts = list(dict.fromkeys(table.index.get_level_values(0))) if two else list(table.index)
    seconds = list(dict.fromkeys(table.index.get_level_values(1))) if two else [None]
    colours = [C["blue"], C["orange"], C["bluish_green"], C["vermillion"], C["reddish_purple"], C["sky_blue"]]
    hatches = ["", "//", "..", "xx"]
    ncol = min(len(kpis), 2)
    nrow = math.ceil(len(kpis) / ncol)
    parts = []
    with mpl.rc_context(STYLE):
        fig = new_figure(0.6 + 3.0 * nrow)
        axes = np.atleast_1d(fig.subplots(nrow, ncol)).ravel()
        for ax, kpi in zip(axes, kpis):
            unit = unit_of(kpi)
            scale = 100.0 if unit == "share" else 1.0
            width = 0.8 / len(seconds)
            texts = []
            for j, second in enumerate(seconds):
                values = [float(table.loc[(f, second) if two else f, kpi]) for f in firsts]
                x = np.arange(len(firsts)) + (j - (len(seconds) - 1) / 2) * width
                colour = colours[j % 6] if two else [colours[i % 6] for i in range(len(firsts))]
                ax.bar(x, np.array(values) * scale, width * 0.95, color=colour, hatch=hatches[j % 4] if two else None,
                       edgecolor="white", label=str(second) if two else None)
                if f"{kpi}_low" in table:  # 95% intervals, where the table has them
                    low = [float(table.loc[(f, second) if two else f, f"{kpi}_low"]) for f in firsts]
                    high = [float(table.loc[(f, second) if two else f, f"{kpi}_high"]) for f in firsts]
                    ax.errorbar(x, np.array(values) * scale, fmt="none", ecolor="black", capsize=4,
                                yerr=[np.nan_to_num(np.subtract(values, low)) * scale,
                                      np.nan_to_num(np.subtract(high, values)) * scale])
                tops = ([float(table.loc[(f, second) if two else f, f"{kpi}_high"]) for f in firsts]
                        if f"{kpi}_high" in table else values)  # a label sits above its interval
                for xi, v, top in zip(x, values, tops):
                    ax.text(xi, np.nan_to_num(max(v, top)) * scale, format_value(v, unit, with_unit=False), ha="center",
                            va="bottom", fontsize=12)
                texts += [f"{f}{', ' + str(second) if two else ''} {format_value(v, unit)}" for f, v in zip(firsts, values)]
            ax.set_xticks(range(len(firsts)), [str(f) for f in firsts])
            ax.set_title(label(kpi) + (" (%)" if unit == "share" else f" ({unit})" if unit else ""), loc="left",
                         fontsize=FONT)
            top = np.nanmax(table[f"{kpi}_high" if f"{kpi}_high" in table else kpi].to_numpy(float) * scale) \
                if len(table) else 1
            ax.set_ylim(0, (top if math.isfinite(top) and top > 0 else 1) * 1.25)
            parts.append(f"{label(kpi)}: " + ", ".join(texts))
        for ax in axes[len(kpis):]:
            ax.set_axis_off()
        if two:
            fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=len(seconds),
                       frameon=False)
        fig.suptitle(title, x=0.01, ha="left", fontsize=FONT + 2)
    return Chart(fig, f"{title}: " + "; ".join(parts) + ".")


# --------------------------------------------------------------------------- programs with intervals
def kpi_intervals(scenarios: Mapping[Any, Scenario], kpis: Sequence[str], *, reps: int, seed: Any = 0,
                  progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Each program's KPI means and 95% intervals (columns ``kpi``, ``kpi_low``, ``kpi_high``), same seeds for all.

    Keys of ``scenarios`` become the index (tuples make a two-level index, e.g. length x demand).
    """
    experiments = run_scenarios(list(scenarios.values()), reps=reps, seed=seed, workers=1, scheduler=None,
                                progress=progress or False)
    rows = []
    for e in experiments:
        summary = e.summary
        row = {}
        for kpi in kpis:
            row.update({kpi: summary.loc[kpi, "mean"], f"{kpi}_low": summary.loc[kpi, "ci_low"],
                        f"{kpi}_high": summary.loc[kpi, "ci_high"]})
        rows.append(row)
    keys = list(scenarios)
    index = pd.MultiIndex.from_tuples(keys) if keys and isinstance(keys[0], tuple) else pd.Index(keys)
    return pd.DataFrame(rows, index=index)


def kpi_table(table: pd.DataFrame, kpis: Sequence[str]) -> pd.DataFrame:
    """The table a reader sees: one column per KPI in words, each cell 'mean (low to high)' in its unit."""
    cells = {}
    for kpi in kpis:
        unit = unit_of(kpi)
        cells[label(kpi)] = [f"{format_value(row[kpi], unit)} ({format_interval(row[f'{kpi}_low'], row[f'{kpi}_high'], unit, with_unit=False)})"
                             for _, row in table.iterrows()]
    out = pd.DataFrame(cells, index=table.index)
    if isinstance(out.index, pd.MultiIndex):
        out.index = [", ".join(str(part) for part in key) for key in out.index]
    return out


DOSE_KPIS = ("admissions_per_year", "wait_to_start_mean_days", "treatment_hours_mean", "relapse_12m_after_discharge")


def dose_chart(table: pd.DataFrame) -> Chart:
    """Notebook 05's chart (program length x demand) with a short summary: what the long plan costs and gives."""
    figure, _ = kpi_bars(table, DOSE_KPIS, title="Dose versus access")
    lengths = list(dict.fromkeys(table.index.get_level_values(0)))
    short, long = lengths[0], lengths[-1]
    parts = []
    for demand in dict.fromkeys(table.index.get_level_values(1)):
        a, b = table.loc[(short, demand)], table.loc[(long, demand)]
        parts.append(f"at {demand}, the {long} plan admits {a.admissions_per_year - b.admissions_per_year:.0f} fewer a "
                     f"year than the {short} one, with {b.wait_to_start_mean_days - a.wait_to_start_mean_days:+.1f} "
                     f"days of waiting and {b.treatment_hours_mean - a.treatment_hours_mean:+.0f} hours of treatment "
                     f"per client")
    return Chart(figure, "Dose versus access: " + "; ".join(parts) + ".")
