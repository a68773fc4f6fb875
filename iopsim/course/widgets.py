"""Widget forms for the course notebooks: each widget sets one scenario field, each form builds one scenario.

    form = widgets.capacity_form()        # sliders and switches, each declared with the path it sets
    form.widget                           # display it
    scenario = form.scenario()            # a NEW validated Scenario, built by one call:
                                          # parameters.replace(form.base, {path: value, ...})

    panel = widgets.RunPanel(form, compute, draw)   # the form, a Run button, a progress bar,
    panel.widget                                    # the charts, a summary line

A control takes its limits, step, starting value and unit from the Scenario field it sets
(``parameters.info``), so it cannot offer a value the model refuses; a narrower range may be
asked for, never a wider one.  Paths are those of ``Scenario.replace``; the tracks, a list, are
reached by position (``tracks.tracks[1].groups`` is the evening track's groups) and applied by
``parameters.replace``, which rebuilds the tracks list and validates the whole scenario once.

Every widget here that calls back into Python carries ``session.stale_note`` (what to do when it
no longer answers, after a kernel restart).

Following JUPYTER.md: a run is started by a button, never by a live slider
(``continuous_update=False`` all the same); the charts are drawn into one ``Output`` cleared
with ``wait=True``; the callback is wrapped with ``Output.capture`` so errors show; and the
summary line under the charts (their text alternative) is written at the end of every redraw.

This module imports ipywidgets and IPython; ``import iopsim`` never imports it.
"""

from __future__ import annotations

import base64
import io
import math
import traceback
from dataclasses import dataclass, field
from html import escape
from typing import Any, Callable, Iterator, Sequence

import ipywidgets as w
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import imsave

from iopsim.analysis.run import simulate
from iopsim.core import parameters
from iopsim.core.errors import ProblemsError
from iopsim.core.formatting import show_value
from iopsim.core.scenario import Scenario
from iopsim.core.vocabulary import DISCHARGE_CODES
from iopsim.course.journey_charts import journey
from iopsim.course.session import stale_note
from iopsim.present.plots import DPI, Chart
from iopsim.present.timelapse import TimeLapse

LABEL_WIDTH = "20em"  # the longest label of the course fits (tests/test_widgets.py)
WIDGET_WIDTH = "40em"
REFINING = "<p style='font-size: 11pt; margin: 0'><i>First estimate; refining…</i></p>"
DAY_PATTERNS = {  # days a week -> the usual spread of meeting days
    1: ("Wed",), 2: ("Tue", "Thu"), 3: ("Mon", "Wed", "Fri"), 4: ("Mon", "Tue", "Thu", "Fri"),
    5: ("Mon", "Tue", "Wed", "Thu", "Fri"),
}


@dataclass
class Control:
    """One widget and the scenario field it sets: ``path`` gets ``to_value(widget.value)``."""

    path: str
    widget: w.ValueWidget
    hint: str = ""  # the "Try this:" prompt shown beside it
    to_value: Callable[[Any], Any] = field(default=lambda v: v)

    @property
    def value(self) -> Any:
        return self.to_value(self.widget.value)


def _style(label: str = "", hint: str = "") -> dict:
    """Width for the label (never cut) and a tooltip, which is also the control's accessible description."""
    tip = {"tooltip": f"{label}: {hint}" if hint else label} if label else {}
    return {"style": {"description_width": LABEL_WIDTH}, "layout": w.Layout(width=WIDGET_WIDTH), **tip}


