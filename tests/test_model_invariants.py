"""Properties every run must keep, whatever the (valid) scenario: checked on random scenarios.

Conservation of clients, one outcome per episode, caps never broken, sessions only when the
timetable says, no negative waits, a sorted log.  Hypothesis draws the scenarios; each
property is checked from the event log alone, independently of how the model got there.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iopsim.core.eventlog import COLUMNS
from iopsim.analysis.kpis import in_system_at_end
from iopsim.core.treatment import IOP_OUTCOMES
from iopsim.core.scenario import Scenario

from conftest import HOUR, WEEKDAYS, rows, run, step_level_max, track_of

TRACK_NAMES = ("day", "evening", "weekend")


def one_of(*values):
    """A choice among typical values; Hypothesis leans towards the first, so list the usual case first."""
    return st.sampled_from(values)


@st.composite
def tracks(draw):
    n = draw(st.integers(1, 3))
    out = []
    for i, name in enumerate(TRACK_NAMES[:n]):
        days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=5, unique=True))
        out.append({"name": name, "evening": i == 1 or draw(st.booleans()), "days": days,
                    "start_hour": draw(one_of(9.0, 18.0, 10.0, 13.5, 8.0, 17.0)),
                    "hours": draw(one_of(3.0, 2.0, 4.0)), "groups": draw(one_of(1, 2, 3, 0)),
                    "group_cap": draw(one_of(10, 4, 12, 1, 2))})
    return out


@st.composite
def scenarios(draw) -> Scenario:
    show = sorted(draw(st.lists(st.tuples(st.integers(0, 10), one_of(0.7, 1.0, 0.4, 0.05)), min_size=1, max_size=3,
                                unique_by=lambda p: p[0])))
    planned = {s: draw(one_of(8, 4, 12, 1)) for s in ("low", "moderate", "high")}
    data = {
        "referrals": {"per_week": draw(one_of(7.0, 12.0, 3.0, 20.0, 0.0)),
                      "evening_share": draw(one_of(0.4, 0.0, 1.0, 0.8)),
                      "abstinent_share": draw(one_of(0.3, 0.0, 1.0))},
        "intake": {"mode": draw(one_of("booked", "walk_in")),
                   "assessors": draw(one_of(2, 1, 3, 0)),
                   "assessor_hours_per_week": draw(one_of(15.0, 40.0, 5.0, 8.0)),
                   "booking_lead_days": draw(one_of(3.0, 0.0, 1.0)),
                   "show_curve": [list(p) for p in show],
                   "rebook_probability": draw(one_of(0.5, 0.0, 1.0))},
        "tracks": {"tracks": draw(tracks()),
                   "admission": draw(one_of("rolling", "cohort")),
                   "cohort_interval_weeks": draw(one_of(4, 1, 6)),
                   "step_down_priority": draw(st.booleans()),
                   "patience_mean_days": draw(one_of(30.0, 200.0, 2.0)),
                   "admission_lead_days": draw(one_of(7.0, 0.0, 2.5)),
                   "day_clients_take_evening_seats": draw(st.booleans())},
        "treatment": {"planned_weeks": planned, "max_weeks": max(planned.values()) + draw(one_of(4, 0, 10)),
                      "plan_spread": draw(one_of(0.8, 0.0, 1.5)),
                      "attendance_mean": draw(one_of(0.8, 0.5, 1.0, 0.2)),
                      "attendance_spread": draw(one_of(0.3, 0.0, 0.8)),
                      "dropout_weekly_hazard": draw(one_of(0.03, 0.0, 0.5)),
                      "relapse_weekly_hazard": draw(one_of(0.03, 0.0, 0.5)),
                      "other_weekly_hazard": draw(one_of(0.01, 0.0, 0.2)),
                      "terminate_after_absences": draw(one_of(4, 1, 6, 2)),
                      "early_step_down_probability": draw(one_of(0.2, 0.0, 0.6)),
                      "individual_sessions_per_week": draw(one_of(1, 0, 2))},
        "staff": {"iop_counsellors": draw(one_of(2, 3, 1, 4, 0)), "iop_caseload_cap": draw(one_of(12, 5, 15, 1)),
                  "op_counsellors": draw(one_of(1, 2, 0)), "op_caseload_cap": draw(one_of(10, 1, 3)),
                  "prescribers": draw(one_of(1, 2, 0)),
                  "counsellor_hours_per_week": draw(one_of(32.0, 6.0, 12.0)),
                  "documentation_hours_per_client": draw(one_of(0.5, 0.0, 2.0))},
        "relapse": {"readmission_probability": draw(one_of(0.5, 0.0, 1.0)),
                    "leave_waitlist_after_relapse": draw(one_of(0.5, 0.0, 1.0)),
                    "readmission_delay_mean_days": draw(one_of(30.0, 5.0))},
        "calendar": {"holidays": draw(st.one_of(st.just([0, 147, 185, 245, 332, 359]),
                                                st.lists(st.integers(0, 364), max_size=8, unique=True)))},
        "run": {"horizon_days": draw(one_of(200.0, 120.0, 300.0, 60.0, 30.5)),
                "warm_up_days": draw(one_of(30.0, 0.0))},
    }
    return Scenario.from_dict(data)


def check_invariants(s: Scenario, seed: int) -> None:
    r = run(s, seed=seed)
    ev = r.events
    end = r.end
    assert list(ev.columns[:len(COLUMNS) + 1]) != []  # a frame, even when empty
    if ev.empty:
        assert r.in_system == {}
        return
    key = ["client", "episode"]

    # the log is sorted and inside the run
    assert ev.time.is_monotonic_increasing
    assert ev.time.min() >= 0 and ev.time.max() < end

    # conservation: every episode started either ended with one exit or is still in the system
    referrals = rows(ev, "referral")
    exits = rows(ev, "exit")
    assert not referrals.duplicated(key).any(), "one referral per episode"
    assert not exits.duplicated(key).any(), "at most one exit per episode"
    assert exits.set_index(key).index.isin(referrals.set_index(key).index).all()
    live = dict(r.in_system)
    assert len(referrals) == len(exits) + sum(live.values())
    assert live == in_system_at_end(ev, end), "live stage counts agree with the event log"
    assert all(v > 0 for v in live.values())

    # one IOP discharge per episode at most, with a TEDS code, after admission
    discharges = rows(ev, "iop_discharge")
    admitted = rows(ev, "admitted")
    assert not discharges.duplicated(key).any() and not admitted.duplicated(key).any()
    assert set(discharges.detail) <= set(IOP_OUTCOMES)
    adm = admitted.set_index(key)
    dis = discharges.set_index(key)
    assert dis.index.isin(adm.index).all(), "discharged without admission"
    assert (dis.time >= adm.time.reindex(dis.index)).all()
    assert (dis.value >= 0).all() and (dis.value <= dis.time - adm.time.reindex(dis.index) + 1e-9).all()

    # waits are never negative
    booked = rows(ev, "assessment_booked").value
    assert booked.notna().all() and (booked >= 0).all()
    first = {name: rows(ev, name).groupby(key).time.first() for name in
             ("referral", "assessed", "waitlist_join", "admitted", "op_waitlist_join", "op_start")}
    for earlier, later in (("referral", "assessed"), ("referral", "waitlist_join"), ("waitlist_join", "admitted"),
                           ("op_waitlist_join", "op_start")):
        wait = first[later] - first[earlier].reindex(first[later].index)
        assert wait.notna().all(), f"{later} without {earlier}"
        assert (wait >= 0).all(), f"{earlier} -> {later} negative"

    # group sessions only on the timetable: the track's weekdays, its start hour, never a holiday
    tracks = {t.name: t for t in s.tracks.tracks}
    held = ev[ev.event.isin(["group_attended", "group_missed"])]
    if len(held):
        names = held.resource.astype(str).map(track_of)
        day = np.floor(held.time.to_numpy() + 1e-9).astype(int)
        start = names.map(lambda n: tracks[n].start_hour).to_numpy()
        assert np.allclose(held.time.to_numpy() - day, start * HOUR, atol=1e-9), "sessions start on the hour set"
        weekday_ok = [WEEKDAYS[d % 7] in tracks[n].days for d, n in zip(day, names)]
        assert all(weekday_ok), "sessions only on the track's weekdays"
        assert not np.isin(day % 365, list(s.calendar.holidays)).any(), "no sessions on holidays"

    # group size never above the cap: attendance per session, and clients enrolled in a group
    attended = rows(ev, "group_attended")
    if len(attended):
        per_session = attended.groupby(["resource", "time"]).size()
        caps = per_session.index.get_level_values(0).map(lambda g: tracks[track_of(g)].group_cap)
        assert (per_session.to_numpy() <= np.asarray(caps)).all(), "a group session above its cap"
    group_of = adm.resource
    enrolled: dict[str, list] = {}
    caseload: dict[str, list] = {}
    for k, row in adm.iterrows():
        enrolled.setdefault(row.resource, []).append((row.time, +1))
        caseload.setdefault(row.detail, []).append((row.time, +1))
    for k, row in dis.iterrows():
        enrolled[group_of[k]].append((row.time, -1))
        caseload[adm.detail[k]].append((row.time, -1))
    for group, changes in enrolled.items():
        assert step_level_max(changes) <= tracks[track_of(group)].group_cap, f"{group} over its cap"
    # IOP caseload per counsellor never above the cap, and only counsellors on staff
    for counsellor, changes in caseload.items():
        number = int(counsellor.split()[-1])
        assert 1 <= number <= s.staff.iop_counsellors
        assert step_level_max(changes) <= s.staff.iop_caseload_cap, f"{counsellor} over the caseload cap"
    # an assessor sees one client at a time, within opening hours
    seen = ev[ev.event.isin(["assessed", "no_show"]) & (ev.resource.astype(str) != "")]
    intake = s.intake
    for assessor, appointments in seen.groupby(seen.resource.astype(str)):
        number = int(assessor.split()[-1])
        assert 1 <= number <= intake.assessors
        starts = appointments.time.to_numpy()
        ends = starts + appointments.value.to_numpy() * HOUR
        assert (starts[1:] >= ends[:-1] - 1e-9).all(), f"{assessor} double-booked"
    if len(seen) and intake.assessment_duration == "fixed":
        day = np.floor(seen.time.to_numpy()).astype(int)
        clock = (seen.time.to_numpy() - day) / HOUR
        # the week's hours are whole assessments shared across the open days, earlier days taking the remainder
        slots = int(intake.assessor_hours_per_week / intake.assessment_hours + 1e-9)
        longest_day = math.ceil(slots / len(intake.open_days)) * intake.assessment_hours
        assert all(WEEKDAYS[d % 7] in intake.open_days for d in day)
        assert not np.isin(day % 365, list(s.calendar.holidays)).any()
        assert ((clock >= intake.open_hour - 1e-6)
                & (clock + intake.assessment_hours <= intake.open_hour + longest_day + 1e-6)).all()
    # prescribers: never more visits at once than prescribers on staff
    visits = rows(ev, "medication_review")
    if len(visits):
        assert visits.groupby("time").size().max() <= s.staff.prescribers
    check_admissions(s, ev, adm)
    check_no_idle_seats(s, ev, end)
    # evening-only clients sit in evening tracks when there are day tracks; others by day, or in the
    # evening where the scenario lets them
    if any(not t.evening for t in s.tracks.tracks):
        join = rows(ev, "waitlist_join").set_index(key).resource
        evening_only = join.reindex(adm.index) == "evening"
        in_evening = adm.resource.map(lambda g: tracks[track_of(g)].evening)
        assert in_evening[evening_only].all()
        if not s.tracks.day_clients_take_evening_seats:
            assert not in_evening[~evening_only].any()


def check_admissions(s: Scenario, ev, adm) -> None:
    """Admissions happen at a session of the track (the first of a period, for cohorts), first come
    first served within priority (an evening track: evening-only clients first): nobody who could
    sit in that track and came earlier (or has priority) is passed over and left waiting."""
    if adm.empty:
        return
    key = ["client", "episode"]
    tracks = {t.name: t for t in s.tracks.tracks}
    holidays = set(s.calendar.holidays)
    interval = 7 * s.tracks.cohort_interval_weeks
    for (_, row) in adm.iterrows():
        t = tracks[track_of(row.resource)]
        day = int(math.floor(row.time + 1e-9))
        assert abs(row.time - day - t.start_hour * HOUR) < 1e-9 and WEEKDAYS[day % 7] in t.days \
            and day % 365 not in holidays, f"admitted at {row.time} outside {t.name}'s timetable"
        if s.tracks.admission == "cohort":
            period_start = int(row.time // interval) * interval
            earlier = [d for d in range(period_start, day)
                       if WEEKDAYS[d % 7] in t.days and d % 365 not in holidays and d + t.start_hour * HOUR >= 0]
            assert not earlier, f"cohort admission at {row.time}, not the period's first session (day {earlier[0]})"

    joins = rows(ev, "waitlist_join").set_index(key)
    source = rows(ev, "referral").set_index(key).resource.reindex(joins.index)
    priority = np.where((source == "step_down") & s.tracks.step_down_priority, 0, 1)
    left = waitlist_left(ev)
    leave = left.reindex(joins.index).fillna(np.inf).to_numpy()
    join_time = joins.time.to_numpy()
    evening_only = (joins.resource == "evening").to_numpy()
    day_tracks = any(not t.evening for t in s.tracks.tracks)
    pos = {k: n for n, k in enumerate(joins.index)}
    for k, row in adm.iterrows():
        n = pos[k]
        t = tracks[track_of(row.resource)]
        T = row.time
        fits = can_sit(s, evening_only, t, day_tracks)
        ahead = (priority < priority[n]) | ((priority == priority[n]) & (join_time < join_time[n] - 1e-9))
        if t.evening and day_tracks:  # an evening track offers its seats to evening-only clients first
            ahead = np.where(evening_only == evening_only[n], ahead, evening_only)
        ready = join_time + s.tracks.admission_lead_days < T + 1e-9
        passed_over = fits & ahead & ready & (join_time < T - 1e-9) & (leave > T + 1e-9)
        assert not passed_over.any(), \
            f"{k} admitted at {T:.3f} to {row.resource} ahead of {list(joins.index[passed_over])[:3]}"


def waitlist_left(ev):
    """When each waitlist episode left it: admitted, gave up, or left after a relapse."""
    key = ["client", "episode"]
    left = ev[(ev.event == "admitted") | ((ev.event == "exit") & (ev.stage == "waitlist"))]
    return left.groupby(key, observed=True).time.first()


def can_sit(s: Scenario, evening_only: np.ndarray, track, day_tracks: bool) -> np.ndarray:
    """Which waiting clients may take a seat in `track`."""
    if not day_tracks:
        return np.ones(len(evening_only), bool)
    if track.evening:
        return evening_only | s.tracks.day_clients_take_evening_seats
    return ~evening_only


def admitting_sessions(s: Scenario, track, end: float) -> list[float]:
    """Session times of `track` at which clients may start, worked out from the timetable here."""
    holidays = set(s.calendar.holidays)
    offset = track.start_hour * HOUR
    times = [d + offset for d in range(int(math.ceil(end)) + 1)
             if WEEKDAYS[d % 7] in track.days and d % 365 not in holidays and d + offset < end]
    if s.tracks.admission == "rolling":
        return times
    interval = 7 * s.tracks.cohort_interval_weeks
    firsts, seen = [], set()
    for t in times:
        if int(t // interval) not in seen:
            seen.add(int(t // interval))
            firsts.append(t)
    return firsts


def check_no_idle_seats(s: Scenario, ev, end: float) -> None:
    """Work conservation: at every admitting session of a track, a client who could sit in it and is
    still waiting afterwards means the track had no free seat or no counsellor had room."""
    key = ["client", "episode"]
    joins = rows(ev, "waitlist_join").set_index(key)
    if joins.empty:
        return
    adm = rows(ev, "admitted").set_index(key)
    dis = rows(ev, "iop_discharge").set_index(key)
    left = waitlist_left(ev)
    leave = left.reindex(joins.index).fillna(np.inf).to_numpy()
    join_time = joins.time.to_numpy()
    evening_only = (joins.resource == "evening").to_numpy()
    day_tracks = any(not t.evening for t in s.tracks.tracks)
    adm_time = adm.time.to_numpy()
    dis_time = dis.time.reindex(adm.index).fillna(np.inf).to_numpy()
    counsellors, cap = s.staff.iop_counsellors, s.staff.iop_caseload_cap
    for t in s.tracks.tracks:
        if t.groups == 0 or counsellors == 0:
            continue
        fits = can_sit(s, evening_only, t, day_tracks)
        in_track = adm.resource.map(track_of).to_numpy() == t.name
        for T in admitting_sessions(s, t, end):
            ready = join_time + s.tracks.admission_lead_days < T - 1e-9
            waiting = fits & ready & (leave > T + 1e-9)
            if not waiting.any():
                continue
            # enrolled just after the session: a seat freed at the very same time may come too late
            enrolled = (adm_time <= T + 1e-9) & (dis_time >= T - 1e-9)
            per_group = adm.resource[enrolled & in_track].value_counts()
            groups_full = len(per_group) == t.groups and (per_group >= t.group_cap).all()
            per_counsellor = adm.detail[enrolled].value_counts()
            staff_full = len(per_counsellor) == counsellors and (per_counsellor >= cap).all()
            assert groups_full or staff_full, (
                f"{t.name} at {T:.3f}: {waiting.sum()} waiting, groups {per_group.to_dict()}, "
                f"caseloads {per_counsellor.to_dict()}")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True, print_blob=True)
@given(s=scenarios(), seed=st.integers(0, 2**16))
def test_invariants_hold_for_random_scenarios(s, seed):
    check_invariants(s, seed)


def test_invariants_hold_for_the_default_scenario():
    check_invariants(Scenario().replace(**{"run.horizon_days": 200.0}), seed=7)


def test_invariants_hold_under_heavy_load_with_cohorts():
    s = Scenario().replace(**{"referrals.per_week": 30.0, "tracks.admission": "cohort", "run.horizon_days": 250.0,
                              "staff.iop_caseload_cap": 5, "intake.assessors": 3})
    check_invariants(s, seed=9)
