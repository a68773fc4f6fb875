"""Challenge cards: the format of a card, its checks, loading from YAML, and the card in words.

A *challenge card* (a YAML file in ``workshop/cards/``) sets a situation for teams of staff: a
starting program (or, with ``start.presets``, built-in programs each team chooses from), the
levers a team may pull (each with a range), the limits every plan must respect (staff budget,
counsellors, rooms, the ASAM minimum hours) and a goal (one KPI to improve, with guard KPIs that
must not get clearly worse).

    card = load_card("hospital-closes")
    scenario = card.scenario_for({"staff.iop_counsellors": 3}, name="Team Blue")
    card.check(scenario)                      # do the limits hold?  (PlanCheck)
    card.programs                             # the built-in programs a team may plan for, default first
    card.scenario_for(plan, "Team Red", "virtual-iop")   # a plan for one of them (start.presets)

Every fault of a card is reported at once, with the field it is in and what is allowed there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from markupsafe import Markup
from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from iopsim.analysis import catalogue
from iopsim.core import paths, presets
from iopsim.core.errors import ProblemsError, ScenarioError
from iopsim.core.formatting import did_you_mean, format_value, show_value
from iopsim.core.scenario import Scenario
from iopsim.core.scenario_file import read_scenario_file
from iopsim.present import html
from iopsim.workshop.rules import CardPart, Constraints, Lever, PlanCheck, check_plan
from iopsim.workshop.values import choice, plain, same, whole

START = "Start"
"""The name of the card's starting program in every comparison and chart (no team may use it)."""

_ROOT = Path(__file__).resolve().parents[2]  # the repository: iopsim/workshop/cards.py


def cards_folder() -> Path:
    """The folder of the challenge cards that come with iopsim: ``workshop/cards``."""
    for base in (_ROOT, Path.cwd(), Path.cwd().parent):
        if (base / "workshop" / "cards").is_dir():
            return base / "workshop" / "cards"
    return _ROOT / "workshop" / "cards"


# ================================================================================= errors
class CardError(ProblemsError):
    """An invalid challenge card."""

    what = "Challenge card"


# ============================================================================ card format
class Guard(CardPart):
    """A KPI that must not get clearly worse than at the start (beyond ``tolerance``, in its unit)."""

    kpi: str
    tolerance: float = Field(0.0, ge=0)


class Goal(CardPart):
    """The KPI that ranks the teams, its better direction (default: the catalogue's), and guards."""

    kpi: str
    better: Literal["lower", "higher"] | None = None
    guards: tuple[Guard, ...] = ()


class Start(CardPart):
    """The starting program: a built-in program (preset) or a scenario file (relative to the card), or the
    default, plus changes; the facilitator's card sets it for every team.  Or ``presets``: built-in
    programs each team chooses from (the first is the default), each with the same changes."""

    preset: str | None = None
    presets: tuple[str, ...] | None = Field(None, min_length=1)
    file: str | None = None
    changes: dict[str, Any] = Field(default_factory=dict)


class Example(CardPart):
    """A sample plan: the facilitator's demonstration teams, and a check that the card is playable.
    ``program``: one of the card's ``start.presets`` (default: the first)."""

    team: str = Field(min_length=1, max_length=40)
    plan: dict[str, Any]
    program: str | None = None


