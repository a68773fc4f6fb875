"""The educator workshop: challenge cards, team plans, a fair run of every team, a leaderboard.

A *challenge card* (a YAML file in ``workshop/cards/``) sets a situation for teams of staff: a
starting program, the levers a team may pull (each with a range), the limits every plan must
respect (staff budget, counsellors, rooms, the ASAM minimum hours) and a goal (one KPI to
improve, with guard KPIs that must not get clearly worse).

    card = workshop.load_card("hospital-closes")
    scenario = card.scenario_for({"staff.iop_counsellors": 3}, name="Team Blue")
    card.check(scenario)                      # do the limits hold?  (PlanCheck)
    workshop.write_submission("workshop/submissions", "Team Blue", card, scenario)

    result = workshop.run_workshop(card, "workshop/submissions", reps=10, seed=1)
    result.leaderboard                        # ranked by the goal KPI, 95% intervals, ties marked
    result.problems                           # team -> why its submission was not run
    result.comparison                         # iopsim.compare of the start and every valid team

Every valid team is run with ``iopsim.compare`` with the card's starting program as baseline
and the same seed, so replication *i* of every team meets the same clients: differences between
teams come from their plans, not from luck.  ``team_form`` is the widget form of the team
notebook; the facilitator notebook calls the rest.  ipywidgets, matplotlib and pandas are
imported only inside the functions that need them.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from iopsim.core.calendar import WEEKDAYS
from iopsim.core.errors import Problem, ScenarioError
from iopsim.core.scenario import Scenario

START = "Start"
"""The name of the card's starting program in every comparison and chart (no team may use it)."""

DEBRIEF_KPIS = (
    "wait_referral_to_assessment_median_days",
    "wait_assessment_to_start_median_days",
    "lost_before_treatment_share",
    "admissions_per_year",
    "share_completed",
    "relapse_6m_after_discharge",
    "cost_per_completed_episode",
)
"""The KPIs of the debrief charts: waits, losses, throughput, completion, relapse and cost.

Relapse is read at 6 months: with a one-year run, the 12-month Kaplan-Meier estimate rests on the
few clients discharged early in the year and jumps from one replication to the next."""

_ROOT = Path(__file__).resolve().parent.parent


def cards_folder() -> Path:
    """The folder of the challenge cards that come with iopsim: ``workshop/cards``."""
    for base in (_ROOT, Path.cwd(), Path.cwd().parent):
        if (base / "workshop" / "cards").is_dir():
            return base / "workshop" / "cards"
    return _ROOT / "workshop" / "cards"


def submissions_folder() -> Path:
    """The default shared folder for team plans: ``workshop/submissions`` beside the cards."""
    return cards_folder().parent / "submissions"


# ================================================================================= errors
class CardError(ValueError):
    """An invalid challenge card: ``problems`` lists every fault with the field it is in."""

    def __init__(self, problems: list[tuple[str, Any, str]], source: str | None = None) -> None:
        self.problems = [Problem(*p) for p in problems]
        self.source = source
        super().__init__(self.problems, source)

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"Challenge card has {n} problem{'s' if n != 1 else ''}:"
        if self.source:
            head = f"{self.source}: {head}"
        return "\n".join([head, *(f"  {p.path}: got {_show(p.value)}; allowed: {p.allowed}" for p in self.problems)])


# ============================================================================ card format
class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Lever(_Part):
    """One parameter a team may change, and the range (or the options) it may take.

    path: a dotted scenario path as ``iopsim.core.parameters`` writes it, the tracks by position
    (``tracks.tracks[1].groups`` is the second track's number of groups).  Numbers take
    ``min``/``max`` (and ``step``, default 1 for whole numbers, a twentieth of the range
    otherwise); anything else takes ``options``.
    A yes/no parameter without options may be switched either way.
    """

    path: str = Field(min_length=1)
    label: str = Field(min_length=1, max_length=60)
    min: float | None = None
    max: float | None = None
    step: float | None = Field(None, gt=0)
    options: tuple[Any, ...] | None = Field(None, min_length=2)
    help: str = ""


class Constraints(_Part):
    """Limits every plan must respect; leave one out for no limit."""

    max_staff_cost_per_week: float | None = Field(None, gt=0)
    max_counsellors: int | None = Field(None, ge=0)
    max_groups_at_once: int | None = Field(None, ge=1)
    min_iop_hours_per_week: float | None = Field(None, ge=0)


class Guard(_Part):
    """A KPI that must not get clearly worse than at the start (beyond ``tolerance``, in its unit)."""

    kpi: str
    tolerance: float = Field(0.0, ge=0)


class Goal(_Part):
    """The KPI that ranks the teams, its better direction (default: the catalogue's), and guards."""

    kpi: str
    better: Literal["lower", "higher"] | None = None
    guards: tuple[Guard, ...] = ()


class Start(_Part):
    """The starting program: a scenario file (relative to the card), or the default, plus changes."""

    file: str | None = None
    changes: dict[str, Any] = Field(default_factory=dict)


class Example(_Part):
    """A sample plan: the facilitator's demonstration teams, and a check that the card is playable."""

    team: str = Field(min_length=1, max_length=40)
    plan: dict[str, Any]


