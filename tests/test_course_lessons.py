"""Every "Try this" of notebooks 02 to 05, followed in its order at the notebook's own settings.

Each test reads the notebook's settings cell (REPS, RATES, ...) and builds the scenarios the way
the notebook's panel does (the form's fields, the built-in program as the starting point), then
asserts the change the notebook's text promises.  The seed is IOPSIM_TEST_SEED, not the
notebook's SEED: a lesson must hold on any seed a trainee might meet (benchmarks/seed_sweep.py
runs these on five).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import iopsim
from iopsim.course import change_charts, relapse_charts, schedule_charts, widgets
from iopsim.course.chart_basics import MONTH

pytestmark = pytest.mark.statistical

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def settings(name: str) -> dict:
    """The values set by the notebook's cell tagged ``parameters``."""
    cells = json.loads((NOTEBOOKS / name).read_text())["cells"]
    cell = next(c for c in cells if "parameters" in c["metadata"].get("tags", []))
    values: dict = {}
    exec("".join(cell["source"]), {}, values)
    return values


def text(name: str) -> str:
    return "\n".join("".join(c["source"]) for c in json.loads((NOTEBOOKS / name).read_text())["cells"])


def form_scenario(form: widgets.Form, **values) -> iopsim.Scenario:
    """The scenario the panel builds after the trainee sets these controls (path -> widget value)."""
    for path, value in values.items():
        form[path].widget.value = value
    return form.scenario()


def moved(result, name: str, kpi: str):
    return change_charts.change(result, name, kpi)


# ------------------------------------------------------------------------------------ 02
CAPACITY = "02_capacity_and_waiting.ipynb"


def test_02_try_this_in_order_day_group_evening_group_referrals_one_counsellor(test_seed):
    s, base = settings(CAPACITY), iopsim.Scenario()
    form = widgets.capacity_form(base)
    steps = {  # each step starts from the built-in values, as the text says ("back to ...")
        "day group": form_scenario(form, **{"tracks.tracks[0].groups": 3}),
        "evening group": form_scenario(form, **{"tracks.tracks[0].groups": 2, "tracks.tracks[1].groups": 2}),
        "referrals 7": form_scenario(form, **{"tracks.tracks[1].groups": 1, "referrals.per_week": 7.0}),
        "1 counsellor": form_scenario(form, **{"referrals.per_week": 4.8, "staff.iop_counsellors": 1}),
    }
    assert "Day groups** from 2 to 3" in text(CAPACITY) and "4.8" in text(CAPACITY)
    result = change_charts.paired(base, steps, reps=s["REPS"], seed=test_seed)
    day, evening = moved(result, "day group", "admissions_per_year"), moved(result, "evening group",
                                                                             "admissions_per_year")
    # 1. a day group: hardly more admitted, seats stand emptier; 2. an evening group: more admitted than with
    # a day group, and fewer lost before treatment
    assert moved(result, "day group", "seat_utilisation").direction == "lower"
    assert evening.mean_diff > max(day.mean_diff, 0.0), (day.mean_diff, evening.mean_diff)
    lost_day = moved(result, "day group", "lost_before_treatment_share").mean_diff
    lost_evening = moved(result, "evening group", "lost_before_treatment_share").mean_diff
    assert lost_evening < min(lost_day, 0.0), (lost_day, lost_evening)
    # 3. more referrals: the waitlist grows and more are lost before treatment
    assert moved(result, "referrals 7", "waitlist_mean").direction == "higher"
    assert moved(result, "referrals 7", "lost_before_treatment_share").mean_diff > 0
    # 4. one counsellor: at most 12 clients in IOP, admissions down by half or more
    one = result.experiments["1 counsellor"].per_rep
    assert one["census_mean"].max() <= 12.0 + 1e-9
    counsellor = moved(result, "1 counsellor", "admissions_per_year")
    assert counsellor.alternative_mean <= 0.5 * counsellor.baseline_mean