class Card(CardPart):
    """A challenge card; build it with ``load_card`` or ``Card.from_dict`` (which check everything)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)
    title: str = Field(min_length=1, max_length=100)
    story: str = Field(min_length=1)
    start: Start = Start()
    levers: tuple[Lever, ...] = Field(min_length=1)
    constraints: Constraints = Constraints()
    goal: Goal
    questions: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()

    _starts: dict[str | None, Scenario] = PrivateAttr(default_factory=dict)  # program -> its start
    _start_data: dict[str | None, dict] = PrivateAttr(default_factory=dict)  # the same as plain data
    _titles: dict[str | None, str] = PrivateAttr(default_factory=dict)  # program -> its title

    # -- building
    @classmethod
    def from_dict(cls, data: Any, folder: Any = None, source: str | None = None) -> "Card":
        """Validate a card read from YAML; ``folder`` is where ``start.file`` is looked for."""
        if not isinstance(data, dict):
            raise CardError([("(top level)", data, "a mapping with id, title, story, start, levers, constraints, "
                                                   "goal")], source)
        try:
            card = cls(**data)
        except ValidationError as exc:
            raise CardError([_card_problem(e) for e in exc.errors()], source) from None
        card._build_starts(Path(folder) if folder is not None else cards_folder(), source)
        card._start_data = {program: start.to_dict() for program, start in card._starts.items()}
        problems = card._problems()
        if problems:
            raise CardError(problems, source)
        return card

    def _build_starts(self, folder: Path, source: str | None) -> None:
        """Each program's start (``_starts``, the default first) and its title (``_titles``)."""
        bases = self._bases(folder, source)
        for program, base in bases.items():
            self._titles[program] = presets.info(program).title if program else base.name
        problems: list[tuple[str, Any, str]] = []
        for program, base in bases.items():
            on = f" (in {self._titles[program]})" if len(bases) > 1 else ""
            data = base.to_dict()
            unknown = [(f"start.changes.{path}", value, "an existing scenario parameter" + on
                        + did_you_mean(path, paths.flatten(data)))
                       for path, value in self.start.changes.items() if not has_path(data, path)]
            if unknown:
                problems += unknown
                continue
            try:
                self._starts[program] = base.replace(**{**self.start.changes, "name": f"{START}: {self.title}"[:120]})
            except ScenarioError as err:
                problems += [(f"start.changes.{p.path}", p.value, p.allowed + on) for p in err.problems]
        if problems:
            raise CardError(_once(problems), source)

    def _bases(self, folder: Path, source: str | None) -> dict[str | None, Scenario]:
        """The programs before the card's changes, by name: the presets offered, the one preset, the default
        preset, or the scenario file (under None: it is no built-in program)."""
        start = self.start
        if start.presets is not None and (start.preset or start.file):
            given = {k: v for k, v in (("presets", list(start.presets)), ("preset", start.preset),
                                       ("file", start.file)) if v}
            raise CardError([("start.presets", given, "either presets (the built-in programs teams choose from) "
                                                      "or one program for every team (preset or file), not both")],
                            source)
        if start.preset and start.file:
            raise CardError([("start", {"preset": start.preset, "file": start.file},
                              "a preset or a scenario file, not both")], source)
        if start.file:
            try:
                return {None: Scenario.from_file(folder / start.file)}
            except ScenarioError as err:
                raise CardError([("start.file", start.file, f"a valid scenario file: {err}")], source) from None
        if start.presets is not None:
            named = [(f"start.presets[{i}]", name) for i, name in enumerate(start.presets)]
        else:
            named = [("start.preset", start.preset or presets.DEFAULT)]
        wrong = [(where, name, "one of the built-in programs: " + ", ".join(presets.NAMES)
                  + did_you_mean(str(name), presets.NAMES)) for where, name in named if name not in presets.NAMES]
        wrong += [(where, name, "a program not already offered") for i, (where, name) in enumerate(named)
                  if name in [n for _, n in named[:i]]]
        if wrong:
            raise CardError(wrong, source)
        return {name: Scenario.preset(name) for _, name in named}

    def _problems(self) -> list[tuple[str, Any, str]]:
        """Checks across fields: levers exist and fit the model, KPIs are known, examples stay in range."""
        out: list[tuple[str, Any, str]] = []
        seen: set[str] = set()
        for i, lever in enumerate(self.levers):
            where = f"levers[{i}]"
            if lever.path in seen:
                out.append((f"{where}.path", lever.path, "a parameter no other lever of this card uses"))
                continue
            seen.add(lever.path)
            found = {program: [(f"{where}.path", lever.path, "an existing scenario parameter"
                                + did_you_mean(lever.path, paths.flatten(data)))] if not has_path(data, lever.path)
                     else _lever_problems(where, lever, paths.read(data, lever.path), self._starts[program])
                     for program, data in self._start_data.items()}  # a lever must fit every program offered
            everywhere = [p for p in _once(sum(found.values(), [])) if all(p in f for f in found.values())]
            out += everywhere + [(field, value, f"{allowed} (in {self._titles[program]})")
                                 for program, f in found.items() for field, value, allowed in f
                                 if (field, value, allowed) not in everywhere]
        for name, kpi in [("goal.kpi", self.goal.kpi)] + [(f"goal.guards[{i}].kpi", g.kpi)
                                                          for i, g in enumerate(self.goal.guards)]:
            if kpi not in catalogue.BY_NAME:
                out.append((name, kpi, "a KPI of iopsim.analysis.catalogue" + did_you_mean(kpi, catalogue.NAMES)))
            elif name == "goal.kpi" and not (self.goal.better or catalogue.BY_NAME[kpi].better):
                out.append(("goal.better", None, f"'lower' or 'higher': the catalogue does not say which is better "
                                                 f"for {kpi}"))
            elif name != "goal.kpi" and not catalogue.BY_NAME[kpi].better:
                out.append((name, kpi, "a KPI with a better direction in the catalogue (a guard must know "
                                       "which way is worse)"))
        levers = self.lever_map
        for i, example in enumerate(self.examples):
            if example.program is not None and example.program not in self.programs:
                out.append((f"examples[{i}].program", example.program, self.offered_words()))
            for path, value in example.plan.items():
                where = f"examples[{i}].plan.{path}"
                if path not in levers:
                    out.append((where, value, "one of this card's levers: " + ", ".join(levers)))
                elif not levers[path].allows(value):
                    out.append((where, value, levers[path].allowed_words()))
        return _once(out)

    # -- reading
    @property
    def programs(self) -> tuple[str, ...]:
        """The built-in programs a team may plan for, the card's default first: ``start.presets``, the one
        ``start.preset`` or the default preset; none for a card that starts from a scenario file."""
        return tuple(p for p in self._starts if p is not None)

    def program(self, program: str | None = None) -> str | None:
        """The program a plan is for: ``program`` if the card offers it; without one, the card's default
        (None for a card that plays its scenario file); a ValueError that lists what the card offers
        otherwise."""
        if program is None:
            return next(iter(self._starts))
        if program not in self.programs:
            raise ValueError(f"the program {show_value(program, exact=True)} is not one this card offers; "
                             f"{self.offered_words()}")
        return program

    def program_title(self, program: str | None = None) -> str:
        """A program's name in plain words: the preset's title (or the scenario file's name)."""
        return self._titles[self.program(program)]

    def offered_words(self) -> str:
        """The programs a team may plan for, in words."""
        if not self.programs:
            return f"this card plays its own program ({self.program_title()}) only"
        return "the programs offered: " + ", ".join(f"{self._titles[p]} ({p})" for p in self.programs)

    def start_name(self, program: str | None = None) -> str:
        """A program's start in a comparison: ``START`` for the card's default, "Start: <title>" for another."""
        program = self.program(program)
        return START if program == self.program() else other_start_name(self._titles[program])

    @property
    def start_scenario(self) -> Scenario:
        """The starting program (the default one where teams choose), validated."""
        return self.start_for()

    def start_for(self, program: str | None = None) -> Scenario:
        """A program's start: the program with the card's changes, validated."""
        assert self._starts, "build cards with load_card or Card.from_dict"
        return self._starts[self.program(program)]

    @property
    def lever_map(self) -> dict[str, Lever]:
        return {lever.path: lever for lever in self.levers}

    @property
    def kpis(self) -> list[str]:
        """The KPIs a team is shown: the goal, the guards, then the debrief KPIs, each once."""
        return list(dict.fromkeys([self.goal.kpi, *(g.kpi for g in self.goal.guards), *catalogue.DEBRIEF]))

    @property
    def better(self) -> str:
        """'lower' or 'higher': which way the goal KPI is better."""
        return self.goal.better or catalogue.BY_NAME[self.goal.kpi].better

    def start_value(self, path: str, program: str | None = None) -> Any:
        """A parameter's value in a program's start, as plain data (lists, not tuples)."""
        return paths.read(self._start_data[self.program(program)], path)

    def scenario_for(self, plan: Mapping[str, Any], name: str = "Team plan", program: str | None = None) -> Scenario:
        """A program's start (default: the card's) with the plan's lever values (``{path: value}``), validated."""
        levers = self.lever_map
        unknown = [p for p in plan if p not in levers]
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not a lever of card {self.id!r}; its levers: {', '.join(levers)}")
        return self.start_for(program).replace(**{**{p: plain(v) for p, v in plan.items()}, "name": name})

    def plan_of(self, scenario: Scenario) -> dict[str, Any]:
        """The value of every lever in a scenario."""
        data = scenario.to_dict()
        return {path: paths.read(data, path) for path in self.lever_map}

    def check(self, scenario: Scenario, program: str | None = None) -> PlanCheck:
        """Whether a plan for a program changes only this card's levers from that program's start, within
        their ranges, and keeps every limit."""
        return check_plan(scenario, self._start_data[self.program(program)], self.lever_map, self.constraints)


