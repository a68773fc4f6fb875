"""Programs side by side: one small bar chart per KPI, one bar per program (notebooks 03 to 05).

See ``iopsim.course.chart_basics`` for what every chart returns.
"""

from __future__ import annotations

import math
from typing import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd

from iopsim.analysis.catalogue import label, unit as unit_of
from iopsim.core.formatting import format_value
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
                for xi, v in zip(x, values):
                    ax.text(xi, v * scale, format_value(v, unit, with_unit=False), ha="center", va="bottom", fontsize=12)
                texts += [f"{f}{', ' + str(second) if two else ''} {format_value(v, unit)}" for f, v in zip(firsts, values)]
            ax.set_xticks(range(len(firsts)), [str(f) for f in firsts])
            ax.set_title(label(kpi) + (" (%)" if unit == "share" else f" ({unit})" if unit else ""), loc="left",
                         fontsize=FONT)
            top = np.nanmax(table[kpi].to_numpy(float) * scale) if len(table) else 1
            ax.set_ylim(0, (top if math.isfinite(top) and top > 0 else 1) * 1.25)
            parts.append(f"{label(kpi)}: " + ", ".join(texts))
        for ax in axes[len(kpis):]:
            ax.set_axis_off()
        if two:
            fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=len(seconds),
                       frameon=False)
        fig.suptitle(title, x=0.01, ha="left", fontsize=FONT + 2)
    return Chart(fig, f"{title}: " + "; ".join(parts) + ".")