def test_02_the_hockey_stick_bends_and_an_evening_group_helps_only_at_high_demand(test_seed):
    s = settings(CAPACITY)
    sweep_base = iopsim.Scenario().replace(**{"relapse.readmission_probability": 0.0, "run.warm_up_days": 91.0})
    kpis = ["seat_utilisation", "wait_to_start_mean_days", "lost_reneged"]

    def sweep(scenario):
        return iopsim.grid(scenario, {"referrals.per_week": s["RATES"]}, reps=s["SWEEP_REPS"], seed=test_seed,
                           kpis=kpis, workers=1, progress=False).sort_values("referrals.per_week")

    one, two = sweep(sweep_base), sweep(sweep_base.replace(**{"tracks.tracks[1].groups": 2}))
    wait, lost = one.wait_to_start_mean_days_mean.to_numpy(), one.lost_reneged_mean.to_numpy()
    assert (np.diff(wait) > 0).all() and (np.diff(lost) > 0).all(), (wait, lost)  # monotone, as drawn
    assert wait[-1] - wait[-2] > 1.5 * (wait[1] - wait[0]), wait  # the last step costs more than the first
    assert lost[-1] - lost[-2] > lost[1] - lost[0], lost
    assert one.seat_utilisation_mean.iloc[-1] > 0.9 > one.seat_utilisation_mean.iloc[0]
    # "add an evening group: at high demand waits and losses fall; at 4 a week nothing changes"
    assert two.wait_to_start_mean_days_mean.iloc[-1] < wait[-1] - 1.5
    assert two.lost_reneged_mean.iloc[-1] < lost[-1] - 15
    assert abs(two.wait_to_start_mean_days_mean.iloc[0] - wait[0]) < 1.0
    assert abs(two.lost_reneged_mean.iloc[0] - lost[0]) < 6.0


# ------------------------------------------------------------------------------------ 03
SCHEDULE = "03_designing_the_schedule.ipynb"
FIVE = ("Mon", "Tue", "Wed", "Thu", "Fri")


def test_03_try_this_in_order_five_days_then_short_plans_then_cohorts(test_seed):
    s, base = settings(SCHEDULE), iopsim.Scenario()
    form = widgets.schedule_form(base)
    five = form_scenario(form, **{"tracks.tracks[0].days": FIVE, "tracks.tracks[1].days": FIVE})
    short = form_scenario(form, **{"treatment.planned_weeks": widgets.PLAN_LENGTHS["short"]})
    form.reset()
    cohort = form_scenario(form, **{"tracks.admission": "cohort"})
    result = change_charts.paired(base, {"5 days": five, "5 days, short": short, "cohort": cohort},
                                  reps=s["REPS"], seed=test_seed)
    # 1. five days: about half as many hours again, in the same weeks: stays, seats and admissions hold
    hours = moved(result, "5 days", "treatment_hours_mean")
    assert hours.direction == "higher" and hours.mean_diff > 0.3 * hours.baseline_mean
    assert abs(moved(result, "5 days", "los_median_days").mean_diff) < 10
    assert abs(moved(result, "5 days", "seat_utilisation").mean_diff) < 0.06
    # 2. and short plans: still more hours than the built-in, stays about a third shorter, seats freed
    assert moved(result, "5 days, short", "treatment_hours_mean").mean_diff > 0
    stay = moved(result, "5 days, short", "los_median_days")
    assert stay.direction == "lower" and stay.alternative_mean < 0.85 * stay.baseline_mean
    assert moved(result, "5 days, short", "seat_utilisation").direction == "lower"
    # 3. cohorts: longer waits, more lost, fewer admitted
    assert moved(result, "cohort", "wait_to_start_mean_days").direction == "higher"
    assert moved(result, "cohort", "lost_before_treatment_share").direction == "higher"
    assert moved(result, "cohort", "admissions_per_year").direction == "lower"


