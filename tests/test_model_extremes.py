"""Extreme values: unlimited capacity, no attrition at all, no demand, no staff.

Each scenario pushes the model to a corner where the right answer is known without simulating:
no waits, nobody lost, nothing happening, or everybody stuck (and reported, not hidden).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from iopsim.core.eventlog import COLUMNS
from iopsim.analysis.catalogue import CATALOGUE
from iopsim.analysis.kpis import in_system_at_end
from iopsim.core.intake import FrontDesk
from iopsim.core.program import Program
from iopsim.core.treatment import IOP_OUTCOMES

from conftest import HOUR, TIME_EPS, WEEKDAYS, first_time, rows, run, scenario, track_of

HORIZON = {"run.horizon_days": 300.0, "run.warm_up_days": 0.0}
BIG_TRACKS = [
    {"name": "day", "evening": False, "days": ["Mon", "Wed", "Fri"], "start_hour": 9.0, "groups": 20, "group_cap": 30},
    {"name": "evening", "evening": True, "days": ["Mon", "Tue", "Thu"], "start_hour": 18.0, "groups": 20,
     "group_cap": 30},
]


def unlimited(mode: str):
    return scenario(**HORIZON, **{
        "intake.mode": mode, "intake.assessors": 50, "intake.assessor_hours_per_week": 60.0,
        "intake.booking_lead_days": 0.0,
        "tracks.tracks": BIG_TRACKS, "tracks.patience_mean_days": 3650.0, "tracks.admission_lead_days": 0.0,
        "tracks.day_clients_take_evening_seats": False, "relapse.leave_waitlist_after_relapse": 0.0,
        "staff.iop_counsellors": 100, "staff.iop_caseload_cap": 100,
        "staff.op_counsellors": 100, "staff.op_caseload_cap": 200,
        "staff.prescribers": 5, "staff.prescriber_hours_per_week": 40.0,
    })


def sessions_between(track: dict, holidays, start: float, stop: float) -> list[float]:
    """Scheduled session times of `track` in the open interval (start, stop), computed here."""
    offset = track["start_hour"] * HOUR
    days = {WEEKDAYS.index(d) for d in track["days"]}
    out = []
    for d in range(int(math.floor(start)), int(math.ceil(stop)) + 1):
        t = d + offset
        if d % 7 in days and d % 365 not in holidays and start + TIME_EPS < t < stop - TIME_EPS:
            out.append(t)
    return out


# ------------------------------------------------------------------------ unlimited capacity
@pytest.mark.parametrize("mode", ["booked", "walk_in"])
def test_unlimited_capacity_admits_at_the_next_session_and_nobody_waits_for_op(mode):
    s = unlimited(mode)
    r = run(s, seed=3)
    ev = r.events
    joins = rows(ev, "waitlist_join").set_index(["client", "episode"])
    admitted = rows(ev, "admitted").set_index(["client", "episode"])
    assert len(admitted) > 50, "the scenario should admit plenty of clients"
    # patience is exponential (a 10-year mean): the rare client who gives up does so before their first
    # session comes, never while a seat was free at a session they could have joined
    reneged = rows(ev, "reneged").set_index(["client", "episode"])
    tracks = {t["name"]: t for t in BIG_TRACKS}
    holidays = set(s.calendar.holidays)
    for key, gone in reneged.iterrows():
        track = tracks["evening" if joins.loc[key, "resource"] == "evening" else "day"]
        assert sessions_between(track, holidays, joins.loc[key, "time"] - TIME_EPS, gone.time) == [], \
            f"client {key} gave up at {gone.time:.3f} after a session with seats free"
    assert len(reneged) <= 0.01 * len(joins)
    gave_up = reneged.index

    # admission at the client's very next session: under a week, and no session of their track skipped
    waits = []
    for key, adm in admitted.iterrows():
        joined = joins.loc[key, "time"]
        wait = adm.time - joined
        waits.append(wait)
        track = tracks[track_of(adm.resource)]
        assert track["evening"] == (joins.loc[key, "resource"] == "evening"), \
            "evening-only clients go to the evening track, others to the day track"
        assert sessions_between(track, holidays, joined, adm.time) == [], \
            f"client {key} joined at {joined:.3f} and skipped a session of {track['name']} before {adm.time:.3f}"
    assert 0 <= min(waits) and max(waits) < 7.0

    # nobody left on the waitlist except those who joined within the last gap between sessions
    end = r.end
    still = joins.index.difference(admitted.index).difference(gave_up)
    assert all(end - joins.loc[k, "time"] < 7.0 for k in still)
    assert r.in_system.get("waitlist", 0) == len(still)

    # standard outpatient: a caseload place is always free, so the OP wait is zero
    op_join = first_time(ev, "op_waitlist_join")
    op_start = first_time(ev, "op_start")
    assert len(op_join) > 0
    assert op_start.index.equals(op_join.index), "everyone joining OP starts it"
    assert np.allclose(op_start.to_numpy(), op_join.reindex(op_start.index).to_numpy(), atol=TIME_EPS)
    assert r.kpis["op_wait_median_days"] == pytest.approx(0.0, abs=TIME_EPS)

    # assessments: no lead time and idle assessors, so only a closed clinic can delay them
    booked = rows(ev, "assessment_booked")
    assert booked.value.min() >= 0
    assert booked.value.max() < 4.0, "at most a weekend plus a holiday Monday before the next opening"
    starts = booked.time.to_numpy() + booked.value.to_numpy()
    day = np.floor(starts).astype(int)
    clock = (starts - day) / HOUR
    assert np.all((day % 7 < 5) & ~np.isin(day % 365, list(holidays))), "assessments on open weekdays only"
    assert np.all((clock >= 9.0 - 1e-6) & (clock <= 9.0 + 12.0 - 1.0 + 1e-6)), "and within opening hours"


# ------------------------------------------------------------------------ no attrition at all
def test_without_hazards_or_absences_every_discharge_is_a_completion():
    s = scenario(**HORIZON, **{
        "treatment.dropout_weekly_hazard": 0.0, "treatment.relapse_weekly_hazard": 0.0,
        "treatment.other_weekly_hazard": 0.0, "treatment.attendance_mean": 1.0,
        "treatment.attendance_spread": 0.0, "treatment.early_step_down_probability": 0.0,
        "intake.show_curve": [[0, 1.0]], "tracks.patience_mean_days": 3650.0,
    })
    r = run(s, seed=5)
    ev = r.events
    discharges = rows(ev, "iop_discharge")
    assert len(discharges) > 20
    assert set(discharges.detail) == {"completed"}
    assert rows(ev, "group_missed").empty
    assert rows(ev, "relapse_in_treatment").empty
    assert rows(ev, "no_show").empty  # (a few may still renege: patience is exponential)
    assert r.kpis["share_completed"] == 1.0


# ------------------------------------------------------------------------ no demand
@pytest.fixture(scope="module")
def empty_run():
    return run(scenario(**{"referrals.per_week": 0.0, "run.horizon_days": 120.0}), seed=1)


def test_no_referrals_gives_an_empty_run(empty_run):
    ev = empty_run.events
    assert len(ev) == 0
    assert set(COLUMNS) <= set(ev.columns)
    assert empty_run.in_system == {}
    assert in_system_at_end(ev, empty_run.end) == {}


def test_no_referrals_gives_kpis_of_zero_or_nan(empty_run):
    k = empty_run.kpis
    assert set(k) == {kpi.name for kpi in CATALOGUE}
    counts = ("referrals", "assessed", "admissions", "discharges", "lost_no_show", "lost_reneged", "in_system_end")
    for name in counts:
        assert k[name] == 0, name
    for name, value in k.items():
        assert value == 0 or math.isnan(value) or name in ("seats", "staff_cost_per_week"), f"{name} = {value}"


# ------------------------------------------------------------------------ no staff
@pytest.mark.parametrize("change", [{"intake.assessors": 0}, {"intake.assessor_hours_per_week": 0.0}],
                         ids=["no assessors", "no assessor hours"])
def test_without_assessment_only_step_down_referrals_reach_iop(change):
    s = scenario(**HORIZON, **change)
    r = run(s, seed=2)
    ev = r.events
    referral = rows(ev, "referral").set_index(["client", "episode"])
    assert rows(ev, "assessed").empty and rows(ev, "no_show").empty
    admitted = rows(ev, "admitted").set_index(["client", "episode"])
    assert (referral.loc[admitted.index, "resource"] == "step_down").all(), \
        "only step-down referrals skip the assessment"
    # everybody else is still waiting for an assessment when the run ends: censored, not lost
    exits = rows(ev, "exit").set_index(["client", "episode"])
    waiting = referral[referral.resource != "step_down"].index
    assert len(waiting) > 50
    assert not waiting.isin(exits.index).any()
    assert r.in_system["assessment"] == len(waiting)
    assert in_system_at_end(ev, r.end)["assessment"] == len(waiting)
    k = r.kpis
    assert k["assessed"] == 0 and k["in_system_end"] >= len(waiting)
    assert math.isnan(k["wait_referral_to_assessment_median_days"])


@pytest.mark.parametrize("admission", ["rolling", "cohort"])
@pytest.mark.parametrize("change", [{"staff.iop_counsellors": 0},
                                    {"tracks.tracks": [dict(t, groups=0) for t in BIG_TRACKS]}],
                         ids=["no counsellors", "no groups"])
def test_without_counsellors_or_groups_nobody_is_admitted_and_all_wait(change, admission):
    s = scenario(**HORIZON, **change, **{"tracks.patience_mean_days": 3650.0, "tracks.admission": admission})
    r = run(s, seed=4)
    ev = r.events
    assert rows(ev, "admitted").empty and rows(ev, "group_attended").empty and rows(ev, "iop_discharge").empty
    joined = rows(ev, "waitlist_join")
    left = rows(ev, "exit")
    left = left[left.stage == "waitlist"]  # gave up, or relapsed and left
    assert len(joined) > 30
    on_list = len(joined) - len(left)
    assert r.in_system["waitlist"] == on_list
    assert in_system_at_end(ev, r.end)["waitlist"] == on_list
    k = r.kpis
    assert k["admissions"] == 0 and k["census_mean"] == 0
    assert k["waitlist_max"] >= on_list > 0
    assert all(d in IOP_OUTCOMES for d in rows(ev, "iop_discharge").detail)


# ------------------------------------------------------------------------ unlimited demand
@pytest.mark.parametrize("assessors, hours_per_week, assessment_hours", [
    (1, 15.0, 1.0), (2, 10.0, 1.0), (1, 15.0, 1.5), (1, 40.0, 2.0),
    (1, 8.0, 1.0), (2, 12.0, 1.0), (1, 6.0, 1.5)])
def test_a_saturated_clinic_assesses_hours_per_week_over_assessment_length(assessors, hours_per_week,
                                                                          assessment_hours):
    """With endless demand and no holidays, every assessor hour is used: throughput = capacity."""
    s = scenario(**{"run.horizon_days": 70.0, "run.warm_up_days": 7.0, "calendar.holidays": [],
                    "referrals.per_week": 60.0, "intake.show_curve": [[0, 1.0]],
                    "intake.booking_lead_days": 0.0, "intake.assessors": assessors,
                    "intake.assessor_hours_per_week": hours_per_week, "intake.assessment_hours": assessment_hours})
    r = run(s, seed=1)
    seen = rows(r.events, "assessed")
    weeks = s.run.horizon_days / 7
    inside = seen[(seen.time >= s.run.warm_up_days) & (seen.time < r.end)]
    per_week = len(inside) / weeks
    assert per_week == pytest.approx(assessors * hours_per_week / assessment_hours, rel=0.02)
    assert r.kpis["assessor_utilisation"] == pytest.approx(1.0, rel=0.02)


# ------------------------------------------------------------------------ clock arithmetic at admission
def test_admission_is_at_the_session_even_with_hours_that_are_not_binary_fractions():
    """Step-down referrals join at once from day 0; sessions at 8:00 and 17:00 (1/3 and 17/24 of a
    day); one absence ends the stay, so a miss at the very first session ends it at admission."""
    s = scenario(**{
        "run.horizon_days": 28.0, "run.warm_up_days": 0.0, "referrals.per_week": 30.0,
        "referrals.source_shares": {"community": 0.0, "step_down": 1.0, "step_up": 0.0, "justice": 0.0},
        "treatment.terminate_after_absences": 1, "treatment.attendance_mean": 0.3,
        "tracks.tracks": [{"name": "day", "days": ["Mon", "Wed", "Fri"], "start_hour": 8.0},
                          {"name": "evening", "evening": True, "days": ["Mon", "Tue", "Thu"], "start_hour": 17.0}]})
    for seed in range(20):
        ev = run(s, seed).events  # must not raise
        key = ["client", "episode"]
        admitted = rows(ev, "admitted").set_index(key).time
        sessions = ev[ev.event.isin(["group_attended", "group_missed"])].groupby(key, observed=True).time.first()
        assert (sessions.reindex(admitted.index).fillna(np.inf) >= admitted).all(), \
            f"seed {seed}: a session logged before the client's admission"
        assert (rows(ev, "iop_discharge").value >= 0).all(), f"seed {seed}: negative length of stay"
        # the log's order is the story's order: admitted, then that day's session
        order = ev.reset_index().set_index(key)
        first_adm = order[order.event == "admitted"]["index"]
        first_session = order[order.event.isin(["group_attended", "group_missed"])].groupby(key)["index"].min()
        assert (first_session.reindex(first_adm.index).fillna(np.inf) > first_adm).all()


def test_an_error_inside_a_clients_journey_stops_the_run(monkeypatch):
    """An error in the front desk's callbacks or a journey process surfaces from the run."""
    def broken(self, c):
        raise RuntimeError(f"placement failed for client {c.id}")

    monkeypatch.setattr(FrontDesk, "place", broken)
    with pytest.raises(RuntimeError, match="placement failed for client"):
        Program(scenario(), 0).run()
