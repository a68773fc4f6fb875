"""The scenario lab: try a change to an IOP on screen, without code, before making it for real.

    from iopsim.lab import ScenarioLab
    ScenarioLab()                                        # in a notebook, or served by `python3 kit.py app`
    ScenarioLab(scenario_file="my_program.yaml").write_results("results/")   # the same, headless

An administrator changes parameters on the tabs (every scenario parameter is there, see
`iopsim.lab.form`), loads and saves scenario files, and presses Run: the key results come back
with their 95% intervals, as a table and a chart.  "What limits you" relieves each constraint by
one step and names the one that binds.  Named scenarios are compared side by side
with a baseline (paired differences and a verdict in words), and a capacity sweep runs one lever
(counsellors, seats per group, groups in a track, assessors) from one value to another.  Costs
are shown on request.  The HTML report and the CSV/Excel tables download from the page.

Every message goes on the page: a bad value or a bad file lists its problems, never a traceback.
This module puts the page together; each part has a module of its own: `files_bar`, `form`,
`page` (run settings, messages, progress), `results_tab`, `limits_tab`, `compare_tab`, `sweep_tab` (with
`sweep` for its arithmetic and chart) and `tables` (the HTML tables).
This package imports ipywidgets and matplotlib; `import iopsim` never imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as w

from iopsim.core.errors import ScenarioError
from iopsim.core.scenario import Scenario
from iopsim.lab.compare_tab import CompareTab
from iopsim.lab.files_bar import FilesBar
from iopsim.lab.form import ScenarioForm
from iopsim.lab.limits_tab import LimitsTab
from iopsim.lab.page import Page
from iopsim.lab.preset_picker import preset_picker
from iopsim.lab.records_tab import TITLE as RECORDS_TITLE, RecordsTab
from iopsim.lab.results_tab import ResultsTab
from iopsim.lab.sweep_tab import SweepTab
from iopsim.present import html
from iopsim.present.report import write_results
from iopsim.present.text_tables import summary_text


class ScenarioLab:
    """The lab as one widget: the file bar, the preset picker, the form, the run bar, and the tabs (results, what
    limits you, compare, sweep, start from your records).

    scenario / scenario_file: what the form starts with (a bad file is reported on the page).
    reps, seed: the replications per scenario and the seed shown in the run bar.
    max_reps: the most replications Compare adds to a scenario while a verdict is still unknown.
    folder: where "Save" writes scenario files (default: the current folder).
    workers: passed to the runs (None: every core).
    """

    def __init__(self, scenario: Scenario | None = None, *, scenario_file: Any = None, reps: int = 10,
                 seed: int = 1, folder: Any = ".", workers: int | None = None, max_reps: int = 60) -> None:
        load_error = None
        if scenario is None and scenario_file:
            try:
                scenario = Scenario.from_file(scenario_file)
            except ScenarioError as err:
                load_error = err
        self.form = ScenarioForm(scenario)
        self.page = page = Page(self.form, reps=reps, seed=seed, workers=workers, max_reps=max_reps)
        self.message = page.message
        self.files = FilesBar(page, Path(folder), load_error)
        self.results = ResultsTab(page)
        self.limits = LimitsTab(page)
        self.compare = CompareTab(page)
        self.sweep = SweepTab(page)
        self.records = RecordsTab(page)
        self.tabs: list[tuple[str, Any]] = []
        for title, tab in (("Results", self.results), ("What limits you", self.limits),
                           ("Compare scenarios", self.compare), ("Capacity sweep", self.sweep),
                           (RECORDS_TITLE, self.records)):
            self.add_tab(title, tab)
        page.show_costs.observe(page.guard(lambda _: self.redraw()), "value")
        run_bar = w.HBox([page.reps, page.max_reps, page.seed, page.show_costs, self.results.run_button, page.progress, page.status],
                         layout=w.Layout(flex_flow="row wrap", align_items="center", margin="8px 0"))
        page.outputs.observe(page.guard(lambda _: self.sweep.refresh_levers()), "selected_index")
        self.presets = preset_picker(page.guard(page.show_scenario))
        self.widget = w.VBox([w.HTML(html.render("lab_style.html")), self.files.widget, self.presets, self.form.widget,
                              self.message, run_bar, page.outputs])
        self.widget.add_class("iop-lab")
        if load_error is not None:
            page.problems(load_error)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def write_results(self, out: Any) -> dict[str, Path]:
        """Run the form's scenario and write report.html, results.xlsx and CSV files to `out`.

        For batch use (papermill): raises ScenarioError when the scenario file or form is invalid.
        Prints the key results and the files written; returns name -> path."""
        if self.files.load_error is not None:
            raise self.files.load_error
        out = Path(out)
        scenario = self.form.to_scenario()
        experiment = self.results.run(scenario, out=out)
        written = write_results(experiment, out)
        print(f"{scenario.name}: {experiment.reps} replications, seed {self.page.seed.value}\n")
        print(summary_text(experiment.summary, self.page.kpis()))
        print("\nWritten: " + ", ".join(str(p) for p in written.values()))
        return written

    def add_tab(self, title: str, tab: Any) -> None:
        """Put a tab (an object with a ``widget`` and a ``draw()``) after the others; the lab's own four
        are added this way, and a new one needs nothing more."""
        self.tabs.append((title, tab))
        self.page.outputs.children = [*self.page.outputs.children, tab.widget]
        self.page.outputs.set_title(len(self.tabs) - 1, title)

    def redraw(self) -> None:
        """Draw every tab again (after "show costs" changes)."""
        for _, tab in self.tabs:
            tab.draw()
