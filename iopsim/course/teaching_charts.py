"""The course's charts: pure functions from a run's events (or KPI tables) to ``(figure, summary)``.

Every chart function returns a ``plots.Chart``, a named tuple ``(figure, summary)``:

    fig, summary = teaching_charts.waitlist_and_census(run.events, run.scenario)
    chart = teaching_charts.littles_law(run.events, run.scenario)
    chart            # last line of a notebook cell: the image, with the summary under it

``summary`` is one line of plain text holding the numbers the chart shows: put it under the
chart (it is the chart's text alternative for screen readers, and what the tests check).  The
numbers behind each chart come from a pure function beside it (``outcome_counts``,
``littles_law_numbers``, ``relapse_followup``, ``work_losses``, ``schedule_arithmetic``), so a
quiz can ask about them and a test can hold them against the event log.

Drawn for a projector like ``iopsim.present.plots``: Okabe-Ito colours, told apart by labels and
position as well; text at 12 pt or more; figures not attached to pyplot.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from iopsim.analysis import monitors
from iopsim.core.eventlog import Columns
from iopsim.present.plots import DPI, FONT, GREY, OKABE_ITO, STYLE, WIDTH, Chart
from iopsim.present.report import format_value, label
from iopsim.present.timelapse import place_label, places, segments

C = OKABE_ITO
PLACE_COLOURS = {"assessment": C["sky_blue"], "waitlist": C["orange"], "op": C["bluish_green"],
                 "aftercare": C["reddish_purple"]}
MONTH = 365.0 / 12


def _figure(height: float, width: float = WIDTH) -> Figure:
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if math.isfinite(x) else "n/a"


def _num(x: float, digits: int = 1) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.{digits}f}"


def _window(scenario) -> tuple[float, float]:
    start = scenario.run.warm_up_days
    return start, start + scenario.run.horizon_days


def _colour(place: str) -> str:
    if place.startswith("iop:"):
        return C["blue"]
    return PLACE_COLOURS.get(place, GREY)


# --------------------------------------------------------------------------- one client's journey
def journey(events: pd.DataFrame, client: int) -> Chart:
    """One client's time in each place, episode after episode, with relapses and IOP discharges marked."""
    rows = events[events.client == client]
    if rows.empty:
        raise KeyError(f"client {client} is not in this run's event log")
    stays = segments(rows)
    log_end = float(events.time.max())
    order = [p for p in places(events) if p in set(stays.place)]
    relapses = rows[rows.event == "relapse"]
    discharges = rows[rows.event == "iop_discharge"]
    referrals = rows[rows.event == "referral"]
    with mpl.rc_context(STYLE):
        fig = _figure(1.2 + 0.6 * (len(order) + 1))
        ax = fig.subplots()
        for y, place in enumerate(order):
            mine = stays[stays.place == place]
            spans = [(s, min(e, log_end) - s) for s, e in zip(mine.start, mine.end)]
            ax.broken_barh(spans, (y - 0.35, 0.7), facecolors=_colour(place), edgecolor="black", linewidth=0.6)
        for t, track, code in zip(discharges.time, discharges.resource.astype(str), discharges.detail.astype(str)):
            if f"iop:{track}" in order:  # the discharge code under the end of the IOP bar
                ax.text(t, order.index(f"iop:{track}") + 0.38, code.replace("_", " "), fontsize=12, ha="center",
                        va="top")
        marks = len(order)  # a last row for referrals (triangles, numbered by episode) and relapses (X)
        ax.plot(referrals.time, [marks] * len(referrals), "^", color=C["blue"], markersize=12, linestyle="")
        for t, ep in zip(referrals.time, referrals.episode):
            ax.axvline(t, color=GREY, linestyle=":", linewidth=1.2, zorder=0)
            ax.text(t, marks - 0.3, f" {ep}", ha="left", va="bottom", fontsize=12, color=C["blue"])
        ax.plot(relapses.time, [marks] * len(relapses), "X", color=C["vermillion"], markersize=13, linestyle="")
        ax.set_yticks(range(marks + 1), [place_label(p) for p in order] + ["referral (episode) / relapse X"])
        ax.set_ylim(marks + 0.6, -0.6)
        ax.set_xlim(0, log_end)
        ax.set_xlabel("day of the run")
        ax.set_title(f"Client {client}: where they were, day by day", loc="left")
    return Chart(fig, journey_summary(rows, stays, log_end, client))


_MILESTONES = {  # event -> words in a journey's summary (None: the detail decides)
    "admitted": "started IOP", "iop_discharge": None, "relapse_in_treatment": "relapsed during IOP",
    "relapse": "relapsed", "reneged": "gave up waiting", "no_show": "missed the assessment",
}


