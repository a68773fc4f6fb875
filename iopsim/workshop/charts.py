"""The facilitator's charts: the leaderboard, the debrief, a trade-off between two KPIs, a sweep.

Each returns an ``iopsim.present.plots.Chart`` (a figure with its summary in words), in the look
of the package's other charts: the start is the reference every team is read against (where teams
chose their program, the start of each team's own program).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from iopsim.analysis import catalogue
from iopsim.analysis.catalogue import label
from iopsim.core.formatting import format_interval, format_value, unit_label
from iopsim.present import plots
from iopsim.workshop.cards import START
from iopsim.workshop.tournament import WorkshopResult


def leaderboard_chart(result: WorkshopResult) -> Any:
    """The goal KPI per team (mean and 95% interval), best first, the start as a shaded band; a team on
    another program than the card's first has its own program's start as a grey bar on its row."""
    kpi = result.card.goal.kpi
    unit = catalogue.unit(kpi)
    board = result.leaderboard
    experiments = result.comparison.experiments
    start = experiments[START].summary.loc[kpi]
    teams = list(board.index)
    several = len(result.starts) > 1
    with mpl.rc_context(plots.STYLE):
        fig = Figure(figsize=(plots.WIDTH, 1.8 + 0.7 * max(1, len(teams))), dpi=plots.DPI, layout="constrained")
        ax = fig.subplots()
        xs = [start["mean"], start["ci_low"], start["ci_high"]]
        if math.isfinite(start["ci_low"]) and math.isfinite(start["ci_high"]):
            ax.axvspan(start["ci_low"], start["ci_high"], color=plots.GREY, alpha=0.2, zorder=0)
        ax.axvline(start["mean"], color="black", linestyle="--", linewidth=1.5, zorder=1)
        parts = []
        for y, team in enumerate(reversed(teams)):
            r = board.loc[team]
            colour, marker = plots.VERDICT_STYLE["better" if r["guards_hold"] else "worse"]
            mean, low, high = r["goal_mean"], r["goal_ci_low"], r["goal_ci_high"]
            if math.isfinite(mean):
                span = [[mean - low], [high - mean]] if math.isfinite(low) and math.isfinite(high) else None
                ax.errorbar([mean], [y], xerr=span, fmt=marker, color=colour, ecolor=colour, elinewidth=3, capsize=8,
                            capthick=2, markersize=10)
            own = result.start_of(team)
            if own != START:
                ax.plot([experiments[own].summary.loc[kpi, "mean"]], [y], "|", color=plots.GREY, markersize=22,
                        markeredgewidth=3, zorder=1)
                xs.append(experiments[own].summary.loc[kpi, "mean"])
            ax.annotate(f"{r['place']}" + ("" if r["guards_hold"] else " (guard broken)"), (1.02, y),
                        xycoords=("axes fraction", "data"), ha="left", va="center", fontsize=plots.SMALL)
            xs += [mean, low, high]
        for team in teams:
            r = board.loc[team]
            program = f" ({result.program_title(team)})" if several else ""
            parts.append(f"{r['place']} {team}{program} {format_value(r['goal_mean'], unit)} "
                         f"({format_interval(r['goal_ci_low'], r['goal_ci_high'], unit)})")
        ax.set_yticks(range(len(teams)), list(reversed(teams)), fontsize=plots.FONT)
        ax.set_ylim(-0.6, max(1, len(teams)) - 0.4)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        plots.x_format(ax, unit)
        plots.x_limits(ax, [float(x) for x in xs])
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # tick labels with room between them
        band = (f"the start of {result.card.program_title()}\ngrey bar on a team's row: the start of the program "
                "it chose" if several else "the start")
        ax.set_xlabel(f"{label(kpi)} ({unit_label(unit)}); {result.card.better} is better; dashed line and "
                      f"band: {band}", fontsize=plots.SMALL)
        head = f"Leaderboard: {label(kpi)}, mean and 95% interval over {result.reps} replications"
        ax.set_title(head, loc="left", fontsize=plots.FONT + 1)
    start_text = "; ".join(f"{name[0].lower()}{name[1:]} "
                           f"{format_value(experiments[name].summary.loc[kpi, 'mean'], unit)}" for name in result.starts)
    return plots.Chart(fig, f"{head} ({start_text}): " + ("; ".join(parts) or "no valid team") + ".")


def debrief_charts(result: WorkshopResult, kpis: Iterable[str] = catalogue.DEBRIEF) -> list[Any]:
    """For each debrief KPI, every team's paired change from the start (of its own program) with its 95% interval."""
    if not len(result.leaderboard):
        return []
    return [plots.comparison_intervals(result.differences.loc[result.teams], k, baseline=START) for k in kpis]


