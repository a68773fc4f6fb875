"""What every teaching chart shares: the ``(figure, summary)`` convention, the figure and the numbers in words.

Every chart function of the course (``journey_charts``, ``capacity_charts``, ``schedule_charts``,
``relapse_charts``, ``program_charts``) returns a ``plots.Chart``, a named tuple ``(figure, summary)``:

    fig, summary = capacity_charts.waitlist_and_census(run.events, run.scenario)
    chart = capacity_charts.littles_law(run.events, run.scenario)
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

from matplotlib.figure import Figure

from iopsim.present.plots import DPI, WIDTH

MONTH = 365.0 / 12


def new_figure(height: float, width: float = WIDTH) -> Figure:
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def percent(x: float) -> str:
    return f"{100 * x:.0f}%" if math.isfinite(x) else "n/a"


def number(x: float, digits: int = 1) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.{digits}f}"


def reporting_window(scenario) -> tuple[float, float]:
    start = scenario.run.warm_up_days
    return start, start + scenario.run.horizon_days
