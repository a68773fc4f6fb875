"""The team page: a team signs in, reads the room's card, picks the program (where the card offers a
choice), sets the levers, checks, submits, downloads.

    form = team_form("workshop/room")         # a room folder (``room.Room``); its card is the facilitator's
    form.widget                               # display it (Voila serves the notebook as a page)

ipywidgets and IPython are optional (the ``[notebooks]`` extra): they are imported when a form
is built, so the rest of the workshop runs without them.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from html import escape
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from iopsim.analysis.catalogue import label, unit
from iopsim.analysis.run import simulate
from iopsim.core.formatting import format_value
from iopsim.core.scenario import Scenario
from iopsim.present.html import Cell, Row, render, table
from iopsim.workshop.cards import Card, card_html
from iopsim.workshop.room import Room, RoomError
from iopsim.workshop.rules import Lever, PlanCheck
from iopsim.workshop.submissions import NAME_MAX, submission_file, submissions_folder
from iopsim.workshop.warmup import read_stories
from iopsim.workshop.values import choice, freeze, plain

ROOM_VARIABLE = "IOPSIM_WORKSHOP_ROOM"
"""The environment variable that names the room's folder for the pages ``kit.py workshop`` serves."""


class TeamForm:
    """The team page: sign in, read the room's card, set the levers, check, submit, download the handout.

    ``widget`` is what to display.  The card is the room's, set by the facilitator for everyone, so
    a team that never touches a control plays the facilitator's card.  Signing in gives the team a
    unique id (``Room.sign_in``; a name taken by another team, however written, is refused with a
    message).  The "Program" picker offers the built-in programs the card offers (``Card.programs``),
    the card's default first; where the card sets one program it shows that one, disabled, so a
    team always sees what it plans for.  Picking a program puts every lever at that program's
    start, and the hints and limits with it.  Every lever widget is limited to the card's range
    (or its options); "Check my plan" shows the card's limits and a one-replication preview against
    the start (same seed, so the same clients); "Submit" hands the plan to the room, which checks
    it on arrival.
    """

    def __init__(self, room: Room, *, seed: int = 1) -> None:
        import ipywidgets as w  # optional (the [notebooks] extra): loaded when a form is built

        self.room, self.seed, self.team_id = room, seed, None
        self.card = room.card
        self.team = w.Text(description="Team name", placeholder="e.g. Team Blue", style={"description_width": "120px"},
                           layout=w.Layout(width="420px"))
        self.sign_in_button = w.Button(description="Sign in", button_style="primary", icon="sign-in")
        self.programs = list(self.card.programs) or [None]  # None: the card's own program, from its file
        # radio buttons: every program offered in sight at once, each title in full
        self.program = w.RadioButtons(options=[self.card.program_title(p) for p in self.programs], index=0,
                                      description="Program", disabled=len(self.programs) == 1,
                                      style={"description_width": "120px"}, layout=w.Layout(width="560px"))
        self.about = w.HTML()  # the card, read against the program picked (_show_program)
        self.levers = {path: lever_widget(self.card, lever) for path, lever in self.card.lever_map.items()}
        self.hints = {path: w.HTML(layout=w.Layout(flex="1 1 auto")) for path in self.card.lever_map}
        self.lever_box = w.VBox([w.HBox([self.levers[path], self.hints[path]], layout=w.Layout(align_items="center"))
                                 for path in self.card.lever_map])
        self._show_program()
        self.check_button = w.Button(description="Check my plan", button_style="info", icon="check")
        self.submit_button = w.Button(description="Submit", button_style="success", icon="paper-plane",
                                      disabled=True)
        self.handout_button = w.Button(description="Get our results", icon="download", disabled=True)
        self.download = w.HTML()
        self.status = w.HTML()          # one line: the text a reader (or a test) waits on
        self.output = w.Output()
        self.program.observe(self._on_program, names="index")
        self.sign_in_button.on_click(self._on_sign_in)
        self.check_button.on_click(self._on_check)
        self.submit_button.on_click(self._on_submit)
        self.handout_button.on_click(self._on_handout)
        self.widget = w.VBox([w.HBox([self.team, self.sign_in_button]), self.program, self.about, self.lever_box,
                              w.HBox([self.check_button, self.submit_button, self.handout_button]), self.status,
                              self.download, self.output])
        for widget, name in ((self.team, "team"), (self.sign_in_button, "sign-in"), (self.program, "program"),
                             (self.check_button, "check"),
                             (self.submit_button, "submit"), (self.handout_button, "handout"),
                             (self.download, "download"), (self.status, "status"), (self.output, "output"),
                             (self.widget, "form")):
            widget.add_class(f"ws-{name}")  # stable names for a browser test and for styling

    def sign_in(self) -> bool:
        """Sign the team in with the name typed; the name is then fixed for this page."""
        if self.team_id is not None:
            return True
        try:
            team = self.room.sign_in(self.team.value)
        except RoomError as err:
            self.status.value = escape(str(err))
            return False
        self.team_id, self.team.value, self.team.disabled = team.id, team.name, True
        self.sign_in_button.disabled, self.submit_button.disabled = True, False
        self.handout_button.disabled = False
        self.status.value = escape(f"Signed in as {team.name}. Set the levers, check your plan, then submit.")
        return True

    @property
    def chosen(self) -> str | None:
        """The program picked: a built-in program's name, or None for a card's own program (from its file)."""
        return self.programs[self.program.index]

    def plan(self) -> dict[str, Any]:
        """The lever values now on the form."""
        return {path: plain(widget.value) for path, widget in self.levers.items()}

    def scenario(self) -> Scenario:
        return self.card.scenario_for(self.plan(), self.team.value.strip()[:NAME_MAX] or "Team plan", self.chosen)

    def check(self) -> PlanCheck:
        """Check the plan and show the limits and a one-replication preview."""
        card, scenario = self.card, self.scenario()
        result = card.check(scenario, self.chosen)
        seed = (self.seed, 0)
        start, mine = simulate(card.start_for(self.chosen), seed=seed).kpis, simulate(scenario, seed=seed).kpis
        preview = _preview_table(card.kpis, start, mine)
        with self.output:
            from IPython.display import HTML, display  # optional, like ipywidgets: comes with it

            self.output.clear_output(wait=True)
            display(HTML(render("workshop_check.html", check=result.html(), preview=preview)))
        goal = f"{label(card.goal.kpi)} {_value(mine[card.goal.kpi], card.goal.kpi)} " \
               f"(start {_value(start[card.goal.kpi], card.goal.kpi)})"
        self.status.value = escape(("Plan keeps every limit. " if result.ok else "Plan breaks a limit. ")
                                   + f"One-run preview: {goal}.")
        return result

    def submit(self) -> Path | None:
        """Hand the plan to the room (checked there on arrival); returns the plan's file, or None."""
        if self.team_id is None:
            self.status.value = "Type your team's name and sign in first."
            return None
        try:
            path = self.room.submit(self.team_id, self.plan(), self.chosen)
        except RoomError as err:
            self.status.value = escape(str(err))
            return None
        self.status.value = escape(f"Submitted for {self.team.value}. You may submit again until the facilitator "
                                   "closes submissions; the last plan counts.")
        return path

    def fetch_handout(self) -> Path | None:
        """Offer the team's results page as a download, once the facilitator has run the workshop."""
        path = self.room.handout(self.team_id) if self.team_id else None
        if path is None:
            self.status.value = "Your results are not ready yet: the facilitator runs every plan at the end."
            return None
        self.download.value = download_link(path.read_bytes(), f"results-{submission_file('', self.team.value).stem}"
                                            ".html", "text/html", "Download our results (one page, to print)")
        self.status.value = "Your results are ready: use the link below."
        return path

    def _show_program(self) -> None:
        """Put every lever at the picked program's start, with the hints and the card's limits read against it."""
        card, program = self.card, self.chosen
        self.about.value = card_html(card, levers=False, program=program)
        for path, lever in card.lever_map.items():
            self.levers[path].value = freeze(card.start_value(path, program))
            self.hints[path].value = render("workshop_lever_hint.html", start=choice(card.start_value(path, program)),
                                            help=lever.help)

    def _on_program(self, _change: Any) -> None:
        with self.output:
            self._show_program()
            self.output.clear_output()
            self.status.value = escape(f"Planning for {self.card.program_title(self.chosen)}: every lever is back at "
                                       "its start in this program.")

    def _on_sign_in(self, _widget: Any) -> None:
        with self.output:
            self.sign_in()

    def _on_check(self, _button: Any) -> None:
        with self.output:
            self.check()

    def _on_submit(self, _button: Any) -> None:
        with self.output:
            self.submit()

    def _on_handout(self, _button: Any) -> None:
        with self.output:
            self.fetch_handout()


