"""Waitlist, seats and Little's law: how full seats make waits and losses climb (notebook 02).

See ``iopsim.course.chart_basics`` for what every chart returns.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
import pandas as pd

from iopsim.analysis import monitors
from iopsim.analysis.kpis import levels as kpi_levels
from iopsim.core.eventlog import Columns
from iopsim.course.chart_basics import new_figure, number, percent, reporting_window
from iopsim.present.plots import FONT, OKABE_ITO as C, STYLE, Chart


# --------------------------------------------------------------------------- waitlist and seats
def levels(events: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The waitlist and IOP census as step functions (monitors.level), from the log."""
    step = kpi_levels(Columns.from_frame(events))
    return {"waitlist": step["waitlist"], "census": step["census"]}


def waitlist_and_census(events: pd.DataFrame, scenario) -> Chart:
    """The waitlist over time above the number in IOP against the seats; the warm-up shaded."""
    start, end = reporting_window(scenario)
    steps = levels(events)
    seats = sum(t.groups * t.group_cap for t in scenario.tracks.tracks)
    wait_mean = monitors.time_average(steps["waitlist"], start, end)
    wait_max = monitors.maximum(steps["waitlist"], start, end)
    census_mean = monitors.time_average(steps["census"], start, end)
    with mpl.rc_context(STYLE):
        fig = new_figure(6.0)
        top, bottom = fig.subplots(2, 1, sharex=True)
        for ax, name, colour in ((top, "waitlist", C["orange"]), (bottom, "census", C["blue"])):
            times, level = steps[name]
            ax.step(np.concatenate([[0.0], times, [end]]), np.concatenate([[0.0], level, [level[-1] if level.size else 0]]),
                    where="post", color=colour, linewidth=2)
            ax.axvspan(0, start, color="#DDDDDD", zorder=0)
        top.set_ylabel("waiting for a seat")
        top.set_title(f"Waitlist: {number(wait_mean)} on average, at most {number(wait_max)}", loc="left")
        top.text(start / 2, top.get_ylim()[1] * 0.92, "warm-up\n(not counted)", ha="center", va="top", fontsize=12)
        bottom.axhline(seats, color=C["vermillion"], linestyle="--", linewidth=2)
        bottom.text(end, seats, f" {seats} seats", va="center", ha="left", color=C["vermillion"], fontsize=13)
        bottom.set_ylabel("clients in IOP")
        bottom.set_ylim(0, max(seats * 1.15, 1))
        bottom.set_title(f"In IOP: {number(census_mean)} on average of {seats} seats ({percent(census_mean / seats if seats else math.nan)} full)",
                         loc="left")
        bottom.set_xlabel("day of the run")
        bottom.set_xlim(0, end)
    summary = (f"After the warm-up, the waitlist held {number(wait_mean)} clients on average (at most {number(wait_max)}); "
               f"IOP held {number(census_mean)} clients on average in {seats} seats "
               f"({percent(census_mean / seats if seats else math.nan)} full).")
    return Chart(fig, summary)