class Card(_Part):
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

    _start: Scenario | None = PrivateAttr(None)
    _start_data: dict | None = PrivateAttr(None)  # the start as plain data, read lever by lever

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
        card._start = card._build_start(Path(folder) if folder is not None else cards_folder(), source)
        card._start_data = card._start.to_dict()
        problems = card._problems()
        if problems:
            raise CardError(problems, source)
        return card

    def _build_start(self, folder: Path, source: str | None) -> Scenario:
        from iopsim.core.parameters import replace

        base = Scenario()
        if self.start.file:
            try:
                base = Scenario.from_file(folder / self.start.file)
            except ScenarioError as err:
                raise CardError([("start.file", self.start.file, f"a valid scenario file: {err}")], source) from None
        data = base.to_dict()
        unknown = [(f"start.changes.{path}", value, "an existing scenario parameter" + _guess(path, data))
                   for path, value in self.start.changes.items() if not _exists(data, path)]
        if unknown:
            raise CardError(unknown, source)
        try:
            return replace(base, {**self.start.changes, "name": f"{START}: {self.title}"[:120]})
        except ScenarioError as err:
            raise CardError([(f"start.changes.{p.path}", p.value, p.allowed) for p in err.problems], source) from None

    def _problems(self) -> list[tuple[str, Any, str]]:
        """Checks across fields: levers exist and fit the model, KPIs are known, examples stay in range."""
        from iopsim.analysis.kpis import BY_NAME

        out: list[tuple[str, Any, str]] = []
        data = self._start_data
        seen: set[str] = set()
        for i, lever in enumerate(self.levers):
            where = f"levers[{i}]"
            if lever.path in seen:
                out.append((f"{where}.path", lever.path, "a parameter no other lever of this card uses"))
                continue
            seen.add(lever.path)
            if not _exists(data, lever.path):
                out.append((f"{where}.path", lever.path, "an existing scenario parameter" + _guess(lever.path, data)))
                continue
            out += _lever_problems(where, lever, _get(data, lever.path), self.start_scenario)
        for name, kpi in [("goal.kpi", self.goal.kpi)] + [(f"goal.guards[{i}].kpi", g.kpi)
                                                          for i, g in enumerate(self.goal.guards)]:
            if kpi not in BY_NAME:
                out.append((name, kpi, "a KPI of iopsim.analysis.kpis.CATALOGUE" + _guess_kpi(kpi)))
            elif name == "goal.kpi" and not (self.goal.better or BY_NAME[kpi].better):
                out.append(("goal.better", None, f"'lower' or 'higher': the catalogue does not say which is better "
                                                 f"for {kpi}"))
            elif name != "goal.kpi" and not BY_NAME[kpi].better:
                out.append((name, kpi, "a KPI with a better direction in the catalogue (a guard must know "
                                       "which way is worse)"))
        levers = self.lever_map
        for i, example in enumerate(self.examples):
            for path, value in example.plan.items():
                where = f"examples[{i}].plan.{path}"
                if path not in levers:
                    out.append((where, value, "one of this card's levers: " + ", ".join(levers)))
                elif not _allowed(levers[path], value):
                    out.append((where, value, _allowed_words(levers[path])))
        return out

    # -- reading
    @property
    def start_scenario(self) -> Scenario:
        """The starting program, validated."""
        assert self._start is not None, "build cards with load_card or Card.from_dict"
        return self._start

    @property
    def lever_map(self) -> dict[str, Lever]:
        return {lever.path: lever for lever in self.levers}

    @property
    def better(self) -> str:
        """'lower' or 'higher': which way the goal KPI is better."""
        from iopsim.analysis.kpis import BY_NAME

        return self.goal.better or BY_NAME[self.goal.kpi].better

    def start_value(self, path: str) -> Any:
        """A parameter's value in the starting program, as plain data (lists, not tuples)."""
        return _get(self._start_data, path)

    def scenario_for(self, plan: Mapping[str, Any], name: str = "Team plan") -> Scenario:
        """The starting program with the plan's lever values (``{path: value}``), validated."""
        levers = self.lever_map
        unknown = [p for p in plan if p not in levers]
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not a lever of card {self.id!r}; its levers: {', '.join(levers)}")
        from iopsim.core.parameters import replace

        return replace(self.start_scenario, {**{p: _plain(v) for p, v in plan.items()}, "name": name})

    def plan_of(self, scenario: Scenario) -> dict[str, Any]:
        """The value of every lever in a scenario."""
        data = scenario.to_dict()
        return {path: _get(data, path) for path in self.lever_map}

    def check(self, scenario: Scenario) -> "PlanCheck":
        """Whether a plan changes only this card's levers, within their ranges, and keeps every limit."""
        return check_plan(self, scenario)


def _card_problem(err: dict[str, Any]) -> tuple[str, Any, str]:
    loc = [p for p in err["loc"] if not (isinstance(p, str) and re.fullmatch(r"[\w-]*\[.*\]", p))]
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(top level)"
    if err["type"] == "extra_forbidden":
        model = Card
        for part in loc[:-1]:
            if isinstance(part, str) and part in model.model_fields:
                annotation = model.model_fields[part].annotation
                inner = getattr(annotation, "__args__", (annotation,))[0]
                model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else annotation
        known = list(getattr(model, "model_fields", {}))
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        guess = f" (did you mean {close[0]!r}?)" if close else ""
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
        if not any(_same(value, o) for o in lever.options):
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
    from iopsim.core.parameters import replace

    for name, end in ends:  # each end must be a value the model itself accepts
        try:
            replace(start, {lever.path: _whole(end) if isinstance(value, int) and not isinstance(value, bool) else end})
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
            known = ", ".join(c.stem for c in sorted(cards_folder().glob("*.yaml")))
            raise CardError([("(file)", str(card), f"a card id or file; cards in {cards_folder()}: {known}")])
    from iopsim.core.scenario_file import read_scenario_file

    try:
        data = read_scenario_file(path)
    except ScenarioError as err:
        raise CardError([tuple(p) for p in err.problems], str(path)) from None
    return Card.from_dict(data, path.parent, str(path))


def load_cards(folder: Any = None) -> dict[str, Card]:
    """Every card in a folder (default ``cards_folder()``), by id, in file-name order."""
    folder = Path(folder) if folder is not None else cards_folder()
    cards = [load_card(p) for p in sorted(folder.glob("*.yaml"))]
    return {c.id: c for c in cards}


# ============================================================================ plan checks
@dataclass(frozen=True)
class Limit:
    """One limit of a card as a plan meets it: what it is, the plan's value, the limit, whether it holds."""

    what: str
    value: str
    limit: str
    holds: bool


