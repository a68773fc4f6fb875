"""The lab's Results tab: Run the form's scenario, then its key results as a table, a chart and files.

This module imports ipywidgets; `import iopsim` never imports it.
"""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as w

from iopsim.analysis.experiment import Experiment, replicate
from iopsim.analysis import catalogue
from iopsim.core.scenario import Scenario
from iopsim.lab.page import Page, download_files, html_widget
from iopsim.lab.tables import run_words, summary_table
from iopsim.present import plots
from iopsim.present.report import write_results

CHART_KPIS = frozenset(catalogue.HEADLINE + catalogue.SWEEP)
"""The results chart: the headline KPIs and the sweep's staff use and cost per completed episode
(the table has every result; a chart row costs a fraction of a second)."""


class ResultsTab:
    """The Run button (in the run bar) and the Results tab it fills."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.experiment: Experiment | None = None
        self.run_button = page.button("Run", "iop-run", self.on_run, icon="play", style="primary")
        self.text = html_widget("iop-results-text")
        self.table = html_widget("iop-results-table")
        self.chart = html_widget("iop-results-chart")
        self.files = html_widget("iop-downloads")
        report = page.button("Report and tables", "iop-report", self.on_report, icon="download",
                             tooltip="an HTML report to share, and the tables as CSV and Excel")
        self.widget = w.VBox([self.text, self.table, self.chart, w.HBox([report, self.files])])
        page.buttons += [self.run_button, report]

    def run(self, scenario: Scenario, out: Path | None = None, progress: Any = False) -> Experiment:
        """Replicate `scenario` with the run bar's settings (saved in `out` if given) and draw the results."""
        page = self.page
        self.experiment = replicate(scenario, reps=page.reps.value, seed=page.seed.value, workers=page.workers,
                                    out=out, progress=progress)
        self.files.value = ""
        self.draw()
        return self.experiment

    def on_run(self, _: Any) -> None:
        scenario = self.page.scenario()
        if scenario is None or not self.page.settings_ok():
            return
        started = time.perf_counter()
        reps = self.page.reps.value
        self.page.start(reps, f"running {reps} replications...")
        self.run(scenario, progress=self.page.step)
        self.page.select(self.widget)
        self.page.done(f"{reps} replications in {time.perf_counter() - started:.1f} s")

    def draw(self) -> None:
        exp = self.experiment
        if exp is None:
            return
        names = [k for k in self.page.kpis() if k in exp.summary.index]
        self.table.value = summary_table(exp.summary, names)
        drawn = [k for k in names if k in CHART_KPIS]
        chart = plots.kpi_intervals(exp.summary, drawn, title=f"{exp.scenario.name}: mean and 95% interval "
                                                               f"over {exp.reps} replications")
        self.chart.value = chart.html()  # its caption gives every number in words
        self.text.value = f"<p>{escape(run_words(exp))}</p>"

    def on_report(self, _: Any) -> None:
        if self.experiment is None:
            self.page.problem_text("Press Run first: the report describes the last run.")
            return
        self.files.value = download_files(lambda folder: write_results(self.experiment, folder))
