"""The rules of a course of IOP treatment as small pure functions (iopsim.core.treatment), and the
engine's promise that every event is logged when it happens, on public SimPy only.

Expected values are worked out here from the rules in MODEL.md §2, not from the code.
"""

from __future__ import annotations

import math
import pathlib
import re
from types import SimpleNamespace

import pytest

from conftest import run, scenario
from iopsim.core.program import Program
from iopsim.core.treatment import (COMPLETED, CRISIS, DROPPED_OUT, OTHER, RELAPSE, RISKS, TRANSFERRED, Stay, dropout_hazard,
                                   first_strike, planned_weeks, relapse_hazard, review_interval_weeks)

T = SimpleNamespace(
    dropout_weekly_hazard=0.04, dropout_missed_multiplier=1.5, dropout_decline=0.5,
    relapse_weekly_hazard=0.03, relapse_halving_hours=30.0, other_weekly_hazard=0.01,
    planned_weeks={"low": 8, "moderate": 10, "high": 14}, plan_spread=0.5, max_weeks=20,
    review_interval_days=30, completion_attendance=0.6, wait_dropout_per_week=0.25, engagement_weeks=4,
    medication_share=0.0)


def test_dropout_is_highest_in_the_first_week_and_rises_with_missed_sessions():
    assert dropout_hazard(T, 0, 0) == pytest.approx(0.04)
    assert dropout_hazard(T, 3, 0) == pytest.approx(0.04 / 2)  # week 4: 4^-0.5
    assert dropout_hazard(T, 0, 2) == pytest.approx(0.04 * 1.5**2)
    assert [dropout_hazard(T, w, 0) for w in range(5)] == sorted((dropout_hazard(T, w, 0) for w in range(5)),
                                                                 reverse=True)


def test_each_week_waited_for_a_seat_raises_dropout_in_the_first_weeks_only():
    assert dropout_hazard(T, 0, 0, waited_weeks=2.0) == pytest.approx(0.04 * 1.5)  # +25% a week waited
    assert dropout_hazard(T, 3, 0, waited_weeks=2.0) == pytest.approx(0.04 / 2 * 1.5)  # week 4: still engaging
    assert dropout_hazard(T, 4, 0, waited_weeks=2.0) == pytest.approx(dropout_hazard(T, 4, 0))  # engaged


def test_relapse_hazard_halves_with_every_halving_hours_received():
    assert relapse_hazard(T, 0.0) == pytest.approx(0.03)
    assert relapse_hazard(T, 30.0) == pytest.approx(0.015)
    assert relapse_hazard(T, 90.0) == pytest.approx(0.03 / 8)


def test_the_first_risk_to_use_up_its_draw_strikes_and_ties_go_to_the_first():
    # weekly hazards 0.5, 1, 2 with 1, 1, 1 left: the third strikes after 7 * 1 / 2 days
    assert first_strike(10.0, 17.0, (1.0, 1.0, 1.0), (0.5, 1.0, 2.0)) == (pytest.approx(13.5), 2)
    assert first_strike(10.0, 12.0, (1.0, 1.0, 1.0), (0.5, 1.0, 2.0)) == (12.0, -1), "none before the week ends"
    assert first_strike(0.0, 7.0, (0.1, 0.1, 5.0), (1.0, 1.0, 0.0)) == (pytest.approx(0.7), 0), "tie: first wins"
    assert first_strike(0.0, 7.0, (0.1, 0.1, 0.1), (0.0, 0.0, 0.0)) == (7.0, -1), "no hazard, no strike"
    assert RISKS == (OTHER, DROPPED_OUT, RELAPSE, CRISIS)


def test_plans_vary_log_normally_within_one_week_and_the_longest_plan():
    assert planned_weeks(T, "moderate", 0.0) == 10
    assert planned_weeks(T, "moderate", 1.0) == round(10 * math.exp(0.5))
    assert planned_weeks(T, "high", 5.0) == 20
    assert planned_weeks(T, "low", -10.0) == 1
    assert review_interval_weeks(T) == 4


class Draws:
    """A client's one-off draws, fixed: the plan `plan_z` standard deviations from typical."""

    def __init__(self, plan_z: float) -> None:
        self.plan_z = plan_z

    def normal(self, name: str) -> float:
        return self.plan_z

    def exp1(self, name: str) -> float:
        return math.log(2.0)

    def __getitem__(self, name: str) -> float:
        return 0.5


def stay(plan_z=0.0, severity="low") -> Stay:
    client = SimpleNamespace(severity=severity, co_occurring=False, draws=Draws(plan_z))
    s = Stay(client, None, 0, 0, 0.0, T, 0.0)
    s.begin_week(T)
    return s


def weeks(s: Stay, n: int, attended: int, held: int = 3, step_down: bool = False) -> list:
    """Run n weekly reviews, the client attending `attended` of `held` sessions each week."""
    outcomes = []
    for _ in range(n):
        s.held, s.attended = s.held + held, s.attended + attended
        s.missed = held - attended
        outcomes.append(s.end_week(T, review_interval_weeks(T), lambda: step_down))
    return outcomes


def test_a_client_on_track_completes_when_the_plan_ends():
    s = stay()
    assert weeks(s, 8, attended=3) == [None] * 7 + [COMPLETED]
    assert s.week_end == pytest.approx(56.0)


def test_off_track_at_the_plans_end_extends_it_then_moves_on_at_the_longest_plan():
    s = stay()
    out = weeks(s, 20, attended=1)  # 1 of 3: below 60%
    assert out[:19] == [None] * 19, "extended a review interval at a time, up to 20 weeks"
    assert out[19] == TRANSFERRED and s.early_step_down


def test_a_client_on_track_past_half_the_plan_may_step_down_at_a_review():
    s = stay(severity="high")  # 14 weeks: reviews at weeks 4, 8, 12; past half the plan from week 7
    out = weeks(s, 8, attended=3, step_down=True)
    assert out == [None] * 7 + [TRANSFERRED] and s.early_step_down


def test_missed_sessions_raise_next_weeks_dropout_hazard():
    s = stay()
    weeks(s, 1, attended=1)
    assert s.weekly[RISKS.index(DROPPED_OUT)] == pytest.approx(dropout_hazard(T, 1, 2))


def test_the_engine_uses_no_private_simpy_attribute():
    root = pathlib.Path(__file__).resolve().parents[1]
    pattern = re.compile(r"\._(queue|now|eid|ok|target|generator|resume|value|defused|callbacks)\b")
    found = [f"{path.relative_to(root)}:{n}" for path in (root / "iopsim" / "core").glob("*.py")
             for n, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert not found


def test_nothing_is_logged_ahead_of_the_clock():
    """Every row is written when the clock has reached its time (rows stamped with an earlier
    start, such as an assessment recorded at its end, are allowed; later ones are not)."""
    s = scenario(**{"run.horizon_days": 200.0, "run.warm_up_days": 30.0})
    program = Program(s, 3)
    env, ahead = program.env, []

    class Watched(list):
        def extend(self, row):
            if row[2] > env.now + 1e-9:
                ahead.append(row)
            super().extend(row)

    written = program.log.values
    program.log.values = Watched()
    program.log_row = program.timetable.log = program.journeys.desk.log = program.log.values.extend
    program.run()
    assert len(program.log) > 1000 and not written
    assert not ahead, ahead[:5]
    assert max(program.log.column("time")) < program.end
    assert len(run(s, 3).events) == len(program.log), "SimulationRun keeps every row"