@dataclass(frozen=True)
class PlanCheck:
    """A plan checked against a card: each limit as the plan meets it, and the rules it breaks.

    ``rules``: changes the card does not allow (a parameter that is no lever, a value out of a
    lever's range); ``problems``: those and every broken limit, in words; ``ok``: none.
    """

    limits: tuple[Limit, ...]
    rules: tuple[str, ...] = ()

    @property
    def problems(self) -> tuple[str, ...]:
        broken = tuple(f"{lim.what}: {lim.value}, {'below' if lim.limit.startswith('at least') else 'over'} the limit "
                       f"of {lim.limit}" for lim in self.limits if not lim.holds)
        return self.rules + broken

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [f"{'OK  ' if lim.holds else 'OVER'}  {lim.what}: {lim.value} (limit {lim.limit})"
                 for lim in self.limits]
        lines += [f"Problem: {p}" for p in self.rules]
        return "\n".join(lines) if lines else "No limits on this card."

    def html(self) -> str:
        from html import escape

        rows = "".join(f"<tr><td>{'✔' if lim.holds else '✘'}</td><td>{escape(lim.what)}</td>"
                       f"<td style='text-align:right'>{escape(lim.value)}</td><td>limit {escape(lim.limit)}</td></tr>"
                       for lim in self.limits)
        head = ("<p><strong>Your plan keeps every limit of the card.</strong></p>" if self.ok else
                "<p><strong>Your plan breaks the card's rules:</strong></p>")
        return (head + (f"<table>{rows}</table>" if rows else "")
                + "".join(f"<p>✘ {escape(p)}</p>" for p in self.rules))


def staff_cost_per_week(scenario: Scenario) -> float:
    """Contracted staff cost per week ($), exactly as the KPI ``staff_cost_per_week`` counts it."""
    from iopsim.analysis.kpis import staff_cost_per_week as cost

    return round(cost(scenario), 2)


def groups_at_once(scenario: Scenario) -> int:
    """The most groups meeting at the same time on any weekday: the rooms the timetable needs."""
    most = 0
    for day in WEEKDAYS:
        spans = [(t.start_hour, t.start_hour + t.hours, t.groups) for t in scenario.tracks.tracks
                 if day in t.days and t.groups]
        for start, _, _ in spans:
            most = max(most, sum(g for s, e, g in spans if s <= start < e))
    return most


def counsellors(scenario: Scenario) -> int:
    """IOP and standard outpatient counsellors on staff."""
    return scenario.staff.iop_counsellors + scenario.staff.op_counsellors


def check_plan(card: Card, scenario: Scenario) -> PlanCheck:
    """Check a team's scenario against a card: only the card's levers changed, within range, limits kept."""
    from iopsim.present.report import format_value

    rules: list[str] = []
    levers = card.lever_map
    data = scenario.to_dict()
    start, plan = _flat(card._start_data), _flat(data)
    changed = [k for k in dict.fromkeys([*start, *plan]) if k != "name" and start.get(k) != plan.get(k)]
    outside = [k for k in changed if not any(k == p or k.startswith(p + ".") for p in levers)]
    if outside:
        rules.append("changes parameters this card does not let teams change: "
                        + ", ".join(f"{k} ({_show(start.get(k, 'absent'))} → {_show(plan.get(k, 'absent'))})"
                                    for k in outside))
    for path, lever in levers.items():
        value = _get(data, path)
        if not _allowed(lever, value):
            rules.append(f"{lever.label} ({path}) is {_show(value)}; the card allows {_allowed_words(lever)}")

    c = card.constraints
    limits: list[Limit] = []
    if c.max_staff_cost_per_week is not None:
        cost = staff_cost_per_week(scenario)
        limits.append(Limit("Staff cost per week", format_value(cost, "$/week"),
                            format_value(c.max_staff_cost_per_week, "$/week"), cost <= c.max_staff_cost_per_week + 1e-6))
    if c.max_counsellors is not None:
        n = counsellors(scenario)
        limits.append(Limit("Counsellors (IOP and outpatient)", str(n), str(c.max_counsellors), n <= c.max_counsellors))
    if c.max_groups_at_once is not None:
        n = groups_at_once(scenario)
        limits.append(Limit("Groups meeting at the same time (rooms)", str(n), str(c.max_groups_at_once),
                            n <= c.max_groups_at_once))
    if c.min_iop_hours_per_week is not None:
        short = [f"{t.name} {len(t.days) * t.hours:g} h" for t in scenario.tracks.tracks
                 if t.groups and len(t.days) * t.hours < c.min_iop_hours_per_week - 1e-9]
        limits.append(Limit("IOP hours per week in every track that runs",
                            ", ".join(short) if short else "all tracks meet it",
                            f"at least {c.min_iop_hours_per_week:g} h (ASAM level 2.1)", not short))
    return PlanCheck(tuple(limits), tuple(rules))


# ============================================================================ submissions
@dataclass(frozen=True)
class Submission:
    """A team's plan as read from the shared folder."""

    team: str
    card: str
    scenario: Scenario
    path: Path


class SubmissionError(ValueError):
    """A submission that cannot be run; ``team`` is the team named in it, or the file's name."""

    def __init__(self, team: str, message: str) -> None:
        self.team = team
        super().__init__(message)


def submission_file(folder: Any, team: str) -> Path:
    """Where a team's plan is saved: ``<folder>/<team, as a file name>.yaml``."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", team).strip("-").lower() or "team"
    return Path(folder) / f"{slug}.yaml"


def write_submission(folder: Any, team: str, card: Card, scenario: Scenario) -> Path:
    """Save a team's plan (team, card id and the whole scenario) as ``<team>.yaml``; returns the path."""
    import yaml

    from iopsim.present.report import _atomic

    team = team.strip()
    if not team:
        raise ValueError("give the team a name before submitting")
    if team == START:
        raise ValueError(f"{START!r} is the name of the starting program; choose another team name")
    path = submission_file(folder, team)
    path.parent.mkdir(parents=True, exist_ok=True)
    plan = card.plan_of(scenario)
    changed = {p: v for p, v in plan.items() if not _same(v, card.start_value(p))}
    header = [f"# iopsim workshop plan of team {team!r} for card {card.id!r} ({card.title})",
              "# Changes from the start: " + ("; ".join(f"{card.lever_map[p].label} {_show(card.start_value(p))} → "
                                                        f"{_show(v)}" for p, v in changed.items()) or "none"),
              "# The facilitator notebook reads this file; edit it only with the team notebook.", ""]
    body = yaml.safe_dump({"team": team, "card": card.id, "scenario": scenario.to_dict()}, sort_keys=False,
                          allow_unicode=True, width=100)
    _atomic(path, lambda p: Path(p).write_text("\n".join(header) + body, encoding="utf-8"))
    return path


