"""One client's journey and what became of a cohort: the first charts of the course (notebook 01).

See ``iopsim.course.chart_basics`` for what every chart returns.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
import pandas as pd

from iopsim.core.eventlog import Columns
from iopsim.core.vocabulary import DISCHARGE_CODES
from iopsim.course.chart_basics import new_figure, reporting_window
from iopsim.present.plots import GREY, OKABE_ITO as C, STYLE, Chart
from iopsim.present.timelapse import place_label, places, segments


PLACE_COLOURS = {"assessment": C["sky_blue"], "waitlist": C["orange"], "op": C["bluish_green"],
                 "aftercare": C["reddish_purple"]}


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
        fig = new_figure(1.2 + 0.6 * (len(order) + 1))
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
PENDING = "#D9D9D9"  # light grey for "still ...": far in lightness from every colour, also under colour-blindness
FLOW = {  # bar -> (outcome, colour) in the order drawn; tests/test_palette.py checks them under colour-blindness
    "Referrals": (("started IOP", C["blue"]), ("sent to another level of care", C["sky_blue"]),
                  ("no-show, lost before assessment", C["vermillion"]),
                  ("left the waitlist (gave up or relapsed)", C["orange"]),
                  ("still waiting at the end", PENDING)),
    "IOP stays": (("completed", C["bluish_green"]), ("stepped down early", C["sky_blue"]),
                  ("stepped up", C["reddish_purple"]), ("dropped out", C["vermillion"]),
                  ("terminated (absences)", C["orange"]), ("other", C["black"]), ("still in IOP at the end", PENDING)),
    "After IOP": (("no relapse seen", C["bluish_green"]), ("relapsed, not back (yet)", C["orange"]),
                  ("relapsed and readmitted", C["vermillion"])),
}


def typical_client(events: pd.DataFrame, scenario, outcome: str = "completed", *, returning: bool = False) -> int:
    """A client to feature, chosen by a rule that makes them typical rather than striking.

    Among the IOP stays that ended with ``outcome`` (a TEDS code) in the reporting window, the
    client of moderate severity whose stay is nearest the median stay of all such discharges
    (ties: the lowest client number); with ``returning``, only stays of a second or later episode.
    Raises LookupError when the run has no such stay.
    """
    start, end = reporting_window(scenario)
    d = events[(events.event == "iop_discharge") & (events.detail == outcome) & (events.time >= start)
               & (events.time < end)]
    if returning:
        d = d[d.episode >= 2]
    if d.empty:
        raise LookupError(f"no IOP stay ended '{outcome}' in the reporting window of this run")
    referrals = events[events.event == "referral"].set_index(["client", "episode"]).detail
    severity = referrals.reindex(list(zip(d.client, d.episode))).astype(str).to_numpy()
    median = float(d.value.median())
    pool = d[severity == "moderate"] if (severity == "moderate").any() else d
    distance = (pool.value - median).abs()
    best = pool[distance == distance.min()]
    return int(best.client.min())


def outcome_counts(events: pd.DataFrame, scenario) -> dict[str, dict[str, int]]:
    """What became of the episodes referred in the reporting window, followed to the end of the run.

    Three steps: what followed each referral; how each IOP stay ended (TEDS codes, a transfer
    split into early step-down and step-up); and, for each IOP discharge, whether a relapse
    followed before the run ended and whether the client was then referred again.
    """
    start, end = reporting_window(scenario)
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
    exits = log.rows_of("exit")
    left = np.intersect1d(key[exits[log.stage[exits] == "waitlist"]], cohort)  # gave up, or relapsed and left
    referrals = {"started IOP": admitted.size, "sent to another level of care": elsewhere.size,
                 "no-show, lost before assessment": no_show.size, "left the waitlist (gave up or relapsed)": left.size}
    referrals["still waiting at the end"] = cohort.size - sum(referrals.values())

    d = log.rows_of("iop_discharge")
    d = d[np.isin(key[d], admitted)]
    code = dict(zip(key[d].tolist(), log.detail[d].tolist()))
    discharged_at = dict(zip(key[d].tolist(), log.time[d].tolist()))
    stepped_up = set(keys("exit", ["stepped_up"]).tolist())
    stays = {o: 0 for o, _ in FLOW["IOP stays"]}
    for k, c in code.items():
        if c == "transferred":  # split by where the client went
            name = "stepped up" if k in stepped_up else "stepped down early"
        else:
            name = DISCHARGE_CODES[c].name
        stays[name] += 1
    stays["still in IOP at the end"] = admitted.size - len(code)

    r = log.rows_of("relapse")  # after the discharge: a relapse on the waitlist came before the stay
    relapsed = {k for k, t in zip(key[r].tolist(), log.time[r].tolist()) if k in code and t >= discharged_at[k]}
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
        fig = new_figure(6.2)
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