def team_form(room: Any = None, *, seed: int = 1) -> Any:
    """The team page (see ``TeamForm``) for a room (a ``Room`` or its folder; default ``room_folder()``).

    Display ``team_form().widget``; until the facilitator has set the card, the widget says so."""
    import ipywidgets as w  # optional (the [notebooks] extra): loaded when a form is built

    room = room if isinstance(room, Room) else Room(room if room is not None else room_folder())
    try:
        return TeamForm(room, seed=seed)
    except RoomError as err:
        return SimpleNamespace(widget=w.HTML(escape(str(err))))


def warm_up(room: Any = None) -> Any:
    """The warm-up on the team page: one client's journey in words, and a button for another one.

    The stories come from the room (``warmup.write_stories``, when it opened), so no page runs a
    simulation of its own."""
    import ipywidgets as w  # optional (the [notebooks] extra): loaded when a form is built

    room = room if isinstance(room, Room) else Room(room if room is not None else room_folder())
    stories = read_stories(room)
    if not stories:
        return w.HTML("<p>No warm-up story in this room: your facilitator will tell one.</p>")
    text = w.HTML()
    another = w.Button(description="Another client", icon="user")
    shown = {"index": 0}

    def show(_button: Any = None) -> None:
        text.value = f"<pre class='ws-story'>{escape(stories[shown['index'] % len(stories)])}</pre>"
        shown["index"] += 1
    another.on_click(show)
    show()
    box = w.VBox([text, another])
    box.add_class("ws-warm-up")
    return box