def read_submission(path: Any) -> Submission:
    """Read one plan file; a SubmissionError says what is wrong, naming the team if it can."""
    from iopsim.core.scenario_file import read_scenario_file

    path = Path(path)
    team = path.stem
    try:
        data = read_scenario_file(path)
    except ScenarioError as err:
        raise SubmissionError(team, f"the file {path.name} cannot be read: "
                                    + "; ".join(f"{p.path}: {p.allowed}" for p in err.problems)) from None
    if isinstance(data.get("team"), str) and data["team"].strip():
        team = data["team"].strip()
    missing = [k for k in ("team", "card", "scenario") if k not in data]
    extra = [k for k in data if k not in ("team", "card", "scenario")]
    if missing or extra:
        parts = ([f"it lacks {', '.join(missing)}"] if missing else []) + (
            [f"it has unknown entries {', '.join(map(str, extra))}"] if extra else [])
        raise SubmissionError(team, f"{path.name} is not a team plan ({'; '.join(parts)}); a plan file holds "
                                    "team, card and scenario: save it with the team notebook")
    if not isinstance(data["team"], str) or not data["team"].strip():
        raise SubmissionError(team, f"{path.name}: the team name is missing")
    if team == START:
        raise SubmissionError(team, f"{path.name}: {START!r} is the starting program's name; choose another")
    try:
        scenario = Scenario.from_dict(data["scenario"])
    except ScenarioError as err:
        err.source = None
        raise SubmissionError(team, f"{path.name}: the plan is not a valid program. {err}") from None
    return Submission(team, str(data["card"]), scenario.replace(name=team), path)


def load_submissions(card: Card, folder: Any) -> tuple[dict[str, Submission], dict[str, str]]:
    """Read and check every ``*.yaml`` plan in a folder against a card.

    Returns (valid submissions by team, problems by team): a file that cannot be read, a plan
    for another card, a change the card does not allow or a broken limit puts a message under
    that team's name and leaves the others to run.
    """
    folder = Path(folder)
    valid: dict[str, Submission] = {}
    problems: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        try:
            sub = read_submission(path)
        except SubmissionError as err:
            problems[_unused(err.team, valid, problems)] = str(err)
            continue
        team = sub.team
        if team in valid or team in problems:
            problems[_unused(team, valid, problems)] = (f"{path.name}: team {team!r} already has a plan in another "
                                                        "file; each team submits one plan")
            continue
        if sub.card != card.id:
            problems[team] = f"{path.name}: this plan is for card {sub.card!r}; the workshop is playing {card.id!r}"
            continue
        check = card.check(sub.scenario)
        if not check.ok:
            problems[team] = f"{path.name}: " + "; ".join(check.problems)
            continue
        valid[team] = sub
    return valid, problems


def _unused(team: str, *taken: Mapping[str, Any]) -> str:
    name, k = team, 1
    while any(name in t for t in taken):
        k += 1
        name = f"{team} ({k})"
    return name


def demo_submissions(card: Card, folder: Any) -> list[Path]:
    """Write the card's example plans as team files, plus one misspelt file, for a rehearsal or a demo."""
    folder = Path(folder)
    paths = [write_submission(folder, ex.team, card, card.scenario_for(ex.plan, ex.team)) for ex in card.examples]
    broken = folder / "team-typo.yaml"
    broken.write_text(f"team: Team Typo\ncard: {card.id}\nscenario:\n  staff:\n    iop_counselors: 3\n",
                      encoding="utf-8")
    return [*paths, broken]


# ======================================================================== the workshop run
@dataclass
class WorkshopResult:
    """What ``run_workshop`` returns.

    card; comparison (``iopsim.compare`` of the start and every valid team: the start alone
    when no team could run); leaderboard (DataFrame, one row per valid team, best first); problems
    (team -> why its plan was not run); submissions (team -> Submission); reps; seed.
    """

    card: Card
    comparison: Any
    leaderboard: Any
    problems: dict[str, str]
    submissions: dict[str, Submission] = field(default_factory=dict)
    reps: int = 0
    seed: Any = 0

    @property
    def teams(self) -> list[str]:
        """Valid teams, in leaderboard order."""
        return list(self.leaderboard.index)

    def verdict(self, team: str) -> str:
        """One sentence on what a team's plan changed, from paired differences with the start."""
        return self.leaderboard.loc[team, "verdict"]

    def leaderboard_view(self) -> Any:
        """The leaderboard in words and formatted numbers, for the screen and the handouts."""
        return leaderboard_view(self)

    def problems_text(self) -> str:
        if not self.problems:
            return "Every submitted plan was valid."
        return "\n".join(f"{team}: {message}" for team, message in self.problems.items())


def run_workshop(card: Any, submissions: Any = None, *, reps: int = 10, seed: Any = 1, workers: int | None = None,
                 progress: Any = False) -> WorkshopResult:
    """Check every plan in ``submissions`` (a folder, default ``submissions_folder()``) and run the valid ones.

    All valid teams and the card's start run together in one ``iopsim.compare`` (baseline: the
    start) with the same seed, so replication *i* of every team uses the same random streams.
    """
    from iopsim.analysis.comparison import compare

    card = load_card(card)
    valid, problems = load_submissions(card, submissions if submissions is not None else submissions_folder())
    teams = list(valid)
    comparison = compare(card.start_scenario, *(valid[t].scenario for t in teams), reps=reps, seed=seed,
                         workers=workers, names=[START, *teams], progress=progress)
    result = WorkshopResult(card, comparison, None, problems, valid, reps, seed)
    result.leaderboard = leaderboard(card, comparison)
    return result


# ============================================================================ leaderboard
LEADERBOARD_COLUMNS = ("rank", "place", "goal_mean", "goal_ci_low", "goal_ci_high", "vs_start", "vs_start_ci_low",
                       "vs_start_ci_high", "vs_start_reading", "guards_hold", "guards", "tied_with", "verdict")