def journey_summary(rows: pd.DataFrame, stays: pd.DataFrame, log_end: float, client: int) -> str:
    """Days in each place, then the milestones in the order they happened (day numbers as in run.story)."""
    days: dict[str, float] = {}
    for place, start, end in zip(stays.place, stays.start, stays.end):
        days[place] = days.get(place, 0.0) + min(end, log_end) - start
    episodes = int(rows.episode.max())
    head = (f"Client {client}, {episodes} episode{'s' if episodes > 1 else ''}; days in each place: "
            + ", ".join(f"{place_label(p)} {d:.0f}" for p, d in days.items()))
    steps = []
    for t, event, episode, detail in zip(rows.time, rows.event.astype(str), rows.episode, rows.detail.astype(str)):
        if event == "referral":
            steps.append(f"day {int(t)} referred" + (" again" if episode > 1 else ""))
        elif event == "iop_discharge":
            steps.append(f"day {int(t)} IOP ended ({detail.replace('_', ' ')})")
        elif event in _MILESTONES:
            steps.append(f"day {int(t)} {_MILESTONES[event]}")
    if len(stays) and math.isinf(stays.end.iloc[-1]):
        steps.append(f"still in {place_label(stays.place.iloc[-1])} when the run ended")
    return f"{head}. " + ", ".join(steps) + "."


# --------------------------------------------------------------------------- what happened to a cohort
FLOW = {  # bar -> (outcome, colour) in the order drawn
    "Referrals": (("started IOP", C["blue"]), ("sent to another level of care", C["sky_blue"]),
                  ("no-show, lost before assessment", C["vermillion"]), ("gave up waiting", C["orange"]),
                  ("still waiting at the end", GREY)),
    "IOP stays": (("completed", C["bluish_green"]), ("stepped down early", C["sky_blue"]),
                  ("stepped up", C["reddish_purple"]), ("dropped out", C["vermillion"]),
                  ("terminated (absences)", C["orange"]), ("other", C["black"]), ("still in IOP at the end", GREY)),
    "After IOP": (("no relapse seen", C["bluish_green"]), ("relapsed, not back (yet)", C["orange"]),
                  ("relapsed and readmitted", C["vermillion"])),
}


def outcome_counts(events: pd.DataFrame, scenario) -> dict[str, dict[str, int]]:
    """What became of the episodes referred in the reporting window, followed to the end of the run.

    Three steps: what followed each referral; how each IOP stay ended (TEDS codes, a transfer
    split into early step-down and step-up); and, for each IOP discharge, whether a relapse
    followed before the run ended and whether the client was then referred again.
    """
    start, end = _window(scenario)
    log = Columns.from_frame(events)
    key = log.key
    ref = log.rows_of("referral")
    cohort = np.unique(key[ref[(log.time[ref] >= start) & (log.time[ref] < end)]])

    def keys(event, detail=None):
        idx = log.rows_of(event)
        if detail is not None:
            idx = idx[np.isin(log.detail[idx], detail)]
        return np.intersect1d(key[idx], cohort)

    admitted = keys("admitted")
    elsewhere = np.setdiff1d(keys("placed", ["higher", "op"]), admitted)
    no_show = keys("exit", ["no_show"])
    gave_up = keys("reneged")
    referrals = {"started IOP": admitted.size, "sent to another level of care": elsewhere.size,
                 "no-show, lost before assessment": no_show.size, "gave up waiting": gave_up.size}
    referrals["still waiting at the end"] = cohort.size - sum(referrals.values())

    d = log.rows_of("iop_discharge")
    d = d[np.isin(key[d], admitted)]
    code = dict(zip(key[d].tolist(), log.detail[d].tolist()))
    stepped_up = set(keys("exit", ["stepped_up"]).tolist())
    names = {"completed": "completed", "dropped_out": "dropped out", "terminated": "terminated (absences)",
             "other": "other"}
    stays = {o: 0 for o, _ in FLOW["IOP stays"]}
    for k, c in code.items():
        name = ("stepped up" if k in stepped_up else "stepped down early") if c == "transferred" else names[c]
        stays[name] += 1
    stays["still in IOP at the end"] = admitted.size - len(code)

    r = log.rows_of("relapse")
    relapsed = set(np.intersect1d(key[r], np.array(list(code), dtype=np.int64)).tolist())
    later = set((key[ref] - 1).tolist())  # episode keys whose next episode was referred
    after = {"no relapse seen": len(code) - len(relapsed),
             "relapsed, not back (yet)": sum(1 for k in relapsed if k not in later),
             "relapsed and readmitted": sum(1 for k in relapsed if k in later)}
    return {"Referrals": referrals, "IOP stays": stays, "After IOP": after}