def test_03_without_an_evening_track_most_clients_who_work_give_up_waiting(test_seed):
    """Section 3, as its cell runs it: the share who left the waitlist, with 95% intervals over REPS runs."""
    s, base = settings(SCHEDULE), iopsim.Scenario()
    day_only = base.replace(**{"tracks.tracks": [base.to_dict()["tracks"]["tracks"][0]]})
    shares = {name: schedule_charts.loss_shares([schedule_charts.work_losses(r.events, r.scenario)
                                                 for r in widgets.runs(program, s["REPS"], test_seed)])
              for name, program in (("with", base), ("without", day_only))}
    work, free = "works or studies by day", "free in the day"
    without, with_ = shares["without"].loc[work], shares["with"].loc[work]
    # "most clients who work by day wait until they give up": more than half, the whole interval
    assert without.gave_up_share_low > 0.5, without
    assert without.gave_up_share_low > with_.gave_up_share_high, (without, with_)
    # "the share among clients free in the day hardly moves (about a quarter either way)"
    for program in shares.values():
        assert 0.15 < program.loc[free, "gave_up_share"] < 0.35, program
        assert program.loc[free, "gave_up_share_high"] < without.gave_up_share_low
    assert abs(shares["without"].loc[free, "gave_up_share"] - shares["with"].loc[free, "gave_up_share"]) < 0.08
    assert "most clients who work by day wait until they give up" in " ".join(text(SCHEDULE).split())


# ------------------------------------------------------------------------------------ 04
RELAPSE = "04_relapse_and_aftercare.ipynb"
YEAR = [3 * MONTH, 6 * MONTH, 12 * MONTH]


def completers_and_dropouts(scenario, reps: int, seed: int) -> dict:
    """Follow-up by discharge code, replication by replication, as notebook 04's cells gather it."""
    return relapse_charts.by_group([relapse_charts.relapse_followup(r.events, r.scenario)
                                    for r in widgets.runs(scenario, reps, seed)])


def test_04_completers_relapse_less_and_later_and_the_first_months_carry_the_most_risk(test_seed):
    s = settings(RELAPSE)
    followed = iopsim.Scenario().replace(**{"run.horizon_days": s["HORIZON_DAYS"]})
    groups = completers_and_dropouts(followed, s["REPS"], test_seed)
    completed, dropped = (relapse_charts.relapse_band(groups[g], YEAR) for g in ("completed", "dropped out"))
    # less: the completers' whole 12-month interval lies below the dropouts'
    assert completed[2][2] < dropped[1][2], (completed, dropped)
    # later: a smaller part of the year's relapses comes in the first 3 months
    assert completed[0][0] / completed[0][2] < dropped[0][0] / dropped[0][2], (completed, dropped)
    # steep, then flat: the first 3 months add more than the 9 after them
    for mean, _, _ in (completed, dropped):
        assert mean[0] > mean[2] - mean[0], mean


def test_04_continuing_care_lowers_the_curve_a_little_and_the_bands_overlap(test_seed):
    s = settings(RELAPSE)
    followed = iopsim.Scenario().replace(**{"run.horizon_days": s["HORIZON_DAYS"]})
    none = followed.replace(**{"step_down.uptake": 0.0, "aftercare.uptake": 0.0})
    full = followed.replace(**{"step_down.uptake": 1.0, "aftercare.uptake": 1.0})
    without, with_ = (relapse_charts.relapse_band(completers_and_dropouts(p, s["REPS"], test_seed)["completed"], YEAR)
                      for p in (none, full))
    # "a few points lower, by about the width of the bands"
    lower = without[0] - with_[0]
    assert (lower > 0).all() and (lower < 0.15).all(), lower
    # "the two 95% bands overlap over much of the year": at 3 and 6 months at least
    overlap = (with_[2] >= without[1]) & (without[2] >= with_[1])
    assert overlap[:2].all(), (without, with_)