def leaderboard(card: Card, comparison: Any) -> Any:
    """Teams ranked by the goal KPI (teams whose guards hold first); ties within noise share a place.

    Consecutive teams are compared pairwise, replication by replication (they share seeds): a
    team whose paired 95% interval with the first team of its group includes zero is tied with
    it and takes the same place ("=2").  Columns: ``LEADERBOARD_COLUMNS``; attrs: kpi, better.
    """
    import pandas as pd

    from iopsim.analysis.stats import NO_CLEAR_CHANGE, paired_differences

    kpi, better = card.goal.kpi, card.better
    experiments = comparison.experiments
    teams = [n for n in experiments if n != START]
    rows = {}
    for team in teams:
        s = experiments[team].summary.loc[kpi]
        d = comparison.differences.loc[(team, kpi)]
        held, words = _guards(card, comparison, team)
        rows[team] = {"goal_mean": s["mean"], "goal_ci_low": s["ci_low"], "goal_ci_high": s["ci_high"],
                      "vs_start": d["mean_diff"], "vs_start_ci_low": d["ci_low"], "vs_start_ci_high": d["ci_high"],
                      "vs_start_reading": _reading(d["direction"], better), "guards_hold": held, "guards": words,
                      "verdict": comparison.verdict(team, _verdict_kpis(card))}
    sign = 1 if better == "lower" else -1
    order = sorted(teams, key=lambda t: (not rows[t]["guards_hold"], _key(sign * rows[t]["goal_mean"])))
    rank, leader = 0, None
    for position, team in enumerate(order, start=1):
        row = rows[team]
        tied = False
        if leader is not None and rows[leader]["guards_hold"] == row["guards_hold"]:
            pair = paired_differences(experiments[leader].per_rep[[kpi]], experiments[team].per_rep[[kpi]]).loc[kpi]
            tied = pair["direction"] == NO_CLEAR_CHANGE
        if not tied:
            rank, leader = position, team
        row["rank"] = rank
    for team in order:
        mates = [t for t in order if t != team and rows[t]["rank"] == rows[team]["rank"]]
        rows[team]["place"] = ("=" if mates else "") + str(rows[team]["rank"])
        rows[team]["tied_with"] = ", ".join(mates)
    frame = pd.DataFrame([rows[t] for t in order], index=pd.Index(order, name="team"),
                         columns=list(LEADERBOARD_COLUMNS))
    frame = frame.astype({"rank": "int64", "guards_hold": "bool"}) if len(frame) else frame
    frame.attrs.update(kpi=kpi, better=better)
    return frame


def _key(x: Any) -> float:
    x = float(x)
    return math.inf if math.isnan(x) else x


def _verdict_kpis(card: Card) -> list[str]:
    from iopsim.analysis.stats import HEADLINE

    names = [card.goal.kpi, *(g.kpi for g in card.goal.guards), *HEADLINE]
    return list(dict.fromkeys(names))


def _reading(direction: str, better: str) -> str:
    if direction not in ("lower", "higher"):
        return "no clear difference"
    return "better" if direction == better else "worse"


def _guards(card: Card, comparison: Any, team: str) -> tuple[bool, str]:
    """(all guards hold, in words): a guard breaks when the paired interval lies wholly beyond its tolerance."""
    from iopsim.analysis.kpis import BY_NAME
    from iopsim.present.report import format_interval, format_value
    from iopsim.analysis.stats import LABELS

    if not card.goal.guards:
        return True, "no guard"
    held, words = True, []
    for guard in card.goal.guards:
        d = comparison.differences.loc[(team, guard.kpi)]
        unit = BY_NAME[guard.kpi].unit
        worse = 1 if BY_NAME[guard.kpi].better == "lower" else -1  # the sign of a worsening
        low = min(worse * d["ci_low"], worse * d["ci_high"])
        change = (f"{format_value(d['mean_diff'], unit, signed=True)}; 95% interval "
                  f"{format_interval(d['ci_low'], d['ci_high'], unit, signed=True, with_unit=False)}")
        name = LABELS.get(guard.kpi, guard.kpi)
        if low > guard.tolerance:
            held = False
            allowed = f", allowed {format_value(worse * guard.tolerance, unit, signed=True)}" if guard.tolerance else ""
            words.append(f"{name} clearly worse ({change}{allowed})")
        elif worse * d["mean_diff"] > guard.tolerance:
            words.append(f"{name} holds, may be worse ({change})")
        else:
            words.append(f"{name} holds ({change})")
    return held, "; ".join(words)


def leaderboard_view(result: WorkshopResult) -> Any:
    """The leaderboard with readable columns: place, team, the goal KPI with its interval, change, guards."""
    import pandas as pd

    from iopsim.analysis.kpis import BY_NAME
    from iopsim.present.report import format_interval, format_value, label

    kpi = result.card.goal.kpi
    unit = BY_NAME[kpi].unit
    board = result.leaderboard
    start = result.comparison.experiments[START].summary.loc[kpi]
    rows = []
    for team, r in board.iterrows():
        rows.append({
            "Place": r["place"],
            "Team": team,
            label(kpi): f"{format_value(r['goal_mean'], unit)} ({format_interval(r['goal_ci_low'], r['goal_ci_high'], unit)})",
            "Change from start": f"{format_value(r['vs_start'], unit, signed=True)} "
                                 f"({format_interval(r['vs_start_ci_low'], r['vs_start_ci_high'], unit, signed=True)}), "
                                 f"{r['vs_start_reading']}",
            "Guards": r["guards"],
            "Tied within noise with": r["tied_with"] or "—",
        })
    rows.append({"Place": "—", "Team": START, label(kpi): f"{format_value(start['mean'], unit)} "
                 f"({format_interval(start['ci_low'], start['ci_high'], unit)})", "Change from start": "—",
                 "Guards": "—", "Tied within noise with": "—"})
    return pd.DataFrame(rows).set_index("Place")


