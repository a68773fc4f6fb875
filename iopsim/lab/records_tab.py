"""The lab's "Start from your records" tab: upload a program's records, fit, see the fit, load it.

The records are read and checked as ``iopsim fit`` reads them (every problem by row and column
on the page); the scenario on the form is the base whose other parameters are kept; the fitted
scenario goes onto the form with one button, ready to run.  The records stay in the kernel's
memory: nothing is written but the report the administrator downloads.

This module imports ipywidgets; `import iopsim` never imports it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import ipywidgets as w

from iopsim.fitting.checks import check_fit, verdict
from iopsim.fitting.fit import Fit, fit
from iopsim.lab.page import Page, download_files, html_widget
from iopsim.present import html
from iopsim.present.fit_report import fit_report, observed_against_simulated
from iopsim.records.episodes import Records
from iopsim.records.problems import RecordsError
from iopsim.records.reading import read_records
from iopsim.records.synthetic import PROGRAM_FILE

TITLE = "Start from your records"
MIN_REPS, MAX_REPS = 5, 10  # simulated spans set beside the records: ranges not too wide, quick on a laptop


class RecordsTab:
    """Upload (or the synthetic example), Fit, the verdict and charts, and Load the fitted scenario."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.records: Records | None = None
        self.fitted: Fit | None = None
        self.upload = w.FileUpload(accept=".csv,.xlsx", multiple=False, description="Upload records")
        self.upload.add_class("iop-records-upload")
        self.upload.observe(page.guard(self.on_upload), "value")
        example = page.button("Use the example records (synthetic)", "iop-records-example", self.on_example,
                              icon="file-text")
        self.fit_button = page.button("Fit", "iop-records-fit", self.on_fit, icon="cogs", style="primary",
                                      disabled=True)
        self.load_button = page.button("Put the fitted scenario on the form", "iop-records-load", self.on_load,
                                       icon="upload", disabled=True)
        self.text = html_widget("iop-records-text")
        self.charts = html_widget("iop-records-charts")
        self.files = html_widget("iop-downloads")
        self.widget = w.VBox([
            w.HTML("<p>Upload your program's records (one row per episode, or a TEDS-D extract; the command "
                   "<code>iopsim records-template</code> writes the columns). <b>Fit</b> estimates what the records "
                   "can show and keeps the rest from the scenario on the form; the records are set beside the "
                   "fitted model. Nothing from the records is saved.</p>"),
            w.HBox([self.upload, example, self.fit_button, self.load_button], layout=w.Layout(flex_flow="row wrap")),
            self.text, self.charts, self.files])
        page.buttons += [example, self.fit_button, self.load_button]
        page.settled.append(self.settle)

    def draw(self) -> None:
        """Nothing here depends on "show costs": the fit's checks stay as drawn."""

    def settle(self) -> None:
        self.fit_button.disabled = self.records is None
        self.load_button.disabled = self.fitted is None

    def on_upload(self, change: Any) -> None:
        files = change["new"]
        if not files:
            return
        name = Path(str(files[0]["name"])).name
        try:
            with tempfile.TemporaryDirectory(prefix="iopsim-lab-") as tmp:
                path = Path(tmp) / name
                path.write_bytes(bytes(files[0]["content"]))
                self.take(read_records(path), name)
        except RecordsError as err:
            err.source = name  # the file's own name, not the temporary copy's
            self.records = self.fitted = None
            self.page.problem_text(str(err))
        finally:
            self.upload.value = ()

    def on_example(self, _: Any) -> None:
        self.take(read_records(PROGRAM_FILE), "the example records (synthetic)")

    def take(self, records: Records, name: str) -> None:
        self.records, self.fitted = records, None
        notes = f"; {len(records.warnings)} note(s): " + "; ".join(f"{w.path}: {w.allowed}" for w in records.warnings) \
            if records.warnings else ""
        self.page.ok(f"Read {name}: {len(records):,} episodes{notes}. Press Fit.")
        self.text.value = self.charts.value = self.files.value = ""

    def on_fit(self, _: Any) -> None:
        base = self.page.scenario()
        if base is None or self.records is None:
            return
        reps = min(max(self.page.reps.value, MIN_REPS), MAX_REPS)
        self.page.start(reps, "Fitting and comparing with the records...")
        self.fitted = fitted = fit(self.records, base, seed=self.page.seed.value)
        checks = check_fit(fitted, reps=reps, seed=self.page.seed.value)
        groups = list(dict.fromkeys(c.group for c in checks))
        self.text.value = html.render("lab_records.html", sentences=verdict(checks), summary=fitted.summary(),
                                      kept=len(fitted.kept))
        self.charts.value = "".join(observed_against_simulated([c for c in checks if c.group == g], g).html()
                                    for g in groups)
        self.files.value = download_files(lambda folder: {
            "fit_report.html": fit_report(fitted, checks, folder, reps=reps, seed=self.page.seed.value)})
        self.page.done(f"fitted {len(fitted.estimates)} estimates")

    def on_load(self, _: Any) -> None:
        if self.fitted is None:
            return
        self.page.show_scenario(self.fitted.scenario)
        self.page.ok(f"The form now shows '{self.fitted.scenario.name}'. Press Run to see its results.")
