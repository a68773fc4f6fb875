"""Team plans in the shared folder: write one, read one, and load every plan of a workshop.

    write_submission("workshop/submissions", "Team Blue", card, scenario)   # the team notebook
    valid, problems = load_submissions(card, "workshop/submissions")       # the facilitator

A plan file holds the team's name, the card's id, the program planned for (a built-in program the
card offers) and the whole scenario, with a comment header that says what the team changed.
Loading never stops at a bad file: each problem is kept under the team's name (or the file's)
and the other teams still run.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from iopsim.core import presets
from iopsim.core.errors import ScenarioError
from iopsim.core.files import write_atomic
from iopsim.core.formatting import show_value
from iopsim.core.scenario import Scenario
from iopsim.core.scenario_file import read_scenario_file
from iopsim.workshop.cards import START, Card, cards_folder, other_start_name
from iopsim.workshop.lookalikes import LATIN
from iopsim.workshop.values import same


def submissions_folder() -> Path:
    """The default shared folder for team plans: ``workshop/submissions`` beside the cards."""
    return cards_folder().parent / "submissions"


@dataclass(frozen=True)
class Submission:
    """A team's plan as read from the shared folder; ``program``: None for the card's default."""

    team: str
    card: str
    scenario: Scenario
    path: Path
    program: str | None = None


class SubmissionError(ValueError):
    """A submission that cannot be run; ``team`` is the team named in it, or the file's name."""

    def __init__(self, team: str, message: str) -> None:
        self.team = team
        super().__init__(message)


NAME_MAX = 40
"""The longest team name, in characters: it must fit a chart's label and a handout's title."""


def team_key(name: str) -> str:
    """What makes two team names the same: letters and digits only, compatibility-normalised, case folded.

    "Team Red", "team red!" and "TEAM-RED" share a key, as do "Team A" and "Теаm А" (Cyrillic letters that
    look Latin, ``lookalikes``); "Team α" and "Team β" do not.
    """
    text = unicodedata.normalize("NFKC", name).translate(LATIN).casefold()  # look-alike letters as Latin ones
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def team_name(name: Any) -> str:
    """A team's name as it will be shown (spaces tidied), or a ValueError that says what to change."""
    if not isinstance(name, str):
        raise ValueError("a team name is text")
    if len(name) > 4 * NAME_MAX:  # refused before any work on it, whatever its length
        raise ValueError(f"a team name has at most {NAME_MAX} characters; this one has {len(name)}")
    shown = " ".join(unicodedata.normalize("NFC", name).split())
    if any(unicodedata.category(ch)[0] == "C" for ch in shown):
        raise ValueError("a team name holds letters, digits, spaces and punctuation only")
    if len(shown) > NAME_MAX:
        raise ValueError(f"a team name has at most {NAME_MAX} characters; this one has {len(shown)}")
    if not team_key(shown):
        raise ValueError("give the team a name with at least one letter or digit")
    if team_key(shown) == team_key(START):
        raise ValueError(f"{START!r} is the name of the starting program; choose another team name")
    if team_key(shown) in _start_keys():
        raise ValueError(f"{shown!r} is the name of a built-in program's start; choose another team name")
    return shown


@functools.cache
def _start_keys() -> frozenset[str]:
    """The keys of the names a tournament gives the starts of programs other than a card's default
    ("Start: <a built-in program's title>", ``Card.start_name``)."""
    return frozenset(team_key(other_start_name(presets.info(p).title)) for p in presets.NAMES)


