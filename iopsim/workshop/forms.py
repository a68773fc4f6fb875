"""The team notebook's form: a team names itself, picks a card, sets the levers, checks and submits.

    form = team_form("hospital-closes", folder="workshop/submissions")
    form.widget                               # display it (Voila serves the notebook as a page)

ipywidgets and IPython are optional (the ``[notebooks]`` extra): they are imported when a form
is built, so the rest of the workshop runs without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from iopsim.analysis.catalogue import label, unit
from iopsim.analysis.run import simulate
from iopsim.core.formatting import format_value
from iopsim.core.scenario import Scenario
from iopsim.present.html import Cell, Row, render, table
from iopsim.workshop.cards import Card, card_html, cards_folder, load_card, load_cards
from iopsim.workshop.rules import Lever, PlanCheck
from iopsim.workshop.submissions import submissions_folder, write_submission
from iopsim.workshop.values import choice, freeze, plain


class TeamForm:
    """The team notebook's form: team name, card, one widget per lever, "Check my plan" and "Submit".

    ``widget`` is what to display.  Every lever widget is limited to the card's range (or its
    options), and every plan is built by ``Card.scenario_for``.  "Check my plan" shows the
    card's limits and a one-replication preview against the start (same seed, so the same
    clients); "Submit" writes ``<folder>/<team>.yaml`` when the plan keeps every limit.
    """

    def __init__(self, card: Any = None, *, folder: Any = None, cards: Mapping[str, Card] | None = None,
                 seed: int = 1) -> None:
        import ipywidgets as w  # optional (the [notebooks] extra): loaded when a form is built

        self.cards = dict(cards) if cards is not None else load_cards()
        if not self.cards:
            raise ValueError(f"no challenge cards found in {cards_folder()}")
        chosen = load_card(card).id if card is not None else next(iter(self.cards))
        if chosen not in self.cards:
            self.cards[chosen] = load_card(card)
        self.folder = Path(folder) if folder is not None else submissions_folder()
        self.seed = seed
        self.team = w.Text(description="Team name", placeholder="e.g. Team Blue",
                           style={"description_width": "120px"}, layout=w.Layout(width="420px"))
        self.card_picker = w.Dropdown(options=[(c.title, c.id) for c in self.cards.values()], value=chosen,
                                      description="Challenge card", style={"description_width": "120px"},
                                      layout=w.Layout(width="620px"))
        self.about = w.HTML()
        self.lever_box = w.VBox()
        self.check_button = w.Button(description="Check my plan", button_style="info", icon="check")
        self.submit_button = w.Button(description="Submit", button_style="success", icon="paper-plane")
        self.status = w.HTML()          # one line: the text a reader (or a test) waits on
        self.output = w.Output()
        self.levers: dict[str, Any] = {}
        self.check_button.on_click(self._on_check)
        self.submit_button.on_click(self._on_submit)
        self.card_picker.observe(lambda change: self._show_card(), names="value")
        self._show_card()
        self.widget = w.VBox([self.team, self.card_picker, self.about, self.lever_box,
                              w.HBox([self.check_button, self.submit_button]), self.status, self.output])
        for widget, name in ((self.team, "team"), (self.card_picker, "card"), (self.check_button, "check"),
                             (self.submit_button, "submit"), (self.status, "status"), (self.output, "output"),
                             (self.widget, "form")):
            widget.add_class(f"ws-{name}")  # stable names for a browser test and for styling

    @property
    def card(self) -> Card:
        return self.cards[self.card_picker.value]

    def _show_card(self) -> None:
        import ipywidgets as w  # optional (the [notebooks] extra): loaded when a form is built

        card = self.card
        self.about.value = card_html(card, levers=False)
        self.levers = {path: lever_widget(card, lever) for path, lever in card.lever_map.items()}
        rows = []
        for path, lever in card.lever_map.items():
            hint = w.HTML(render("workshop_lever_hint.html", start=choice(card.start_value(path)), help=lever.help),
                          layout=w.Layout(flex="1 1 auto"))
            rows.append(w.HBox([self.levers[path], hint], layout=w.Layout(align_items="center")))
        self.lever_box.children = rows
        self.status.value = ""
        self.output.clear_output()

    def plan(self) -> dict[str, Any]:
        """The lever values now on the form."""
        return {path: plain(widget.value) for path, widget in self.levers.items()}

    def scenario(self) -> Scenario:
        return self.card.scenario_for(self.plan(), self.team.value.strip() or "Team plan")

    def check(self) -> PlanCheck:
        """Check the plan and show the limits and a one-replication preview."""
        card, scenario = self.card, self.scenario()
        result = card.check(scenario)
        seed = (self.seed, 0)
        start, mine = simulate(card.start_scenario, seed=seed).kpis, simulate(scenario, seed=seed).kpis
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
        """Save the plan for the facilitator if it keeps every limit; returns the file, or None."""
        team = self.team.value.strip()
        if not team:
            self.status.value = "Type your team's name first."
            return None
        result = self.card.check(self.scenario())
        if not result.ok:
            self.status.value = escape("Not submitted: " + "; ".join(result.problems))
            return None
        try:
            path = write_submission(self.folder, team, self.card, self.scenario())
        except (OSError, ValueError) as exc:
            self.status.value = escape(f"Not submitted: {exc}")
            return None
        self.status.value = escape(f"Submitted for {team} as {path.name}. You may submit again until the "
                                   "facilitator runs the workshop; the last plan counts.")
        return path

    def _on_check(self, _button: Any) -> None:
        with self.output:
            self.check()

    def _on_submit(self, _button: Any) -> None:
        with self.output:
            self.submit()


def team_form(card: Any = None, *, folder: Any = None, seed: int = 1) -> TeamForm:
    """The team notebook's form (see ``TeamForm``); display ``team_form().widget``."""
    return TeamForm(card, folder=folder, seed=seed)


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