# ================================================================================ charts
def leaderboard_chart(result: WorkshopResult) -> Any:
    """The goal KPI per team (mean and 95% interval), best first, the start as a shaded band."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    from iopsim.present import plots
    from iopsim.present.report import format_interval, format_value, label

    kpi = result.card.goal.kpi
    unit = plots._unit(None, kpi)
    board = result.leaderboard
    start = result.comparison.experiments[START].summary.loc[kpi]
    teams = list(board.index)
    with mpl.rc_context(plots.STYLE):
        fig = Figure(figsize=(plots.WIDTH, 1.8 + 0.7 * max(1, len(teams))), dpi=plots.DPI, layout="constrained")
        ax = fig.subplots()
        xs = [start["mean"], start["ci_low"], start["ci_high"]]
        if math.isfinite(start["ci_low"]) and math.isfinite(start["ci_high"]):
            ax.axvspan(start["ci_low"], start["ci_high"], color=plots.GREY, alpha=0.2, zorder=0)
        ax.axvline(start["mean"], color="black", linestyle="--", linewidth=1.5, zorder=1)
        parts = []
        for y, team in enumerate(reversed(teams)):
            r = board.loc[team]
            colour, marker = plots.VERDICT_STYLE["better" if r["guards_hold"] else "worse"]
            mean, low, high = r["goal_mean"], r["goal_ci_low"], r["goal_ci_high"]
            if math.isfinite(mean):
                span = [[mean - low], [high - mean]] if math.isfinite(low) and math.isfinite(high) else None
                ax.errorbar([mean], [y], xerr=span, fmt=marker, color=colour, ecolor=colour, elinewidth=3, capsize=8,
                            capthick=2, markersize=10)
            ax.annotate(f"{r['place']}" + ("" if r["guards_hold"] else " (guard broken)"), (1.02, y),
                        xycoords=("axes fraction", "data"), ha="left", va="center", fontsize=plots.SMALL)
            xs += [mean, low, high]
        for team in teams:
            r = board.loc[team]
            parts.append(f"{r['place']} {team} {format_value(r['goal_mean'], unit)} "
                         f"({format_interval(r['goal_ci_low'], r['goal_ci_high'], unit)})")
        ax.set_yticks(range(len(teams)), list(reversed(teams)), fontsize=plots.FONT)
        ax.set_ylim(-0.6, max(1, len(teams)) - 0.4)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        plots._x_format(ax, unit)
        plots._x_limits(ax, [float(x) for x in xs])
        ax.set_xlabel(f"{label(kpi)} ({plots.unit_label(unit)}); {result.card.better} is better; dashed line and "
                      f"band: the start", fontsize=plots.SMALL)
        head = f"Leaderboard: {label(kpi)}, mean and 95% interval over {result.reps} replications"
        ax.set_title(head, loc="left", fontsize=plots.FONT + 1)
    start_text = f"start {format_value(start['mean'], unit)}"
    return plots.Chart(fig, f"{head} ({start_text}): " + ("; ".join(parts) or "no valid team") + ".")


def debrief_charts(result: WorkshopResult, kpis: Iterable[str] = DEBRIEF_KPIS) -> list[Any]:
    """For each debrief KPI, every team's paired change from the start with its 95% interval."""
    from iopsim.present import plots

    if not len(result.leaderboard):
        return []
    return [plots.comparison_intervals(result.comparison.differences.loc[result.teams], k, baseline=START)
            for k in kpis]


def tradeoff_chart(result: WorkshopResult, x: str | None = None, y: str = "share_completed") -> Any:
    """Two KPIs against each other, a point per team and the start, with 95% intervals both ways."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    from iopsim.present import plots
    from iopsim.present.report import format_value, label

    x = x or result.card.goal.kpi
    names = [START, *result.teams]
    experiments = result.comparison.experiments
    ux, uy = plots._unit(None, x), plots._unit(None, y)
    colours = [plots.OKABE_ITO[c] for c in ("black", "blue", "orange", "bluish_green", "vermillion",
                                            "reddish_purple", "sky_blue", "yellow")]
    markers = "sDo^vP*Xhp<>"
    parts = []
    with mpl.rc_context(plots.STYLE):
        fig = Figure(figsize=(plots.WIDTH, 6.5), dpi=plots.DPI, layout="constrained")
        ax = fig.subplots()
        for i, name in enumerate(names):
            sx, sy = experiments[name].summary.loc[x], experiments[name].summary.loc[y]
            colour, marker = colours[i % len(colours)], markers[i % len(markers)]
            err = [[[sx["mean"] - sx["ci_low"]], [sx["ci_high"] - sx["mean"]]],
                   [[sy["mean"] - sy["ci_low"]], [sy["ci_high"] - sy["mean"]]]]
            err = [e if all(math.isfinite(v[0]) for v in e) else None for e in err]
            ax.errorbar([sx["mean"]], [sy["mean"]], xerr=err[0], yerr=err[1], fmt=marker, color=colour,
                        markersize=11, elinewidth=2, capsize=5, label=name)
            ax.annotate(f"  {name}", (sx["mean"], sy["mean"]), fontsize=plots.SMALL, va="bottom")
            parts.append(f"{name}: {format_value(sx['mean'], ux)}, {format_value(sy['mean'], uy)}")
        plots._x_format(ax, ux)
        if uy == "share":
            from matplotlib.ticker import PercentFormatter

            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
        ax.set_xlabel(f"{label(x)} ({plots.unit_label(ux)})", fontsize=plots.FONT)
        ax.set_ylabel(f"{label(y)} ({plots.unit_label(uy)})", fontsize=plots.FONT)
        ax.legend(loc="best", frameon=False, fontsize=plots.SMALL)
        head = f"Trade-off: {label(x)} against {label(y)}"
        ax.set_title(head, loc="left", fontsize=plots.FONT + 1)
    return plots.Chart(fig, f"{head} (means, 95% intervals as bars): " + "; ".join(parts) + ".")


def sweep_chart(frame: Any, x: str, y: str, *, title: str | None = None) -> Any:
    """One KPI against another over the rows of ``iopsim.analysis.comparison.grid``: means with 95% intervals, joined.

    ``frame`` has ``<kpi>_mean``, ``<kpi>_ci_low`` and ``<kpi>_ci_high`` columns for ``x`` and ``y``
    (``grid(..., kpis=[x, y, ...])``).  For the facilitator's misconceptions: how the wait grows
    as seats fill, how admissions level off as referrals rise.
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure

    from iopsim.present import plots
    from iopsim.present.report import format_value, label

    ux, uy = plots._unit(None, x), plots._unit(None, y)
    mx, lx, hx = (frame[f"{x}_{c}"].astype(float).tolist() for c in ("mean", "ci_low", "ci_high"))
    my, ly, hy = (frame[f"{y}_{c}"].astype(float).tolist() for c in ("mean", "ci_low", "ci_high"))
    with mpl.rc_context(plots.STYLE):
        fig = Figure(figsize=(plots.WIDTH, 5.5), dpi=plots.DPI, layout="constrained")
        ax = fig.subplots()
        ax.plot(mx, my, "-", color=plots.OKABE_ITO["blue"], linewidth=2, zorder=1)
        for a, b, c, d, e, f in zip(mx, lx, hx, my, ly, hy):
            xerr = [[a - b], [c - a]] if math.isfinite(b) and math.isfinite(c) else None
            yerr = [[d - e], [f - d]] if math.isfinite(e) and math.isfinite(f) else None
            ax.errorbar([a], [d], xerr=xerr, yerr=yerr, fmt="o", color=plots.OKABE_ITO["blue"], markersize=9,
                        elinewidth=2, capsize=5)
        plots._x_format(ax, ux)
        if uy == "share":
            from matplotlib.ticker import PercentFormatter

            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
        ax.set_xlabel(f"{label(x)} ({plots.unit_label(ux)})", fontsize=plots.FONT)
        ax.set_ylabel(f"{label(y)}\n({plots.unit_label(uy)})", fontsize=plots.FONT)
        head = title or f"{label(y)} against {label(x)}"
        ax.set_title(head, loc="left", fontsize=plots.FONT + 1)
    points = "; ".join(f"{format_value(a, ux)}: {format_value(d, uy)}" for a, d in zip(mx, my))
    return plots.Chart(fig, f"{head} (means, 95% intervals as bars): {points}.")


