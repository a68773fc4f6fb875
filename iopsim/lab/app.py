"""The scenario lab: try a change to an IOP on screen, without code, before making it for real.

    from iopsim.lab import ScenarioLab
    ScenarioLab()                                        # in a notebook, or served by `python3 kit.py app`
    ScenarioLab(scenario_file="my_program.yaml").write_results("results/")   # the same, headless

An administrator changes parameters on the tabs (every scenario parameter is there, see
`iopsim.lab.form`), loads and saves scenario files, and presses Run: the key results come back
with their 95% intervals, as a table and a chart.  Named scenarios are compared side by side
with a baseline (paired differences and a verdict in words), and a capacity sweep runs one lever
(counsellors, seats per group, groups in a track, assessors) from one value to another.  Costs
are shown on request.  The HTML report and the CSV/Excel tables download from the page.

Every message goes on the page: a bad value or a bad file lists its problems, never a traceback.
This module imports ipywidgets and matplotlib; `import iopsim` never imports it.
"""

from __future__ import annotations

import base64
import functools
import math
import re
import sys
import tempfile
import time
import traceback
from html import escape
from pathlib import Path
from typing import Any, Callable

import ipywidgets as w

import iopsim

from iopsim.core.errors import ScenarioError
from iopsim.lab.form import ScenarioForm, label_of
from iopsim.core.scenario import Scenario
from iopsim.analysis.stats import HEADLINE

RESULT_KPIS = (
    "wait_referral_to_assessment_median_days",
    "wait_assessment_to_start_median_days",
    "lost_no_show",
    "lost_reneged",
    "lost_before_treatment_share",
    "admissions_per_year",
    "share_completed",
    "seat_utilisation",
    "counsellor_utilisation",
    "relapse_12m_after_discharge",
)
"""The results table and chart: waits, losses, admissions, completion, utilisation, relapse."""

CHART_KPIS = (*HEADLINE, "counsellor_utilisation")
"""The results chart: the headline KPIs (the table has them all; a chart row costs a fraction of a second)."""

COST_KPIS = ("staff_cost_per_week", "revenue_per_week", "cost_per_admission", "cost_per_completed_episode")
"""Added to the results when "show costs" is ticked."""

SWEEP_KPIS = (
    ("Waits (median days)", ("wait_referral_to_assessment_median_days", "wait_assessment_to_start_median_days")),
    ("Referrals lost before treatment", ("lost_before_treatment_share",)),
    ("Utilisation", ("seat_utilisation", "counsellor_utilisation")),
    ("Cost per completed episode", ("cost_per_completed_episode",)),
)
"""The capacity sweep's chart panels (the cost panel only with "show costs")."""

MAX_ALTERNATIVES = 4
MAX_SWEEP_POINTS = 12
CSS = """
<style>
.iop-lab table.iop-table { border-collapse: collapse; margin: 6px 0 10px; font-size: 14px; }
.iop-lab table.iop-table th, .iop-lab table.iop-table td { border-bottom: 1px solid #ccc; padding: 3px 8px;
  text-align: left; vertical-align: top; }
.iop-lab table.iop-table td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.iop-lab table.iop-table thead th { border-bottom: 2px solid #333; }
.iop-lab .better { color: #006b4f; font-weight: 600; } .iop-lab .worse { color: #a33f00; font-weight: 600; }
.iop-lab .iop-hint { color: #555; font-size: 12px; line-height: 1.3; }
.iop-lab .iop-problems { border-left: 4px solid #D55E00; background: #fff4ec; padding: 4px 10px; }
.iop-lab .iop-ok { border-left: 4px solid #009E73; background: #eefaf5; padding: 4px 10px; }
.iop-lab .iop-downloads a { margin-right: 14px; font-weight: 600; }
.iop-lab figure { margin: 6px 0; } .iop-lab figure img { max-width: 100%; height: auto; }
.iop-lab .lm-TabBar-tab { flex: 0 0 auto !important; min-width: 0; }
.iop-lab .widget-toggle-button.mod-active { background: #0072B2; color: white; }
</style>
"""