def room_folder() -> Path:
    """The room this page belongs to: ``$IOPSIM_WORKSHOP_ROOM`` (set by ``kit.py workshop``), else
    ``workshop/submissions`` beside the cards."""
    return Path(os.environ.get(ROOM_VARIABLE) or submissions_folder())


def download_link(data: bytes, file_name: str, mime: str, words: str) -> str:
    """An HTML link that downloads ``data`` as a file from the page itself (no file is served)."""
    href = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return f'<a download="{escape(file_name)}" href="{href}" class="ws-download-link">{escape(words)}</a>'


def lever_widget(card: Card, lever: Lever) -> Any:
    """The widget for one lever, starting at the card's starting value, limited to the lever's range."""
    import ipywidgets as w  # optional (the [notebooks] extra): loaded when a form is built

    value = card.start_value(lever.path)
    common = {"description": lever.label, "style": {"description_width": "260px"},
              "layout": w.Layout(width="560px"), "tooltip": lever.path}
    if lever.options is not None or isinstance(value, bool):
        options = lever.options if lever.options is not None else (False, True)
        pairs = [(choice(o), freeze(o)) for o in options]
        return w.Dropdown(options=pairs, value=freeze(value), **common)
    if isinstance(value, int):
        return w.IntSlider(value=value, min=int(lever.min), max=int(lever.max), step=int(lever.step or 1),
                           continuous_update=False, **common)
    step = lever.step or (lever.max - lever.min) / 20
    return w.FloatSlider(value=value, min=lever.min, max=lever.max, step=step, continuous_update=False,
                         readout_format=f".{_decimals(step)}f", **common)


def _decimals(step: float) -> int:
    text = f"{step:.6f}".rstrip("0")
    return max(0, len(text.split(".")[1])) if "." in text else 0


def _value(value: float, kpi: str, **kw: Any) -> str:
    """A KPI's value in its unit, as every table of the package writes it."""
    return format_value(value, unit(kpi), **kw)


def _preview_table(names: list[str], start: Mapping[str, float], mine: Mapping[str, float]) -> str:
    rows = [Row(label(k), [Cell(_value(start[k], k)), Cell(_value(mine[k], k))]) for k in names]
    return table(["KPI", "start", "your plan"], [(None, rows)])