def other_start_name(title: str) -> str:
    """The name of the start of a program other than the card's default, in a comparison: "Start: <title>"."""
    return f"{START}: {title}"


def has_path(data: Any, path: str) -> bool:
    """Whether a path leads to a value (a card's lever or change must name a real parameter)."""
    try:
        paths.read(data, path)
    except paths.PathError:
        return False
    return True


def _once(problems: list[tuple[str, Any, str]]) -> list[tuple[str, Any, str]]:
    """Each problem once (a lever that fails in every program a card offers fails once); values may be lists."""
    return [p for i, p in enumerate(problems) if p not in problems[:i]]


def _card_problem(err: dict[str, Any]) -> tuple[str, Any, str]:
    loc = [p for p in err["loc"] if not (isinstance(p, str) and re.fullmatch(r"[\w-]*\[.*\]", p))]
    path = paths.join(loc)
    if err["type"] == "extra_forbidden":
        model = Card
        for part in loc[:-1]:
            if isinstance(part, str) and part in model.model_fields:
                annotation = model.model_fields[part].annotation
                inner = getattr(annotation, "__args__", (annotation,))[0]
                model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else annotation
        known = list(getattr(model, "model_fields", {}))
        guess = did_you_mean(str(loc[-1]), known)
        return path, err.get("input"), f"not a field of a card here{guess}; known here: {', '.join(known)}"
    if err["type"] == "missing":
        return path, "nothing", "a value (this field is required)"
    if err["type"] == "string_pattern_mismatch" and path == "id":
        return path, err.get("input"), "lower-case letters, digits and hyphens, e.g. hospital-closes"
    return path, err.get("input"), err["msg"]