def tradeoff_chart(result: WorkshopResult, x: str | None = None, y: str = "share_completed") -> Any:
    """Two KPIs against each other, a point per team and per start, with 95% intervals both ways."""
    x = x or result.card.goal.kpi
    names = [*result.starts, *result.teams]
    experiments = result.comparison.experiments
    ux, uy = catalogue.unit(x), catalogue.unit(y)
    colours = [plots.OKABE_ITO[c] for c in ("black", "blue", "orange", "bluish_green", "vermillion",
                                            "reddish_purple", "sky_blue", "yellow")]
    markers = "sDo^vP*Xhp<>"
    parts = []
    with mpl.rc_context(plots.STYLE):
        fig = Figure(figsize=(plots.WIDTH, 6.5 + 0.25 * len(names)), dpi=plots.DPI, layout="constrained")
        ax = fig.subplots()
        for i, name in enumerate(names):
            sx, sy = experiments[name].summary.loc[x], experiments[name].summary.loc[y]
            colour, marker = colours[i % len(colours)], markers[i % len(markers)]
            err = [[[sx["mean"] - sx["ci_low"]], [sx["ci_high"] - sx["mean"]]],
                   [[sy["mean"] - sy["ci_low"]], [sy["ci_high"] - sy["mean"]]]]
            err = [e if all(math.isfinite(v[0]) for v in e) else None for e in err]
            ax.errorbar([sx["mean"]], [sy["mean"]], xerr=err[0], yerr=err[1], fmt=marker, color=colour,
                        markersize=11, elinewidth=2, capsize=5, label=name)
            parts.append(f"{name}: {format_value(sx['mean'], ux)}, {format_value(sy['mean'], uy)}")
        plots.x_format(ax, ux)
        _y_format(ax, uy)
        ax.tick_params(axis="x", pad=plots.FONT)  # below the half of a y tick label that hangs under the axis
        ax.set_xlabel(f"{label(x)} ({unit_label(ux)})", fontsize=plots.FONT)
        ax.set_ylabel(f"{label(y)} ({unit_label(uy)})", fontsize=plots.FONT)
        # names in a legend under the chart, not beside the points: close plans would write over each other
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.14), ncol=2, frameon=False, fontsize=plots.SMALL)
        head = f"Trade-off: {label(x)} against {label(y)}"
        ax.set_title(head, loc="left", fontsize=plots.FONT + 1)
    return plots.Chart(fig, f"{head} (means, 95% intervals as bars): " + "; ".join(parts) + ".")


def sweep_chart(frame: Any, x: str, y: str, *, title: str | None = None) -> Any:
    """One KPI against another over the rows of ``iopsim.analysis.comparison.grid``: means with 95% intervals, joined.

    ``frame`` has ``<kpi>_mean``, ``<kpi>_ci_low`` and ``<kpi>_ci_high`` columns for ``x`` and ``y``
    (``grid(..., kpis=[x, y, ...])``).  For the facilitator's misconceptions: how the wait grows
    as seats fill, how admissions level off as referrals rise.
    """
    ux, uy = catalogue.unit(x), catalogue.unit(y)
    mx, lx, hx = (frame[f"{x}_{c}"].astype(float).tolist() for c in ("mean", "ci_low", "ci_high"))
    my, ly, hy = (frame[f"{y}_{c}"].astype(float).tolist() for c in ("mean", "ci_low", "ci_high"))
    with mpl.rc_context(plots.STYLE):
        fig = Figure(figsize=(plots.WIDTH, 5.5), dpi=plots.DPI, layout="constrained")
        ax = fig.subplots()
        ax.plot(mx, my, "-", color=plots.OKABE_ITO["blue"], linewidth=2, zorder=1)
        for a, b, c, d, e, f in zip(mx, lx, hx, my, ly, hy):
            xerr = [[a - b], [c - a]] if math.isfinite(b) and math.isfinite(c) else None
            yerr = [[d - e], [f - d]] if math.isfinite(e) and math.isfinite(f) else None
            ax.errorbar([a], [d], xerr=xerr, yerr=yerr, fmt="o", color=plots.OKABE_ITO["blue"], markersize=9,
                        elinewidth=2, capsize=5)
        plots.x_format(ax, ux)
        _y_format(ax, uy)
        ax.tick_params(axis="x", pad=plots.FONT)  # below the half of a y tick label that hangs under the axis
        ax.set_xlabel(f"{label(x)} ({unit_label(ux)})", fontsize=plots.FONT)
        ax.set_ylabel(f"{label(y)}\n({unit_label(uy)})", fontsize=plots.FONT)
        head = title or f"{label(y)} against {label(x)}"
        ax.set_title(head, loc="left", fontsize=plots.FONT + 1)
    points = "; ".join(f"{format_value(a, ux)}: {format_value(d, uy)}" for a, d in zip(mx, my))
    return plots.Chart(fig, f"{head} (means, 95% intervals as bars): {points}.")


def _y_format(ax: Any, unit: str) -> None:
    """Shares on the y axis as percentages (the x axis has ``plots.x_format``)."""
    if unit == "share":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