def _describe(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label


def slider(path: str, label: str, *, base: Scenario | None = None, min: float | None = None,
           max: float | None = None, step: float | None = None, unit: str | None = None, hint: str = "") -> Control:
    """A slider for a number field; limits default to the field's own and may only be narrowed."""
    p = parameters.info(path, base)
    whole = p.annotation is int
    step = step if step is not None else 1 if whole else _nice_step(p)
    low = p.low + (step if p.low_open else 0) if p.low is not None else None
    high = p.high - (step if p.high_open else 0) if p.high is not None else None
    lo = low if min is None else min
    hi = high if max is None else max
    if lo is None or hi is None:
        raise ValueError(f"{path}: the field has no limit on one side; give min and max")
    if (low is not None and lo < low) or (high is not None and hi > high) or lo >= hi:
        raise ValueError(f"{path}: slider range {lo}..{hi} must lie inside the field's range ({p.allowed})")
    if not lo <= p.value <= hi:
        raise ValueError(f"{path}: the scenario's value {p.value} lies outside the slider range {lo}..{hi}")
    kind = w.IntSlider if whole else w.FloatSlider
    extra = {} if whole else {"readout_format": _format(step)}
    widget = kind(value=p.value, min=lo, max=hi, step=step, description=_describe(label, p.unit if unit is None else unit),
                  continuous_update=False, **extra, **_style(label, hint))
    return Control(path, widget, hint, (int if whole else float))


def choice(path: str, label: str, options: Sequence[tuple[str, Any]] | None = None, *, base: Scenario | None = None,
           unit: str = "", hint: str = "") -> Control:
    """A drop-down of allowed values (label, value); a field of a few words offers them all by default.

    The scenario's current value is always among the options (added, marked "now", if missing).
    """
    p = parameters.info(path, base)
    if options is None:
        if p.choices is None:
            raise ValueError(f"{path}: give the options; the field takes {p.allowed}")
        options = [(str(c).replace("_", " "), c) for c in p.choices]
    options = list(options)
    if all(value != p.value for _, value in options):
        options.append((f"{show_value(p.value)} (now)", p.value))
    widget = w.Dropdown(options=options, value=next(v for _, v in options if v == p.value),
                        description=_describe(label, unit), **_style(label, hint))
    return Control(path, widget, hint)


def switch(path: str, label: str, *, off: Any, on: Any = None, base: Scenario | None = None, hint: str = "") -> Control:
    """A tick box: ticked sets the field to `on` (default: the scenario's value), unticked to `off`."""
    p = parameters.info(path, base)
    on = p.value if on is None else on
    if on == off:
        raise ValueError(f"{path}: 'on' and 'off' must differ (the scenario holds {p.value!r}, which is 'off')")
    widget = w.Checkbox(value=p.value != off, description=label, indent=False, tooltip=f"{label}: {hint}" if hint else label,
                        layout=w.Layout(width=WIDGET_WIDTH))
    return Control(path, widget, hint, lambda ticked: on if ticked else off)


def days_choice(path: str, label: str, *, base: Scenario | None = None, hint: str = "") -> Control:
    """Meeting days of a track as 'N days: Mon, Wed, Fri' choices (DAY_PATTERNS)."""
    options = [(f"{n} day{'s' if n > 1 else ''}: {', '.join(days)}", days) for n, days in DAY_PATTERNS.items()]
    return choice(path, label, options, base=base, hint=hint)


def _nice_step(p: parameters.Parameter) -> float:
    """A step about a hundredth of the range, rounded to 1, 2 or 5 times a power of ten."""
    span = (p.high if p.high is not None else 1) - (p.low if p.low is not None else 0)
    raw = span / 100 if span > 0 else 0.01
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _format(step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f".{decimals}f"


# ------------------------------------------------------------------------------------- form
class Form:
    """Controls built against one base scenario; ``scenario()`` builds a new scenario from them."""

    def __init__(self, controls: Sequence[Control], base: Scenario | None = None, title: str = "") -> None:
        self.base = Scenario() if base is None else base
        self.controls = list(controls)
        paths = [c.path for c in self.controls]
        if len(set(paths)) != len(paths):
            raise ValueError(f"two controls set the same field: {paths}")
        for c in self.controls:  # a control built against another scenario would start from wrong values
            if c.value != parameters.get(self.base, c.path):
                raise ValueError(f"{c.path}: the control starts at {c.value!r}, the base scenario holds "
                                 f"{parameters.get(self.base, c.path)!r}; build controls with base=")
        self._defaults = [c.widget.value for c in self.controls]
        self.title = title

    def changes(self) -> dict[str, Any]:
        """{path: value} for every control."""
        return {c.path: c.value for c in self.controls}

    def scenario(self) -> Scenario:
        """The ONE place a form makes a scenario: the base with every control's value, validated."""
        return parameters.replace(self.base, self.changes())

    def reset(self) -> None:
        for c, value in zip(self.controls, self._defaults):
            c.widget.value = value

    def __getitem__(self, path: str) -> Control:
        return next(c for c in self.controls if c.path == path)

    @property
    def widget(self) -> w.VBox:
        rows = [w.HBox([c.widget, w.HTML(f"<i>Try this:</i> {escape(c.hint)}" if c.hint else "",
                                          layout=w.Layout(width="32em"))]) for c in self.controls]
        head = [w.HTML(f"<b>{escape(self.title)}</b>")] if self.title else []
        return w.VBox(head + rows)


# ---------------------------------------------------------------------------- forms of the course
def capacity_form(base: Scenario | None = None) -> Form:
    """Notebook 02: demand against seats and counsellors (controls in the order of its "Try this")."""
    return Form([
        slider("tracks.tracks[0].groups", "Day groups", base=base, max=4, unit="groups",
               hint="add one: do admissions rise, does the waitlist go?"),
        slider("tracks.tracks[1].groups", "Evening groups", base=base, max=4, unit="groups",
               hint="add one: the seats clients who work can use."),
        slider("referrals.per_week", "Referrals", base=base, min=1, max=15, step=0.2,
               hint="raise it: the waitlist and the losses grow."),
        slider("staff.iop_counsellors", "IOP counsellors", base=base, min=1, max=6,
               hint="with 1 counsellor, do seats still fill?"),
    ], base, "Capacity: demand, seats and staff")


def schedule_form(base: Scenario | None = None) -> Form:
    """Notebook 03: days, hours, plan length, evening track and admission policy."""
    scenario = Scenario() if base is None else base
    evening = parameters.get(scenario, "tracks.tracks[1]")  # a program without a second track has no evening form
    evening_start, evening_groups = evening.start_hour, evening.groups
    return Form([
        days_choice("tracks.tracks[0].days", "Day track meets", base=base, hint="5 days: more hours per week."),
        days_choice("tracks.tracks[1].days", "Evening track meets", base=base, hint="5 days as well."),
        plan_choice(base, hint="short: the same dose in fewer weeks?"),
        slider("tracks.tracks[0].hours", "Day hours a day", base=base, min=1, max=6, step=0.5,
               hint="3 hours x 3 days = 9 h/week."),
        slider("tracks.tracks[1].hours", "Evening hours a day", base=base, min=1, max=min(6.0, 24 - evening_start),
               step=0.5, hint="evening sessions are often shorter."),
        switch("tracks.tracks[1].groups", "Run an evening track", off=0, on=max(evening_groups, 1), base=base,
               hint="untick it and compare the losses among clients who work."),
        choice("tracks.admission", "Admission", base=base, hint="cohort: a new group starts every few weeks."),
        slider("tracks.cohort_interval_weeks", "Weeks between cohorts", base=base, max=8, unit="weeks",
               hint="used only with cohort admission."),
    ], base, "Schedule")


PLAN_LENGTHS = {  # typical planned weeks by severity, compared in notebook 05: the default and 40% either side
    name: {severity: round(weeks * factor) for severity, weeks in Scenario().treatment.planned_weeks.items()}
    for name, factor in (("short", 0.6), ("standard", 1.0), ("long", 1.4))
}


def plan_choice(base: Scenario | None = None, hint: str = "") -> Control:
    options = [(f"{name}: {v['low']}/{v['moderate']}/{v['high']} weeks (low/moderate/high)", v)
               for name, v in PLAN_LENGTHS.items()]
    return choice("treatment.planned_weeks", "Plan length (weeks by severity)", options, base=base, hint=hint)


def relapse_form(base: Scenario | None = None) -> Form:
    """Notebook 04: relapse after discharge, continuing care, coming back (in the order of its "Try this")."""
    return Form([
        slider("relapse.after_completion.never_relapse", "Never relapse (completers)", base=base, step=0.05,
               unit="share", hint="halve it (0.2): more relapse after treatment."),
        slider("relapse.readmission_probability", "Relapse → new referral", base=base, step=0.05,
               unit="chance", hint="raise it (0.8): more of them come back."),
        slider("aftercare.uptake", "Aftercare uptake", base=base, step=0.05, unit="share",
               hint="1 = everyone joins: how much does it weaken the loop?"),
        slider("relapse.after_completion.scale_days", "Time to relapse", base=base, min=20,
               max=1000, step=5, unit="days", hint="smaller = sooner; it moves when, more than how many."),
    ], base, "Relapse and continuing care")


def dose_form(base: Scenario | None = None) -> Form:
    """Notebook 05: program length against demand."""
    return Form([
        plan_choice(base, hint="long gives each client more treatment; what does it cost?"),
        slider("referrals.per_week", "Referrals", base=base, min=2, max=12, step=0.5,
               hint="try low (4) and high (9) demand."),
    ], base, "Dose and access")


FORMS: dict[str, Callable[[Scenario | None], Form]] = {
    "capacity": capacity_form, "schedule": schedule_form, "relapse": relapse_form, "dose": dose_form}


# ------------------------------------------------------------------------------------ run panel
class RunPanel:
    """A form, a Run button with a progress bar, the charts and a summary line.

    ``compute(scenario, progress)`` does the work (``progress(done, total)`` moves the bar) and
    returns a result, or yields better and better ones (a first estimate, then the refined
    answer: each is drawn as it comes); ``draw(result)`` returns a chart ``(figure, summary)`` or
    a list of them.  The charts appear in the Output; their summaries, one a line, in ``summary``
    at the end of each redraw, marked "refining" until the last.
    With ``run_now`` the panel runs once when built, so running the notebook top to bottom
    shows a chart before anyone touches a widget; without it (a panel that compares the trainee's
    settings with the built-in ones has nothing to show before a change) the summary line says
    what to do.

    The charts are the value of an HTML widget, not output captured into an ``Output``: capturing makes
    a server that runs the page (Voila) send widget updates to the kernel while it waits for the cell to
    finish, which now and then loses the cell's reply, and the page never finishes loading.
    """

    IDLE = "Change a setting above, then press <b>{button}</b>."

    def __init__(self, form: Form, compute: Callable[[Scenario, Callable[[int, int], None]], Any],
                 draw: Callable[[Any], Any], *, button: str = "Run", run_now: bool = True) -> None:
        self.form, self.compute, self.draw = form, compute, draw
        self.button = w.Button(description=button, button_style="primary", icon="play",
                               tooltip="simulate with the values above")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="", layout=w.Layout(width="20em"))
        self.out = w.HTML()
        self.summary = w.HTML("" if run_now else self.IDLE.format(button=escape(button)))
        self.result = None
        self.charts: list = []
        self.button.on_click(self._clicked)
        self.widget = w.VBox([form.widget, w.HBox([self.button, self.progress]), w.HTML(stale_note(button)), self.out,
                              self.summary])
        if run_now:
            self.run()

    def _clicked(self, _button) -> None:
        self.run()

    def run(self) -> None:
        """Build the scenario, compute, redraw; errors are shown under the button, never lost."""
        self.button.disabled = True
        self.summary.value = "<i>Running…</i>"
        self.progress.value, self.progress.bar_style = 0, ""
        try:
            scenario = self.form.scenario()
            answer = self.compute(scenario, self._step)
            answers = answer if isinstance(answer, Iterator) else iter([answer])
            for self.result in answers:
                drawn = self.draw(self.result)
                self.charts = list(drawn) if isinstance(drawn, list) else [drawn]
                self.out.value = charts_html(self.charts)
                self.summary.value = REFINING + summary_html(self.charts)
            self.progress.value, self.progress.bar_style = self.progress.max, "success"
            self.summary.value = summary_html(self.charts)
        except ProblemsError as err:  # a setting the model refuses: its own sentence, never a traceback
            self.summary.value = f"<b>Cannot run:</b> {escape(str(err))}"
            self.progress.bar_style = "danger"
        except Exception as err:  # a fault in the kit: the full traceback, which a callback's error would hide
            self.out.value, self.summary.value = fault_html(err), ""
            self.progress.bar_style = "danger"
        finally:
            self.button.disabled = False

    def _step(self, done: int, total: int) -> None:
        self.progress.max = max(total, 1)
        self.progress.value = done


def chart_html(chart) -> str:
    """A chart's image with its summary as alt text (the summary itself goes under it, as a line).

    Drawn once, by the Agg canvas: ``savefig`` draws a figure with a layout engine twice (a dry
    run for the layout, then the picture) and ``bbox_inches="tight"`` more; the course's figures
    lay themselves out (constrained layout), the canvas's own draw does that and paints in one
    pass, with the same pixels, and a trainee waits for each one.
    """
    chart = Chart(*chart)
    chart.figure.set_dpi(DPI)
    chart.figure.set_facecolor("white")
    canvas = FigureCanvasAgg(chart.figure)
    canvas.draw()
    buffer = io.BytesIO()
    imsave(buffer, np.asarray(canvas.buffer_rgba()), format="png")
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="{uri}" alt="{escape(chart.summary)}" style="max-width: 100%; height: auto;">'


def summary_html(charts: Sequence) -> str:
    return "".join(f'<p style="font-size: 13pt; margin: 0.2em 0;">{escape(c[1])}</p>' for c in charts)


def charts_html(charts: Sequence) -> str:
    """Charts as images, one under another."""
    return "".join(chart_html(chart) for chart in charts)


def fault_html(error: BaseException) -> str:
    """A fault in the kit (not a refused setting), with its traceback: someone will need it."""
    trace = "".join(traceback.format_exception(error))
    return f"<pre style='white-space: pre-wrap; color: #D55E00'>{escape(trace)}</pre>"


def show(chart) -> w.VBox:
    """One chart as a widget: the image, then its one-line summary under it."""
    return w.VBox([w.HTML(chart_html(chart)), w.HTML(summary_html([chart]))])


def progress_bar(description: str = "Running") -> tuple[w.IntProgress, Callable[[int, int], None]]:
    """An IntProgress and the ``progress(done, total)`` callback that moves it (for iopsim.replicate)."""
    bar = w.IntProgress(value=0, min=0, max=1, description=description)

    def step(done: int, total: int) -> None:
        bar.max = max(total, 1)
        bar.value = done
        if done >= total:
            bar.bar_style = "success"

    return bar, step


# ---------------------------------------------------------------------------- runs for the panels
def runs(scenario: Scenario, reps: int, seed: Any = 0, progress: Callable[[int, int], None] | None = None) -> list:
    """``reps`` replications as full runs (events and all): replication i is ``simulate(scenario, seed=(seed, i))``,
    the same as replication i of ``iopsim.replicate``, so their KPIs agree."""
    out = []
    for i in range(reps):
        out.append(simulate(scenario, seed=(seed, i)))
        if progress is not None:
            progress(i + 1, reps)
    return out


# ---------------------------------------------------------------------------- small teaching widgets
ASAM_EDITION = "The ASAM Criteria, 4th edition (2023)"
LEVELS = {  # ASAM level -> its name in the 4th edition's words
    "1": "outpatient treatment (ASAM level 1)",
    "2.1": "intensive outpatient (ASAM level 2.1)",
    "2.5": "high-intensity outpatient (ASAM level 2.5; called partial hospitalisation in the 3rd edition)",
}


def level_of_care(hours_per_week: float, adult: bool = True) -> str:
    """The ASAM level whose usual intensity a weekly number of treatment hours matches (adults: IOP 9-19 h,
    high-intensity outpatient 20 h or more; adolescents: IOP from 6 h).

    Intensity only: a client's level comes from a multidimensional assessment, not from hours.
    """
    iop_minimum = 9 if adult else 6
    if hours_per_week >= 20:
        return LEVELS["2.5"]
    if hours_per_week >= iop_minimum:
        return LEVELS["2.1"]
    return LEVELS["1"]


def hours_calculator() -> w.VBox:
    """Two sliders (days a week, hours a day) and the level of care they add up to: a first widget to try."""
    days = w.IntSlider(value=3, min=1, max=5, description="Days a week", continuous_update=True, **_style())
    hours = w.FloatSlider(value=3.0, min=1.0, max=6.0, step=0.5, description="Hours a day", continuous_update=True,
                          readout_format=".1f", **_style())
    answer = w.HTML()

    def update(_change=None) -> None:
        total = days.value * hours.value
        answer.value = (f"<p style='font-size: 14pt'>{days.value} days x {hours.value:g} hours = <b>{total:g} hours a "
                        f"week</b>: for an adult, the usual intensity of {level_of_care(total)}.</p>")

    days.observe(update, names="value")
    hours.observe(update, names="value")
    update()
    return w.VBox([days, hours, answer, w.HTML(stale_note("the sliders"))])


def time_lapse(run: Any) -> w.VBox:
    """The run's time-lapse (Play and a day slider), with the note for a restarted kernel: its pictures are
    drawn by Python, so after a restart Play would move the slider over a picture that never changes."""
    return w.VBox([TimeLapse(run).widget, w.HTML(stale_note("Play"))])


class ClientViewer:
    """Pick a client from a run: their story in words and their journey as a chart (with its summary)."""

    def __init__(self, run: Any) -> None:
        self.run = run
        events = run.events
        admitted = events[events.event == "admitted"].client.unique()
        codes = events[events.event == "iop_discharge"].groupby("client").detail.agg(
            lambda d: ", ".join(DISCHARGE_CODES[str(x)].name for x in d))
        episodes = events.groupby("client").episode.max()
        options = [(f"client {c}: {episodes[c]} episode{'s' if episodes[c] > 1 else ''}; "
                    f"{codes.get(c, 'still in IOP')}", int(c)) for c in sorted(admitted)]
        self.picker = w.Dropdown(options=options, description="Client", **_style())
        self.out = w.HTML()  # not an Output, for the reason RunPanel gives
        self.summary = w.HTML()
        self.story = w.HTML()
        self.picker.observe(lambda change: self.show(change["new"]), names="value")
        self.widget = w.VBox([self.picker, w.HTML(stale_note("Client")), self.out, self.summary, self.story])
        if options:
            self.show(options[0][1])

    def show(self, client: int) -> None:
        try:
            chart = journey(self.run.events, client)
            self.out.value = chart_html(chart)
            self.story.value = ("<pre style='font-size: 12pt; white-space: pre-wrap'>"
                                f"{escape(self.run.story(client))}</pre>")
            self.summary.value = summary_html([chart])
        except Exception as err:  # a fault in the kit: shown, since a callback's error would be hidden
            self.out.value = fault_html(err)