def outcome_flow(events: pd.DataFrame, scenario) -> Chart:
    """Three stacked bars: what followed each referral, how IOP stays ended, relapse and return after."""
    counts = outcome_counts(events, scenario)
    bars = list(FLOW)
    dark = {C["blue"], C["black"], C["vermillion"], C["reddish_purple"], C["bluish_green"], GREY}
    with mpl.rc_context(STYLE):
        fig = _figure(6.2)
        axes = fig.subplots(len(bars), 1)
        for ax, bar in zip(axes, bars):
            total = max(sum(counts[bar].values()), 1)
            left = 0.0
            for outcome, colour in FLOW[bar]:
                n = counts[bar][outcome]
                width = n / total
                if n:
                    ax.barh(0, width, left=left, color=colour, edgecolor="white", height=0.8, label=f"{outcome} ({n})")
                    if width > 0.05:
                        ax.text(left + width / 2, 0, str(n), ha="center", va="center", fontsize=13,
                                color="white" if colour in dark else "black")
                left += width
            ax.set_yticks([0], [f"{bar}\n({sum(counts[bar].values())})"])
            ax.set_xlim(0, 1)
            ax.set_ylim(-0.5, 0.5)
            ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=12)
        axes[0].set_title("What became of the clients referred after the warm-up", loc="left")
    parts = []
    for bar in bars:
        total = sum(counts[bar].values())
        inner = ", ".join(f"{n} {o}" for o, n in counts[bar].items() if n)
        head = {"Referrals": f"Of {total} referrals", "IOP stays": f"of {total} IOP stays",
                "After IOP": f"of {total} IOP discharges, by the end of the run"}[bar]
        parts.append(f"{head}: {inner}")
    return Chart(fig, "; ".join(parts) + ".")


