"""The lab's Compare tab: named scenarios on a shelf, the first the baseline, compared in pairs.

Each alternative is run with the same simulated clients as the baseline (paired differences), with
replications added until each headline verdict is known (``iopsim.analysis.precision``); the tab
shows the verdicts and each change in words, the scenarios side by side, a chart of one KPI's
differences, and files.

This module imports ipywidgets; `import iopsim` never imports it.
"""

from __future__ import annotations

import functools
import time
from html import escape
from typing import Any

import ipywidgets as w

from iopsim.analysis.catalogue import label
from iopsim.analysis.comparison import Comparison
from iopsim.analysis.precision import compare_to_precision
from iopsim.core.labels import change_words
from iopsim.core.scenario import Scenario
from iopsim.lab.page import Page, download_files, html_widget
from iopsim.lab.tables import comparison_table
from iopsim.present import html, plots
from iopsim.present.report import precision_words, reps_words, write_results

MAX_ALTERNATIVES = 4


class CompareTab:
    """The shelf of named scenarios, the Compare button and what it shows."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.comparison: Comparison | None = None
        self.shelf: dict[str, Scenario] = {}  # named scenarios to compare; the first is the baseline
        self.name = w.Text(placeholder="a short name, e.g. second evening group", description="Name",
                           layout=w.Layout(width="360px"))
        self.name.add_class("iop-compare-name")
        add = page.button("Add the scenario on the form", "iop-compare-add", self.on_add, icon="plus",
                          layout=w.Layout(width="250px"))
        self.shelf_box = w.VBox()
        self.button = page.button("Compare", "iop-compare", self.on_compare, icon="balance-scale", style="primary")
        self.kpi = w.Dropdown(description="Chart of", layout=w.Layout(width="460px"))
        self.kpi.observe(page.guard(lambda _: self.draw_chart()), "value")
        self.text = html_widget("iop-compare-text")
        self.table = html_widget("iop-compare-table")
        self.chart = html_widget("iop-compare-chart")
        self.files = html_widget("iop-downloads")
        report = page.button("Report and tables", "iop-compare-report", self.on_report, icon="download")
        self.widget = w.VBox([
            w.HTML("<p>Add each version of the program under a name: the first is the <b>baseline</b>, up to "
                   f"{MAX_ALTERNATIVES} others are compared with it, replication by replication, with the same "
                   "simulated clients (paired differences).</p>"),
            w.HBox([self.name, add]), self.shelf_box, self.button, self.text,
            self.table, self.kpi, self.chart, w.HBox([report, self.files])])
        page.buttons += [add, self.button, report]
        page.settled.append(self.settle)
        self.draw_shelf()

    def settle(self) -> None:
        """Compare needs a baseline and an alternative."""
        self.button.disabled = len(self.shelf) < 2

    def on_add(self, _: Any) -> None:
        scenario = self.page.scenario()
        if scenario is None:
            return
        name = self.name.value.strip() or scenario.name
        if name not in self.shelf and len(self.shelf) > MAX_ALTERNATIVES:
            self.page.problem_text(f"A comparison holds a baseline and up to {MAX_ALTERNATIVES} alternatives: "
                                   "remove one first.")
            return
        replaced = name in self.shelf
        self.shelf[name] = scenario
        self.name.value = ""
        self.draw_shelf()
        role = "the baseline" if next(iter(self.shelf)) == name else "an alternative"
        self.page.ok(f"{'Replaced' if replaced else 'Added'} '{name}' as {role}.")

    def draw_shelf(self) -> None:
        button = self.page.button
        rows = []
        for i, name in enumerate(self.shelf):
            show = button("show on the form", "iop-shelf-show", functools.partial(self.on_show, name),
                          layout=w.Layout(width="auto", flex="0 0 auto"))
            first = button("make baseline", "iop-shelf-baseline", functools.partial(self.on_baseline, name),
                           layout=w.Layout(width="auto", flex="0 0 auto"), disabled=i == 0)
            remove = button("remove", "iop-shelf-remove", functools.partial(self.on_remove, name),
                            layout=w.Layout(width="auto", flex="0 0 auto"), tooltip=f"remove '{name}' from the comparison")
            role = "baseline" if i == 0 else f"alternative {i}"
            rows.append(w.HBox([w.HTML(f"<b>{escape(name)}</b> ({role})", layout=w.Layout(width="360px")),
                                show, first, remove]))
        if not rows:
            rows = [w.HTML("<i>No scenarios added yet.</i>")]
        self.shelf_box.children = rows
        self.settle()

    def on_show(self, name: str, _: Any) -> None:
        self.page.show_scenario(self.shelf[name])
        self.page.ok(f"The form shows '{name}'.")

    def on_baseline(self, name: str, _: Any) -> None:
        self.shelf = {name: self.shelf[name], **{k: v for k, v in self.shelf.items() if k != name}}
        self.draw_shelf()

    def on_remove(self, name: str, _: Any) -> None:
        del self.shelf[name]
        self.draw_shelf()

    def on_compare(self, _: Any) -> None:
        page = self.page
        if len(self.shelf) < 2:
            page.problem_text("Add a baseline and at least one alternative first.")
            return
        if not page.settings_ok():
            return
        started = time.perf_counter()
        names = list(self.shelf)
        reps = page.reps.value
        cap = max(reps, page.max_reps.value)
        page.start(cap * len(names), f"comparing {len(names)} scenarios: {reps} replications each, more where "
                                     f"a verdict needs them (up to {cap})...")
        self.comparison = compare_to_precision(*self.shelf.values(), reps=reps, max_reps=cap, seed=page.seed.value,
                                               names=names, workers=page.workers, progress=page.step)
        self.files.value = ""
        self.draw()
        page.select(self.widget)
        page.done(f"{len(names)} scenarios compared in {time.perf_counter() - started:.1f} s; replications: "
                  f"{reps_words(self.comparison)}")

    def draw(self) -> None:
        cmp = self.comparison
        if cmp is None:
            return
        names = [k for k in self.page.kpis() if k in set(cmp.differences.index.get_level_values(-1))]
        self.table.value = comparison_table(cmp, names)
        current = self.kpi.value
        self.kpi.options = [(label(k), k) for k in names]
        self.kpi.value = current if current in names else names[0]
        self.draw_chart()
        experiments = dict(cmp.experiments)
        base = next(iter(experiments.values())).scenario
        verdicts = [(str(n), str(v), change_words(base, experiments[n].scenario)) for n, v in cmp.verdicts.items()]
        # the words last: what a reader (or a test) waits for
        self.text.value = html.render("lab_verdicts.html", baseline=_baseline(cmp), reps=reps_words(cmp),
                                      precision=precision_words(cmp), verdicts=verdicts)

    def draw_chart(self) -> None:
        cmp, kpi = self.comparison, self.kpi.value
        if cmp is None or kpi is None:
            return
        self.chart.value = plots.comparison_intervals(cmp, kpi, baseline=_baseline(cmp)).html()

    def on_report(self, _: Any) -> None:
        if self.comparison is None:
            self.page.problem_text("Press Compare first: the report describes the last comparison.")
            return
        self.files.value = download_files(lambda folder: write_results(self.comparison, folder))


def _baseline(cmp: Comparison) -> str:
    return str(next(iter(dict(cmp.experiments))))
