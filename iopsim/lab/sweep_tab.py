"""The lab's Capacity sweep tab: the form's scenario with one lever set to each value in a range.

The levers follow the tracks on the form; the arithmetic and the chart are in `iopsim.lab.sweep`.

This module imports ipywidgets; `import iopsim` never imports it.
"""

from __future__ import annotations

import time
from html import escape
from typing import Any

import ipywidgets as w

from iopsim.analysis.comparison import run_scenarios
from iopsim.core import paths
from iopsim.lab.page import Page, download_link, html_widget
from iopsim.lab.sweep import lever_limits, lever_paths, sweep_chart, sweep_frame, with_lever
from iopsim.lab.tables import sweep_table
from iopsim.present.exports import spreadsheet_safe

MAX_SWEEP_POINTS = 12


class SweepTab:
    """The lever, its range, the Run the sweep button and what it shows."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.result: dict[str, Any] | None = None
        self.lever = w.Dropdown(description="Change", layout=w.Layout(width="420px"))
        self.lever.add_class("iop-lever")
        self.lever.observe(page.guard(self.on_lever), "value")
        self.first = w.IntText(value=1, description="from", layout=w.Layout(width="150px"))
        self.last = w.IntText(value=4, description="to", layout=w.Layout(width="150px"))
        self.first.add_class("iop-sweep-from")
        self.last.add_class("iop-sweep-to")
        button = page.button("Run the sweep", "iop-sweep", self.on_sweep, icon="line-chart", style="primary")
        self.text = html_widget("iop-sweep-text")
        self.table = html_widget("iop-sweep-table")
        self.chart = html_widget("iop-sweep-chart")
        self.files = html_widget("iop-downloads")
        self.widget = w.VBox([
            w.HTML("<p>Run the scenario on the form with one kind of capacity set to each value from one number "
                   "to another (same simulated clients at every value).</p>"),
            w.HBox([self.lever, self.first, self.last, button], layout=w.Layout(flex_flow="row wrap")),
            self.text, self.table, self.chart, self.files])
        page.buttons.append(button)
        page.form_shown.append(self.refresh_levers)
        self.refresh_levers()

    def levers(self) -> list[tuple[str, str]]:
        """(words, lever) for the sweep: counsellors, seats per group, groups in each track, assessors."""
        tracks = self.page.form.fields["tracks.tracks"].get()
        return [("IOP counsellors", "staff.iop_counsellors"),
                ("seats per group (group cap, every track)", "group_cap"),
                *((f"groups in the '{t['name']}' track", paths.join(["tracks", "tracks", i, "groups"]))
                  for i, t in enumerate(tracks)),
                ("assessors", "intake.assessors"),
                ("outpatient counsellors", "staff.op_counsellors")]

    def refresh_levers(self) -> None:
        """The sweep's levers for the tracks on the form, keeping the lever chosen if it is still there."""
        current = self.lever.value
        options = self.levers()
        self.lever.options = options
        self.lever.value = current if current in [v for _, v in options] else options[0][1]

    def on_lever(self, change: Any) -> None:
        lever = change["new"]
        if lever is None:
            return
        low, high = lever_limits(lever)
        now = self.page.form.leaves()[lever_paths(lever, 1)[0]].get()
        now = now if isinstance(now, int) else low  # a box left empty or unreadable on the form
        self.first.value = max(low, now - 1)
        self.last.value = min(high, now + 2)

    def on_sweep(self, _: Any) -> None:
        page = self.page
        scenario = page.scenario()
        if scenario is None or not page.settings_ok():
            return
        lever, a, b = self.lever.value, self.first.value, self.last.value
        low, high = lever_limits(lever)
        if not (low <= a <= high and low <= b <= high):
            page.problem_text(f"Nothing was run: the sweep's range for {self.lever.label} must lie within {low} "
                              f"to {high}; got {a} to {b}.")
            return
        values = list(range(min(a, b), max(a, b) + 1))
        if len(values) > MAX_SWEEP_POINTS:
            page.problem_text(f"A sweep runs at most {MAX_SWEEP_POINTS} values; {values[0]} to {values[-1]} "
                              f"is {len(values)}. Narrow the range.")
            return
        scenarios = [with_lever(scenario, lever, v) for v in values]  # a ScenarioError goes on the page
        started = time.perf_counter()
        reps = page.reps.value
        page.start(reps * len(values), f"running {len(values)} values x {reps} replications...")
        experiments = run_scenarios(scenarios, reps=reps, seed=page.seed.value, workers=page.workers,
                                    scheduler=None, progress=page.step)
        self.result = {"lever": lever, "words": self.lever.label, "values": values, "experiments": experiments}
        self.draw()
        page.select(self.widget)
        page.done(f"{len(values)} values x {reps} replications in {time.perf_counter() - started:.1f} s")

    def draw(self) -> None:
        if self.result is None:
            return
        costs = self.page.show_costs.value
        table = sweep_frame(self.result, costs)
        self.table.value = sweep_table(table, self.result["words"])
        chart = sweep_chart(self.result, costs)
        self.chart.value = chart.html()
        self.text.value = f"<p><b>Capacity sweep.</b> {escape(chart.summary)}</p>"
        csv = spreadsheet_safe(table).to_csv(index=False).encode("utf-8")
        self.files.value = download_link(csv, "capacity_sweep.csv", "download the table (CSV)")
