"""Relapse after IOP: Kaplan-Meier follow-up from discharge, by discharge code (notebook 04).

The curves are drawn from several replications: the mean of their Kaplan-Meier curves, in a 95% band.

See ``iopsim.course.chart_basics`` for what every chart returns.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd

from iopsim.analysis import monitors
from iopsim.analysis.kpis import followed_after_discharge
from iopsim.analysis.stats import t_interval
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


def by_group(followups: Sequence[Mapping[str, tuple[np.ndarray, np.ndarray]]]
             ) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Follow-ups of several replications, group by group: {group: [(duration, relapsed) of each replication]}."""
    out: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for f in followups:
        for name, followed in f.items():
            out.setdefault(name, []).append(followed)
    return out


def relapse_curve(duration: np.ndarray, relapsed: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Kaplan-Meier share relapsed by each of `days` (NaN once nobody is followed that long)."""
    return np.array([monitors.kaplan_meier_failure(duration, relapsed, float(t)) for t in days])


def relapse_band(replications: Sequence[tuple[np.ndarray, np.ndarray]], days
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, low, high) at each of `days`: the mean of the replications' Kaplan-Meier curves and its 95%
    interval, one replication one observation (as every KPI's interval, ``stats.t_interval``)."""
    days = np.atleast_1d(np.asarray(days, dtype=float))
    curves = np.array([relapse_curve(duration, relapsed, days) for duration, relapsed in replications])
    intervals = [t_interval(curves[:, j]) for j in range(days.size)]
    mean, _sd, low, high, _n = (np.array(column) for column in zip(*intervals))
    return mean, low, high


def relapse_curves(groups: Mapping[str, Sequence[tuple[np.ndarray, np.ndarray]]], *, days: int = 365,
                   title: str = "Share relapsed since leaving IOP") -> Chart:
    """Kaplan-Meier relapse curves with 95% bands over the replications, one per group ({group: [(duration,
    relapsed) of each replication]}, as ``by_group`` gives), with the published 40-60% at one year marked."""
    grid = np.arange(0, days + 1, 3)
    colours = [C["bluish_green"], C["vermillion"], C["blue"], C["orange"], C["reddish_purple"], C["black"]]
    styles = ["-", "--", "-.", ":", "-", "--"]
    parts = []
    with mpl.rc_context(STYLE):
        fig = new_figure(4.8)
        ax = fig.subplots()
        ax.fill_between([days - 8, days + 8], 0.4, 0.6, color="#DDDDDD", zorder=0)
        ax.annotate("published: 40-60% of treated\nclients relapse within a year", xy=(days - 9, 0.42),
                    xytext=(days - 14, 0.2), ha="right", va="center", fontsize=12,
                    arrowprops={"arrowstyle": "->", "color": "black"})  # below the curves' bands
        for i, (name, replications) in enumerate(groups.items()):
            clients = sum(len(duration) for duration, _ in replications)
            mean, low, high = relapse_band(replications, grid)
            colour = colours[i % 6]
            ax.fill_between(grid, low, high, color=colour, alpha=0.2, linewidth=0)
            ax.plot(grid, mean, styles[i % 6], color=colour, linewidth=2.5, label=f"{name} (n={clients})")
            at = zip(*relapse_band(replications, [m * MONTH for m in (3, 6, 12)]))
            shown = [f"{percent(m)} ({percent(lo)} to {percent(hi)})" for m, lo, hi in at]
            parts.append(f"{name} (n={clients}): {shown[0]} by 3 months, {shown[1]} by 6, {shown[2]} by 12")
        ax.set_xlim(0, days + 10)
        ax.set_ylim(0, 1)
        ax.set_xticks([0, 91, 182, 273, 365] if days >= 365 else ax.get_xticks())
        ax.set_xticklabels(["0", "3", "6", "9", "12"] if days >= 365 else ax.get_xticklabels())
        ax.set_xlabel("months since leaving IOP")
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
        ax.legend(frameon=False, loc="upper left")
        ax.set_title(title, loc="left")
    reps = max(len(r) for r in groups.values()) if groups else 0
    return Chart(fig, f"{title} (mean of {reps} simulated runs, with 95% intervals): " + "; ".join(parts) + ".")
