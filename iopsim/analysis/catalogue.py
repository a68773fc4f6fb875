"""The KPI catalogue: every KPI defined once, and the named sets of KPIs that pages and apps show.

Each KPI has its name (the key in ``SimulationRun.kpis``), unit, better direction, heading,
label (a table row or a chart: "Wait from referral to assessment (median)"), phrase (inside a
verdict sentence: "waits for assessment shorter by 2.1–3.4 days") and meaning (what it counts).
To add a KPI: compute it in ``iopsim.analysis.kpis.compute`` and add one row here.

The sets name the KPIs each view speaks of, so a page never keeps a list of its own:

    HEADLINE   verdicts and the default of iopsim.grid: access, throughput, completion, seat use
    KEY        what a board asks about first: the report's key charts, the command line, lab charts
    RESULTS    the lab's results table: the key KPIs and the two ways clients are lost
    COST       added to the results when costs are shown
    SWEEP      the lab's capacity sweep: waits, losses, utilisation, cost per completed episode
    DEBRIEF    the workshop debrief (relapse at 6 months: a one-year run barely follows 12)
    PRECISION  watched by replicate(target_precision=...) when no KPIs are named
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LOWER, HIGHER, NEITHER = "lower", "higher", ""
ACCESS, TREATMENT, OUTCOMES, COST = "Access and waiting", "Treatment", "Outcomes", "Staff and cost"
OTHER_GROUP = "Other measures"
GROUPS = (ACCESS, TREATMENT, OUTCOMES, COST)
"""The headings KPIs are listed under, in page order; a KPI from outside the catalogue goes under OTHER_GROUP."""


@dataclass(frozen=True)
class KPI:
    name: str
    unit: str
    better: str  # LOWER, HIGHER, or NEITHER where neither is simply better (utilisation, counts)
    group: str
    label: str
    phrase: str
    meaning: str


# KPI(name, unit, better, group, label, phrase, meaning), in the order results are listed
CATALOGUE = (
    # ACCESS
    KPI("referrals", "episodes", NEITHER, ACCESS,
        "Referrals received", "referrals",
        "referrals received (new and returning clients)"),
    KPI("referrals_per_week", "episodes/week", NEITHER, ACCESS,
        "Referrals per week", "referrals per week",
        "referrals received per week"),
    KPI("readmission_share", "share", NEITHER, ACCESS,
        "Referrals that are readmissions", "readmissions",
        "share of referrals that are a client's second or later episode"),
    KPI("assessed", "clients", HIGHER, ACCESS,
        "Assessments completed", "assessments",
        "assessments completed"),
    KPI("wait_referral_to_assessment_median_days", "days", LOWER, ACCESS,
        "Wait from referral to assessment (median)", "waits for assessment",
        "median days from referral to assessment"),
    KPI("wait_referral_to_assessment_p90_days", "days", LOWER, ACCESS,
        "Wait from referral to assessment (90th percentile)", "longest waits for assessment (90th percentile)",
        "90th percentile of days from referral to assessment"),
    KPI("wait_assessment_to_start_median_days", "days", LOWER, ACCESS,
        "Wait from assessment to starting IOP (median)", "waits from assessment to IOP start",
        "median days from assessment (or referral, for step-down referrals) to the first IOP session"),
    KPI("wait_assessment_to_start_p90_days", "days", LOWER, ACCESS,
        "Wait from assessment to starting IOP (90th percentile)",
        "longest waits from assessment to IOP start (90th percentile)",
        "90th percentile of days from assessment to the first IOP session"),
    KPI("wait_to_start_mean_days", "days", LOWER, ACCESS,
        "Time on the IOP waitlist (mean, clients admitted)", "time on the IOP waitlist",
        "mean days on the IOP waitlist, for clients admitted"),
    KPI("lost_no_show", "clients", LOWER, ACCESS,
        "Lost: did not show for assessment", "clients lost to no-shows",
        "clients lost before assessment because they did not show up"),
    KPI("lost_reneged", "clients", LOWER, ACCESS,
        "Lost: left the waitlist", "clients leaving the waitlist",
        "clients who left the IOP waitlist before a seat came free"),
    KPI("lost_before_treatment_share", "share", LOWER, ACCESS,
        "Referrals lost before treatment", "clients lost before treatment",
        "clients lost before treatment (no-show, or left the waitlist: gave up or relapsed), as a share of "
        "those whose road to treatment ended in the window"),
    KPI("lost_after_assessment_share", "share", LOWER, ACCESS,
        "Placed in IOP but never started", "clients lost between assessment and start",
        "clients placed in IOP at assessment who left the waitlist before a seat, as a share of those placed "
        "whose wait ended in the window (Loveland & Driscoll 2014 count about 32%)"),
    KPI("admissions", "clients", HIGHER, ACCESS,
        "IOP admissions", "admissions",
        "IOP admissions"),
    KPI("admissions_per_year", "clients/year", HIGHER, ACCESS,
        "IOP admissions per year", "admissions per year",
        "IOP admissions, per year"),
    KPI("admissions_with_prior_episode_share", "share", NEITHER, ACCESS,
        "Admissions with an earlier treatment episode", "admissions treated before",
        "admissions of clients with at least one earlier treatment episode, here or elsewhere (TEDS: about 58%)"),
    KPI("waitlist_mean", "clients", LOWER, ACCESS,
        "Clients on the waitlist (average)", "waitlist length",
        "time-weighted mean number of clients on the IOP waitlist"),
    KPI("waitlist_max", "clients", LOWER, ACCESS,
        "Clients on the waitlist (most)", "longest waitlist",
        "largest IOP waitlist"),
    # TREATMENT
    KPI("census_mean", "clients", NEITHER, TREATMENT,
        "Clients in IOP (average)", "clients in IOP",
        "time-weighted mean number of clients in IOP"),
    KPI("seats", "seats", NEITHER, TREATMENT,
        "IOP seats", "seats",
        "IOP seats: groups x group cap, over all tracks"),
    KPI("seat_utilisation", "share", NEITHER, TREATMENT,
        "Seats in use", "seat use",
        "census_mean / seats"),
    KPI("group_fill_mean", "share", NEITHER, TREATMENT,
        "Group fill (attendance / group cap)", "group fill",
        "mean attendance per group session held, as a share of the group cap"),
    # COST
    KPI("group_sessions_cancelled_share", "share", LOWER, COST,
        "Group places lost to staff shortage", "group places lost to staff shortage",
        "clients' group sessions cancelled for want of a facilitator with the hours / all their scheduled"),
    KPI("individual_sessions_cancelled_share", "share", LOWER, COST,
        "Individual sessions lost to staff shortage", "individual sessions lost to staff shortage",
        "individual sessions cancelled because the counsellor's hours were spent / all due"),
    KPI("counsellor_utilisation", "share", NEITHER, COST,
        "IOP counsellors' time booked", "counsellor use",
        "IOP counsellors' group, individual and family (held and missed), test, crisis and note-writing hours / "
        "their clinical hours"),
    KPI("caseload_utilisation", "share", NEITHER, COST,
        "IOP counsellors' caseload places in use", "caseload use",
        "clients in IOP (time-weighted mean) / caseload places (IOP counsellors x caseload cap); each client in "
        "IOP holds a place, so near 100% the caseloads, not the seats, keep the waitlist waiting"),
    KPI("assessor_utilisation", "share", NEITHER, COST,
        "Assessors' time booked", "assessor use",
        "assessors' booked hours (shows and no-shows) / their contracted hours"),
    KPI("prescriber_utilisation", "share", NEITHER, COST,
        "Prescribers' time booked", "prescriber use",
        "prescribers' visit hours / their contracted hours"),
    # TREATMENT
    KPI("op_wait_median_days", "days", LOWER, TREATMENT,
        "Wait for standard outpatient (median)", "waits for standard outpatient",
        "median days waiting for a standard outpatient caseload place"),
    KPI("op_census_mean", "clients", NEITHER, TREATMENT,
        "Clients in standard outpatient (average)", "clients in standard outpatient",
        "time-weighted mean number of clients being seen in standard outpatient"),
    # COST
    KPI("op_counsellor_utilisation", "share", NEITHER, COST,
        "Outpatient counsellors' time booked", "outpatient counsellor use",
        "outpatient counsellors' booked session hours (held and missed) / their contracted hours"),
    # OUTCOMES
    KPI("discharges", "clients", NEITHER, OUTCOMES,
        "IOP discharges", "IOP discharges",
        "IOP discharges"),
    KPI("share_completed", "share", HIGHER, OUTCOMES,
        "Discharges: completed", "completion",
        "share of IOP discharges coded 'completed' (TEDS)"),
    KPI("share_transferred", "share", NEITHER, OUTCOMES,
        "Discharges: transferred", "transfers",
        "share of IOP discharges coded 'transferred' (TEDS)"),
    KPI("share_dropped_out", "share", LOWER, OUTCOMES,
        "Discharges: dropped out", "dropout",
        "share of IOP discharges coded 'dropped out' (TEDS)"),
    KPI("share_terminated", "share", LOWER, OUTCOMES,
        "Discharges: terminated by the program", "terminations",
        "share of IOP discharges coded 'terminated' (TEDS)"),
    KPI("share_other", "share", NEITHER, OUTCOMES,
        "Discharges: other reasons", "other discharges",
        "share of IOP discharges coded 'other' (TEDS)"),
    # TREATMENT
    KPI("los_median_days", "days", NEITHER, TREATMENT,
        "Length of stay in IOP (median)", "length of stay",
        "median IOP length of stay, admission to last attended day (as TEDS)"),
    KPI("los_mean_days", "days", NEITHER, TREATMENT,
        "Length of stay in IOP (mean)", "mean length of stay",
        "mean IOP length of stay"),
    KPI("los_median_completed_days", "days", NEITHER, TREATMENT,
        "Length of stay, completers (median)", "length of stay of completers",
        "median length of stay of clients who completed"),
    KPI("los_median_dropped_out_days", "days", NEITHER, TREATMENT,
        "Length of stay, dropouts (median)", "length of stay of dropouts",
        "median length of stay of clients who dropped out"),
    KPI("treatment_hours_mean", "hours", HIGHER, TREATMENT,
        "Treatment hours per client (mean)", "treatment hours per client",
        "mean group and individual hours attended per IOP discharge"),
    # OUTCOMES
    KPI("relapse_in_treatment_share", "share", LOWER, OUTCOMES,
        "Relapses during IOP, per discharge", "relapse during treatment",
        "relapses during IOP per IOP discharge"),
    KPI("relapse_3m_after_discharge", "share", LOWER, OUTCOMES,
        "Relapsed within 3 months of discharge", "relapse within 3 months of discharge",
        "Kaplan-Meier share relapsed within 3 months of IOP discharge (clients who did not step up)"),
    KPI("relapse_6m_after_discharge", "share", LOWER, OUTCOMES,
        "Relapsed within 6 months of discharge", "relapse within 6 months of discharge",
        "Kaplan-Meier share relapsed within 6 months of IOP discharge"),
    KPI("relapse_12m_after_discharge", "share", LOWER, OUTCOMES,
        "Relapsed within 12 months of discharge", "relapse within 12 months of discharge",
        "Kaplan-Meier share relapsed within 12 months of IOP discharge"),
    KPI("relapse_12m_after_completion", "share", LOWER, OUTCOMES,
        "Relapsed within 12 months, completers", "relapse within 12 months of completing",
        "Kaplan-Meier share relapsed within 12 months, clients who completed"),
    KPI("relapse_6m_after_leaving_early", "share", LOWER, OUTCOMES,
        "Relapsed within 6 months, left before completing", "relapse within 6 months of leaving early",
        "Kaplan-Meier share relapsed within 6 months, clients discharged other than completed (not stepped up)"),
    KPI("relapse_6m_after_dropout", "share", LOWER, OUTCOMES,
        "Relapsed within 6 months, dropouts", "relapse within 6 months of dropping out",
        "Kaplan-Meier share relapsed within 6 months, clients who dropped out"),
    # TREATMENT: the services (scenario.services)
    KPI("family_sessions_per_week", "sessions/week", NEITHER, TREATMENT,
        "Family sessions held per week", "family sessions",
        "family sessions held (the family came) per week"),
    KPI("addiction_medication_share", "share", NEITHER, TREATMENT,
        "Discharges on medication for opioid or alcohol use disorder", "clients on medication for a use disorder",
        "share of IOP discharges who had at least one prescriber visit for medication for an opioid or alcohol use "
        "disorder in that episode"),
    KPI("relapses_seen_by_test_share", "share", HIGHER, TREATMENT,
        "Relapses in IOP seen by a drug test", "relapses seen by testing",
        "relapses during IOP (not followed by dropping out at once) that a positive drug test showed; empty "
        "without testing"),
    KPI("relapse_detection_lag_mean_days", "days", LOWER, TREATMENT,
        "Days from a relapse to the test that shows it (mean)", "delay before a relapse is seen",
        "mean days from a relapse during IOP to the positive test that showed it"),
    KPI("crises_per_discharge", "crises/discharge", NEITHER, TREATMENT,
        "Crises during IOP, per discharge", "crises",
        "crises during IOP (crisis sessions and crisis step-ups) per IOP discharge"),
    KPI("crisis_step_up_share", "share", NEITHER, TREATMENT,
        "Crises ending in a step-up", "crisis step-ups",
        "share of crises that ended in a step-up (by the share set, or no counsellor free) rather than a "
        "same-day crisis session"),
    # TREATMENT
    KPI("in_system_end", "clients", NEITHER, TREATMENT,
        "Clients still in care at the end", "clients in care at the end",
        "clients still in care when the run ends (censored)"),
    # measured for the validation table (calibration.VALIDATION)
    KPI("los_median_transferred_days", "days", NEITHER, TREATMENT,
        "Length of stay, transferred (median)", "length of stay of transfers",
        "median length of stay of clients transferred (early step-down or step-up)"),
    KPI("los_median_terminated_days", "days", NEITHER, TREATMENT,
        "Length of stay, terminated (median)", "length of stay of terminations",
        "median length of stay of clients whose treatment the program ended"),
    KPI("retained_90_days_share", "share", HIGHER, TREATMENT,
        "Discharges retained 90 days or more", "retention of 90 days or more",
        "share of IOP discharges whose stay (admission to last attended day) was at least 90 days"),
    KPI("first_to_second_session_share", "share", HIGHER, TREATMENT,
        "Retained from the 1st to the 2nd group session", "retention to the 2nd session",
        "of clients admitted at least six weeks before the end who came to a group, the share who came to a "
        "second (NIATx's continuation measure)"),
    KPI("first_to_fourth_session_share", "share", HIGHER, TREATMENT,
        "Retained from the 1st to the 4th group session", "retention to the 4th session",
        "of clients admitted at least six weeks before the end who came to a group, the share who came to a "
        "fourth (NIATx's continuation measure)"),
    KPI("wait_referral_to_start_mean_days", "days", LOWER, ACCESS,
        "Days from referral to starting IOP (mean)", "days to treatment",
        "mean days from referral to the first IOP session, clients admitted (NIATx's days to treatment)"),
    # COST
    KPI("staff_cost_per_week", "$/week", NEITHER, COST,
        "Staff cost per week", "staff cost per week",
        "contracted hours of counsellors, assessors and prescribers x hourly cost"),
    KPI("revenue_per_week", "$/week", HIGHER, COST,
        "Fee revenue per week (example fees)", "fee revenue per week",
        "fees for assessments, group and individual sessions held (example fees)"),
    KPI("cost_per_admission", "$", LOWER, COST,
        "Staff cost per admission", "staff cost per admission",
        "staff cost / IOP admissions"),
    KPI("cost_per_completed_episode", "$", LOWER, COST,
        "Staff cost per completed episode", "staff cost per completed episode",
        "staff cost / IOP completions"),
)
NAMES = tuple(k.name for k in CATALOGUE)
BY_NAME = {k.name: k for k in CATALOGUE}

HEADLINE = ("wait_referral_to_assessment_median_days", "wait_assessment_to_start_median_days",
            "lost_before_treatment_share", "admissions_per_year", "share_completed", "seat_utilisation")
KEY = ("wait_referral_to_assessment_median_days", "wait_assessment_to_start_median_days",
       "lost_before_treatment_share", "admissions_per_year", "seat_utilisation", "share_completed",
       "relapse_12m_after_discharge", "counsellor_utilisation", "caseload_utilisation")
RESULTS = ("wait_referral_to_assessment_median_days", "wait_assessment_to_start_median_days", "lost_no_show",
           "lost_reneged", "lost_before_treatment_share", "admissions_per_year", "share_completed",
           "seat_utilisation", "caseload_utilisation", "counsellor_utilisation", "relapse_12m_after_discharge")
COST_KPIS = ("staff_cost_per_week", "revenue_per_week", "cost_per_admission", "cost_per_completed_episode")
SWEEP = ("wait_referral_to_assessment_median_days", "wait_assessment_to_start_median_days",
         "lost_before_treatment_share", "seat_utilisation", "caseload_utilisation", "counsellor_utilisation",
         "cost_per_completed_episode")
DEBRIEF = ("wait_referral_to_assessment_median_days", "wait_assessment_to_start_median_days",
           "lost_before_treatment_share", "admissions_per_year", "share_completed", "relapse_6m_after_discharge",
           "cost_per_completed_episode")
PRECISION = ("wait_referral_to_assessment_median_days", "admissions_per_year", "census_mean")
SETS = {"headline": HEADLINE, "key": KEY, "results": RESULTS, "cost": COST_KPIS, "sweep": SWEEP,
        "debrief": DEBRIEF, "precision": PRECISION}


def label(name: str) -> str:
    """A KPI's readable name: 'Wait from referral to assessment (median)'."""
    kpi = BY_NAME.get(name)
    return kpi.label if kpi else str(name).replace("_", " ").capitalize()


def phrase(name: str) -> str:
    """A KPI's words inside a sentence: 'waits for assessment'."""
    kpi = BY_NAME.get(name)
    return kpi.phrase if kpi else str(name).replace("_", " ")


def unit(name: str) -> str:
    """A KPI's unit ('days', 'share', '$/week'); '' for a name outside the catalogue."""
    kpi = BY_NAME.get(name)
    return kpi.unit if kpi else ""


def group_of(name: str) -> str:
    """The heading a KPI is listed under: access and waiting, treatment, outcomes, staff and cost."""
    kpi = BY_NAME.get(name)
    return kpi.group if kpi else OTHER_GROUP


def grouped(names: Iterable[str]) -> list[tuple[str, list[str]]]:
    """``names`` under their headings, in heading order; each heading keeps the order of ``names``."""
    names = list(names)
    out = [(heading, [n for n in names if group_of(n) == heading]) for heading in (*GROUPS, OTHER_GROUP)]
    return [(heading, members) for heading, members in out if members]
