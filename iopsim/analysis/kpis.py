"""Key performance indicators, each a pure function of the event log.

``iopsim.analysis.catalogue`` lists every KPI (name, unit, label, meaning ...); this module
computes them.  All of them count only what happens inside the reporting window (after the warm-up), except the relapse
curve, which follows clients discharged in the window until the run ends.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from iopsim.analysis import monitors
from iopsim.core.eventlog import Columns, Lookup
from iopsim.core.vocabulary import DISCHARGE_CODES, stage_after

AFTER_DISCHARGE = ("community", "op", "aftercare")  # where a relapse after the IOP discharge happens


def compute(events, scenario) -> dict[str, float]:
    """Every KPI of CATALOGUE from a run's event log, for the window after the warm-up.

    `events` is the log as a DataFrame (SimulationRun.events) or as columns (eventlog.Columns).
    """
    log = events if isinstance(events, Columns) else Columns.from_frame(events)
    warm_up = scenario.run.warm_up_days
    end = warm_up + scenario.run.horizon_days
    staff, tracks = scenario.staff, scenario.tracks
    time, key, value, detail = log.time, log.key, log.value, log.detail
    rows = log.rows_of

    def inside(name):
        idx = rows(name)
        t = time[idx]
        return idx[(t >= warm_up) & (t < end)]

    years = (end - warm_up) / 365.0
    weeks = (end - warm_up) / 7.0
    k: dict[str, float] = {}
    referrals = inside("referral")
    k["referrals"] = len(referrals)
    k["referrals_per_week"] = len(referrals) / weeks
    k["readmission_share"] = _share(int((log.episode[referrals] > 1).sum()), len(referrals))

    assessed = inside("assessed")
    k["assessed"] = len(assessed)
    first_referral = log.first_time("referral")
    wait_a = time[assessed] - first_referral.at(key[assessed])
    k["wait_referral_to_assessment_median_days"] = _quantile(wait_a, 0.5)
    k["wait_referral_to_assessment_p90_days"] = _quantile(wait_a, 0.9)
    admitted = inside("admitted")
    since = log.first_time("assessed").at(key[admitted])
    since = np.where(np.isnan(since), first_referral.at(key[admitted]), since)  # step-down: no assessment
    wait_s = time[admitted] - since
    k["wait_assessment_to_start_median_days"] = _quantile(wait_s, 0.5)
    k["wait_assessment_to_start_p90_days"] = _quantile(wait_s, 0.9)
    k["wait_to_start_mean_days"] = _mean(time[admitted] - log.first_time("placed").at(key[admitted]))

    exits = inside("exit")
    k["lost_no_show"] = int((detail[exits] == "no_show").sum())
    k["lost_reneged"] = int((detail[exits] == "reneged").sum())
    # among referrals whose road to treatment has ended either way (those still waiting at the end are censored)
    placed = inside("placed")
    started_elsewhere = int((detail[placed] != "iop").sum())  # standard outpatient or a higher level of care
    lost = k["lost_no_show"] + int((log.stage[exits] == "waitlist").sum())  # gave up, or relapsed and left
    resolved = lost + len(admitted) + started_elsewhere
    k["lost_before_treatment_share"] = _share(lost, resolved)
    k["lost_after_assessment_share"] = _lost_after_assessment(log, placed)

    k["admissions"] = len(admitted)
    k["admissions_per_year"] = len(admitted) / years
    earlier = Lookup.first(key[rows("referral")], value[rows("referral")]).at(key[admitted])
    k["admissions_with_prior_episode_share"] = _share(int((earlier >= 1).sum()), len(admitted))
    waitlist, census, op = (step := levels(log))["waitlist"], step["census"], step["op"]
    k["waitlist_mean"] = monitors.time_average(waitlist, warm_up, end)
    k["waitlist_max"] = monitors.maximum(waitlist, warm_up, end)
    k["census_mean"] = monitors.time_average(census, warm_up, end)
    k["seats"] = sum(t.groups * t.group_cap for t in tracks.tracks)
    k["seat_utilisation"] = _share(k["census_mean"], k["seats"])

    attendees, caps, hours = _group_sessions(log, inside("group_attended"), tracks)
    k["group_fill_mean"] = _mean(attendees / caps) if attendees.size else math.nan
    needed = np.where(attendees > tracks.co_facilitation_above, 2, 1)
    group_cancelled, group_held = len(inside("group_cancelled")), len(inside("group_attended")) + len(
        inside("group_missed"))
    k["group_sessions_cancelled_share"] = _share(group_cancelled, group_cancelled + group_held)
    individual_held = np.concatenate([inside("individual_session"), inside("individual_missed")])
    individual_cancelled = inside("individual_cancelled")
    k["individual_sessions_cancelled_share"] = _share(len(individual_cancelled),
                                                      len(individual_cancelled) + len(individual_held))
    service_hours = _service_hours(log, inside)
    booked_hours = (float((needed * hours).sum()) + float(value[individual_held].sum()) + service_hours
                    + staff.documentation_hours_per_client * k["census_mean"] * weeks)
    k["counsellor_utilisation"] = _share(booked_hours, staff.iop_counsellors * staff.counsellor_hours_per_week * weeks)
    k["caseload_utilisation"] = _share(k["census_mean"], staff.iop_counsellors * staff.iop_caseload_cap)
    booked = np.nansum(value[inside("assessed")]) + np.nansum(value[inside("no_show")])
    intake = scenario.intake
    k["assessor_utilisation"] = _share(booked, intake.assessors * intake.assessor_hours_per_week * weeks)
    k["prescriber_utilisation"] = _share(float(value[inside("medication_review")].sum()),
                                         staff.prescribers * staff.prescriber_hours_per_week * weeks)

    op_start = inside("op_start")
    k["op_wait_median_days"] = _quantile(time[op_start] - log.last_time("op_waitlist_join").at(key[op_start]), 0.5)
    k["op_census_mean"] = monitors.time_average(op, warm_up, end)
    op_hours = float(value[inside("op_session")].sum() + value[inside("op_no_show")].sum())
    k["op_counsellor_utilisation"] = _share(op_hours, staff.op_counsellors * staff.counsellor_hours_per_week * weeks)

    discharges = inside("iop_discharge")
    outcome = detail[discharges]
    k["discharges"] = len(discharges)
    for code in DISCHARGE_CODES:
        k[f"share_{code}"] = _share(int((outcome == code).sum()), len(discharges))
    los = value[discharges]
    k["los_median_days"] = _quantile(los, 0.5)
    k["los_mean_days"] = _mean(los)
    k["los_median_completed_days"] = _quantile(los[outcome == "completed"], 0.5)
    k["los_median_dropped_out_days"] = _quantile(los[outcome == "dropped_out"], 0.5)
    treated = np.concatenate([rows("group_attended"), rows("individual_session")])
    hours_by_episode = Lookup.sum_by_key(key[treated], value[treated])
    k["treatment_hours_mean"] = _mean(np.nan_to_num(hours_by_episode.at(key[discharges]))) \
        if len(discharges) else math.nan
    k["relapse_in_treatment_share"] = _share(len(inside("relapse_in_treatment")), len(discharges))

    duration, relapsed, followed_outcome = followed_after_discharge(log, discharges, end)
    for months, days in ((3, 91.25), (6, 182.5), (12, 365.0)):
        k[f"relapse_{months}m_after_discharge"] = monitors.kaplan_meier_failure(duration, relapsed, days)
    completed = followed_outcome == "completed"
    k["relapse_12m_after_completion"] = monitors.kaplan_meier_failure(duration[completed], relapsed[completed], 365.0)
    k["relapse_6m_after_leaving_early"] = monitors.kaplan_meier_failure(duration[~completed], relapsed[~completed],
                                                                        182.5)
    dropped = followed_outcome == "dropped_out"
    k["relapse_6m_after_dropout"] = monitors.kaplan_meier_failure(duration[dropped], relapsed[dropped], 182.5)
    k.update(_services(log, inside, discharges, weeks))

    k["in_system_end"] = sum(in_system_at_end(log, end).values())

    # measured for the validation table (calibration.VALIDATION): published figures the model is not fitted to
    for code in ("transferred", "terminated"):
        k[f"los_median_{code}_days"] = _quantile(los[outcome == code], 0.5)
    k["retained_90_days_share"] = _share(int((los >= 90.0).sum()), len(los))
    came = _group_sessions_came(log, admitted, end)
    came_once = int((came >= 1).sum())  # the continuation shares are of clients who came to a first group
    k["first_to_second_session_share"] = _share(int((came >= 2).sum()), came_once)
    k["first_to_fourth_session_share"] = _share(int((came >= 4).sum()), came_once)
    k["wait_referral_to_start_mean_days"] = _mean(time[admitted] - first_referral.at(key[admitted]))

    c = scenario.costs
    staff_cost = weeks * staff_cost_per_week(scenario)
    individual_hours = float(value[inside("individual_session")].sum() + value[inside("op_session")].sum())
    revenue = (c.assessment_fee * k["assessed"] + c.group_fee * len(inside("group_attended"))
               + c.individual_fee_per_15_min * 4 * individual_hours)
    k["staff_cost_per_week"] = staff_cost / weeks
    k["revenue_per_week"] = revenue / weeks
    k["cost_per_admission"] = _share(staff_cost, k["admissions"])
    k["cost_per_completed_episode"] = _share(staff_cost, k["share_completed"] * k["discharges"])
    return {name: float(v) for name, v in k.items()}


def levels(log: Columns) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The waitlist, IOP census and standard outpatient census as step functions over the run."""
    time, rows = log.time, log.rows_of
    exits = rows("exit")
    left_waitlist = exits[log.stage[exits] == "waitlist"]  # gave up, or relapsed and left
    return {"waitlist": monitors.level(time[rows("waitlist_join")],
                                       np.concatenate([time[rows("admitted")], time[left_waitlist]])),
            "census": monitors.level(time[rows("admitted")], time[rows("iop_discharge")]),
            "op": monitors.level(time[rows("op_start")], time[rows("op_end")])}