class ScenarioLab:
    """The lab as one widget: the form, file load/save, Run, results, comparison and sweep.

    scenario / scenario_file: what the form starts with (a bad file is reported on the page).
    reps, seed: the replications per scenario and the seed shown in the run bar.
    folder: where "Save" writes scenario files (default: the current folder).
    workers: passed to `iopsim.replicate` (None: every core).
    """

    def __init__(self, scenario: Scenario | None = None, *, scenario_file: Any = None, reps: int = 10,
                 seed: int = 1, folder: Any = ".", workers: int | None = None) -> None:
        self.folder = Path(folder)
        self.workers = workers
        self.load_error: ScenarioError | None = None
        self.experiment: Any = None
        self.comparison: Any = None
        self.sweep: dict[str, Any] | None = None
        self.shelf: dict[str, Scenario] = {}  # named scenarios to compare; the first is the baseline
        if scenario is None and scenario_file:
            try:
                scenario = Scenario.from_file(scenario_file)
            except ScenarioError as err:
                self.load_error = err
        self.form = ScenarioForm(scenario)
        self.message = _html("iop-message")

        # files
        self.upload = w.FileUpload(accept=".yaml,.yml,.json", multiple=False, description="Load a scenario file",
                                   layout=w.Layout(width="210px"))
        self.upload.add_class("iop-upload")
        self.upload.observe(self._guard(self._on_upload), "value")
        self.save_name = w.Text(value="my_program.yaml", description="Save as", layout=w.Layout(width="280px"),
                                tooltip="a file name in the working folder, ending in .yaml, .yml or .json")
        self.save_name.add_class("iop-save-name")
        save = self._button("Save", "iop-save", self._on_save, icon="save")
        reset = self._button("Back to defaults", "iop-reset", self._on_reset, icon="undo")
        files = w.HBox([self.upload, self.save_name, save, reset], layout=w.Layout(flex_flow="row wrap"))

        # run bar
        self.reps = w.BoundedIntText(value=reps, min=2, max=1000, description="Replications",
                                     tooltip="simulated years per scenario; more give narrower intervals",
                                     layout=w.Layout(width="200px"))
        self.reps.add_class("iop-reps")
        self.seed = w.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="Seed",
                                     tooltip="the same seed and scenario give the same results",
                                     layout=w.Layout(width="170px"))
        self.show_costs = w.Checkbox(value=True, description="show costs", indent=False,
                                     tooltip="staff cost and example fees (set them on the Costs tab)",
                                     layout=w.Layout(width="120px"))
        self.show_costs.add_class("iop-show-costs")
        self.show_costs.observe(self._guard(lambda _: self._redraw()), "value")
        self.run_button = self._button("Run", "iop-run", self._on_run, icon="play", style="primary")
        self.progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="240px"))
        self.progress.add_class("iop-progress")
        self.status = _html("iop-status")
        run_bar = w.HBox([self.reps, self.seed, self.show_costs, self.run_button, self.progress, self.status],
                         layout=w.Layout(flex_flow="row wrap", align_items="center", margin="8px 0"))

        # results
        self.result_text = _html("iop-results-text")
        self.result_table = _html("iop-results-table")
        self.result_chart = _html("iop-results-chart")
        self.result_files = _html("iop-downloads")
        report = self._button("Report and tables", "iop-report", self._on_report, icon="download",
                              tooltip="an HTML report to share, and the tables as CSV and Excel")
        results = w.VBox([self.result_text, self.result_table, self.result_chart, w.HBox([report, self.result_files])])

        # comparison
        self.compare_name = w.Text(placeholder="a short name, e.g. second evening group", description="Name",
                                   layout=w.Layout(width="360px"))
        self.compare_name.add_class("iop-compare-name")
        add = self._button("Add the scenario on the form", "iop-compare-add", self._on_add, icon="plus",
                           layout=w.Layout(width="250px"))
        self.shelf_box = w.VBox()
        self.compare_button = self._button("Compare", "iop-compare", self._on_compare, icon="balance-scale",
                                           style="primary")
        self.compare_kpi = w.Dropdown(description="Chart of", layout=w.Layout(width="460px"))
        self.compare_kpi.observe(self._guard(lambda _: self._draw_comparison_chart()), "value")
        self.compare_text = _html("iop-compare-text")
        self.compare_table = _html("iop-compare-table")
        self.compare_chart = _html("iop-compare-chart")
        self.compare_files = _html("iop-downloads")
        compare_report = self._button("Report and tables", "iop-compare-report", self._on_compare_report,
                                      icon="download")
        comparing = w.VBox([
            w.HTML("<p>Add each version of the program under a name: the first is the <b>baseline</b>, up to "
                   f"{MAX_ALTERNATIVES} others are compared with it, replication by replication, with the same "
                   "simulated clients (paired differences).</p>"),
            w.HBox([self.compare_name, add]), self.shelf_box, self.compare_button, self.compare_text,
            self.compare_table, self.compare_kpi, self.compare_chart, w.HBox([compare_report, self.compare_files])])

        # capacity sweep
        self.lever = w.Dropdown(description="Change", layout=w.Layout(width="420px"))
        self.lever.add_class("iop-lever")
        self.lever.observe(self._guard(self._on_lever), "value")
        self.sweep_from = w.BoundedIntText(value=1, min=0, max=100, description="from",
                                           layout=w.Layout(width="150px"))
        self.sweep_to = w.BoundedIntText(value=4, min=0, max=100, description="to", layout=w.Layout(width="150px"))
        self.sweep_from.add_class("iop-sweep-from")
        self.sweep_to.add_class("iop-sweep-to")
        sweep_button = self._button("Run the sweep", "iop-sweep", self._on_sweep, icon="line-chart",
                                    style="primary")
        self.sweep_text = _html("iop-sweep-text")
        self.sweep_table = _html("iop-sweep-table")
        self.sweep_chart = _html("iop-sweep-chart")
        self.sweep_files = _html("iop-downloads")
        sweeping = w.VBox([
            w.HTML("<p>Run the scenario on the form with one kind of capacity set to each value from one number "
                   "to another (same simulated clients at every value).</p>"),
            w.HBox([self.lever, self.sweep_from, self.sweep_to, sweep_button],
                   layout=w.Layout(flex_flow="row wrap")),
            self.sweep_text, self.sweep_table, self.sweep_chart, self.sweep_files])

        self.outputs = w.Tab(children=[results, comparing, sweeping],
                             titles=["Results", "Compare scenarios", "Capacity sweep"])
        self.outputs.add_class("iop-outputs")
        self.outputs.observe(self._guard(lambda _: self._refresh_levers()), "selected_index")
        self.buttons = [save, reset, self.run_button, report, add, self.compare_button, compare_report, sweep_button]
        self.widget = w.VBox([w.HTML(CSS), files, self.form.widget, self.message, run_bar, self.outputs])
        self.widget.add_class("iop-lab")
        self._refresh_levers()
        self._draw_shelf()
        if self.load_error is not None:
            self._problems(self.load_error)

    # ------------------------------------------------------------------ display, batch
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def write_results(self, out: Any) -> dict[str, Path]:
        """Run the form's scenario and write report.html, results.xlsx and CSV files to `out`.

        For batch use (papermill): raises ScenarioError when the scenario file or form is invalid.
        Prints the key results and the files written; returns name -> path."""
        from iopsim.present.report import experiment_report, export_tables, summary_text

        if self.load_error is not None:
            raise self.load_error
        out = Path(out)
        scenario = self.form.to_scenario()
        experiment = iopsim.replicate(scenario, reps=self.reps.value, seed=self.seed.value, workers=self.workers,
                                      out=out, progress=False)
        self.experiment = experiment
        self._draw_results()
        written = {"report.html": experiment_report(experiment, out / "report.html"),
                   **export_tables(experiment, out)}
        print(f"{scenario.name}: {experiment.reps} replications, seed {self.seed.value}\n")
        print(summary_text(experiment.summary, self.kpis()))
        print("\nWritten: " + ", ".join(str(p) for p in written.values()))
        return written

    def kpis(self) -> tuple[str, ...]:
        """The KPIs shown: the key ones, and the cost ones when "show costs" is ticked."""
        return RESULT_KPIS + (COST_KPIS if self.show_costs.value else ())

    # ------------------------------------------------------------------ files
    def _on_upload(self, change: Any) -> None:
        files = change["new"]
        if not files:
            return
        upload = files[0]
        name = Path(str(upload["name"])).name
        with tempfile.TemporaryDirectory(prefix="iopsim-lab-") as tmp:
            path = Path(tmp) / (name if Path(name).suffix else name + ".yaml")
            path.write_bytes(bytes(upload["content"]))
            try:
                scenario = Scenario.from_file(path)
            except ScenarioError as err:
                err.source = name  # the file's own name, not the temporary copy's path
                err.problems = [p._replace(value=name) if p.value == str(path) else p for p in err.problems]
                self._problems(err)
                return
            finally:
                self.upload.value = ()  # choosing the same file again loads it again
        self.form.set(scenario)
        self.load_error = None
        self._refresh_levers()
        self._ok(f"Loaded {name}: {scenario.name}.")

    def _on_save(self, _: Any) -> None:
        name = self.save_name.value.strip()
        if not re.fullmatch(r"[\w][\w .()-]*", name) or name.endswith((" ", ".")):
            self._problem_text(f"'{name}' cannot be a file name here: use letters, digits, spaces, '-', '_' "
                               "and '.', ending in .yaml, .yml or .json (no folders).")
            return
        if not name.lower().endswith((".yaml", ".yml", ".json")):
            name += ".yaml"
        scenario = self._scenario()
        if scenario is None:
            return
        path = self.folder / name
        existed = path.exists()
        scenario.to_file(path)
        self.save_name.value = name
        link = download_link(path.read_bytes(), name, "text/yaml" if not name.endswith(".json") else
                             "application/json", f"download {name}")
        self._ok(f"Saved the scenario to {escape(str(path))}{' (replacing the file there)' if existed else ''}. "
                 f"<span class='iop-downloads'>{link}</span>", html=True)

    def _on_reset(self, _: Any) -> None:
        self.form.set(Scenario())
        self._refresh_levers()
        self._ok("The form shows the built-in default program again.")

    # ------------------------------------------------------------------ run
    def _on_run(self, _: Any) -> None:
        scenario = self._scenario()
        if scenario is None:
            return
        started = time.perf_counter()
        reps = self.reps.value
        self._start(reps, f"running {reps} replications...")
        self.experiment = iopsim.replicate(scenario, reps=reps, seed=self.seed.value, workers=self.workers,
                                           progress=self._progress)
        self.result_files.value = ""
        self._draw_results()
        self.outputs.selected_index = 0
        self._done(f"{reps} replications in {time.perf_counter() - started:.1f} s")

    def _draw_results(self) -> None:
        from iopsim.present import plots

        exp = self.experiment
        if exp is None:
            return
        names = [k for k in self.kpis() if k in exp.summary.index]
        self.result_table.value = summary_table(exp.summary, names)
        drawn = [k for k in CHART_KPIS + ("cost_per_completed_episode",) if k in names]
        chart = plots.kpi_intervals(exp.summary, drawn, title=f"{exp.scenario.name}: mean and 95% interval "
                                                               f"over {exp.reps} replications")
        self.result_chart.value = chart.html()  # its caption gives every number in words
        self.result_text.value = f"<p>{escape(run_words(exp))}</p>"

    def _on_report(self, _: Any) -> None:
        from iopsim.present.report import experiment_report, export_tables

        if self.experiment is None:
            self._problem_text("Press Run first: the report describes the last run.")
            return
        self.result_files.value = self._files(lambda folder: {
            "report.html": experiment_report(self.experiment, folder / "report.html"),
            **export_tables(self.experiment, folder)})

    # ------------------------------------------------------------------ comparison
    def _on_add(self, _: Any) -> None:
        scenario = self._scenario()
        if scenario is None:
            return
        name = self.compare_name.value.strip() or scenario.name
        if name not in self.shelf and len(self.shelf) > MAX_ALTERNATIVES:
            self._problem_text(f"A comparison holds a baseline and up to {MAX_ALTERNATIVES} alternatives: "
                               "remove one first.")
            return
        replaced = name in self.shelf
        self.shelf[name] = scenario
        self.compare_name.value = ""
        self._draw_shelf()
        role = "the baseline" if next(iter(self.shelf)) == name else "an alternative"
        self._ok(f"{'Replaced' if replaced else 'Added'} '{escape(name)}' as {role}.", html=True)

    def _draw_shelf(self) -> None:
        rows = []
        for i, name in enumerate(self.shelf):
            show = self._button("show on the form", "iop-shelf-show", functools.partial(self._on_show, name),
                                layout=w.Layout(width="150px"))
            first = self._button("make baseline", "iop-shelf-baseline", functools.partial(self._on_baseline, name),
                                 layout=w.Layout(width="130px"), disabled=i == 0)
            remove = self._button("remove", "iop-shelf-remove", functools.partial(self._on_remove, name),
                                  layout=w.Layout(width="90px"))
            role = "baseline" if i == 0 else f"alternative {i}"
            rows.append(w.HBox([w.HTML(f"<b>{escape(name)}</b> ({role})", layout=w.Layout(width="360px")),
                                show, first, remove]))
        if not rows:
            rows = [w.HTML("<i>No scenarios added yet.</i>")]
        self.shelf_box.children = rows
        self.compare_button.disabled = len(self.shelf) < 2

    def _on_show(self, name: str, _: Any) -> None:
        self.form.set(self.shelf[name])
        self._refresh_levers()
        self._ok(f"The form shows '{escape(name)}'.", html=True)

    def _on_baseline(self, name: str, _: Any) -> None:
        self.shelf = {name: self.shelf[name], **{k: v for k, v in self.shelf.items() if k != name}}
        self._draw_shelf()

    def _on_remove(self, name: str, _: Any) -> None:
        del self.shelf[name]
        self._draw_shelf()

    def _on_compare(self, _: Any) -> None:
        if len(self.shelf) < 2:
            self._problem_text("Add a baseline and at least one alternative first.")
            return
        started = time.perf_counter()
        names = list(self.shelf)
        reps = self.reps.value
        self._start(reps * len(names), f"comparing {len(names)} scenarios, {reps} replications each...")
        self.comparison = iopsim.compare(*self.shelf.values(), reps=reps, seed=self.seed.value, names=names,
                                         workers=self.workers, progress=self._progress)
        self.compare_files.value = ""
        self._draw_comparison()
        self.outputs.selected_index = 1
        self._done(f"{len(names)} scenarios x {reps} replications in {time.perf_counter() - started:.1f} s")

    def _draw_comparison(self) -> None:
        cmp = self.comparison
        if cmp is None:
            return
        names = [k for k in self.kpis() if k in set(cmp.differences.index.get_level_values(-1))]
        self.compare_table.value = comparison_table(cmp, names)
        options = [(_label(k), k) for k in names]
        current = self.compare_kpi.value
        self.compare_kpi.options = options
        self.compare_kpi.value = current if current in names else names[0]
        self._draw_comparison_chart()
        verdicts = getattr(cmp, "verdicts", {}) or {}  # the words last: what a reader (or a test) waits for
        items = "".join(f"<li><b>{escape(str(n))}:</b> {escape(str(v))}</li>" for n, v in verdicts.items())
        self.compare_text.value = (f"<p><b>Compared with '{escape(_baseline(cmp))}'</b> (same simulated clients, "
                                   f"{_reps(cmp)} replications each):</p><ul>{items}</ul>")

    def _draw_comparison_chart(self) -> None:
        from iopsim.present import plots

        cmp, kpi = self.comparison, self.compare_kpi.value
        if cmp is None or kpi is None:
            return
        chart = plots.comparison_intervals(cmp.differences, kpi, baseline=_baseline(cmp))
        self.compare_chart.value = chart.html()

    def _on_compare_report(self, _: Any) -> None:
        from iopsim.present.report import comparison_report, export_tables

        if self.comparison is None:
            self._problem_text("Press Compare first: the report describes the last comparison.")
            return
        self.compare_files.value = self._files(lambda folder: {
            "report.html": comparison_report(self.comparison, folder / "report.html"),
            **export_tables(self.comparison, folder)})

    # ------------------------------------------------------------------ capacity sweep
    def levers(self) -> list[tuple[str, str]]:
        """(words, lever) for the sweep: counsellors, seats per group, groups in each track, assessors."""
        tracks = self.form.fields["tracks.tracks"].get()
        return [("IOP counsellors", "staff.iop_counsellors"),
                ("seats per group (group cap, every track)", "group_cap"),
                *((f"groups in the '{t['name']}' track", f"tracks.tracks[{i}].groups") for i, t in enumerate(tracks)),
                ("assessors", "intake.assessors"),
                ("outpatient counsellors", "staff.op_counsellors")]

    def _refresh_levers(self) -> None:
        """The sweep's levers for the tracks on the form, keeping the lever chosen if it is still there."""
        current = self.lever.value
        options = self.levers()
        self.lever.options = options
        self.lever.value = current if current in [v for _, v in options] else options[0][1]

    def _on_lever(self, change: Any) -> None:
        lever = change["new"]
        if lever is None:
            return
        low, high = lever_limits(lever)
        now = self.form.leaves()[lever_paths(lever, 1)[0]].get()
        for box in (self.sweep_from, self.sweep_to):
            box.min, box.max = min(low, box.min), max(high, box.max)  # widen first: min never above max
            box.min, box.max = low, high
        self.sweep_from.value = max(low, now - 1)
        self.sweep_to.value = min(high, now + 2)

    def _on_sweep(self, _: Any) -> None:
        from iopsim.analysis.comparison import run_scenarios

        scenario = self._scenario()
        if scenario is None:
            return
        lever, a, b = self.lever.value, self.sweep_from.value, self.sweep_to.value
        values = list(range(min(a, b), max(a, b) + 1))
        if len(values) > MAX_SWEEP_POINTS:
            self._problem_text(f"A sweep runs at most {MAX_SWEEP_POINTS} values; {values[0]} to {values[-1]} "
                               f"is {len(values)}. Narrow the range.")
            return
        try:
            scenarios = [with_lever(scenario, lever, v) for v in values]
        except ScenarioError as err:
            self._problems(err)
            return
        started = time.perf_counter()
        reps = self.reps.value
        self._start(reps * len(values), f"running {len(values)} values x {reps} replications...")
        experiments = run_scenarios(scenarios, reps=reps, seed=self.seed.value, workers=self.workers,
                                    scheduler=None, progress=self._progress)
        self.sweep = {"lever": lever, "words": self.lever.label, "values": values, "experiments": experiments}
        self._draw_sweep()
        self.outputs.selected_index = 2
        self._done(f"{len(values)} values x {reps} replications in {time.perf_counter() - started:.1f} s")

    def _draw_sweep(self) -> None:
        if self.sweep is None:
            return
        table = sweep_frame(self.sweep, self.show_costs.value)
        self.sweep_table.value = sweep_table(table, self.sweep["words"])
        chart = sweep_chart(self.sweep, self.show_costs.value)
        self.sweep_chart.value = chart.html()
        self.sweep_text.value = f"<p><b>Capacity sweep.</b> {escape(chart.summary)}</p>"
        csv = table.to_csv(index=False).encode("utf-8")
        self.sweep_files.value = download_link(csv, "capacity_sweep.csv", "text/csv", "download the table (CSV)")

    # ------------------------------------------------------------------ helpers
    def _redraw(self) -> None:
        self._draw_results()
        self._draw_comparison()
        self._draw_sweep()

    def _scenario(self) -> Scenario | None:
        """The form's scenario, or None after listing its problems on the page."""
        try:
            scenario = self.form.to_scenario()
        except ScenarioError as err:
            self._problems(err)
            return None
        self.message.value = ""
        return scenario

    def _problems(self, err: ScenarioError) -> None:
        items = []
        for p in err.problems:
            where = _where(p.path, self.form)
            items.append(f"<li>{escape(where)}: got {escape(_short(p.value))}; allowed: {escape(p.allowed)}</li>")
        n = len(err.problems)
        head = f"{err.source}: " if err.source else ""
        self.message.value = (f"<div class='iop-problems'><b>{escape(head)}The scenario has {n} "
                              f"problem{'s' if n != 1 else ''}</b> (nothing was run or changed):"
                              f"<ul>{''.join(items)}</ul></div>")

    def _problem_text(self, text: str) -> None:
        self.message.value = f"<div class='iop-problems'>{escape(text)}</div>"

    def _ok(self, text: str, html: bool = False) -> None:
        self.message.value = f"<div class='iop-ok'>{text if html else escape(text)}</div>"

    def _start(self, total: int, words: str) -> None:
        self.progress.max, self.progress.value = max(total, 1), 0
        self.progress.bar_style = ""
        self.status.value = escape(words)
        for b in self.buttons:
            b.disabled = True

    def _done(self, words: str) -> None:
        self.progress.value = self.progress.max
        self.progress.bar_style = "success"
        self.status.value = escape(f"Done: {words}.")

    def _progress(self, done: int, total: int) -> None:
        """Called by iopsim after each replication (the page's bar moves while the kernel works)."""
        self.progress.max, self.progress.value = max(total, 1), min(done, total)

    def _files(self, write: Callable[[Path], dict[str, Path]]) -> str:
        """Write files into a temporary folder and return download links to them."""
        types = {".html": "text/html", ".csv": "text/csv",
                 ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        with tempfile.TemporaryDirectory(prefix="iopsim-lab-") as tmp:
            written = write(Path(tmp))
            links = [download_link(p.read_bytes(), p.name, types.get(p.suffix, "application/octet-stream"), p.name)
                     for p in written.values()]
        return "<span class='iop-downloads'>Download: " + " ".join(links) + "</span>"

    def _button(self, text: str, css: str, handler: Callable[..., None], *, icon: str = "", style: str = "",
                layout: w.Layout | None = None, tooltip: str = "", disabled: bool = False) -> w.Button:
        button = w.Button(description=text, icon=icon, button_style=style, tooltip=tooltip, disabled=disabled,
                          layout=layout or w.Layout(width="auto"))
        button.add_class(css)
        button.on_click(self._guard(handler))
        return button

    def _guard(self, handler: Callable[..., None]) -> Callable[..., None]:
        """A callback that reports any failure on the page (never a traceback) and re-enables buttons."""
        @functools.wraps(handler)
        def guarded(*args: Any) -> None:
            try:
                handler(*args)
            except ScenarioError as err:
                self._problems(err)
            except Exception as exc:  # noqa: BLE001 - the page must say what went wrong, whatever it was
                traceback.print_exc(file=sys.__stderr__)  # for whoever runs the server
                self._problem_text(f"Something went wrong: {type(exc).__name__}: {exc}")
                self.status.value = ""
                self.progress.bar_style = "danger"
            finally:
                for b in getattr(self, "buttons", []):
                    b.disabled = False
                if hasattr(self, "compare_button"):
                    self.compare_button.disabled = len(self.shelf) < 2
        return guarded


# ------------------------------------------------------------------------ sweep levers
def lever_paths(lever: str, tracks: int) -> list[str]:
    """The parameters a lever sets: 'group_cap' is every track's group cap, others are one path."""
    return [f"tracks.tracks[{i}].group_cap" for i in range(tracks)] if lever == "group_cap" else [lever]


def lever_limits(lever: str) -> tuple[int, int]:
    """The allowed range of the field a lever sets."""
    from iopsim.core import parameters

    p = parameters.info(lever_paths(lever, 1)[0])
    return int(p.low), int(p.high)


def with_lever(scenario: Scenario, lever: str, value: int) -> Scenario:
    """`scenario` with the lever set to `value` (validated: a ScenarioError says what is wrong)."""
    from iopsim.core import parameters

    return parameters.replace(scenario, dict.fromkeys(lever_paths(lever, len(scenario.tracks.tracks)), value))


def sweep_frame(sweep: dict[str, Any], costs: bool) -> Any:
    """One row per lever value: seats, then each swept KPI's mean and 95% interval (columns named as
    `iopsim.grid` names them: <kpi>_mean, <kpi>_ci_low, <kpi>_ci_high)."""
    import pandas as pd

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


def _sweep_panels(costs: bool) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return SWEEP_KPIS if costs else tuple(p for p in SWEEP_KPIS if "cost_per_completed_episode" not in p[1])


def sweep_chart(sweep: dict[str, Any], costs: bool) -> Any:
    """Panels of the swept KPIs against the lever, each point with its 95% interval, and a summary line."""
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from iopsim.present import plots
    from iopsim.analysis.kpis import BY_NAME
    from iopsim.present.report import format_value

    table = sweep_frame(sweep, costs)
    words, values = sweep["words"], sweep["values"]
    panels = _sweep_panels(costs)
    colours = [plots.OKABE_ITO[c] for c in ("blue", "orange")]
    markers = ("o", "s")
    parts = []
    with mpl.rc_context(plots.STYLE):
        fig = Figure(figsize=(plots.WIDTH, 3.2 * math.ceil(len(panels) / 2)), dpi=plots.DPI, layout="constrained")
        axes = fig.subplots(math.ceil(len(panels) / 2), 2, squeeze=False).ravel()
        for ax, (title, names) in zip(axes, panels):
            for j, name in enumerate(names):
                unit = BY_NAME[name].unit
                scale = 100 if unit == "share" else 1
                mean = table[f"{name}_mean"].to_numpy(dtype=float) * scale
                low = table[f"{name}_ci_low"].to_numpy(dtype=float) * scale
                high = table[f"{name}_ci_high"].to_numpy(dtype=float) * scale
                err = [mean - low, high - mean]
                ax.errorbar(values, mean, yerr=err, marker=markers[j], color=colours[j], capsize=5, linewidth=2,
                            label=_label(name))
                first, last = table[f"{name}_mean"].iloc[0], table[f"{name}_mean"].iloc[-1]
                parts.append(f"{_label(name)} {format_value(first, unit)} at {values[0]} and "
                             f"{format_value(last, unit)} at {values[-1]}")
            ax.set_title(title, loc="left")
            ax.set_xlabel(words)
            ax.set_xticks(values)
            if BY_NAME[names[0]].unit == "share":
                ax.set_ylabel("%")
            elif BY_NAME[names[0]].unit.startswith("$"):
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"${v:,.0f}"))
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