def card_html(card: Card, *, levers: bool = True) -> str:
    """A card for the screen or a handout: title, story, goal, limits and (optionally) its levers."""
    from html import escape

    html = (f"<h3>{escape(card.title)}</h3><p>{escape(card.story)}</p>"
            f"<p><strong>Goal:</strong> {escape(_goal_words(card))}</p>"
            f"<p><strong>Limits:</strong> {escape(_limits_words(card))}</p>")
    if levers:
        rows = "".join(f"<tr><td>{escape(lv.label)}</td><td>{escape(_show(card.start_value(lv.path)))}</td>"
                       f"<td>{escape(_allowed_words(lv))}</td><td>{escape(lv.help)}</td></tr>" for lv in card.levers)
        html += ("<table><thead><tr><th>lever</th><th>start</th><th>teams may choose</th><th>what it does</th></tr>"
                 f"</thead><tbody>{rows}</tbody></table>")
    return html


# ============================================================================ team form
class TeamForm:
    """The team notebook's form: team name, card, one widget per lever, "Check my plan" and "Submit".

    ``widget`` is what to display.  Every lever widget is limited to the card's range (or its
    options), and every plan is built by ``Card.scenario_for``.  "Check my plan" shows the
    card's limits and a one-replication preview against the start (same seed, so the same
    clients); "Submit" writes ``<folder>/<team>.yaml`` when the plan keeps every limit.
    """

    def __init__(self, card: Any = None, *, folder: Any = None, cards: Mapping[str, Card] | None = None,
                 seed: int = 1) -> None:
        import ipywidgets as w

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
        from html import escape

        import ipywidgets as w

        card = self.card
        self.about.value = card_html(card, levers=False)
        self.levers = {path: lever_widget(card, lever) for path, lever in card.lever_map.items()}
        rows = []
        for path, lever in card.lever_map.items():
            hint = w.HTML(f"<small>start: {escape(_option_label(card.start_value(path)))}. {escape(lever.help)}</small>",
                          layout=w.Layout(flex="1 1 auto"))
            rows.append(w.HBox([self.levers[path], hint], layout=w.Layout(align_items="center")))
        self.lever_box.children = rows
        self.status.value = ""
        self.output.clear_output()

    def plan(self) -> dict[str, Any]:
        """The lever values now on the form."""
        return {path: _plain(widget.value) for path, widget in self.levers.items()}

    def scenario(self) -> Scenario:
        return self.card.scenario_for(self.plan(), self.team.value.strip() or "Team plan")

    def check(self) -> PlanCheck:
        """Check the plan and show the limits and a one-replication preview."""
        from html import escape

        from iopsim.analysis.run import simulate

        card, scenario = self.card, self.scenario()
        result = card.check(scenario)
        seed = (self.seed, 0)
        start, mine = simulate(card.start_scenario, seed=seed).kpis, simulate(scenario, seed=seed).kpis
        names = list(dict.fromkeys([card.goal.kpi, *(g.kpi for g in card.goal.guards), *DEBRIEF_KPIS]))
        preview = _preview_table(names, start, mine)
        with self.output:
            from IPython.display import HTML, display

            self.output.clear_output(wait=True)
            display(HTML(result.html() + "<h4>Quick preview: one simulated year, same clients as the start</h4>"
                         + preview + "<p><small>One run is one possible year. The facilitator runs every plan "
                         "many times before the leaderboard.</small></p>"))
        goal = f"{_label(card.goal.kpi)} {_fmt(mine[card.goal.kpi], card.goal.kpi)} " \
               f"(start {_fmt(start[card.goal.kpi], card.goal.kpi)})"
        self.status.value = escape(("Plan keeps every limit. " if result.ok else "Plan breaks a limit. ")
                                   + f"One-run preview: {goal}.")
        return result

    def submit(self) -> Path | None:
        """Save the plan for the facilitator if it keeps every limit; returns the file, or None."""
        from html import escape

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
    import ipywidgets as w

    value = card.start_value(lever.path)
    common = {"description": lever.label, "style": {"description_width": "260px"},
              "layout": w.Layout(width="560px"), "tooltip": lever.path}
    if lever.options is not None or isinstance(value, bool):
        options = lever.options if lever.options is not None else (False, True)
        pairs = [(_option_label(o), _freeze(o)) for o in options]
        return w.Dropdown(options=pairs, value=_freeze(value), **common)
    if isinstance(value, int):
        return w.IntSlider(value=value, min=int(lever.min), max=int(lever.max), step=int(lever.step or 1),
                           continuous_update=False, **common)
    step = lever.step or (lever.max - lever.min) / 20
    return w.FloatSlider(value=value, min=lever.min, max=lever.max, step=step, continuous_update=False,
                         readout_format=f".{_decimals(step)}f", **common)