def staff_cost_per_week(scenario) -> float:
    """Contracted hours of every role times its hourly cost: a property of the staffing, not of the run."""
    staff, intake, c = scenario.staff, scenario.intake, scenario.costs
    counsellor_hours = (staff.iop_counsellors + staff.op_counsellors) * staff.counsellor_hours_per_week
    return (c.counsellor_hourly * counsellor_hours
            + c.assessor_hourly * intake.assessors * intake.assessor_hours_per_week
            + c.prescriber_hourly * staff.prescribers * staff.prescriber_hours_per_week)


def in_system_at_end(events, end: float) -> dict[str, int]:
    """Clients in care at `end`, by stage: episodes referred and not yet exited."""
    log = events if isinstance(events, Columns) else Columns.from_frame(events)
    before = int(np.searchsorted(log.time, end, side="left"))
    started = log.key[log.rows_of("referral")]
    exited = log.key[log.rows_of("exit")]
    started = np.unique(started[log.time[log.rows_of("referral")] < end])
    exited = np.unique(exited[log.time[log.rows_of("exit")] < end])
    open_ = np.setdiff1d(started, exited, assume_unique=True)
    if open_.size == 0:
        return {}
    keys = log.key[:before][::-1]
    uniq, position = np.unique(keys, return_index=True)
    last = before - 1 - position[np.searchsorted(uniq, open_)]
    counts: dict[str, int] = {}
    for event, stage in zip(log.event[last].tolist(), log.stage[last].tolist()):
        where = stage_after(event, stage)
        counts[where] = counts.get(where, 0) + 1
    return counts


