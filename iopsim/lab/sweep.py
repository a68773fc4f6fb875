"""The capacity sweep's arithmetic and chart: one lever (counsellors, seats per group, groups in a
track, assessors) set to each value in a range, and the swept KPIs against it.

`sweep` is a dict: lever (its path or 'group_cap'), words (the lever in words), values, and the
experiments run at each value.
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from iopsim.analysis import catalogue
from iopsim.analysis.catalogue import label, unit
from iopsim.core import parameters, paths
from iopsim.core.formatting import format_value
from iopsim.core.scenario import Scenario
from iopsim.present import plots

PANEL_TITLES = {("days", catalogue.LOWER): "Waits (median days)", ("share", catalogue.NEITHER): "Utilisation"}
"""Titles of the sweep chart's shared panels; a panel of one KPI is titled with its label.

The panels are the catalogue's SWEEP set, its KPIs side by side where they share a unit and a
better direction (the two waits; seat, caseload and counsellor-time use)."""


def lever_paths(lever: str, tracks: int) -> list[str]:
    """The parameters a lever sets: 'group_cap' is every track's group cap, others are one path."""
    if lever != "group_cap":
        return [lever]
    return [paths.join(["tracks", "tracks", i, "group_cap"]) for i in range(tracks)]


def lever_limits(lever: str) -> tuple[int, int]:
    """The allowed range of the field a lever sets."""
    p = parameters.info(lever_paths(lever, 1)[0])
    return int(p.low), int(p.high)


def with_lever(scenario: Scenario, lever: str, value: int) -> Scenario:
    """`scenario` with the lever set to `value` (validated: a ScenarioError says what is wrong)."""
    return parameters.replace(scenario, dict.fromkeys(lever_paths(lever, len(scenario.tracks.tracks)), value))


def sweep_frame(sweep: dict[str, Any], costs: bool) -> pd.DataFrame:
    """One row per lever value: seats, then each swept KPI's mean and 95% interval (columns named as
    `iopsim.grid` names them: <kpi>_mean, <kpi>_ci_low, <kpi>_ci_high)."""
    rows = []
    for value, exp in zip(sweep["values"], sweep["experiments"]):
        row: dict[str, Any] = {sweep["words"]: value,
                               "seats": sum(t.groups * t.group_cap for t in exp.scenario.tracks.tracks)}
        for _, names in _sweep_panels(costs):
            for name in names:
                r = exp.summary.loc[name]
                row[f"{name}_mean"] = r["mean"]
                row[f"{name}_ci_low"] = r["ci_low"]
                row[f"{name}_ci_high"] = r["ci_high"]
        rows.append(row)
    return pd.DataFrame(rows)


def _sweep_panels(costs: bool) -> list[tuple[str, list[str]]]:
    """(title, KPIs) for each panel of the chart; the cost KPIs only with "show costs"."""
    panels: list[tuple[tuple[str, str], list[str]]] = []
    for name in catalogue.SWEEP:
        if not costs and name in catalogue.COST_KPIS:
            continue
        kind = (unit(name), catalogue.BY_NAME[name].better)
        if panels and panels[-1][0] == kind:
            panels[-1][1].append(name)
        else:
            panels.append((kind, [name]))
    return [(PANEL_TITLES[kind] if len(names) > 1 else label(names[0]), names) for kind, names in panels]


def sweep_chart(sweep: dict[str, Any], costs: bool) -> plots.Chart:
    """Panels of the swept KPIs against the lever, each point with its 95% interval, and a summary line."""
    table = sweep_frame(sweep, costs)
    words, values = sweep["words"], sweep["values"]
    panels = _sweep_panels(costs)
    colours = [plots.OKABE_ITO[c] for c in ("blue", "orange", "bluish_green")]
    markers = ("o", "s", "^")
    parts = []
    with mpl.rc_context(plots.STYLE):
        fig = Figure(figsize=(plots.WIDTH, 3.2 * math.ceil(len(panels) / 2)), dpi=plots.DPI, layout="constrained")
        axes = fig.subplots(math.ceil(len(panels) / 2), 2, squeeze=False).ravel()
        for ax, (title, names) in zip(axes, panels):
            for j, name in enumerate(names):
                shown = unit(name)
                scale = 100 if shown == "share" else 1
                mean = table[f"{name}_mean"].to_numpy(dtype=float) * scale
                low = table[f"{name}_ci_low"].to_numpy(dtype=float) * scale
                high = table[f"{name}_ci_high"].to_numpy(dtype=float) * scale
                err = [mean - low, high - mean]
                ax.errorbar(values, mean, yerr=err, marker=markers[j], color=colours[j], capsize=5, linewidth=2,
                            label=label(name))
                first, last = table[f"{name}_mean"].iloc[0], table[f"{name}_mean"].iloc[-1]
                parts.append(f"{label(name)} {format_value(first, shown)} at {values[0]} and "
                             f"{format_value(last, shown)} at {values[-1]}")
            ax.set_title(title, loc="left")
            ax.set_xlabel(words)
            ax.set_xticks(values)
            if unit(names[0]) == "share":
                ax.set_ylabel("%")
            elif unit(names[0]).startswith("$"):
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v, "$")))
            if len(names) > 1:
                ax.legend(frameon=False, fontsize=plots.SMALL - 2)
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        n = sweep["experiments"][0].reps
        fig.suptitle(f"{words} from {values[0]} to {values[-1]}: mean and 95% interval over {n} replications",
                     x=0.01, ha="left")
    summary = (f"{words[0].upper()}{words[1:]} from {values[0]} to {values[-1]} ({n} replications each): "
               + "; ".join(parts) + ".")
    return plots.Chart(fig, summary)
