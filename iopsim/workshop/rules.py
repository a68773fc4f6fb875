"""What a card lets a team change (levers) and the limits every plan keeps, and checking a plan.

A plan is checked against the card's starting program: only the card's levers may change, each
within its range or options, and the plan must keep the card's limits (staff cost, counsellors,
rooms, the ASAM minimum hours).  ``Card.check`` calls ``check_plan`` with the card's parts, so
this module needs nothing of the card itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field

from iopsim.analysis.kpis import staff_cost_per_week as kpi_staff_cost_per_week
from iopsim.core import paths
from iopsim.core.calendar import WEEKDAYS
from iopsim.core.formatting import format_value, show_value
from iopsim.core.scenario import Scenario
from iopsim.present import html
from iopsim.present.html import Cell, Row
from iopsim.workshop.values import choice, same, whole


class CardPart(BaseModel):
    """A part of a challenge card: read-only, and a misspelt field is an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Lever(CardPart):
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

    def allows(self, value: Any) -> bool:
        """Whether a team may give the parameter this value."""
        if self.options is not None:
            return any(same(value, o) for o in self.options)
        if isinstance(value, bool):
            return True
        if not isinstance(value, (int, float)):
            return False
        return self.min - 1e-9 <= value <= self.max + 1e-9

    def allowed_words(self) -> str:
        """What a team may choose, in words: "one of ...", "yes or no", "from 2 to 5"."""
        if self.options is not None:
            return "one of " + ", ".join(choice(o) for o in self.options)
        if self.min is None:
            return "yes or no"
        return f"from {show_value(whole(self.min))} to {show_value(whole(self.max))}"


class Constraints(CardPart):
    """Limits every plan must respect; leave one out for no limit."""

    max_staff_cost_per_week: float | None = Field(None, gt=0)
    max_counsellors: int | None = Field(None, ge=0)
    max_groups_at_once: int | None = Field(None, ge=1)
    min_iop_hours_per_week: float | None = Field(None, ge=0)

    def words(self, start: Scenario) -> str:
        """The limits in one sentence, the staff cost with the start's for comparison."""
        parts = []
        if self.max_staff_cost_per_week is not None:
            parts.append(f"staff cost at most {format_value(self.max_staff_cost_per_week, '$/week')} "
                         f"(start {format_value(staff_cost_per_week(start), '$/week')})")
        if self.max_counsellors is not None:
            parts.append(f"at most {self.max_counsellors} counsellors")
        if self.max_groups_at_once is not None:
            parts.append(f"at most {self.max_groups_at_once} group{'s' if self.max_groups_at_once > 1 else ''} "
                         "meeting at the same time (rooms)")
        if self.min_iop_hours_per_week is not None:
            parts.append(f"every track that runs gives at least {self.min_iop_hours_per_week:g} hours a week")
        return "; ".join(parts) + "." if parts else "none."


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

    def html(self) -> Markup:
        """The check for the team's form: a line on the whole, each limit marked kept or broken, the rules broken."""
        rows = [Row(f"{'✔' if lim.holds else '✘'} {lim.what}", [Cell(lim.value), Cell(lim.limit, "")])
                for lim in self.limits]
        limits = html.table(["limit", "your plan", "allowed"], [(None, rows)]) if rows else ""
        return Markup(html.render("workshop_plan_check.html", check=self, limits=limits))


def staff_cost_per_week(scenario: Scenario) -> float:
    """Contracted staff cost per week ($), exactly as the KPI ``staff_cost_per_week`` counts it."""
    return round(kpi_staff_cost_per_week(scenario), 2)


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


def check_plan(scenario: Scenario, start: Mapping[str, Any], levers: Mapping[str, Lever],
               constraints: Constraints) -> PlanCheck:
    """Check a team's scenario against a card: only the levers changed from ``start`` (plain data),
    each within its range, and every limit of ``constraints`` kept."""
    rules: list[str] = []
    data = scenario.to_dict()
    before, plan = paths.flatten(start), paths.flatten(data)
    changed = [k for k in dict.fromkeys([*before, *plan]) if k != "name" and before.get(k) != plan.get(k)]
    outside = [k for k in changed if not any(k == p or k.startswith(p + ".") for p in levers)]
    if outside:
        rules.append("changes parameters this card does not let teams change: "
                     + ", ".join(f"{k} ({show_value(before.get(k, 'absent'))} → {show_value(plan.get(k, 'absent'))})"
                                 for k in outside))
    for path, lever in levers.items():
        value = paths.read(data, path)
        if not lever.allows(value):
            rules.append(f"{lever.label} ({path}) is {show_value(value)}; the card allows {lever.allowed_words()}")

    c = constraints
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