def _lever_problems(where: str, lever: Lever, value: Any, start: Scenario) -> list[tuple[str, Any, str]]:
    out: list[tuple[str, Any, str]] = []
    if lever.options is None and isinstance(value, bool):
        return out  # a yes/no switch
    if lever.options is not None:
        if lever.min is not None or lever.max is not None:
            out.append((where, lever.path, "either options or min/max, not both"))
        if not any(same(value, o) for o in lever.options):
            out.append((f"{where}.options", list(lever.options), f"a list that includes the starting value {value!r}"))
        ends = [(f"{where}.options[{j}]", o) for j, o in enumerate(lever.options)]
    elif isinstance(value, (int, float)):
        if lever.min is None or lever.max is None:
            return [(f"{where}.{'min' if lever.min is None else 'max'}", None,
                     f"a number: {lever.path} is a number, so the lever needs min and max (or options)")]
        if lever.min >= lever.max:
            return [(f"{where}.max", lever.max, f"a number above min ({lever.min:g})")]
        if not lever.min <= value <= lever.max:
            out.append((f"{where}.min", lever.min, f"a range that includes the starting value {value:g} "
                                                   f"(min {lever.min:g}, max {lever.max:g})"))
        if isinstance(value, int):
            for name in ("min", "max", "step"):
                v = getattr(lever, name)
                if v is not None and not float(v).is_integer():
                    out.append((f"{where}.{name}", v, f"a whole number: {lever.path} is a whole number"))
        ends = [(f"{where}.min", lever.min), (f"{where}.max", lever.max)]
    else:
        return [(f"{where}.options", None, f"a list of the values {lever.path} may take "
                                           f"(it is {type(value).__name__}, not a number)")]
    for name, end in ends:  # each end must be a value the model itself accepts
        try:
            start.replace(**{lever.path: whole(end) if isinstance(value, int) and not isinstance(value, bool) else end})
        except ScenarioError as err:
            out.append((name, end, "a value the model accepts: " + "; ".join(f"{p.path}: {p.allowed}"
                                                                             for p in err.problems)))
    return out


