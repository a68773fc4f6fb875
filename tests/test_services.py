"""The services of an IOP beside groups and individual sessions (scenario.services): each lever moves
what it should, each takes the staff time it needs, and each keeps the other draws as they were.

Paired comparisons run both arms on the same seeds (common random numbers) and check 95% intervals;
they are statistical claims on the test seed (benchmarks/seed_sweep.py runs them on several).
"""

from __future__ import annotations

import math

import pytest

import iopsim
from iopsim.core.scenario import Scenario

YEAR = 365.0
SHORT = {"run.warm_up_days": YEAR, "run.horizon_days": YEAR}
NO_FAMILY = {"services.family.share": 0.0}
TESTED = {"services.testing.tests_per_week": 2}
statistical = pytest.mark.statistical


def difference(alternative: Scenario, base: Scenario, kpi: str, seed: int, reps: int = 16):
    """The paired difference alternative - base of one KPI: (mean, ci_low, ci_high)."""
    cmp = iopsim.compare(base, alternative, reps=reps, seed=seed, workers=1, progress=False)
    row = cmp.differences.loc[(cmp.alternatives[0], kpi)]
    return row.mean_diff, row.ci_low, row.ci_high


def short(**changes) -> Scenario:
    return Scenario().replace(**SHORT, **changes)


def without_events(rows, prefix: str) -> list[tuple]:
    """The log's rows but those of one service's events, NaN made comparable."""
    return [tuple("nan" if isinstance(x, float) and math.isnan(x) else x for x in row)
            for row in rows if not str(row[3]).startswith(prefix)]


# ------------------------------------------------------------------ common random numbers
def test_family_sessions_with_staff_to_spare_leave_every_other_event_as_it_was():
    # the services draw from numbers of their own: with hours to spare, adding family sessions
    # only adds their rows, every client's course is the same draw for draw
    for seed in (0, 1):
        with_family = iopsim.simulate(short(), seed=seed).rows
        without = iopsim.simulate(short(**NO_FAMILY), seed=seed).rows
        assert any(str(row[3]).startswith("family") for row in with_family)
        assert without_events(with_family, "family") == without_events(without, "family")


def test_services_left_off_add_no_events():
    ev = iopsim.simulate(short(**NO_FAMILY), seed=0).events
    assert not ev.event.isin(("family_session", "family_missed", "family_cancelled", "drug_test",
                              "relapse_detected", "crisis")).any()
    assert not ev[ev.event == "medication_review"].detail.astype(str).isin(("opioid", "alcohol")).any()


# ------------------------------------------------------------------ family sessions
@statistical
def test_family_sessions_take_counsellor_hours_that_individual_sessions_then_lack(test_seed):
    tight = {"staff.counsellor_hours_per_week": 22.0}  # hours short enough that individual sessions give
    weekly_family = short(**tight, **{"services.family.share": 1.0, "services.family.interval_weeks": 1})
    base = short(**tight, **NO_FAMILY)
    assert difference(weekly_family, base, "family_sessions_per_week", test_seed)[1] > 0
    assert difference(weekly_family, base, "counsellor_utilisation", test_seed)[1] > 0
    mean, low, high = difference(weekly_family, base, "individual_sessions_cancelled_share", test_seed)
    assert low > 0, f"individual sessions cancelled {mean:+.3f} ({low:+.3f} to {high:+.3f})"


@statistical
def test_family_sessions_lower_dropout_when_an_effect_is_set(test_seed):
    # the default sets none (no source isolates one): the first test of this file holds that
    everyone = {"services.family.share": 1.0}
    mean, low, high = difference(short(**everyone, **{"services.family.dropout_multiplier": 0.5}), short(**everyone),
                                 "share_dropped_out", test_seed)
    assert high < 0, f"dropout {mean:+.3f} ({low:+.3f} to {high:+.3f})"


# ------------------------------------------------------------------ medication for use disorders
ALL_OPIOID = {"services.medication.opioid_share": 1.0, "services.medication.alcohol_share": 0.0}


@statistical
def test_medication_for_opioid_use_disorder_keeps_clients_and_lowers_relapse_in_treatment(test_seed):
    on = short(**ALL_OPIOID, **{"services.medication.opioid_uptake": 1.0})
    off = short(**ALL_OPIOID)
    assert difference(on, off, "addiction_medication_share", test_seed)[1] > 0.8
    mean, low, high = difference(on, off, "share_dropped_out", test_seed)
    assert high < 0, f"dropout {mean:+.3f} ({low:+.3f} to {high:+.3f})"
    mean, low, high = difference(on, off, "relapse_in_treatment_share", test_seed)
    assert high < 0, f"relapse in treatment {mean:+.3f} ({low:+.3f} to {high:+.3f})"
    assert difference(on, off, "prescriber_utilisation", test_seed)[1] > 0


