"""Key performance indicators, each a pure function of the event log.

`CATALOGUE` is the one place that lists every KPI: its name, unit and meaning.  All of them
count only what happens inside the reporting window (after the warm-up), except the relapse
curve, which follows clients discharged in the window until the run ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import monitors
from .model import IOP_OUTCOMES


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
    ("lost_before_treatment_share", "share", "clients lost (no-show or left the waitlist) per referral"),
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
    ("relapse_6m_after_dropout", "share", "Kaplan-Meier share relapsed within 6 months, clients who dropped out"),
    ("in_system_end", "clients", "clients still in care when the run ends (censored)"),
))
_BETTER = {
    "lower": ("wait_referral_to_assessment_median_days", "wait_referral_to_assessment_p90_days",
              "wait_assessment_to_start_median_days", "wait_assessment_to_start_p90_days", "wait_to_start_mean_days",
              "lost_no_show", "lost_reneged", "lost_before_treatment_share", "waitlist_mean", "waitlist_max",
              "op_wait_median_days", "group_sessions_short_of_facilitators", "relapse_in_treatment_share",
              "relapse_3m_after_discharge", "relapse_6m_after_discharge", "relapse_12m_after_discharge",
              "relapse_6m_after_dropout", "share_dropped_out", "share_terminated"),
    "higher": ("assessed", "admissions", "admissions_per_year", "share_completed", "treatment_hours_mean"),
}
CATALOGUE = tuple(KPI(k.name, k.unit, k.meaning, next((b for b, names in _BETTER.items() if k.name in names), ""))
                  for k in CATALOGUE)
NAMES = tuple(k.name for k in CATALOGUE)
BY_NAME = {k.name: k for k in CATALOGUE}


def compute(events, scenario) -> dict[str, float]:
    """Every KPI of CATALOGUE from a run's event log, for the window after the warm-up."""
    warm_up = scenario.run.warm_up_days
    end = warm_up + scenario.run.horizon_days
    staff, tracks = scenario.staff, scenario.tracks
    caps = {t.name: t.group_cap for t in tracks.tracks}
    ev = {name: group for name, group in events.groupby("event", observed=True)}
    empty = events.iloc[:0]

    def get(name):
        return ev.get(name, empty)

    def inside(frame):
        return frame[(frame.time >= warm_up) & (frame.time < end)]

    years = (end - warm_up) / 365.0
    weeks = (end - warm_up) / 7.0
    k: dict[str, float] = {}
    referrals = inside(get("referral"))
    k["referrals"] = len(referrals)
    k["referrals_per_week"] = len(referrals) / weeks
    k["readmission_share"] = _share((referrals.episode > 1).sum(), len(referrals))

    assessed = inside(get("assessed"))
    k["assessed"] = len(assessed)
    first_referral = _first_time(get("referral"))
    wait_a = _waits(assessed, first_referral)
    k["wait_referral_to_assessment_median_days"] = _quantile(wait_a, 0.5)
    k["wait_referral_to_assessment_p90_days"] = _quantile(wait_a, 0.9)
    admitted = inside(get("admitted"))
    ready = _first_time(get("placed"))
    wait_s = _waits(admitted, _first_time(get("assessed")).combine_first(first_referral))
    k["wait_assessment_to_start_median_days"] = _quantile(wait_s, 0.5)
    k["wait_assessment_to_start_p90_days"] = _quantile(wait_s, 0.9)
    k["wait_to_start_mean_days"] = _mean(_waits(admitted, ready))

    exits = inside(get("exit"))
    k["lost_no_show"] = int((exits.detail == "no_show").sum())
    k["lost_reneged"] = int((exits.detail == "reneged").sum())
    k["lost_before_treatment_share"] = _share(k["lost_no_show"] + k["lost_reneged"], len(referrals))

    k["admissions"] = len(admitted)
    k["admissions_per_year"] = len(admitted) / years
    waitlist = monitors.level(get("waitlist_join").time, np.concatenate(
        [get("admitted").time.to_numpy(), get("reneged").time.to_numpy()]))
    k["waitlist_mean"] = monitors.time_average(waitlist, warm_up, end)
    k["waitlist_max"] = monitors.maximum(waitlist, warm_up, end)
    census = monitors.level(get("admitted").time, get("iop_discharge").time)
    k["census_mean"] = monitors.time_average(census, warm_up, end)
    k["seats"] = sum(t.groups * t.group_cap for t in tracks.tracks)
    k["seat_utilisation"] = _share(k["census_mean"], k["seats"])

    sessions = monitors.group_sessions(inside(get("group_attended")))
    cap = sessions.resource.astype(str).str.rsplit(" group ", n=1).str[0].map(caps)
    k["group_fill_mean"] = _mean(sessions.attendees / cap)
    needed = np.where(sessions.attendees > tracks.co_facilitation_above, 2, 1)
    k["group_sessions_short_of_facilitators"] = int((needed > staff.iop_counsellors).sum())
    facilitation = float((needed * sessions.hours).sum())
    individual = float(inside(get("individual_session")).value.sum())
    k["counsellor_utilisation"] = _share(
        facilitation + individual, staff.iop_counsellors * staff.counsellor_hours_per_week * weeks)
    booked = inside(get("assessed")).value.sum() + inside(get("no_show")).value.fillna(0).sum()
    k["assessor_utilisation"] = _share(booked, scenario.intake.assessors * scenario.intake.assessor_hours_per_week * weeks)
    k["prescriber_utilisation"] = _share(inside(get("medication_review")).value.sum(),
                                         staff.prescribers * staff.prescriber_hours_per_week * weeks)

    op_start = inside(get("op_start"))
    k["op_wait_median_days"] = _quantile(_waits(op_start, _last_time(get("op_waitlist_join"))), 0.5)
    op = monitors.level(get("op_start").time, get("op_end").time)
    k["op_census_mean"] = monitors.time_average(op, warm_up, end)
    op_hours = inside(get("op_session")).value.sum() + inside(get("op_no_show")).value.sum()
    k["op_counsellor_utilisation"] = _share(op_hours, staff.op_counsellors * staff.counsellor_hours_per_week * weeks)

    discharges = inside(get("iop_discharge"))
    k["discharges"] = len(discharges)
    for outcome in IOP_OUTCOMES:
        k[f"share_{outcome}"] = _share((discharges.detail == outcome).sum(), len(discharges))
    los = discharges.value.to_numpy()
    k["los_median_days"] = _quantile(los, 0.5)
    k["los_mean_days"] = _mean(los)
    k["los_median_completed_days"] = _quantile(discharges[discharges.detail == "completed"].value, 0.5)
    k["los_median_dropped_out_days"] = _quantile(discharges[discharges.detail == "dropped_out"].value, 0.5)
    k["treatment_hours_mean"] = _treatment_hours(events, discharges)
    k["relapse_in_treatment_share"] = _share(len(inside(get("relapse_in_treatment"))), len(discharges))

    followed = _followed_after_discharge(discharges, get("exit"), get("relapse"), end)
    for months, days in ((3, 91.25), (6, 182.5), (12, 365.0)):
        k[f"relapse_{months}m_after_discharge"] = monitors.kaplan_meier_failure(
            followed.duration, followed.relapsed, days)
    dropped = followed[followed.outcome == "dropped_out"]
    k["relapse_6m_after_dropout"] = monitors.kaplan_meier_failure(dropped.duration, dropped.relapsed, 182.5)

    k["in_system_end"] = sum(in_system_at_end(events, end).values())
    return k