def submission_file(folder: Any, team: str) -> Path:
    """Where a team's plan is saved: ``<folder>/<team, as a file name>.yaml``."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", team).strip("-").lower() or "team"
    return Path(folder) / f"{slug}.yaml"


def write_submission(folder: Any, team: str, card: Card, scenario: Scenario, *, stem: str | None = None,
                     program: str | None = None) -> Path:
    """Save a team's plan (team, card id, the program planned for and the whole scenario) as
    ``<team>.yaml``, or ``<stem>.yaml`` (a room names plans by team id); returns the path."""
    team = team_name(team)
    program = card.program(program)
    path = Path(folder) / f"{stem}.yaml" if stem else submission_file(folder, team)
    path.parent.mkdir(parents=True, exist_ok=True)
    plan = card.plan_of(scenario)
    start = {p: card.start_value(p, program) for p in plan}
    changed = {p: v for p, v in plan.items() if not same(v, start[p])}
    header = [f"# iopsim workshop plan of team {team!r} for card {card.id!r} ({card.title})",
              f"# Program: {card.program_title(program)}",
              "# Changes from the start: " + ("; ".join(f"{card.lever_map[p].label} {show_value(start[p])}"
                                                        f" → {show_value(v)}" for p, v in changed.items()) or "none"),
              "# The facilitator notebook reads this file; edit it only with the team notebook.", ""]
    record = {"team": team, "card": card.id, **({"program": program} if program else {}),
              "scenario": scenario.to_dict()}
    body = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=100)
    write_atomic(path, "\n".join(header) + body)
    return path


def read_submission(path: Any) -> Submission:
    """Read one plan file; a SubmissionError says what is wrong, naming the team if it can."""
    path = Path(path)
    team = path.stem
    try:
        data = read_scenario_file(path)
    except ScenarioError as err:
        raise SubmissionError(team, f"the file {path.name} cannot be read: "
                                    + "; ".join(f"{p.path}: {p.allowed}" for p in err.problems)) from None
    if isinstance(data.get("team"), str) and data["team"].strip() and len(data["team"]) <= NAME_MAX:
        team = data["team"].strip()
    missing = [k for k in ("team", "card", "scenario") if k not in data]
    extra = [k for k in data if k not in ("team", "card", "program", "scenario")]
    if missing or extra:
        parts = ([f"it lacks {', '.join(missing)}"] if missing else []) + (
            [f"it has unknown entries {', '.join(map(str, extra))}"] if extra else [])
        raise SubmissionError(team, f"{path.name} is not a team plan ({'; '.join(parts)}); a plan file holds "
                                    "team, card and scenario: save it with the team notebook")
    if not isinstance(data["team"], str) or not data["team"].strip():
        raise SubmissionError(path.stem, f"{path.name}: the team name is missing")
    try:
        team = team_name(data["team"])
    except ValueError as err:
        raise SubmissionError(path.stem, f"{path.name}: {err}") from None
    program = data.get("program")
    if program is not None and not isinstance(program, str):
        raise SubmissionError(team, f"{path.name}: the program is {show_value(program, exact=True)}; it is the "
                                    "name of a built-in program the card offers")
    try:
        scenario = Scenario.from_dict(data["scenario"])
    except ScenarioError as err:
        err.source = None
        raise SubmissionError(team, f"{path.name}: the plan is not a valid program. {err}") from None
    return Submission(team, str(data["card"]), scenario.replace(name=team), path, program)


def load_submissions(card: Card, folder: Any) -> tuple[dict[str, Submission], dict[str, str]]:
    """Read and check every ``*.yaml`` plan in a folder against a card.

    Returns (valid submissions by team, problems by team): a file that cannot be read, a plan
    for another card or for a program the card does not offer, a change the card does not allow or
    a broken limit puts a message under that team's name and leaves the others to run.  Each plan
    is checked against the start of its own program.
    """
    folder = Path(folder)
    valid: dict[str, Submission] = {}
    problems: dict[str, str] = {}
    keys: dict[str, str] = {}  # team_key -> the name first seen with it
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        try:
            sub = read_submission(path)
        except SubmissionError as err:
            problems[_unused(err.team, valid, problems)] = str(err)
            continue
        team = sub.team
        if team_key(team) in keys:
            problems[_unused(team, valid, problems)] = (f"{path.name}: team {keys[team_key(team)]!r} already has a "
                                                        f"plan in another file; {team!r} is the same name written "
                                                        "differently, and each team submits one plan")
            continue
        keys[team_key(team)] = team
        if sub.card != card.id:
            problems[team] = f"{path.name}: this plan is for card {sub.card!r}; the workshop is playing {card.id!r}"
            continue
        try:
            card.program(sub.program)
        except ValueError as err:
            problems[team] = f"{path.name}: {err}"
            continue
        check = card.check(sub.scenario, sub.program)
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
    paths = [write_submission(folder, ex.team, card, card.scenario_for(ex.plan, ex.team, ex.program),
                              program=ex.program) for ex in card.examples]
    broken = folder / "team-typo.yaml"
    broken.write_text(f"team: Team Typo\ncard: {card.id}\nscenario:\n  staff:\n    iop_counselors: 3\n",
                      encoding="utf-8")
    return [*paths, broken]