def hockey_stick(frame: pd.DataFrame, parameter: str = "referrals.per_week", *, horizon_days: float = 365.0) -> Chart:
    """Mean wait for a seat and clients who gave up waiting, against demand, with how full the seats were.

    ``frame``: ``iopsim.grid`` output over ``parameter`` with the KPIs ``seat_utilisation``,
    ``wait_to_start_mean_days`` and ``lost_reneged`` (counted over ``horizon_days``, shown per
    year); their ``_ci_low``/``_ci_high`` columns, where present, are drawn as 95% intervals.
    The x axis is the parameter itself, evenly spread, so no two labels meet; the share of seats
    in use is written under each value.
    """
    frame = frame.sort_values(parameter)
    per_year = 365.0 / horizon_days
    values = frame[parameter].to_numpy(float)
    use = frame["seat_utilisation_mean"].to_numpy(float)
    wait = frame["wait_to_start_mean_days_mean"].to_numpy(float)
    lost = frame["lost_reneged_mean"].to_numpy(float) * per_year

    def whiskers(kpi: str, scale: float = 1.0):
        if f"{kpi}_ci_low" not in frame:
            return None
        mean = frame[f"{kpi}_mean"].to_numpy(float)
        return [np.nan_to_num(mean - frame[f"{kpi}_ci_low"].to_numpy(float)) * scale,
                np.nan_to_num(frame[f"{kpi}_ci_high"].to_numpy(float) - mean) * scale]

    ticks = [f"{number(v)}\n{percent(u)}" for v, u in zip(values, use)]
    with mpl.rc_context(STYLE):
        fig = new_figure(4.8)
        left, right = fig.subplots(1, 2)
        for ax, y, err, colour, marker, title in (
                (left, wait, whiskers("wait_to_start_mean_days"), C["blue"], "o", "Mean wait for a seat (days)"),
                (right, lost, whiskers("lost_reneged", per_year), C["vermillion"], "s",
                 "Gave up waiting (clients a year)")):
            ax.errorbar(values, y, yerr=err, marker=marker, color=colour, linewidth=2.5, markersize=9, capsize=5)
            ax.set_title(title, loc="left")
            ax.set_xticks(values, ticks, fontsize=12)
            ax.set_xlabel("referrals a week\n(seats in use)")
            ax.set_ylim(bottom=0)
        fig.suptitle("The hockey stick: waits and losses climb steeply as seats fill", x=0.01, ha="left",
                     fontsize=FONT + 2)
    steps = np.diff(wait)
    summary = (f"As referrals went from {number(float(values[0]))} to {number(float(values[-1]))} a week, seats went from "
               f"{percent(use[0])} to {percent(use[-1])} full; the mean wait for a seat rose from {number(wait[0])} to "
               f"{number(wait[-1])} days and clients who gave up waiting from {number(lost[0], 0)} to {number(lost[-1], 0)} a year"
               + (f"; the last step added {number(steps[-1])} days of waiting, the first {number(steps[0])}."
                  if steps.size >= 2 else "."))
    return Chart(fig, summary)


# --------------------------------------------------------------------------- Little's law
def littles_law_numbers(events: pd.DataFrame, scenario) -> dict[str, float]:
    """Admissions a day, mean stay in IOP (days, admission to discharge) and census, after the warm-up.

    ``predicted`` = admissions a day x mean stay; ``census`` is the time-weighted mean number in IOP.
    """
    start, end = reporting_window(scenario)
    log = Columns.from_frame(events)
    admitted, discharged = log.rows_of("admitted"), log.rows_of("iop_discharge")
    a_times = log.time[admitted]
    per_day = float(((a_times >= start) & (a_times < end)).sum()) / (end - start)
    inside = discharged[(log.time[discharged] >= start) & (log.time[discharged] < end)]
    stays = log.time[inside] - log.first_time("admitted").at(log.key[inside])
    stay = float(np.nanmean(stays)) if stays.size else math.nan
    census = monitors.time_average(levels(events)["census"], start, end)
    return {"admissions_per_day": per_day, "mean_stay_days": stay, "predicted": per_day * stay, "census": census,
            "seats": float(sum(t.groups * t.group_cap for t in scenario.tracks.tracks))}


def littles_law(events: pd.DataFrame, scenario) -> Chart:
    """The census measured in the run beside admissions a day times the mean stay."""
    n = littles_law_numbers(events, scenario)
    with mpl.rc_context(STYLE):
        fig = new_figure(3.6)
        ax = fig.subplots()
        labels = ["measured: clients in IOP\n(time-weighted mean)",
                  f"Little's law: {n['admissions_per_day']:.2f} admissions a day\n"
                  f"x {n['mean_stay_days']:.1f} days mean stay"]
        values = [n["census"], n["predicted"]]
        ax.barh(labels, values, color=[C["blue"], C["orange"]], height=0.55)
        for y, v in enumerate(values):
            ax.text(v, y, f" {v:.1f}", va="center", ha="left", fontsize=14, fontweight="bold")
        ax.axvline(n["seats"], color=C["vermillion"], linestyle="--", linewidth=2)
        ax.text(n["seats"], 0.5, f" {n['seats']:.0f} seats", color=C["vermillion"], ha="left", va="center",
                fontsize=12)
        ax.invert_yaxis()
        ax.set_xlim(0, max(values + [n["seats"]]) * 1.2)
        ax.set_xlabel("clients")
        ax.set_title("Census = admissions a day x mean length of stay", loc="left")
    summary = (f"Little's law: {n['admissions_per_day']:.2f} admissions a day x {n['mean_stay_days']:.1f} days mean stay "
               f"= {n['predicted']:.1f} clients; the run's measured census averaged {n['census']:.1f} "
               f"(of {n['seats']:.0f} seats).")
    return Chart(fig, summary)
