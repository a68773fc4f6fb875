"""The facilitator's page of a served room: who has submitted, closing the room, the run, the debrief.

    panel = facilitator_panel("workshop/room")   # a room folder; its card was set by ``Room.create``
    panel.widget                                 # display it (``kit.py workshop`` serves it with Voila)

Everyone in the room holds the access code, so this page asks for the facilitator's own code
(printed only in the facilitator's terminal; the kernels know only its hash,
``$IOPSIM_WORKSHOP_FACILITATOR_HASH``) before it shows anything; a page run without that
variable (the notebook on one laptop) opens at once.
The list of teams refreshes itself every few seconds.  ipywidgets and IPython are optional (the
``[notebooks]`` extra), loaded when the panel is built.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from html import escape
from types import SimpleNamespace
from typing import Any

from iopsim.present.html import Cell, Row, table
from iopsim.workshop.charts import debrief_charts, leaderboard_chart, tradeoff_chart
from iopsim.workshop.forms import download_link, room_folder
from iopsim.workshop.handouts import handouts_zip, leaderboard_table, room_handouts
from iopsim.workshop.room import NOT_YET, REFUSED, SUBMITTED, Room, RoomError
from iopsim.workshop.tournament import run_room

CODE_VARIABLE = "IOPSIM_WORKSHOP_FACILITATOR_HASH"
REFRESH_SECONDS = 5.0


class FacilitatorPanel:
    """The facilitator's page (see the module's docstring); ``widget`` is what to display."""

    def __init__(self, room: Room, *, reps: int = 10, seed: int = 2024, workers: int | None = None,
                 code_hash: str | None = None) -> None:
        import ipywidgets as w  # optional (the [notebooks] extra): loaded when a panel is built

        self.room, self.seed, self.workers, self.code_hash = room, seed, workers, code_hash
        self.result = None
        self.code_box = w.Password(description="Facilitator code", style={"description_width": "140px"})
        self.open_button = w.Button(description="Open", button_style="primary")
        self.teams = w.HTML()
        self.lock_button = w.Button(description="Close submissions", icon="lock")
        self.reps = w.BoundedIntText(value=reps, min=2, max=100, description="Replications")
        self.run_button = w.Button(description="Run the workshop", button_style="success", icon="play")
        self.status = w.HTML()
        self.results = w.Output()
        self.downloads = w.HTML()
        self.room_box = w.VBox([w.HTML(f"<h2>{escape(room.card.title)}</h2>"), self.teams,
                                w.HBox([self.lock_button, self.reps, self.run_button]), self.status, self.downloads,
                                self.results])
        self.open_button.on_click(self._on_open)
        self.lock_button.on_click(lambda _b: self.toggle_lock())
        self.run_button.on_click(self._on_run)
        gate = [] if code_hash is None else [w.HBox([self.code_box, self.open_button])]
        self.widget = w.VBox(gate + ([] if gate else [self.room_box]))
        for widget, name in ((self.code_box, "code"), (self.open_button, "open"), (self.teams, "teams"),
                             (self.lock_button, "lock"), (self.reps, "reps"), (self.run_button, "run"), (self.status, "status"),
                             (self.downloads, "downloads"), (self.widget, "facilitator")):
            widget.add_class(f"ws-{name}")  # stable names for a browser test
        self._stop = threading.Event()
        if code_hash is None:
            self.open()

    def open(self, code: str | None = None) -> bool:
        """Show the room once the facilitator's code is given (any code when the page has none)."""
        if self.code_hash is not None and not hmac.compare_digest(code_digest(code or ""), self.code_hash):
            self.status.value = "That is not the facilitator's code."
            self.widget.children = (*self.widget.children[:1], self.status)
            return False
        self.widget.children = (self.room_box,)
        self.refresh()
        threading.Thread(target=self._refresh_loop, daemon=True).start()
        return True

    def refresh(self) -> None:
        """The list of teams: submitted, refused (and why) or not yet."""
        lines = self.room.status()
        count = {s: sum(line.state == s for line in lines) for s in (SUBMITTED, REFUSED, NOT_YET)}
        rows = [Row(line.team.name, [Cell(line.state, line.state.replace(" ", "-")), Cell(line.why, "")])
                for line in lines]
        head = (f"<p class='ws-counts'>{len(lines)} teams: {count[SUBMITTED]} submitted, {count[REFUSED]} refused, "
                f"{count[NOT_YET]} not yet. Submissions are {'closed' if self.room.locked else 'open'}.</p>")
        self.teams.value = head + (table(["team", "plan", "why"], [(None, rows)]) if rows else "")
        self.lock_button.description = "Reopen submissions" if self.room.locked else "Close submissions"

    def toggle_lock(self) -> None:
        self.room.lock(not self.room.locked)
        self.refresh()

    def run(self) -> Any:
        """Close submissions, run every valid plan, show the leaderboard and debrief, offer the handouts."""
        from IPython.display import HTML, display  # optional, like ipywidgets: comes with it

        self.status.value = "Running every plan with the same clients..."
        result = run_room(self.room, reps=self.reps.value, seed=self.seed, workers=self.workers)
        paths = room_handouts(result, self.room)
        self.result = result
        self.refresh()
        with self.results:
            self.results.clear_output(wait=True)
            # the class keeps MathJax from reading "$" amounts as maths
            display(HTML(f'<div class="tex2jax_ignore mathjax_ignore">{leaderboard_table(result, compact=True)}</div>'))
            if result.teams:
                display(leaderboard_chart(result))
                guards = result.card.goal.guards
                display(tradeoff_chart(result, result.card.goal.kpi, guards[0].kpi if guards else "share_completed"))
                for chart in debrief_charts(result):
                    display(chart)
        if paths:
            self.downloads.value = download_link(handouts_zip(paths), "workshop-handouts.zip", "application/zip",
                                                 f"Download all {len(paths)} team handouts (zip)")
        self.status.value = escape(f"{len(result.teams)} plans ran; {len(result.problems)} could not run. "
                                   "Teams can now download their results from their page.")
        return result

    def _on_open(self, _widget: Any) -> None:
        self.open(self.code_box.value)

    def _on_run(self, _button: Any) -> None:
        with self.results:
            self.run()

    def _refresh_loop(self) -> None:
        while not self._stop.wait(REFRESH_SECONDS):
            try:
                self.refresh()
            except (OSError, RoomError):
                pass  # the room folder is being written: the next round shows it


def code_digest(code: str) -> str:
    """What the kernels are given instead of the facilitator's code: its SHA-256, in hex."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def facilitator_panel(room: Any = None, *, reps: int = 10, seed: int = 2024, workers: int | None = None) -> Any:
    """The facilitator's page for a room (a ``Room`` or its folder; default ``forms.room_folder()``).

    Until a card is set (``Room.create``), the widget says so."""
    import ipywidgets as w  # optional (the [notebooks] extra): loaded when a panel is built

    room = room if isinstance(room, Room) else Room(room if room is not None else room_folder())
    try:
        return FacilitatorPanel(room, reps=reps, seed=seed, workers=workers,
                                code_hash=os.environ.get(CODE_VARIABLE) or None)
    except RoomError as err:
        return SimpleNamespace(widget=w.HTML(escape(str(err))))