# ================================================================================ loading
def load_card(card: Any) -> Card:
    """A card by id (``"hospital-closes"``, looked up in ``cards_folder()``) or by file path."""
    if isinstance(card, Card):
        return card
    path = Path(card)
    if path.suffix.lower() not in (".yaml", ".yml") and not path.exists():
        path = cards_folder() / f"{card}.yaml"
        if not path.exists():
            known = ", ".join(card_ids())
            raise CardError([("(file)", str(card), f"a card id or file; cards in {cards_folder()}: {known}")])
    try:
        data = read_scenario_file(path)
    except ScenarioError as err:
        raise CardError([tuple(p) for p in err.problems], str(path)) from None
    return Card.from_dict(data, path.parent, str(path))


def card_ids() -> list[str]:
    """The ids of the built-in cards, in file-name order."""
    return [p.stem for p in sorted(cards_folder().glob("*.yaml"))]


def load_cards(folder: Any = None) -> dict[str, Card]:
    """Every card in a folder (default ``cards_folder()``), by id, in file-name order."""
    folder = Path(folder) if folder is not None else cards_folder()
    cards = [load_card(p) for p in sorted(folder.glob("*.yaml"))]
    return {c.id: c for c in cards}



# ================================================================================ in words
def goal_words(card: Card) -> str:
    """The goal and its guards in one sentence, as a card or a handout states them."""
    text = f"make {catalogue.phrase(card.goal.kpi)} {card.better} than at the start"
    guards = [f"{catalogue.phrase(g.kpi)} must not get clearly worse"
              + (f" (by more than {format_value(g.tolerance, catalogue.unit(g.kpi), signed=True).lstrip('+')})"
                 if g.tolerance else "")
              for g in card.goal.guards]
    return text + ("; " + "; ".join(guards) if guards else "") + "."


def limits_words(card: Card, program: str | None = None) -> str:
    """The card's limits in one sentence, the staff cost with the program's start for comparison."""
    return card.constraints.words(card.start_for(program))


def programs_words(card: Card) -> str:
    """The program teams plan for, or the ones they choose from, in plain words."""
    titles = [card.program_title(p) for p in card.programs] or [card.program_title()]
    if len(titles) == 1:
        return f"{titles[0]}, for every team."
    return "each team chooses one of " + ", ".join(titles[:-1]) + f" or {titles[-1]} (the first is the default)."


def card_html(card: Card, *, levers: bool = True, program: str | None = None) -> Markup:
    """A card for the screen or a handout: title, story, program(s), goal, limits (read against a program's
    start, default the card's) and (optionally) its levers."""
    rows = [html.Row(lever.label, [html.Cell(choice(card.start_value(lever.path, program)), ""),
                                   html.Cell(lever.allowed_words(), ""), html.Cell(lever.help, "")])
            for lever in card.levers] if levers else []
    table = html.table(["lever", "start", "teams may choose", "what it does"], [(None, rows)]) if rows else ""
    return Markup(html.render("workshop_card.html", card=card, programs=programs_words(card), goal=goal_words(card),
                              limits=limits_words(card, program), levers=table))