def test_04_try_this_in_order_readmission_then_aftercare_then_the_loop_cut(test_seed):
    s, base = settings(RELAPSE), iopsim.Scenario()
    form = widgets.relapse_form(base)
    more = form_scenario(form, **{"relapse.readmission_probability": 0.8})
    aftercare = form_scenario(form, **{"aftercare.uptake": 1.0})  # keeps step 1
    cut = form_scenario(form, **{"relapse.readmission_probability": 0.0})  # keeps steps 1 and 2
    result = change_charts.paired(base, {"more": more, "aftercare": aftercare, "cut": cut}, reps=s["REPS"],
                                  seed=test_seed)
    # 1. referrals almost double, the waitlist grows, many more lost
    referrals = moved(result, "more", "referrals_per_week")
    assert referrals.alternative_mean > 1.5 * referrals.baseline_mean
    assert moved(result, "more", "waitlist_mean").direction == "higher"
    assert moved(result, "more", "lost_before_treatment_share").direction == "higher"
    # 2. aftercare for all: the run changes, but little next to step 1
    step1 = referrals.mean_diff
    step2 = moved(result, "aftercare", "referrals_per_week").alternative_mean - referrals.alternative_mean
    assert step2 <= 0.1 * step1 and abs(step2) < 0.2 * step1, (step1, step2)
    assert not result.experiments["aftercare"].per_rep.equals(result.experiments["more"].per_rep)
    # 3. the loop cut: nobody comes back, referrals are the new ones only, the waitlist shrinks
    gone = moved(result, "cut", "referrals_per_week")
    assert gone.alternative_mean == pytest.approx(base.referrals.per_week, rel=0.12)
    assert moved(result, "cut", "readmission_share").alternative_mean < 0.05
    assert moved(result, "cut", "waitlist_mean").direction == "lower"


# ------------------------------------------------------------------------------------ 05
DOSE = "05_dose_versus_access.ipynb"


def test_05_a_long_plan_costs_more_access_at_high_demand_than_at_low(test_seed):
    s = settings(DOSE)
    base = iopsim.Scenario().replace(**{"run.horizon_days": s["HORIZON_DAYS"]})
    cost = {}
    for demand in (4.0, 9.0):  # the "Try this": long at 4 referrals a week, then at 9
        form = widgets.dose_form(base)
        long = form_scenario(form, **{"treatment.planned_weeks": widgets.PLAN_LENGTHS["long"],
                                      "referrals.per_week": demand})
        standard = long.replace(**{"treatment.planned_weeks": widgets.PLAN_LENGTHS["standard"]})
        result = change_charts.paired(standard, {"long": long}, reps=s["REPS"], seed=test_seed)
        assert moved(result, "long", "treatment_hours_mean").mean_diff > 0
        cost[demand] = (moved(result, "long", "admissions_per_year").mean_diff,
                        moved(result, "long", "wait_to_start_mean_days").mean_diff)
    assert cost[9.0][0] < cost[4.0][0] and cost[9.0][0] < -5, cost  # fewer admitted, most of all at high demand
    assert cost[9.0][1] > cost[4.0][1] and cost[9.0][1] > 1.0, cost  # longer waits, most of all at high demand


def test_02_waiting_loses_people_twice(test_seed):
    """Section 3: two weeks' longer wait for a first group; more lost before treatment, fewer to the 4th session."""
    s, base = settings(CAPACITY), iopsim.Scenario()
    quick = base.replace(**{"run.warm_up_days": 365.0})
    slow = quick.replace(**{"tracks.admission_lead_days": base.tracks.admission_lead_days + 14.0})
    result = change_charts.paired(quick, {"slow": slow}, reps=s["ENGAGE_REPS"], seed=test_seed)
    assert moved(result, "slow", "wait_assessment_to_start_median_days").direction == "higher"
    assert moved(result, "slow", "lost_before_treatment_share").direction == "higher"
    assert moved(result, "slow", "first_to_fourth_session_share").direction == "lower"