# ------------------------------------------------------------------------ HTML pieces
def run_words(exp: Any) -> str:
    """'Results for "X": 10 replications (seed 1), each 365 days after a 91-day warm-up.'"""
    run = exp.scenario.run
    text = (f"Results for '{exp.scenario.name}': {exp.reps} replications (seed {exp.seed}), each "
            f"{run.horizon_days:g} days after a {run.warm_up_days:g}-day warm-up.")
    if exp.reps < 5:
        text += " With so few replications the intervals are wide: use 10 or more before deciding anything."
    return text



def summary_table(summary: Any, names: Any) -> str:
    """KPI, mean, 95% interval and unit, as an HTML table."""
    from iopsim.present.report import format_interval, format_value, unit_label

    rows = []
    for name in names:
        r = summary.loc[name]
        unit = str(r.get("unit", ""))
        rows.append(f"<tr><td>{escape(_label(name))}</td><td class='num'>{escape(format_value(r['mean'], unit))}</td>"
                    f"<td class='num'>{escape(format_interval(r['ci_low'], r['ci_high'], unit))}</td>"
                    f"<td>{escape(unit_label(unit))}</td></tr>")
    return ("<table class='iop-table'><thead><tr><th>Measure</th><th>Mean</th><th>95% interval</th><th>Unit</th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def comparison_table(cmp: Any, names: Any) -> str:
    """Side by side: each scenario's mean, and each alternative's paired difference from the baseline."""
    from iopsim.present.report import direction_words, format_interval, format_value

    experiments = dict(cmp.experiments)
    scenario_names = list(experiments)
    head = "".join(f"<th>{escape(str(n))}</th>" for n in scenario_names)
    head += "".join(f"<th>{escape(str(n))} minus {escape(scenario_names[0])} (95% interval)</th>"
                    for n in scenario_names[1:])
    rows = []
    for name in names:
        unit = str(experiments[scenario_names[0]].summary.loc[name].get("unit", ""))
        cells = [f"<td class='num'>{escape(format_value(e.summary.loc[name]['mean'], unit))}</td>"
                 for e in experiments.values()]
        for alternative in scenario_names[1:]:
            d = cmp.differences.loc[(alternative, name)]
            words = direction_words(d, name)
            css = "better" if words == "better" else "worse" if words == "worse" else ""
            cells.append(f"<td class='num'>{escape(format_value(d['mean_diff'], unit, signed=True))} "
                         f"({escape(format_interval(d['ci_low'], d['ci_high'], unit, signed=True, with_unit=False))})"
                         f" <span class='{css}'>{escape(words)}</span></td>")
        rows.append(f"<tr><td>{escape(_label(name))}</td>{''.join(cells)}</tr>")
    return (f"<div style='overflow-x:auto'><table class='iop-table'><thead><tr><th>Measure</th>{head}</tr></thead>"
            "<tbody>" + "".join(rows) + "</tbody></table></div>")


def sweep_table(table: Any, words: str) -> str:
    from iopsim.analysis.kpis import BY_NAME
    from iopsim.present.report import format_interval, format_value

    names = [c[:-len("_mean")] for c in table.columns if c.endswith("_mean")]
    head = "".join(f"<th>{escape(_label(n))}</th>" for n in names)
    rows = []
    for _, r in table.iterrows():
        cells = "".join(
            f"<td class='num'>{escape(format_value(r[n + '_mean'], BY_NAME[n].unit))}<br><small>"
            f"{escape(format_interval(r[n + '_ci_low'], r[n + '_ci_high'], BY_NAME[n].unit))}</small></td>"
            for n in names)
        rows.append(f"<tr><td class='num'>{int(r[words])}</td><td class='num'>{int(r['seats'])}</td>{cells}</tr>")
    return (f"<table class='iop-table'><thead><tr><th>{escape(words)}</th><th>Seats</th>{head}</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table><p class='iop-hint'>Each cell: mean, and below it the 95% "
              "interval.</p>")


def download_link(data: bytes, name: str, mime: str, text: str) -> str:
    """A link that downloads `data` as a file named `name`, carried in the page itself (no server files)."""
    href = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return f"<a download='{escape(name, quote=True)}' href='{href}'>{escape(text)}</a>"


def _where(path: str, form: ScenarioForm) -> str:
    """Where a problem is on the page: 'Demand > Source shares (referrals.source_shares)',
    'Tracks and schedule > Tracks, track 2 (tracks.tracks[1])'; the path alone if no field matches."""
    fields = {**form.fields, **form.leaves()}
    match = max((p for p in fields if path == p or path.startswith((p + ".", p + "["))), key=len, default=None)
    if match is None:
        return path
    words = label_of(match)
    item = re.match(r"\[(\d+)\]", path[len(match):])
    if item:
        words += f", {match.rsplit('.', 1)[-1].rstrip('s')} {int(item.group(1)) + 1}"
    tab = form.tab_of(match)
    return f"{tab} > {words} ({path})" if tab else f"{words} ({path})"


def _label(name: str) -> str:
    from iopsim.present.report import label

    return label(name)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "..."


def _baseline(cmp: Any) -> str:
    return str(next(iter(dict(cmp.experiments))))


def _reps(cmp: Any) -> int:
    return next(iter(dict(cmp.experiments).values())).reps


def _html(css: str) -> w.HTML:
    widget = w.HTML()
    widget.add_class(css)
    return widget