# ---------------------------------------------------------------------------- helpers
def _service_hours(log: Columns, inside) -> float:
    """Counsellor hours of the services held in the window: family sessions (held or missed), drug
    tests (not cancelled) and crisis sessions."""
    tests = inside("drug_test")
    tests = tests[log.detail[tests] != "cancelled"]
    crises = inside("crisis")
    return float(np.nansum(log.value[np.concatenate([inside("family_session"), inside("family_missed"), tests,
                                                     crises])]))


def _services(log: Columns, inside, discharges: np.ndarray, weeks: float) -> dict[str, float]:
    """The services' KPIs: family sessions held, clients on medication for a use disorder, relapses
    seen by a test and how late, crises and where they led."""
    k: dict[str, float] = {"family_sessions_per_week": len(inside("family_session")) / weeks}
    visits = log.rows_of("medication_review")
    on_medication = log.key[visits[np.isin(log.detail[visits], ("opioid", "alcohol"))]]
    k["addiction_medication_share"] = _share(int(np.isin(log.key[discharges], on_medication).sum()), len(discharges))
    relapses = inside("relapse_in_treatment")
    seen_or_not = int((log.detail[relapses] != "drop_out").sum())  # a client who leaves at once is never tested
    detected = inside("relapse_detected")
    tested = len(log.rows_of("drug_test")) > 0
    k["relapses_seen_by_test_share"] = _share(len(detected), seen_or_not) if tested else math.nan
    k["relapse_detection_lag_mean_days"] = _mean(log.value[detected])
    crises = inside("crisis")
    k["crises_per_discharge"] = _share(len(crises), len(discharges))
    k["crisis_step_up_share"] = _share(int((log.detail[crises] == "step_up").sum()), len(crises))
    return k