def in_system_at_end(events, end: float) -> dict[str, int]:
    """Clients in care at `end`, by stage: episodes referred and not yet exited."""
    before = events[events.time < end]
    started = before[before.event == "referral"][["client", "episode"]]
    ended = before[before.event == "exit"][["client", "episode"]]
    open_ = started.merge(ended, how="left", indicator=True)
    open_ = open_[open_["_merge"] == "left_only"][["client", "episode"]]
    last = before.merge(open_, on=["client", "episode"]).groupby(["client", "episode"], observed=True).tail(1)
    stage = last.event.map(_STAGE_AFTER_EVENT).fillna(last.stage.astype(str))
    return stage.value_counts().to_dict()


_STAGE_AFTER_EVENT = {
    "referral": "assessment", "assessment_booked": "assessment", "assessed": "assessment",
    "no_show": "assessment", "placed": "assessment", "waitlist_join": "waitlist", "admitted": "iop",
    "group_attended": "iop", "group_missed": "iop", "individual_session": "iop", "medication_review": "iop",
    "relapse_in_treatment": "iop", "iop_discharge": "op", "op_waitlist_join": "op", "op_start": "op",
    "op_session": "op", "op_no_show": "op", "op_end": "aftercare", "aftercare_start": "aftercare",
}


# ---------------------------------------------------------------------------- helpers
def _first_time(frame):
    return frame.groupby(["client", "episode"], observed=True).time.first()


def _last_time(frame):
    return frame.groupby(["client", "episode"], observed=True).time.last()


def _waits(later, earlier_by_episode) -> np.ndarray:
    """Time from an earlier event (per client episode) to each row of `later`."""
    if later.empty:
        return np.array([])
    idx = list(zip(later.client, later.episode))
    start = earlier_by_episode.reindex(idx).to_numpy()
    return later.time.to_numpy() - start


def _treatment_hours(events, discharges) -> float:
    if discharges.empty:
        return math.nan
    done = events[events.event.isin(("group_attended", "individual_session"))]
    hours = done.groupby(["client", "episode"], observed=True).value.sum()
    idx = list(zip(discharges.client, discharges.episode))
    return float(hours.reindex(idx).fillna(0).mean())


def _followed_after_discharge(discharges, exits, relapses, end: float):
    """One row per IOP discharge not stepped up: time to relapse or to the end of the run."""
    import pandas as pd

    stepped_up = exits[exits.detail == "stepped_up"].set_index(["client", "episode"]).index
    d = discharges.set_index(["client", "episode"])
    d = d[~d.index.isin(stepped_up)]
    after = relapses[relapses.stage != "iop"].groupby(["client", "episode"], observed=True).time.first()
    relapse_time = after.reindex(d.index).to_numpy()
    relapsed = ~np.isnan(relapse_time)
    duration = np.where(relapsed, relapse_time, end) - d.time.to_numpy()
    return pd.DataFrame({"duration": duration, "relapsed": relapsed, "outcome": d.detail.astype(str).to_numpy()})


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
