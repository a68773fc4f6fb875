"""The workshop run: every valid plan against the start with the same clients, and the leaderboard.

    result = run_workshop(card, "workshop/submissions", reps=10, seed=1)
    result.leaderboard                        # ranked by the goal KPI, 95% intervals, ties marked
    result.problems                           # team -> why its submission was not run
    result.comparison                         # iopsim.compare of the start and every valid team

Every valid team is run with ``iopsim.compare`` with the card's starting program as baseline
and the same seed, so replication *i* of every team meets the same clients: differences between
teams come from their plans, not from luck.  Where a card lets teams choose a built-in program
(``start.presets``), the start of each program a team chose runs too ("Start: <its title>"), and
each team is read against the start of its own program; the ranking is by the goal KPI itself,
so the choice of program counts.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from iopsim.analysis import catalogue
from iopsim.analysis.comparison import compare
from iopsim.analysis.stats import NO_CLEAR_CHANGE, paired_differences, verdict
from iopsim.core.formatting import format_interval, format_value
from iopsim.workshop.cards import START, Card, load_card
from iopsim.workshop.room import Room
from iopsim.workshop.submissions import Submission, load_submissions, submissions_folder


@dataclass
class WorkshopResult:
    """What ``run_workshop`` returns.

    card; comparison (``iopsim.compare`` of the start, the start of each other program a team
    chose, and every valid team: the start alone when no team could run); leaderboard (DataFrame,
    one row per valid team, best first); problems (team -> why its plan was not run); submissions
    (team -> Submission); reps; seed; programs (team -> its built-in program; absent: the card's).
    """

    card: Card
    comparison: Any
    leaderboard: Any
    problems: dict[str, str]
    submissions: dict[str, Submission] = field(default_factory=dict)
    reps: int = 0
    seed: Any = 0
    programs: dict[str, str | None] = field(default_factory=dict)

    @property
    def teams(self) -> list[str]:
        """Valid teams, in leaderboard order."""
        return list(self.leaderboard.index)

    @property
    def starts(self) -> list[str]:
        """The starts that ran: the card's first, then those of the other programs teams chose."""
        return start_names(self.card, self.comparison)

    @functools.cached_property
    def differences(self) -> Any:
        """Each team's paired differences with the start of its own program (``team_differences``), worked
        out once: every handout reads them."""
        return team_differences(self.card, self.comparison, self.programs)

    def start_of(self, team: str) -> str:
        """The name of the start a team is read against: the start of its program."""
        return self.card.start_name(self.programs.get(team))

    def program_title(self, team: str) -> str:
        """A team's program in plain words."""
        return self.card.program_title(self.programs.get(team))

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

    All valid teams, the card's start and the start of every other program a team chose run
    together in one ``iopsim.compare`` (baseline: the card's start) with the same seed, so
    replication *i* of every team uses the same random streams.
    """
    card = load_card(card)
    valid, problems = load_submissions(card, submissions if submissions is not None else submissions_folder())
    teams = list(valid)
    programs = {team: card.program(valid[team].program) for team in teams}
    others = [p for p in card.programs[1:] if p in programs.values()]
    comparison = compare(card.start_scenario, *(card.start_for(p) for p in others),
                         *(valid[t].scenario for t in teams), reps=reps, seed=seed, workers=workers,
                         names=[START, *(card.start_name(p) for p in others), *teams], progress=progress)
    result = WorkshopResult(card, comparison, None, problems, valid, reps, seed, programs)
    result.leaderboard = leaderboard(card, comparison, programs)
    return result


def run_room(room: Room, *, reps: int = 10, seed: Any = 1, workers: int | None = None) -> WorkshopResult:
    """Close the room's submissions and run every valid plan on the room's card (``run_workshop``)."""
    room.lock()
    return run_workshop(room.card, room.plans, reps=reps, seed=seed, workers=workers)


# ============================================================================ leaderboard
LEADERBOARD_COLUMNS = ("rank", "place", "goal_mean", "goal_ci_low", "goal_ci_high", "vs_start", "vs_start_ci_low",
                       "vs_start_ci_high", "vs_start_reading", "guards_hold", "guards", "tied_with", "verdict")


def start_names(card: Card, comparison: Any) -> list[str]:
    """The starts in a workshop's comparison, the card's first: every name there that is no team's."""
    names = {card.start_name(p) for p in card.programs} | {START}
    return [n for n in comparison.experiments if n in names]


def team_differences(card: Card, comparison: Any, programs: Mapping[str, str | None] | None = None) -> Any:
    """Each team's paired differences with the start of its own program (``programs``: team -> program,
    absent: the card's), replication by replication, indexed (team, kpi) like ``Comparison.differences``."""
    programs = programs or {}
    experiments = comparison.experiments
    starts = start_names(card, comparison)
    frames = {team: paired_differences(experiments[card.start_name(programs.get(team))].per_rep, exp.per_rep)
              for team, exp in experiments.items() if team not in starts}
    return pd.concat(frames, names=["alternative", "kpi"]) if frames else comparison.differences.iloc[:0]


def leaderboard(card: Card, comparison: Any, programs: Mapping[str, str | None] | None = None) -> Any:
    """Teams ranked by the goal KPI (teams whose guards hold first); ties within noise share a place.

    Each team's change and guards are read against the start of its own program (``programs``:
    team -> program, absent: the card's).  Consecutive teams are compared pairwise, replication
    by replication (they share seeds): a team whose paired 95% interval with the first team of
    its group includes zero is tied with it and takes the same place ("=2").  Columns:
    ``LEADERBOARD_COLUMNS``; attrs: kpi, better.
    """
    kpi, better = card.goal.kpi, card.better
    experiments = comparison.experiments
    differences = team_differences(card, comparison, programs)
    teams = list(dict.fromkeys(differences.index.get_level_values(0)))
    precise = comparison.precision is not None
    rows = {}
    for team in teams:
        s = experiments[team].summary.loc[kpi]
        d = differences.loc[(team, kpi)]
        held, words = _guards(card, differences, team)
        rows[team] = {"goal_mean": s["mean"], "goal_ci_low": s["ci_low"], "goal_ci_high": s["ci_high"],
                      "vs_start": d["mean_diff"], "vs_start_ci_low": d["ci_low"], "vs_start_ci_high": d["ci_high"],
                      "vs_start_reading": _reading(d["direction"], better), "guards_hold": held, "guards": words,
                      "verdict": verdict(differences.loc[team], _verdict_kpis(card), precise=precise)}
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
    names = [card.goal.kpi, *(g.kpi for g in card.goal.guards), *catalogue.HEADLINE]
    return list(dict.fromkeys(names))


def _reading(direction: str, better: str) -> str:
    if direction not in ("lower", "higher"):
        return "no clear difference"
    return "better" if direction == better else "worse"


def _guards(card: Card, differences: Any, team: str) -> tuple[bool, str]:
    """(all guards hold, in words): a guard breaks when the paired interval lies wholly beyond its tolerance."""
    if not card.goal.guards:
        return True, "no guard"
    held, words = True, []
    for guard in card.goal.guards:
        d = differences.loc[(team, guard.kpi)]
        unit = catalogue.unit(guard.kpi)
        worse = 1 if catalogue.BY_NAME[guard.kpi].better == "lower" else -1  # the sign of a worsening
        low = min(worse * d["ci_low"], worse * d["ci_high"])
        change = (f"{format_value(d['mean_diff'], unit, signed=True)}; 95% interval "
                  f"{format_interval(d['ci_low'], d['ci_high'], unit, signed=True, with_unit=False)}")
        name = catalogue.phrase(guard.kpi)
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
    """The leaderboard with readable columns: place, team, its program, the goal KPI with its interval,
    change from the start of its program, guards; then a row for each start that ran."""
    card = result.card
    kpi = card.goal.kpi
    unit = catalogue.unit(kpi)
    board = result.leaderboard
    rows = []
    for team, r in board.iterrows():
        rows.append({
            "Place": r["place"],
            "Team": team,
            "Program": result.program_title(team),
            catalogue.label(kpi): f"{format_value(r['goal_mean'], unit)} ({format_interval(r['goal_ci_low'], r['goal_ci_high'], unit)})",
            "Change from start": f"{format_value(r['vs_start'], unit, signed=True)} "
                                 f"({format_interval(r['vs_start_ci_low'], r['vs_start_ci_high'], unit, signed=True)}), "
                                 f"{r['vs_start_reading']}",
            "Guards": r["guards"],
            "Tied within noise with": r["tied_with"] or "—",
        })
    titles = {card.start_name(p): card.program_title(p) for p in card.programs or [None]}
    for name in result.starts:
        start = result.comparison.experiments[name].summary.loc[kpi]
        rows.append({"Place": "—", "Team": START, "Program": titles[name],
                     catalogue.label(kpi): f"{format_value(start['mean'], unit)} "
                                           f"({format_interval(start['ci_low'], start['ci_high'], unit)})",
                     "Change from start": "—", "Guards": "—", "Tied within noise with": "—"})
    return pd.DataFrame(rows).set_index("Place")