def _group_sessions(log: Columns, attended: np.ndarray, tracks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Attendees, group cap and hours of every group session held (one per group and start time)."""
    if attended.size == 0:
        return np.array([]), np.array([]), np.array([])
    sessions = Counter(zip(log.resource[attended].tolist(), log.time[attended].tolist()))
    by_track = {t.name: t for t in tracks.tracks}
    track = [by_track[resource.rsplit(" group ", 1)[0]] for resource, _ in sessions]
    return (np.fromiter(sessions.values(), float, len(sessions)),
            np.array([t.group_cap for t in track], float), np.array([t.hours for t in track], float))


def followed_after_discharge(log: Columns, discharges: np.ndarray, end: float):
    """Per IOP discharge not stepped up: days to the first relapse after it (or to `end`, where
    follow-up stops: a relapse after `end` is not seen), and its code.  A client who left
    straight after a relapse in treatment is using at discharge: relapsed at day 0."""
    exits = log.rows_of("exit")
    stepped_up = np.unique(log.key[exits[log.detail[exits] == "stepped_up"]])
    keep = discharges[~np.isin(log.key[discharges], stepped_up)]
    relapses = log.rows_of("relapse")
    relapses = relapses[np.isin(log.stage[relapses], AFTER_DISCHARGE)]
    first_relapse = Lookup.first(log.key[relapses], log.time[relapses]).at(log.key[keep])
    in_treatment = log.rows_of("relapse_in_treatment")
    left_using = in_treatment[log.detail[in_treatment] == "drop_out"]
    first_relapse = np.where(np.isin(log.key[keep], log.key[left_using]), log.time[keep], first_relapse)
    relapsed = first_relapse < end  # NaN (never) compares False
    duration = np.where(relapsed, first_relapse, end) - log.time[keep]
    return duration, relapsed, log.detail[keep]


def _lost_after_assessment(log: Columns, placed: np.ndarray) -> float:
    """Of the clients placed in IOP at assessment whose wait has ended, the share who never started
    (gave up, or left the waitlist after a relapse); those still waiting at the end are censored."""
    to_iop = log.key[placed[log.detail[placed] == "iop"]]
    exits = log.rows_of("exit")
    lost = np.isin(to_iop, log.key[exits[log.stage[exits] == "waitlist"]])
    started = np.isin(to_iop, log.key[log.rows_of("admitted")])
    return _share(int(lost.sum()), int(lost.sum() + started.sum()))


def _group_sessions_came(log: Columns, admitted: np.ndarray, end: float) -> np.ndarray:
    """Group sessions attended by each client admitted at least six weeks before `end` (long enough
    to reach a 4th session: NIATx's continuation measure)."""
    followed = admitted[log.time[admitted] <= end - 42.0]
    attended = log.rows_of("group_attended")
    return np.nan_to_num(Lookup.sum_by_key(log.key[attended], np.ones(attended.size)).at(log.key[followed]))


def _quantile(values, q: float) -> float:
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(np.quantile(values, q)) if values.size else math.nan


def _mean(values) -> float:
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else math.nan


def _share(part: float, whole: float) -> float:
    return float(part) / whole if whole else math.nan
