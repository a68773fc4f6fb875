"""Relapse after IOP: Kaplan-Meier follow-up from discharge, by discharge code (notebook 04).

See ``iopsim.course.chart_basics`` for what every chart returns.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd

from iopsim.analysis import monitors
from iopsim.analysis.kpis import followed_after_discharge
from iopsim.core.eventlog import Columns
from iopsim.course.chart_basics import MONTH, new_figure, percent, reporting_window
from iopsim.present.plots import OKABE_ITO as C, STYLE, Chart


# --------------------------------------------------------------------------- relapse after discharge
OUTCOME_NAMES = {"completed": "completed", "transferred": "transferred (stepped down early)",
                 "dropped_out": "dropped out", "terminated": "terminated", "other": "other"}


def relapse_followup(events: pd.DataFrame, scenario, *, by_outcome: bool = True) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each IOP discharge in the window (not stepped up): days followed and whether a relapse came.

    The same follow-up as the relapse KPIs (``kpis``): from discharge to the first relapse, or
    to the end of the run.  Grouped by discharge code when `by_outcome`, else one group 'all'.
    """
    start, end = reporting_window(scenario)
    log = Columns.from_frame(events)
    d = log.rows_of("iop_discharge")
    d = d[(log.time[d] >= start) & (log.time[d] < end)]
    duration, relapsed, code = followed_after_discharge(log, d, float(end))
    if not by_outcome:
        return {"all": (duration, relapsed)}
    return {OUTCOME_NAMES[c]: (duration[code == c], relapsed[code == c]) for c in OUTCOME_NAMES if (code == c).any()}


def pool(followups: Sequence[Mapping[str, tuple[np.ndarray, np.ndarray]]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Follow-ups of several replications joined group by group (more clients, smoother curves)."""
    out: dict[str, tuple[list, list]] = {}
    for f in followups:
        for name, (duration, relapsed) in f.items():
            out.setdefault(name, ([], []))
            out[name][0].append(duration)
            out[name][1].append(relapsed)
    return {name: (np.concatenate(d), np.concatenate(r)) for name, (d, r) in out.items()}


def relapse_curve(duration: np.ndarray, relapsed: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Kaplan-Meier share relapsed by each of `days` (NaN once nobody is followed that long)."""
    return np.array([monitors.kaplan_meier_failure(duration, relapsed, float(t)) for t in days])


def relapse_curves(groups: Mapping[str, tuple[np.ndarray, np.ndarray]], *, days: int = 365,
                   title: str = "Share relapsed since leaving IOP") -> Chart:
    """Kaplan-Meier relapse curves, one per group, with the published 40-60% at one year marked."""
    grid = np.arange(0, days + 1, 3)
    colours = [C["bluish_green"], C["vermillion"], C["blue"], C["orange"], C["reddish_purple"], C["black"]]
    styles = ["-", "--", "-.", ":", "-", "--"]
    parts = []
    with mpl.rc_context(STYLE):
        fig = new_figure(4.8)
        ax = fig.subplots()
        ax.fill_between([days - 8, days + 8], 0.4, 0.6, color="#DDDDDD", zorder=0)
        ax.text(days - 12, 0.5, "published: 40-60% of treated\nclients relapse within a year \u2192", ha="right",
                va="center", fontsize=12)
        for i, (name, (duration, relapsed)) in enumerate(groups.items()):
            curve = relapse_curve(duration, relapsed, grid)
            ax.plot(grid, curve, styles[i % 6], color=colours[i % 6], linewidth=2.5, label=f"{name} (n={len(duration)})")
            at = [monitors.kaplan_meier_failure(duration, relapsed, m * MONTH) for m in (3, 6, 12)]
            parts.append(f"{name} (n={len(duration)}): {percent(at[0])} by 3 months, {percent(at[1])} by 6, {percent(at[2])} by 12")
        ax.set_xlim(0, days + 10)
        ax.set_ylim(0, 1)
        ax.set_xticks([0, 91, 182, 273, 365] if days >= 365 else ax.get_xticks())
        ax.set_xticklabels(["0", "3", "6", "9", "12"] if days >= 365 else ax.get_xticklabels())
        ax.set_xlabel("months since leaving IOP")
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
        ax.legend(frameon=False, loc="upper left")
        ax.set_title(title, loc="left")
    return Chart(fig, f"{title}: " + "; ".join(parts) + ".")