# --------------------------------------------------------------------------- waitlist and seats
def levels(events: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The waitlist and IOP census as step functions (monitors.level), from the log."""
    from iopsim.analysis.kpis import levels as kpi_levels

    step = kpi_levels(Columns.from_frame(events))
    return {"waitlist": step["waitlist"], "census": step["census"]}


def waitlist_and_census(events: pd.DataFrame, scenario) -> Chart:
    """The waitlist over time above the number in IOP against the seats; the warm-up shaded."""
    start, end = _window(scenario)
    steps = levels(events)
    seats = sum(t.groups * t.group_cap for t in scenario.tracks.tracks)
    wait_mean = monitors.time_average(steps["waitlist"], start, end)
    wait_max = monitors.maximum(steps["waitlist"], start, end)
    census_mean = monitors.time_average(steps["census"], start, end)
    with mpl.rc_context(STYLE):
        fig = _figure(6.0)
        top, bottom = fig.subplots(2, 1, sharex=True)
        for ax, name, colour in ((top, "waitlist", C["orange"]), (bottom, "census", C["blue"])):
            times, level = steps[name]
            ax.step(np.concatenate([[0.0], times, [end]]), np.concatenate([[0.0], level, [level[-1] if level.size else 0]]),
                    where="post", color=colour, linewidth=2)
            ax.axvspan(0, start, color="#DDDDDD", zorder=0)
        top.set_ylabel("waiting for a seat")
        top.set_title(f"Waitlist: {_num(wait_mean)} on average, at most {_num(wait_max)}", loc="left")
        top.text(start / 2, top.get_ylim()[1] * 0.92, "warm-up\n(not counted)", ha="center", va="top", fontsize=12)
        bottom.axhline(seats, color=C["vermillion"], linestyle="--", linewidth=2)
        bottom.text(end, seats, f" {seats} seats", va="center", ha="left", color=C["vermillion"], fontsize=13)
        bottom.set_ylabel("clients in IOP")
        bottom.set_ylim(0, max(seats * 1.15, 1))
        bottom.set_title(f"In IOP: {_num(census_mean)} on average of {seats} seats ({_pct(census_mean / seats if seats else math.nan)} full)",
                         loc="left")
        bottom.set_xlabel("day of the run")
        bottom.set_xlim(0, end)
    summary = (f"After the warm-up, the waitlist held {_num(wait_mean)} clients on average (at most {_num(wait_max)}); "
               f"IOP held {_num(census_mean)} clients on average in {seats} seats "
               f"({_pct(census_mean / seats if seats else math.nan)} full).")
    return Chart(fig, summary)


def hockey_stick(frame: pd.DataFrame, parameter: str = "referrals.per_week", *, horizon_days: float = 365.0) -> Chart:
    """Mean wait for a seat and clients who gave up waiting, against how full the seats were.

    ``frame``: ``iopsim.grid`` output over ``parameter`` with the KPIs ``seat_utilisation``,
    ``wait_to_start_mean_days`` and ``lost_reneged`` (counted over ``horizon_days``, shown per year).
    """
    frame = frame.sort_values("seat_utilisation_mean")
    use = frame["seat_utilisation_mean"].to_numpy(float)
    wait = frame["wait_to_start_mean_days_mean"].to_numpy(float)
    lost = frame["lost_reneged_mean"].to_numpy(float) * 365.0 / horizon_days
    values = frame[parameter].tolist()
    with mpl.rc_context(STYLE):
        fig = _figure(4.8)
        left, right = fig.subplots(1, 2)
        for ax, y, colour, marker, title in ((left, wait, C["blue"], "o", "Mean wait for a seat (days)"),
                                             (right, lost, C["vermillion"], "s", "Gave up waiting (clients a year)")):
            ax.plot(use, y, marker=marker, color=colour, linewidth=2.5, markersize=9)
            for i, (x, v, p) in enumerate(zip(use, y, values)):
                ax.annotate(f"{_num(float(p))}/wk", (x, v), textcoords="offset points", xytext=(6 if i == 0 else -6, 8),
                            ha="left" if i == 0 else "right", fontsize=12)
            ax.set_title(title, loc="left")
            ax.set_xlabel("seats in use (share of the time)")
            ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0, decimals=0))
            ax.set_ylim(bottom=0)
        fig.suptitle("The hockey stick: waits and losses climb steeply as seats fill", x=0.01, ha="left",
                     fontsize=FONT + 2)
    steps = np.diff(wait)
    summary = (f"As referrals went from {_num(float(values[0]))} to {_num(float(values[-1]))} a week, seats went from "
               f"{_pct(use[0])} to {_pct(use[-1])} full; the mean wait for a seat rose from {_num(wait[0])} to "
               f"{_num(wait[-1])} days and clients who gave up waiting from {_num(lost[0], 0)} to {_num(lost[-1], 0)} a year"
               + (f"; the last step added {_num(steps[-1])} days of waiting, the first {_num(steps[0])}."
                  if steps.size >= 2 else "."))
    return Chart(fig, summary)


# --------------------------------------------------------------------------- Little's law
def littles_law_numbers(events: pd.DataFrame, scenario) -> dict[str, float]:
    """Admissions a day, mean stay in IOP (days, admission to discharge) and census, after the warm-up.

    ``predicted`` = admissions a day x mean stay; ``census`` is the time-weighted mean number in IOP.
    """
    start, end = _window(scenario)
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
        fig = _figure(3.6)
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
        fig = _figure(4.2)
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
    joined, admitted, gave_up, still_waiting, and gave_up_share.
    """
    start, end = _window(scenario)
    log = Columns.from_frame(events)
    j = log.rows_of("waitlist_join")
    j = j[(log.time[j] >= start) & (log.time[j] < end)]
    evening = log.resource[j] == "evening"
    admitted = np.isin(log.key[j], log.key[log.rows_of("admitted")])
    gave_up = np.isin(log.key[j], log.key[log.rows_of("reneged")])
    rows = {}
    for name, mask in (("works or studies by day", evening), ("free in the day", ~evening)):
        joined = int(mask.sum())
        rows[name] = {"joined": joined, "admitted": int((admitted & mask).sum()), "gave_up": int((gave_up & mask).sum()),
                      "still_waiting": int((mask & ~admitted & ~gave_up).sum())}
        rows[name]["gave_up_share"] = rows[name]["gave_up"] / joined if joined else math.nan
    return pd.DataFrame.from_dict(rows, orient="index")


def sum_losses(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """``work_losses`` of several replications added up (the shares recomputed from the sums)."""
    total = sum(t[["joined", "admitted", "gave_up", "still_waiting"]] for t in tables)
    total["gave_up_share"] = total["gave_up"] / total["joined"].where(total["joined"] > 0)
    return total


def evening_track(tables: Mapping[str, pd.DataFrame]) -> Chart:
    """Share of waitlisted clients who gave up waiting, by work status, for each program (e.g. with/without evening track)."""
    programs = list(tables)
    groups = list(next(iter(tables.values())).index)
    colours = [C["blue"], C["orange"], C["bluish_green"], C["vermillion"]]
    with mpl.rc_context(STYLE):
        fig = _figure(4.4)
        ax = fig.subplots()
        width = 0.8 / len(programs)
        for i, program in enumerate(programs):
            shares = tables[program].loc[groups, "gave_up_share"].to_numpy(float)
            x = np.arange(len(groups)) + (i - (len(programs) - 1) / 2) * width
            ax.bar(x, shares, width * 0.95, color=colours[i % len(colours)], label=program,
                   hatch=("", "//", "..", "xx")[i % 4], edgecolor="white")
            for xi, s in zip(x, shares):
                ax.text(xi, s, _pct(s), ha="center", va="bottom", fontsize=13)
        ax.set_xticks(range(len(groups)), groups)
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
        ax.set_ylabel("gave up waiting")
        ax.set_ylim(0, 1.1)
        ax.legend(frameon=False, loc="upper right")
        ax.set_title("Share of waitlisted clients who gave up waiting", loc="left")
    parts = []
    for program in programs:
        t = tables[program]
        parts.append(f"{program}: " + ", ".join(
            f"{g} {_pct(t.loc[g, 'gave_up_share'])} ({t.loc[g, 'gave_up']} of {t.loc[g, 'joined']})" for g in groups))
    return Chart(fig, "Gave up waiting for a seat: " + "; ".join(parts) + ".")


# --------------------------------------------------------------------------- relapse after discharge
OUTCOME_NAMES = {"completed": "completed", "transferred": "transferred (stepped down early)",
                 "dropped_out": "dropped out", "terminated": "terminated", "other": "other"}


def relapse_followup(events: pd.DataFrame, scenario, *, by_outcome: bool = True) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each IOP discharge in the window (not stepped up): days followed and whether a relapse came.

    The same follow-up as the relapse KPIs (``kpis``): from discharge to the first relapse, or
    to the end of the run.  Grouped by discharge code when `by_outcome`, else one group 'all'.
    """
    from iopsim.analysis.kpis import followed_after_discharge

    start, end = _window(scenario)
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
        fig = _figure(4.8)
        ax = fig.subplots()
        ax.fill_between([days - 8, days + 8], 0.4, 0.6, color="#DDDDDD", zorder=0)
        ax.text(days - 12, 0.5, "published: 40-60% of treated\nclients relapse within a year \u2192", ha="right",
                va="center", fontsize=12)
        for i, (name, (duration, relapsed)) in enumerate(groups.items()):
            curve = relapse_curve(duration, relapsed, grid)
            ax.plot(grid, curve, styles[i % 6], color=colours[i % 6], linewidth=2.5, label=f"{name} (n={len(duration)})")
            at = [monitors.kaplan_meier_failure(duration, relapsed, m * MONTH) for m in (3, 6, 12)]
            parts.append(f"{name} (n={len(duration)}): {_pct(at[0])} by 3 months, {_pct(at[1])} by 6, {_pct(at[2])} by 12")
        ax.set_xlim(0, days + 10)
        ax.set_ylim(0, 1)
        ax.set_xticks([0, 91, 182, 273, 365] if days >= 365 else ax.get_xticks())
        ax.set_xticklabels(["0", "3", "6", "9", "12"] if days >= 365 else ax.get_xticklabels())
        ax.set_xlabel("months since leaving IOP")
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
        ax.legend(frameon=False, loc="upper left")
        ax.set_title(title, loc="left")
    return Chart(fig, f"{title}: " + "; ".join(parts) + ".")


# --------------------------------------------------------------------------- comparing programs
def kpi_bars(table: pd.DataFrame, kpis: Sequence[str], *, title: str) -> Chart:
    """One small bar chart per KPI, one bar per program (rows of `table`: program -> KPI means).

    With a two-level index (e.g. program length x demand) bars are grouped by the first level
    and coloured by the second.  Shares show as percentages.
    """
    from iopsim.analysis.kpis import BY_NAME

    two = isinstance(table.index, pd.MultiIndex)
    firsts = list(dict.fromkeys(table.index.get_level_values(0))) if two else list(table.index)
    seconds = list(dict.fromkeys(table.index.get_level_values(1))) if two else [None]
    colours = [C["blue"], C["orange"], C["bluish_green"], C["vermillion"], C["reddish_purple"], C["sky_blue"]]
    hatches = ["", "//", "..", "xx"]
    ncol = min(len(kpis), 2)
    nrow = math.ceil(len(kpis) / ncol)
    parts = []
    with mpl.rc_context(STYLE):
        fig = _figure(0.6 + 3.0 * nrow)
        axes = np.atleast_1d(fig.subplots(nrow, ncol)).ravel()
        for ax, kpi in zip(axes, kpis):
            unit = BY_NAME[kpi].unit if kpi in BY_NAME else ""
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

