"""Schedule arithmetic and who an evening track keeps: designing the week (notebook 03).

See ``iopsim.course.chart_basics`` for what every chart returns.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd

from iopsim.analysis.stats import t_interval
from iopsim.core.eventlog import Columns
from iopsim.course.chart_basics import new_figure, percent, reporting_window
from iopsim.present.plots import OKABE_ITO as C, STYLE, Chart


# --------------------------------------------------------------------------- schedule arithmetic
def schedule_arithmetic(schedules: Mapping[str, tuple[int, float]], *, target_hours: float, attendance: float,
                        seats: int) -> pd.DataFrame:
    """For each schedule (days a week, hours a day): hours a week, weeks to reach `target_hours`
    of group treatment at the given attendance, seats turned over a year and clients a year.

    Plain arithmetic (no simulation): a client attending a share `attendance` of sessions gets
    days x hours x attendance hours a week; a seat held for W weeks serves 52 / W clients a year.
    """
    rows = []
    for name, (days, hours) in schedules.items():
        weekly = days * hours
        weeks = target_hours / (weekly * attendance)
        rows.append({"schedule": name, "days_per_week": days, "hours_per_day": hours, "hours_per_week": weekly,
                     "weeks_needed": weeks, "turnover_per_seat_per_year": 52 / weeks,
                     "clients_per_year": seats * 52 / weeks})
    return pd.DataFrame(rows).set_index("schedule")


def schedule_chart(table: pd.DataFrame, *, target_hours: float) -> Chart:
    """Weeks needed to reach a dose, and clients a year the seats can then serve, per schedule."""
    names = list(table.index)
    with mpl.rc_context(STYLE):
        fig = new_figure(4.2)
        left, right = fig.subplots(1, 2)
        for ax, column, colour, title, fmt in (
                (left, "weeks_needed", C["blue"], f"Weeks to reach {target_hours:g} hours", "{:.1f}"),
                (right, "clients_per_year", C["bluish_green"], "Clients a year the seats serve", "{:.0f}")):
            values = table[column].to_numpy(float)
            ax.barh(names, values, color=colour, height=0.6)
            for y, v in enumerate(values):
                ax.text(v, y, " " + fmt.format(v), va="center", ha="left", fontsize=13)
            ax.invert_yaxis()
            ax.set_xlim(0, values.max() * 1.25)
            ax.set_title(title, loc="left")
        right.set_yticks(range(len(names)), [""] * len(names))
    parts = [f"{name} ({row.hours_per_week:g} h/week): {row.weeks_needed:.1f} weeks, {row.clients_per_year:.0f} clients a year"
             for name, row in table.iterrows()]
    return Chart(fig, f"To give each client {target_hours:g} hours of groups: " + "; ".join(parts) + ".")


# --------------------------------------------------------------------------- who the evening track keeps
def work_losses(events: pd.DataFrame, scenario) -> pd.DataFrame:
    """Clients who joined the IOP waitlist in the window, by whether they work or study by day.

    Rows 'works or studies by day' (waiting for an evening seat) and 'free in the day'; columns
    joined, admitted, gave_up (left the waitlist: gave up, or relapsed while waiting and left),
    still_waiting, and gave_up_share.
    """
    start, end = reporting_window(scenario)
    log = Columns.from_frame(events)
    j = log.rows_of("waitlist_join")
    j = j[(log.time[j] >= start) & (log.time[j] < end)]
    evening = log.resource[j] == "evening"
    admitted = np.isin(log.key[j], log.key[log.rows_of("admitted")])
    exits = log.rows_of("exit")
    gave_up = np.isin(log.key[j], log.key[exits[log.stage[exits] == "waitlist"]])  # gave up, or relapsed and left
    rows = {}
    for name, mask in (("works or studies by day", evening), ("free in the day", ~evening)):
        joined = int(mask.sum())
        rows[name] = {"joined": joined, "admitted": int((admitted & mask).sum()), "gave_up": int((gave_up & mask).sum()),
                      "still_waiting": int((mask & ~admitted & ~gave_up).sum())}
        rows[name]["gave_up_share"] = rows[name]["gave_up"] / joined if joined else math.nan
    return pd.DataFrame.from_dict(rows, orient="index")


def loss_shares(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """``work_losses`` of several replications: per group, clients who joined and who gave up (totals),
    and the share who gave up as the mean of the replications' shares with its 95% interval
    (``stats.t_interval``: one replication, one observation)."""
    groups = list(tables[0].index)
    rows = {}
    for g in groups:
        share, _sd, low, high, _n = t_interval([t.loc[g, "gave_up_share"] for t in tables])
        rows[g] = {"joined": int(sum(t.loc[g, "joined"] for t in tables)),
                   "gave_up": int(sum(t.loc[g, "gave_up"] for t in tables)),
                   "gave_up_share": share, "gave_up_share_low": low, "gave_up_share_high": high}
    return pd.DataFrame.from_dict(rows, orient="index")


def evening_track(tables: Mapping[str, pd.DataFrame]) -> Chart:
    """Share of waitlisted clients who gave up waiting, by work status, with 95% intervals, for each program
    (e.g. with/without evening track; each table as ``loss_shares`` gives it)."""
    programs = list(tables)
    groups = list(next(iter(tables.values())).index)
    colours = [C["blue"], C["orange"], C["bluish_green"], C["vermillion"]]
    with mpl.rc_context(STYLE):
        fig = new_figure(4.4)
        ax = fig.subplots()
        width = 0.8 / len(programs)
        for i, program in enumerate(programs):
            t = tables[program].loc[groups]
            shares, low, high = (t[c].to_numpy(float) for c in ("gave_up_share", "gave_up_share_low",
                                                                   "gave_up_share_high"))
            x = np.arange(len(groups)) + (i - (len(programs) - 1) / 2) * width
            ax.bar(x, shares, width * 0.95, color=colours[i % len(colours)], label=program,
                   hatch=("", "//", "..", "xx")[i % 4], edgecolor="white")
            ax.errorbar(x, shares, yerr=[np.nan_to_num(shares - low), np.nan_to_num(high - shares)], fmt="none",
                        ecolor="black", capsize=5, linewidth=1.5)
            for xi, s, top in zip(x, shares, np.fmax(high, shares)):
                ax.text(xi, top + 0.01, percent(s), ha="center", va="bottom", fontsize=13)
        ax.set_xticks(range(len(groups)), groups)
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
        ax.set_ylabel("left the waitlist")
        ax.set_ylim(0, 1.15)
        ax.legend(frameon=False, loc="upper right")
        ax.set_title("Share of waitlisted clients who left before a seat", loc="left")
    parts = []
    for program in programs:
        t = tables[program]
        parts.append(f"{program}: " + ", ".join(
            f"{g} {percent(t.loc[g, 'gave_up_share'])} ({percent(t.loc[g, 'gave_up_share_low'])} to "
            f"{percent(t.loc[g, 'gave_up_share_high'])}; {t.loc[g, 'gave_up']} of {t.loc[g, 'joined']})" for g in groups))
    return Chart(fig, "Left the waitlist before a seat (gave up, or relapsed and left), mean of the simulated runs "
                      "with 95% intervals: " + "; ".join(parts) + ".")