@statistical
def test_medication_waits_for_a_prescriber_with_the_hours(test_seed):
    on = {**ALL_OPIOID, "services.medication.opioid_uptake": 1.0}
    scarce = short(**on, **{"staff.prescriber_hours_per_week": 1.0})
    mean, low, high = difference(scarce, short(**on), "addiction_medication_share", test_seed)
    assert high < 0, f"clients on medication {mean:+.3f} ({low:+.3f} to {high:+.3f})"


def test_co_occurring_psychiatric_medication_stays_beside_medication_for_use_disorders():
    half = {"services.medication.opioid_share": 0.5, "services.medication.alcohol_share": 0.0}
    s = short(**half, **{"services.medication.opioid_uptake": 1.0})
    visits = iopsim.simulate(s, seed=0).events.query("event == 'medication_review'")
    details = visits.detail.astype(str)
    # one visit serves both where a client has both: those are logged as the use disorder's
    assert (details == "opioid").sum() > 0 and (details == "").sum() > 0


# ------------------------------------------------------------------ drug and alcohol testing
def test_the_program_responds_to_a_relapse_when_a_test_shows_it_not_before():
    s = short(**TESTED, **{"treatment.relapse_weekly_hazard": 0.2})
    ev = iopsim.simulate(s, seed=0).events
    window = s.services.testing.detection_days
    relapses = ev[ev.event == "relapse_in_treatment"]
    detected = ev[ev.event == "relapse_detected"]
    assert len(detected) > 20 and (detected.value >= 0).all() and (detected.value <= window).all()
    discharges = ev[ev.event == "iop_discharge"].set_index(["client", "episode"])
    step_ups = relapses[relapses.detail == "step_up"]
    assert len(step_ups) > 10
    for row in step_ups.itertuples():
        # never stepped up at the moment of a relapse: only at a test that showed it
        at = discharges.time.get((row.client, row.episode))
        assert at is None or at != row.time
    seen = detected[detected.detail == "step_up"]
    for row in seen.itertuples():
        assert discharges.time.get((row.client, row.episode)) == row.time
        assert discharges.detail.get((row.client, row.episode)) == "transferred"


@statistical
def test_more_tests_see_more_relapses_and_take_counsellor_hours(test_seed):
    often, seldom = (short(**{"services.testing.tests_per_week": n, "treatment.relapse_weekly_hazard": 0.1})
                     for n in (3, 1))
    mean, low, high = difference(often, seldom, "relapses_seen_by_test_share", test_seed)
    assert low > 0, f"relapses seen {mean:+.3f} ({low:+.3f} to {high:+.3f})"
    assert difference(often, seldom, "counsellor_utilisation", test_seed)[1] > 0


# ------------------------------------------------------------------ crisis response
CRISES = {"services.crisis.weekly_hazard": 0.05}


@statistical
def test_crises_bring_same_day_sessions_and_step_ups_by_the_share(test_seed):
    base = short()
    crises = short(**CRISES)
    assert difference(crises, base, "crises_per_discharge", test_seed)[1] > 0
    # crisis sessions take counsellor hours (with step-ups, fewer clients stay to need them)
    sessions_only = short(**CRISES, **{"services.crisis.step_up_share": 0.0})
    assert difference(sessions_only, base, "counsellor_utilisation", test_seed)[1] > 0
    mean, low, high = difference(crises, base, "share_transferred", test_seed)
    assert low > 0, f"transferred {mean:+.3f} ({low:+.3f} to {high:+.3f})"
    all_up = short(**CRISES, **{"services.crisis.step_up_share": 1.0})
    ev = iopsim.simulate(all_up, seed=test_seed).events
    assert set(ev[ev.event == "crisis"].detail.astype(str)) == {"step_up"}
    # with no step-ups by the share, a crisis steps the client up only when no counsellor is free
    # at that moment (all in sessions or out of hours): seldom, with hours to spare
    none_up = iopsim.simulate(short(**CRISES, **{"services.crisis.step_up_share": 0.0}), seed=test_seed).events
    details = none_up[none_up.event == "crisis"].detail.astype(str)
    assert len(details) > 50 and (details == "session").mean() >= 0.95, details.value_counts()


def test_a_crisis_with_no_counsellor_free_ends_in_a_step_up():
    # four counsellors with half an hour a week: no crisis session can be held
    s = short(**CRISES, **{"services.crisis.step_up_share": 0.0, "staff.counsellor_hours_per_week": 0.5,
                           "staff.documentation_hours_per_client": 0.0})
    ev = iopsim.simulate(s, seed=0).events
    crises = ev[ev.event == "crisis"]
    assert len(crises) > 0 and set(crises.detail.astype(str)) == {"step_up"}
