"""The lab's "What limits you" tab: which constraint binds, and what one more of each would release.

The arithmetic is ``iopsim.analysis.binding.what_limits`` (each constraint relieved by one step
on the same simulated clients); this tab runs it on the form's scenario and says the answer in
words, so that a director sees where a lever is worth pulling before pulling it.

This module imports ipywidgets; `import iopsim` never imports it.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as w

from iopsim.analysis.binding import Limits, reliefs, what_limits
from iopsim.lab.page import Page, html_widget
from iopsim.present import html


class LimitsTab:
    """The "What limits this program?" button and the answer it shows."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.limits: Limits | None = None
        self.button = page.button("What limits this program?", "iop-limits", self.on_limits, icon="search",
                                  style="primary")
        self.answer = html_widget("iop-limits-answer")
        self.widget = w.VBox([
            w.HTML("<p>Relieves each constraint by one step, alone (one more group in each track, room for more "
                   "clients on each counsellor's caseload, more counsellor and assessor hours, one more outpatient "
                   "counsellor), with the same simulated clients, and says which ones change admissions, waits, "
                   "losses or treatment by more than chance. A lever is worth pulling only where the limit is.</p>"),
            self.button, self.answer])
        page.buttons.append(self.button)

    def on_limits(self, _: Any) -> None:
        page = self.page
        scenario = page.scenario()
        if scenario is None or not page.settings_ok():
            return
        started = time.perf_counter()
        reps = page.reps.value
        runs = 1 + len(reliefs(scenario))
        page.start(reps * runs, f"relieving each constraint in turn: {runs} scenarios x {reps} replications...")
        self.limits = what_limits(scenario, reps=reps, seed=page.seed.value, workers=page.workers,
                                  progress=page.step)
        self.draw()
        page.select(self.widget)
        page.done(f"{runs} scenarios x {reps} replications in {time.perf_counter() - started:.1f} s")

    def draw(self) -> None:
        if self.limits is None:
            return
        table = self.limits.table
        binding = table[table.binding].sort_values("admissions_per_year_diff", ascending=False)
        rows = [{"constraint": r.constraint, "relief": r.relief, "binding": bool(r.binding), "released": r.released}
                for r in table.itertuples()]
        self.answer.value = html.render("lab_limits.html", summary=self.limits.summary,
                                        first=binding.constraint.iloc[0] if len(binding) else "",
                                        reps=int(table.reps.iloc[0]), rows=rows)
