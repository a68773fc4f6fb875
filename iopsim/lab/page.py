"""What every part of the lab shares: the form, the run settings, the message line and the progress bar.

The results, comparison and sweep tabs each take the `Page`; its `guard` wraps every callback so
that a failure becomes a message on the page (never a traceback) and the buttons come back.

This module imports ipywidgets; `import iopsim` never imports it.
"""

from __future__ import annotations

import base64
import functools
import sys
import tempfile
import traceback
from html import escape
from pathlib import Path
from typing import Any, Callable

import ipywidgets as w
from markupsafe import Markup

from iopsim.analysis import catalogue
from iopsim.core.errors import ScenarioError
from iopsim.core.formatting import show_value
from iopsim.core.scenario import Scenario
from iopsim.lab.form import ScenarioForm
from iopsim.present import html

FILE_TYPES = {".html": "text/html", ".csv": "text/csv", ".yaml": "text/yaml", ".yml": "text/yaml",
              ".json": "application/json",
              ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class Page:
    """The form, the run bar (replications, the most a comparison may add, seed, show costs, progress) and
    the message line.

    workers: passed to the runs (None: every core).
    """

    def __init__(self, form: ScenarioForm, *, reps: int, seed: int, workers: int | None, max_reps: int = 60) -> None:
        self.form = form
        self.workers = workers
        self.message = html_widget("iop-message")
        self.reps = w.IntText(value=reps, description="Replications",
                              tooltip="simulated years per scenario; more give narrower intervals",
                              layout=w.Layout(width="200px"))
        self.reps.add_class("iop-reps")
        self.max_reps = w.IntText(value=max(max_reps, reps), description="up to",
                                  tooltip="Compare adds replications, up to this many, until each verdict is known",
                                  layout=w.Layout(width="150px"))
        self.max_reps.add_class("iop-max-reps")
        self.seed = w.IntText(value=seed, description="Seed", tooltip="the same seed and scenario give the same results",
                              layout=w.Layout(width="170px"))
        self.seed.add_class("iop-seed")
        self.settings = (("Replications", self.reps, 2, 1000), ("Up to", self.max_reps, 2, 1000),
                         ("Seed", self.seed, 0, 2**31 - 1))
        """The run bar's numbers and their ranges: checked before a run, never clamped."""
        self.show_costs = w.Checkbox(value=True, description="show costs", indent=False,
                                     tooltip="staff cost and example fees (set them on the Costs tab)",
                                     layout=w.Layout(width="120px"))
        self.show_costs.add_class("iop-show-costs")
        self.progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="240px"))
        self.progress.add_class("iop-progress")
        self.status = html_widget("iop-status")
        self.outputs = w.Tab()
        self.outputs.add_class("iop-outputs")
        self.buttons: list[w.Button] = []  # disabled while a run works
        self.settled: list[Callable[[], None]] = []  # called after every callback, e.g. to re-disable a button
        self.form_shown: list[Callable[[], None]] = []  # called when the form shows another scenario

    def kpis(self) -> tuple[str, ...]:
        """The KPIs shown: the catalogue's RESULTS, and its COST_KPIS when "show costs" is ticked."""
        return catalogue.RESULTS + (catalogue.COST_KPIS if self.show_costs.value else ())

    def select(self, widget: w.Widget) -> None:
        """Show the output tab holding `widget` (each tab finds its own place, wherever it sits)."""
        self.outputs.selected_index = list(self.outputs.children).index(widget)

    def show_scenario(self, scenario: Scenario) -> None:
        """Put `scenario` on the form and tell whoever depends on it (the sweep's levers)."""
        self.form.set(scenario)
        for listener in self.form_shown:
            listener()

    def scenario(self) -> Scenario | None:
        """The form's scenario, or None after listing its problems on the page."""
        try:
            scenario = self.form.to_scenario()
        except ScenarioError as err:
            self.problems(err)
            return None
        self.message.value = ""
        return scenario

    def settings_ok(self) -> bool:
        """Whether the run bar's numbers are within their ranges; if not, a message names each one, what
        was typed and what is allowed (nothing is clamped)."""
        wrong = [f"{name}: got {box.value}; allowed: a whole number from {low:,} to {high:,}"
                 for name, box, low, high in self.settings if not low <= box.value <= high]
        if wrong:
            self.problem_text("Nothing was run. " + "; ".join(wrong) + ".")
        return not wrong

    # ------------------------------------------------------------------ messages
    def problems(self, err: ScenarioError) -> None:
        found = [(self.form.where(p.path), "nothing (the box is empty)" if p.value == "" else
                  show_value(p.value, exact=True, limit=160), p.allowed) for p in err.problems]
        self.message.value = html.render("lab_problems.html", source=err.source or "", problems=found)

    def problem_text(self, text: str) -> None:
        self.message.value = html.render("lab_message.html", kind="problems", text=text)

    def ok(self, text: str, markup: bool = False) -> None:
        """A message that all went well; ``markup``: ``text`` is HTML already escaped by the caller."""
        self.message.value = html.render("lab_message.html", kind="ok", text=Markup(text) if markup else text)

    # ------------------------------------------------------------------ progress
    def start(self, total: int, words: str) -> None:
        self.progress.max, self.progress.value = max(total, 1), 0
        self.progress.bar_style = ""
        self.status.value = escape(words)
        for b in self.buttons:
            b.disabled = True

    def done(self, words: str) -> None:
        self.progress.value = self.progress.max
        self.progress.bar_style = "success"
        self.status.value = escape(f"Done: {words}.")

    def step(self, done: int, total: int) -> None:
        """Called by iopsim after each replication (the page's bar moves while the kernel works)."""
        self.progress.max, self.progress.value = max(total, 1), min(done, total)

    # ------------------------------------------------------------------ widgets
    def button(self, text: str, css: str, handler: Callable[..., None], *, icon: str = "", style: str = "",
               layout: w.Layout | None = None, tooltip: str = "", disabled: bool = False) -> w.Button:
        """A button whose handler runs guarded (see `guard`)."""
        button = w.Button(description=text, icon=icon, button_style=style, tooltip=tooltip, disabled=disabled,
                          layout=layout or w.Layout(width="auto"))
        button.add_class(css)
        button.on_click(self.guard(handler))
        return button

    def guard(self, handler: Callable[..., None]) -> Callable[..., None]:
        """A callback that reports any failure on the page (never a traceback) and re-enables buttons."""
        @functools.wraps(handler)
        def guarded(*args: Any) -> None:
            try:
                handler(*args)
            except ScenarioError as err:
                self.problems(err)
            except Exception as exc:  # noqa: BLE001 - the page must say what went wrong, whatever it was
                traceback.print_exc(file=sys.__stderr__)  # for whoever runs the server
                self.problem_text(f"Something went wrong: {type(exc).__name__}: {exc}")
                self.status.value = ""
                self.progress.bar_style = "danger"
            finally:
                for b in self.buttons:
                    b.disabled = False
                for settle in self.settled:
                    settle()
        return guarded


def download_link(data: bytes, name: str, text: str) -> str:
    """A link that downloads `data` as a file named `name`, carried in the page itself (no server files)."""
    mime = FILE_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
    href = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return f"<a download='{escape(name, quote=True)}' href='{href}'>{escape(text)}</a>"


def download_files(write: Callable[[Path], dict[str, Path]]) -> str:
    """Write files into a temporary folder and return download links to them."""
    with tempfile.TemporaryDirectory(prefix="iopsim-lab-") as tmp:
        written = write(Path(tmp))
        links = [download_link(p.read_bytes(), p.name, p.name) for p in written.values()]
    return "<span class='iop-downloads'>Download: " + " ".join(links) + "</span>"


def html_widget(css: str) -> w.HTML:
    widget = w.HTML()
    widget.add_class(css)
    return widget