# =============================================================================== helpers
_INDEX = re.compile(r"^(\w+)\[(\d+)\]$")


def _get(data: Any, path: str) -> Any:
    """The value at a path in a scenario's ``to_dict()``: dotted keys, ``name[i]`` for list items."""
    node = data
    for part in path.split("."):
        match = _INDEX.match(part)
        keys = (match.group(1), int(match.group(2))) if match else (part,)
        for key in keys:
            if isinstance(key, int) and isinstance(node, list) and key < len(node):
                node = node[key]
            elif isinstance(key, str) and isinstance(node, dict) and key in node:
                node = node[key]
            else:
                raise KeyError(path)
    return node


def _exists(data: Any, path: str) -> bool:
    try:
        _get(data, path)
    except KeyError:
        return False
    return True


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf of a scenario dict by its path (``tracks.tracks[1].groups``); lists of values are leaves."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        out = {}
        for i, value in enumerate(data):
            out.update(_flat(value, f"{prefix}[{i}]"))
        return out
    return {prefix: data}


def _guess(path: str, data: dict) -> str:
    close = difflib.get_close_matches(path, list(_flat(data)), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _guess_kpi(name: str) -> str:
    from iopsim.analysis.kpis import NAMES

    close = difflib.get_close_matches(name, NAMES, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _plain(value: Any) -> Any:
    """Widget and YAML values as the scenario's plain data: tuples as lists, floats without noise."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 9)
    return value


def _freeze(value: Any) -> Any:
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def _same(a: Any, b: Any) -> bool:
    return _plain(_freeze(a)) == _plain(_freeze(b))


def _whole(x: Any) -> Any:
    return int(x) if isinstance(x, float) and x.is_integer() else x


def _allowed(lever: Lever, value: Any) -> bool:
    if lever.options is not None:
        return any(_same(value, o) for o in lever.options)
    if isinstance(value, bool):
        return True
    if not isinstance(value, (int, float)):
        return False
    return lever.min - 1e-9 <= value <= lever.max + 1e-9


def _allowed_words(lever: Lever) -> str:
    if lever.options is not None:
        return "one of " + ", ".join(_option_label(o) for o in lever.options)
    if lever.min is None:
        return "yes or no"
    return f"from {_show(_whole(lever.min))} to {_show(_whole(lever.max))}"


def _option_label(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("_", " ")


def _decimals(step: float) -> int:
    text = f"{step:.6f}".rstrip("0")
    return max(0, len(text.split(".")[1])) if "." in text else 0


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _label(kpi: str) -> str:
    from iopsim.present.report import label

    return label(kpi)


def _fmt(value: float, kpi: str, **kw: Any) -> str:
    from iopsim.analysis.kpis import BY_NAME
    from iopsim.present.report import format_value

    return format_value(value, BY_NAME[kpi].unit, **kw)


def _goal_words(card: Card) -> str:
    from iopsim.analysis.kpis import BY_NAME
    from iopsim.present.report import format_value

    from iopsim.analysis.stats import LABELS

    def name(kpi: str) -> str:
        return LABELS.get(kpi) or _label(kpi)

    text = f"make {name(card.goal.kpi)} {card.better} than at the start"
    guards = [f"{name(g.kpi)} must not get clearly worse"
              + (f" (by more than {format_value(g.tolerance, BY_NAME[g.kpi].unit, signed=True).lstrip('+')})"
                 if g.tolerance else "")
              for g in card.goal.guards]
    return text + ("; " + "; ".join(guards) if guards else "") + "."


def _limits_words(card: Card) -> str:
    from iopsim.present.report import format_value

    c = card.constraints
    parts = []
    if c.max_staff_cost_per_week is not None:
        parts.append(f"staff cost at most {format_value(c.max_staff_cost_per_week, '$/week')} "
                     f"(start {format_value(staff_cost_per_week(card.start_scenario), '$/week')})")
    if c.max_counsellors is not None:
        parts.append(f"at most {c.max_counsellors} counsellors")
    if c.max_groups_at_once is not None:
        parts.append(f"at most {c.max_groups_at_once} group{'s' if c.max_groups_at_once > 1 else ''} "
                     "meeting at the same time (rooms)")
    if c.min_iop_hours_per_week is not None:
        parts.append(f"every track that runs gives at least {c.min_iop_hours_per_week:g} hours a week")
    return "; ".join(parts) + "." if parts else "none."


def _preview_table(names: list[str], start: Mapping[str, float], mine: Mapping[str, float]) -> str:
    from html import escape

    rows = "".join(f"<tr><td>{escape(_label(k))}</td><td style='text-align:right'>{escape(_fmt(start[k], k))}</td>"
                   f"<td style='text-align:right'>{escape(_fmt(mine[k], k))}</td></tr>" for k in names)
    return f"<table><tr><th>KPI</th><th>start</th><th>your plan</th></tr>{rows}</table>"


__all__ = ["Card", "CardError", "card_html", "Constraints", "DEBRIEF_KPIS", "Example", "Goal", "Guard", "Lever", "Limit",
           "PlanCheck", "START", "Start", "Submission", "SubmissionError", "TeamForm", "WorkshopResult",
           "cards_folder", "check_plan", "counsellors", "debrief_charts", "demo_submissions", "groups_at_once",
           "leaderboard", "leaderboard_chart", "leaderboard_view", "lever_widget", "load_card", "load_cards",
           "load_submissions", "read_submission", "run_workshop", "staff_cost_per_week", "submission_file",
           "submissions_folder", "sweep_chart", "team_form", "tradeoff_chart", "write_submission"]
