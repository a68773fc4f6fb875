"""Key performance indicators, each a pure function of the event log.

`CATALOGUE` is the one place that lists every KPI: its name, unit and meaning.  All of them
count only what happens inside the reporting window (after the warm-up), except the relapse
curve, which follows clients discharged in the window until the run ends.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from iopsim.analysis import monitors
from iopsim.core.eventlog import Columns, Lookup
from iopsim.core.treatment import IOP_OUTCOMES


@dataclass(frozen=True)
class KPI:
    name: str
    unit: str
    meaning: str
    better: str = ""  # "lower", "higher", or "" where neither is simply better (utilisation, counts)


CATALOGUE = tuple(KPI(*row) for row in (
    ("referrals", "episodes", "referrals received (new and returning clients)"),
    ("referrals_per_week", "episodes/week", "referrals received per week"),
    ("readmission_share", "share", "share of referrals that are a client's second or later episode"),
    ("assessed", "clients", "assessments completed"),
    ("wait_referral_to_assessment_median_days", "days", "median days from referral to assessment"),
    ("wait_referral_to_assessment_p90_days", "days", "90th percentile of days from referral to assessment"),
    ("wait_assessment_to_start_median_days", "days", "median days from assessment (or referral, for step-down "
                                                     "referrals) to the first IOP session"),
    ("wait_assessment_to_start_p90_days", "days", "90th percentile of days from assessment to the first IOP session"),
    ("wait_to_start_mean_days", "days", "mean days on the IOP waitlist, for clients admitted"),
    ("lost_no_show", "clients", "clients lost before assessment because they did not show up"),
    ("lost_reneged", "clients", "clients who left the IOP waitlist before a seat came free"),
    ("lost_before_treatment_share", "share", "clients lost before treatment (no-show or left the waitlist), as a "
                                             "share of those whose road to treatment ended in the window"),
    ("admissions", "clients", "IOP admissions"),
    ("admissions_per_year", "clients/year", "IOP admissions, per year"),
    ("waitlist_mean", "clients", "time-weighted mean number of clients on the IOP waitlist"),
    ("waitlist_max", "clients", "largest IOP waitlist"),
    ("census_mean", "clients", "time-weighted mean number of clients in IOP"),
    ("seats", "seats", "IOP seats: groups x group cap, over all tracks"),
    ("seat_utilisation", "share", "census_mean / seats"),
    ("group_fill_mean", "share", "mean attendance per group session held, as a share of the group cap"),
    ("group_sessions_short_of_facilitators", "sessions", "group sessions needing more counsellors than on staff"),
    ("counsellor_utilisation", "share", "IOP counsellors' group and individual hours / their contracted hours"),
    ("assessor_utilisation", "share", "assessors' booked hours (shows and no-shows) / their contracted hours"),
    ("prescriber_utilisation", "share", "prescribers' visit hours / their contracted hours"),
    ("op_wait_median_days", "days", "median days waiting for a standard outpatient caseload place"),
    ("op_census_mean", "clients", "time-weighted mean number of clients being seen in standard outpatient"),
    ("op_counsellor_utilisation", "share", "outpatient counsellors' booked session hours (held and missed) / their "
                                           "contracted hours"),
    ("discharges", "clients", "IOP discharges"),
    *((f"share_{o}", "share", f"share of IOP discharges coded '{o.replace('_', ' ')}' (TEDS)") for o in IOP_OUTCOMES),
    ("los_median_days", "days", "median IOP length of stay, admission to last attended day (as TEDS)"),
    ("los_mean_days", "days", "mean IOP length of stay"),
    ("los_median_completed_days", "days", "median length of stay of clients who completed"),
    ("los_median_dropped_out_days", "days", "median length of stay of clients who dropped out"),
    ("treatment_hours_mean", "hours", "mean group and individual hours attended per IOP discharge"),
    ("relapse_in_treatment_share", "share", "relapses during IOP per IOP discharge"),
    ("relapse_3m_after_discharge", "share", "Kaplan-Meier share relapsed within 3 months of IOP discharge "
                                            "(clients who did not step up)"),
    ("relapse_6m_after_discharge", "share", "Kaplan-Meier share relapsed within 6 months of IOP discharge"),
    ("relapse_12m_after_discharge", "share", "Kaplan-Meier share relapsed within 12 months of IOP discharge"),
    ("relapse_12m_after_completion", "share", "Kaplan-Meier share relapsed within 12 months, clients who "
                                              "completed"),
    ("relapse_6m_after_dropout", "share", "Kaplan-Meier share relapsed within 6 months, clients who dropped out"),
    ("in_system_end", "clients", "clients still in care when the run ends (censored)"),
    ("staff_cost_per_week", "$/week", "contracted hours of counsellors, assessors and prescribers x hourly cost"),
    ("revenue_per_week", "$/week", "fees for assessments, group and individual sessions held (example fees)"),
    ("cost_per_admission", "$", "staff cost / IOP admissions"),
    ("cost_per_completed_episode", "$", "staff cost / IOP completions"),
))
_BETTER = {
    "lower": ("wait_referral_to_assessment_median_days", "wait_referral_to_assessment_p90_days",
              "wait_assessment_to_start_median_days", "wait_assessment_to_start_p90_days", "wait_to_start_mean_days",
              "lost_no_show", "lost_reneged", "lost_before_treatment_share", "waitlist_mean", "waitlist_max",
              "op_wait_median_days", "group_sessions_short_of_facilitators", "relapse_in_treatment_share",
              "relapse_3m_after_discharge", "relapse_6m_after_discharge", "relapse_12m_after_discharge",
              "relapse_12m_after_completion", "relapse_6m_after_dropout", "share_dropped_out", "share_terminated",
              "cost_per_admission", "cost_per_completed_episode"),
    "higher": ("assessed", "admissions", "admissions_per_year", "share_completed", "treatment_hours_mean",
               "revenue_per_week"),
}
CATALOGUE = tuple(KPI(k.name, k.unit, k.meaning, next((b for b, names in _BETTER.items() if k.name in names), ""))
                  for k in CATALOGUE)
NAMES = tuple(k.name for k in CATALOGUE)
BY_NAME = {k.name: k for k in CATALOGUE}


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
    resolved = k["lost_no_show"] + k["lost_reneged"] + len(admitted) + started_elsewhere
    k["lost_before_treatment_share"] = _share(k["lost_no_show"] + k["lost_reneged"], resolved)

    k["admissions"] = len(admitted)
    k["admissions_per_year"] = len(admitted) / years
    waitlist, census, op = (step := levels(log))["waitlist"], step["census"], step["op"]
    k["waitlist_mean"] = monitors.time_average(waitlist, warm_up, end)
    k["waitlist_max"] = monitors.maximum(waitlist, warm_up, end)
    k["census_mean"] = monitors.time_average(census, warm_up, end)
    k["seats"] = sum(t.groups * t.group_cap for t in tracks.tracks)
    k["seat_utilisation"] = _share(k["census_mean"], k["seats"])

    attendees, caps, hours = _group_sessions(log, inside("group_attended"), tracks)
    k["group_fill_mean"] = _mean(attendees / caps) if attendees.size else math.nan
    needed = np.where(attendees > tracks.co_facilitation_above, 2, 1)
    k["group_sessions_short_of_facilitators"] = int((needed > staff.iop_counsellors).sum())
    booked_hours = float((needed * hours).sum()) + float(value[inside("individual_session")].sum())
    k["counsellor_utilisation"] = _share(booked_hours, staff.iop_counsellors * staff.counsellor_hours_per_week * weeks)
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
    for code in IOP_OUTCOMES:
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
    dropped = followed_outcome == "dropped_out"
    k["relapse_6m_after_dropout"] = monitors.kaplan_meier_failure(duration[dropped], relapsed[dropped], 182.5)

    k["in_system_end"] = sum(in_system_at_end(log, end).values())

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
    return {"waitlist": monitors.level(time[rows("waitlist_join")],
                                       np.concatenate([time[rows("admitted")], time[rows("reneged")]])),
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
        where = _STAGE_AFTER_EVENT.get(event, stage)
        counts[where] = counts.get(where, 0) + 1
    return counts


_STAGE_AFTER_EVENT = {
    "referral": "assessment", "assessment_booked": "assessment", "assessed": "assessment",
    "no_show": "assessment", "placed": "assessment", "waitlist_join": "waitlist", "admitted": "iop",
    "group_attended": "iop", "group_missed": "iop", "individual_session": "iop", "medication_review": "iop",
    "relapse_in_treatment": "iop", "iop_discharge": "op", "op_waitlist_join": "op", "op_start": "op",
    "op_session": "op", "op_no_show": "op", "op_end": "aftercare", "aftercare_start": "aftercare",
}


# ---------------------------------------------------------------------------- helpers
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
    """Per IOP discharge not stepped up: days to the first relapse after it (or to the end), and its code."""
    exits = log.rows_of("exit")
    stepped_up = np.unique(log.key[exits[log.detail[exits] == "stepped_up"]])
    keep = discharges[~np.isin(log.key[discharges], stepped_up)]
    relapses = log.rows_of("relapse")
    relapses = relapses[log.stage[relapses] != "iop"]
    first_relapse = Lookup.first(log.key[relapses], log.time[relapses]).at(log.key[keep])
    relapsed = ~np.isnan(first_relapse)
    duration = np.where(relapsed, first_relapse, end) - log.time[keep]
    return duration, relapsed, log.detail[keep]


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
