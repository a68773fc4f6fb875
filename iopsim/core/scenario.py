"""The scenario: every parameter of the model, grouped, immutable and validated.

Each field carries its unit, allowed range and source (or the word "assumption"), so a trainee
can ask "where does this number come from?" and an administrator's file is checked before a
single client is simulated.  A misspelt field is an error, never silently ignored.
Over 500 lines because every parameter and its source sit in one place, where a trainee reads them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from iopsim.core import paths, presets
from iopsim.core.errors import ScenarioError, scenario_errors
from iopsim.core.no_booleans import boolean_for_number
from iopsim.core.scenario_file import read_scenario_file, write_scenario_file

Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
Severity = Literal["low", "moderate", "high"]
SEVERITIES: tuple[Severity, ...] = ("low", "moderate", "high")


def param(default: Any, source: str, unit: str = "", **limits: Any) -> Any:
    """A field with its source and unit kept beside the default, where the catalogue finds them."""
    return Field(default, json_schema_extra={"source": source, "unit": unit}, **limits)


# ------------------------------------------------------------------------------- helpers
def _shares_sum_to_one(shares: dict[str, float], name: str) -> None:
    if any(not 0 <= v <= 1 for v in shares.values()):
        raise ValueError(f"{name} values must lie between 0 and 1")
    total = sum(shares.values())
    if abs(total - 1) > 1e-6:
        raise ValueError(f"{name} must add up to 1, they add up to {total:g}")


def _all_severities(mapping: dict[str, Any], name: str) -> None:
    missing = [s for s in SEVERITIES if s not in mapping]
    if missing:
        raise ValueError(f"{name} needs a value for every severity; missing {missing}")


def _unique_days(days: tuple[str, ...], name: str) -> None:
    twice = sorted(d for d, n in Counter(days).items() if n > 1)
    if twice:
        raise ValueError(f"{name} lists a weekday twice: {twice}")


class Group(BaseModel):
    """Base of every parameter group: frozen, closed to unknown fields, numbers finite and never true/false."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans(cls, value: Any, info: ValidationInfo) -> Any:
        if boolean_for_number(value, cls.model_fields[info.field_name].annotation):
            raise PydanticCustomError("bool_for_number", "true or false where a number is meant")
        return value

    @model_validator(mode="before")
    @classmethod
    def _keep_built_in_defaults(cls, data: Any) -> Any:
        """A group given in part (a file naming only a relapse curve's scale) keeps the rest of its built-in
        default, not the bare class's: a parameter left out never changes."""
        if not isinstance(data, dict):
            return data
        filled = dict(data)
        for name, value in data.items():
            default = cls.model_fields[name].default if name in cls.model_fields else None
            if isinstance(default, Group) and isinstance(value, dict):
                filled[name] = {**default.model_dump(), **value}
        return filled


# --------------------------------------------------------------------------- referrals
class Referrals(Group):
    """Who arrives, how often, and what they bring with them."""

    per_week: float = param(
        4.8, "calibrated: new referrals (readmissions come on top) sized so the default program runs at about 85% "
        "of its seats at steady state (MODEL.md operating point)", "clients/week", ge=0, le=500)
    weekday_weights: tuple[float, float, float, float, float, float, float] = param(
        (1, 1, 1, 1, 1, 0, 0), "assumption: referrals on weekdays only", "relative weight Mon..Sun")
    trend_per_year: float = param(0.0, "assumption", "fractional change per year", ge=-0.9, le=5)
    source_shares: dict[Literal["community", "step_down", "step_up", "justice"], float] = param(
        {"community": 0.6, "step_down": 0.15, "step_up": 0.1, "justice": 0.15},
        "assumption", "share of referrals")
    severity_shares: dict[Severity, float] = param(
        {"low": 0.3, "moderate": 0.5, "high": 0.2}, "assumption", "share of referrals")
    evening_share: float = param(0.33, "assumption: employed or in school, can attend evenings only",
                                 "share", ge=0, le=1)
    co_occurring_share: float = param(0.45, "assumption: co-occurring mental-health condition",
                                      "share", ge=0, le=1)
    prior_episode_share: float = param(
        0.25, "calibrated: with this program's own readmissions, about 58% of admissions have at least one "
        "earlier treatment episode (DASIS 2002, TEDS 1999; TEDS NOPRIOR)",
        "share of first referrals treated before elsewhere", ge=0, le=1)
    abstinent_share: float = param(
        0.3, "assumption: some clients are referred already abstinent (after detoxification, jail, a crisis); "
        "step-down referrals always are", "share of new referrals abstinent when referred", ge=0, le=1)

    @model_validator(mode="after")
    def _check(self) -> "Referrals":
        _shares_sum_to_one(self.source_shares, "source_shares")
        _shares_sum_to_one(self.severity_shares, "severity_shares")
        if any(w < 0 for w in self.weekday_weights) or sum(self.weekday_weights) <= 0:
            raise ValueError("weekday_weights must be non-negative with at least one day above 0")
        return self


# ------------------------------------------------------------------- intake and assessment
class Intake(Group):
    """Booking the assessment: slots, show-up falling with delay, one rebook."""

    mode: Literal["booked", "walk_in"] = param(
        "booked", "assumption: booked appointments; walk_in queues clients on arrival instead")
    assessors: int = param(1, "assumption", "people", ge=0, le=50)
    assessor_hours_per_week: float = param(20.0, "assumption: with booking_lead_days, gives a 5-day median wait (Loveland & Driscoll 2014: 6 days)",
                                           "hours/week each", ge=0, le=168)
    assessment_hours: float = param(1.0, "assumption", "hours", gt=0, le=8)
    assessment_duration: Literal["fixed", "exponential"] = param(
        "fixed", "assumption: fixed slot length; exponential gives the M/M/c special case")
    show_curve: tuple[tuple[float, float], ...] = param(
        ((1, 0.72), (3, 0.41), (7, 0.38)),
        "Festinger et al. 2002 (0.72/0.41/0.38 at 1/3/7 days); flat after day 7 (Gallucci 2005)",
        "(days of delay, probability of showing)")
    booking_lead_days: float = param(
        3.0, "assumption: insurance and paperwork checks come before a slot is offered; with it the default "
        "matches the 6-day median of Loveland & Driscoll 2014", "days", ge=0, le=60)
    rebook_probability: float = param(0.5, "assumption", "probability", ge=0, le=1)
    open_hour: float = param(9.0, "assumption", "clock hour", ge=0, lt=24)
    open_days: tuple[Weekday, ...] = param(("Mon", "Tue", "Wed", "Thu", "Fri"), "assumption", "weekdays")

    @model_validator(mode="after")
    def _check(self) -> "Intake":
        days = [d for d, _ in self.show_curve]
        if not self.show_curve or days != sorted(days) or min(days) < 0:
            raise ValueError("show_curve needs at least one (days, probability) point, days ascending and >= 0")
        if any(not 0 <= p <= 1 for _, p in self.show_curve):
            raise ValueError("show_curve probabilities must lie between 0 and 1")
        _unique_days(self.open_days, "open_days")
        if self.assessor_hours_per_week / max(len(self.open_days), 1) + self.open_hour > 24:
            raise ValueError("assessor hours per open day run past midnight: use fewer hours or more open days")
        return self


# ----------------------------------------------------------------------------- placement
class Placement(Group):
    """Level of care chosen at assessment: standard outpatient, IOP or a higher level (ASAM levels 1, 2.1,
    2.5/3).  ASAM placement is a multidimensional assessment; the model stands it in by severity alone."""

    iop_share: dict[Severity, float] = param(
        {"low": 0.5, "moderate": 0.9, "high": 0.6},
        "assumption: the ASAM Criteria place by a multidimensional assessment (six dimensions), here reduced to "
        "severity; level 2.1 (IOP) runs 9 or more hours a week for adults, the intensity of the level, not its "
        "definition (3rd ed., Mee-Lee 2013; the 4th edition, 2023, re-describes the levels)", "share placed in IOP")
    higher_level_share: dict[Severity, float] = param(
        {"low": 0.0, "moderate": 0.05, "high": 0.35},
        "assumption, following the ASAM Criteria: level 2.5 (partial hospitalisation; high-intensity outpatient "
        "in the 4th edition, 2023) runs 20 or more hours a week, or residential care (3)",
        "share referred to PHP/residential")
    higher_level_return_probability: float = param(
        0.5, "assumption", "probability a client sent to a higher level returns as a step-down referral", ge=0, le=1)
    higher_level_stay_days: float = param(28.0, "assumption", "days (mean)", gt=0, le=365)

    @model_validator(mode="after")
    def _check(self) -> "Placement":
        if any(not 0 <= v <= 1 for v in (*self.iop_share.values(), *self.higher_level_share.values())):
            raise ValueError("iop_share and higher_level_share values must lie between 0 and 1")
        for sev in SEVERITIES:
            total = self.iop_share.get(sev, 0) + self.higher_level_share.get(sev, 0)
            if total > 1 + 1e-9:
                raise ValueError(f"iop_share + higher_level_share for {sev} is {total:g}; at most 1 "
                                 "(the rest go to standard outpatient)")
        _all_severities(self.iop_share, "iop_share")
        _all_severities(self.higher_level_share, "higher_level_share")
        return self


# ------------------------------------------------------------------------- tracks, schedule
class Track(Group):
    """A set of groups that meet on fixed weekdays at a fixed clock time."""

    name: str = Field(min_length=1, max_length=40)
    evening: bool = param(False, "assumption", "whether clients who work or study can attend")
    days: tuple[Weekday, ...] = param(("Mon", "Wed", "Fri"), "Matrix Model: 3 days x 3 h", "weekdays", min_length=1, max_length=7)
    start_hour: float = param(9.0, "assumption", "clock hour", ge=0, lt=24)
    hours: float = param(3.0, "Matrix Model 3 h/day; ASAM Criteria level 2.1: 9 or more hours a week for adults "
                         "(6 for adolescents), the intensity of the level, not its definition", "hours", gt=0, le=8)
    groups: int = param(1, "assumption", "groups meeting in parallel", ge=0, le=20)
    group_cap: int = param(12, "Matrix Model 8-12; Pennsylvania placement criteria: no more than 12",
                           "clients per group", ge=1, le=30)

    @model_validator(mode="after")
    def _check(self) -> "Track":
        _unique_days(self.days, "days")
        if self.start_hour + self.hours > 24:
            raise ValueError(f"a session starting at {self.start_hour:g} h lasting {self.hours:g} h runs past midnight")
        return self


DEFAULT_TRACKS = (
    Track(name="day", evening=False, days=("Mon", "Wed", "Fri"), start_hour=9.0, groups=2),
    Track(name="evening", evening=True, days=("Mon", "Tue", "Thu"), start_hour=18.0),
)


class Tracks(Group):
    """The weekly timetable and how clients get a seat."""

    tracks: tuple[Track, ...] = param(
        DEFAULT_TRACKS, "assumption: two day groups and one evening group, matching the 60/40 split of demand "
        "(evening_share)", min_length=1, max_length=10)
    admission: Literal["rolling", "cohort"] = param("rolling", "assumption", "admission policy")
    cohort_interval_weeks: int = param(4, "assumption", "weeks between cohort starts", ge=1, le=26)
    step_down_priority: bool = param(True, "assumption", "step-down referrals go first on the waitlist")
    day_clients_take_evening_seats: bool = param(
        True, "assumption: a client free by day can also come in the evening (evening-only clients cannot come by day)",
        "whether clients free by day may take an evening seat")
    patience_mean_days: float = param(
        33.0, "calibrated: with relapse while waiting, about 32% of clients placed in IOP never start (Loveland & "
        "Driscoll 2014; Weisner et al. 2001)", "days (exponential)", gt=0, le=3650)
    admission_lead_days: float = param(
        6.5, "calibrated: authorisation, orientation and the treatment plan come before the first group; with it "
        "the default matches the 8-day median from assessment to enrolment of Loveland & Driscoll 2014",
        "days from placement to the first session a client can join", ge=0, le=90)
    co_facilitation_above: int = param(10, "assumption", "a group with more attendees than this needs two counsellors",
                                       ge=1, le=30)

    @model_validator(mode="after")
    def _check(self) -> "Tracks":
        names = [t.name for t in self.tracks]
        if len(set(names)) != len(names):
            raise ValueError(f"track names must be unique, got {names}")
        return self


# ----------------------------------------------------------------------------- treatment
class Treatment(Group):
    """What happens week by week in IOP: attendance, dropout, relapse, reviews, completion."""

    planned_weeks: dict[Severity, int] = param(
        {"low": 14, "moderate": 16, "high": 22},
        "calibrated: with plan_spread, reviews and extensions these typical plans give the TEDS 2004 "
        "completer median of 50 days; TIP 46/47 suggests about 90 days, Matrix Model 16 weeks", "typical weeks by severity")
    plan_spread: float = param(
        1.42, "assumption: individual plans vary around the typical length (log-normal spread); this gives "
        "the right-skewed stays of TEDS 2004", "log-scale standard deviation", ge=0, le=2)
    max_weeks: int = param(52, "assumption: plans extended at reviews up to a year", "weeks", ge=1, le=104)
    review_interval_days: int = param(30, "PA placement criteria; CMS recertification", "days (held at the nearest weekly team meeting)", ge=7, le=90)
    attendance_mean: float = param(0.8, "assumption: no published figure found", "probability per session",
                                   gt=0, le=1)
    attendance_spread: float = param(
        0.175, "calibrated to the TEDS 2004 share terminated: clients differ in how reliably they attend (0 = all alike)",
        "between-client spread, 0-1", ge=0, lt=1)
    completion_attendance: float = param(0.6, "assumption", "share of sessions attended to complete", ge=0, le=1)
    early_step_down_probability: float = param(
        0.155, "calibrated to the TEDS 2004 share transferred", "probability at each 30-day review of stepping down early", ge=0, le=1)
    dropout_weekly_hazard: float = param(0.0132, "calibrated to the TEDS 2004 discharge mix", "per week", ge=0, le=5)
    dropout_decline: float = param(
        0.02, "calibrated to the TEDS 2004 dropouts' median stay of 26 days: with the wait's effect on the first "
        "weeks (wait_dropout_per_week), dropout needs little decline of its own", "power: week w's "
        "hazard is dropout_weekly_hazard x w^-dropout_decline (0 = steady)", ge=0, le=3)
    dropout_missed_multiplier: float = param(1.1, "assumption", "x per session missed in the week", ge=1, le=10)
    wait_dropout_per_week: float = param(
        1.0, "assumption for the size (each week waited doubles the early dropout hazard); the direction is "
        "NIATx's (McCarty et al. 2007; Hoffman et al. 2008): programs that cut days to treatment kept more "
        "clients to the 2nd-4th session", "extra dropout hazard in the first engagement_weeks, per week waited "
        "for a seat (1: +100% a week)", ge=0, le=10)
    engagement_weeks: int = param(4, "assumption: the first month of treatment", "weeks", ge=0, le=52)
    terminate_after_absences: int = param(4, "assumption", "consecutive missed sessions", ge=1, le=50)
    relapse_weekly_hazard: float = param(0.025, "assumption", "per week", ge=0, le=5)
    relapse_halving_hours: float = param(
        30.0, "assumption: relapse hazard halves with every this many hours of treatment", "hours", gt=0, le=1000)
    relapse_outcome_shares: dict[Literal["stay", "step_up", "drop_out"], float] = param(
        {"stay": 0.4, "step_up": 0.35, "drop_out": 0.25}, "assumption", "shares after a relapse in treatment")
    relapse_extension_weeks: int = param(2, "assumption", "weeks added to the plan after a relapse", ge=0, le=26)
    other_weekly_hazard: float = param(0.0062, "calibrated to the TEDS 2004 discharge mix: moved, incarcerated, medical",
                                       "per week", ge=0, le=5)
    individual_sessions_per_week: int = param(1, "Matrix Model: 10-13 individual sessions over 16 weeks",
                                              "sessions/week", ge=0, le=5)
    individual_session_hours: float = param(1.0, "assumption", "hours", gt=0, le=4)
    medication_share: float = param(0.4, "assumption", "share needing medication management", ge=0, le=1)
    medication_interval_weeks: int = param(4, "assumption: monthly", "weeks", ge=1, le=26)
    medication_visit_hours: float = param(0.5, "assumption", "hours", gt=0, le=4)

    @model_validator(mode="after")
    def _check(self) -> "Treatment":
        _all_severities(self.planned_weeks, "planned_weeks")
        for sev, weeks in self.planned_weeks.items():
            if not 1 <= weeks <= self.max_weeks:
                raise ValueError(f"planned_weeks[{sev}] is {weeks}; allowed 1 to max_weeks ({self.max_weeks})")
        _shares_sum_to_one(self.relapse_outcome_shares, "relapse_outcome_shares")
        return self


# ------------------------------------------------------------------- step-down and aftercare
class StepDown(Group):
    """Standard outpatient after IOP, with its own counsellor caseload."""

    uptake: float = param(0.8, "assumption", "share of completers and early step-downs who start OP", ge=0, le=1)
    weeks: int = param(12, "assumption", "weeks of standard outpatient", ge=1, le=104)
    sessions_per_week: int = param(1, "assumption: 1-2 sessions a week is usual for standard outpatient", "sessions/week",
                                   ge=1, le=5)
    session_hours: float = param(1.0, "assumption", "hours", gt=0, le=4)
    no_show: float = param(0.2, "NIATx: 37.4% fell to 19.9% after process improvement (Molfenter 2013)",
                           "share of scheduled outpatient sessions missed", ge=0, le=1)


class Aftercare(Group):
    """Continuing care after discharge: an alumni group or check-ins."""

    uptake: float = param(0.5, "assumption: no published figure found", "share", ge=0, le=1)
    days: float = param(182.0, "Proctor & Herschman 2014: 3-12 months", "days", gt=0, le=730)
    hazard_multiplier: float = param(
        0.8, "Blodgett et al. 2014 meta-analysis of continuing care (OR about 1.4 on abstinence)",
        "x relapse hazard while in continuing care: standard outpatient after IOP, then aftercare",
        gt=0, le=1)


# ---------------------------------------------------------------- relapse and readmission
class Weibull(Group):
    """Time to relapse after discharge: decreasing hazard when shape < 1, and a share who never relapse."""

    shape: float = Field(gt=0, le=5)
    scale_days: float = Field(gt=0, le=100_000)
    never_relapse: float = Field(0.0, ge=0, lt=1)


class Relapse(Group):
    """Relapse after discharge, and the road back to treatment from a spell of use."""

    after_completion: Weibull = param(
        Weibull(shape=1.0, scale_days=120, never_relapse=0.40),
        "calibrated so that clients who complete relapse 40-60% within 12 months (McLellan et al. 2000; NIDA) "
        "after the dose and continuing-care effects, and all clients leaving IOP about 60-80% by 6 months (Hunt, "
        "Barnett & Branch 1971, a curve of treated clients); a share stay abstinent for good, so the curve "
        "flattens as Hunt's does")
    untreated: Weibull = param(
        Weibull(shape=0.8, scale_days=15, never_relapse=0.0),
        "assumption, no published curve found: an abstinent client with no treatment relapses within weeks "
        "(half within about 9 days, nearly all within three months); clients who leave IOP early sit between this "
        "curve and the completers', by the days they were retained")
    dose_days: int = param(90, "NIDA Principles: about 3 months", "days in IOP", ge=1, le=730)
    dose_power: float = param(
        3.0, "assumption: DATOS finds the benefit at a threshold of about 90 days (Simpson, Joe & Brown 1997); "
        "a power above 1 keeps most of it near the threshold (1 = every week counts the same)",
        "credit for days retained: (days / dose_days) ** dose_power", gt=0, le=10)
    completion_credit: float = param(
        0.5, "assumption: DATOS ties outcome to the time retained in treatment (Simpson, Joe & Brown 1997); how "
        "much finishing the plan adds beyond that is not published",
        "share of the way from the untreated relapse curve to the completers' that finishing the plan earns at "
        "once; the days retained move every leaver the rest of the way, all of it at dose_days (1 = completers "
        "get the completers' curve whatever their stay)", ge=0, le=1)
    dose_multiplier: float = param(
        0.56, "DATOS outpatient drug-free (25% vs 14% weekly use): a relapse risk ratio of about 0.56",
        "x relapse hazard after dose_days in IOP (graded below by the credit, see dose_power)", gt=0, le=1)
    leave_waitlist_after_relapse: float = param(
        0.5, "assumption", "share of clients who relapse while waiting for a seat and give up waiting", ge=0, le=1)
    readmission_probability: float = param(
        0.5, "assumption: the rest move away, stop seeking treatment, or go elsewhere",
        "probability that a spell of use (after a relapse, or never abstinent) ends in a new request for treatment",
        ge=0, le=1)
    readmission_delay_mean_days: float = param(
        60.0, "assumption", "days from the start of a spell of use to the new request (mean)", gt=0, le=3650)


# ------------------------------------------------------------------------------------ staff
class Staff(Group):
    """People and their hours; caseload caps make capacity visible."""

    iop_counsellors: int = param(4, "assumption: sized to lead the program's groups (co-facilitating the "
                                 "large ones) and see each client weekly", "people", ge=0, le=100)
    iop_caseload_cap: int = param(12, "assumption", "IOP clients per counsellor", ge=1, le=100)
    counsellor_hours_per_week: float = param(
        32.0, "assumption: a full-time week less meetings, supervision and training", "clinical hours/week each",
        gt=0, le=80)
    documentation_hours_per_client: float = param(
        0.5, "assumption: notes and treatment plan updates", "hours per client on the caseload per week",
        ge=0, le=10)
    op_counsellors: int = param(1, "assumption", "people", ge=0, le=100)
    op_caseload_cap: int = param(35, "28 Pa. Code 704.12(a): 35 active clients per outpatient counsellor",
                                 "active clients per counsellor", ge=1, le=200)
    prescribers: int = param(1, "assumption", "people", ge=0, le=20)
    prescriber_hours_per_week: float = param(8.0, "assumption", "hours/week each", ge=0, le=60)


# ------------------------------------------------------------------------------------ costs
class Costs(Group):
    """An optional cost view: staff cost by role and example fees per service (US dollars).

    The fees are examples from one state's 2018 community SUD fee schedule, not a program's own
    rates: replace them with yours.
    """

    counsellor_hourly: float = param(40.0, "assumption: salary and on-costs", "$/hour", ge=0, le=1000)
    assessor_hourly: float = param(45.0, "assumption: salary and on-costs", "$/hour", ge=0, le=1000)
    prescriber_hourly: float = param(150.0, "assumption: salary and on-costs", "$/hour", ge=0, le=2000)
    assessment_fee: float = param(152.91, "example: 2018 state community SUD fee schedule, H0001", "$ per assessment",
                                  ge=0, le=10_000)
    individual_fee_per_15_min: float = param(21.54, "example: 2018 state community SUD fee schedule, H0004",
                                             "$ per 15 minutes", ge=0, le=1000)
    group_fee: float = param(42.00, "example: 2018 state community SUD fee schedule, H0005",
                             "$ per client per group session", ge=0, le=1000)


# ------------------------------------------------------------------------------ calendar, run
class Calendar(Group):
    """Days the program is closed besides weekends without sessions."""

    holidays: tuple[int, ...] = param(
        (0, 147, 185, 245, 332, 359),
        "US federal holidays observed by most programs (New Year, Memorial Day, Independence Day, "
        "Labor Day, Thanksgiving, Christmas) as days of the year, day 0 a Monday 1 January", "day of year")

    @model_validator(mode="after")
    def _check(self) -> "Calendar":
        bad = [d for d in self.holidays if not 0 <= d <= 364]
        if bad:
            raise ValueError(f"holidays must be days of the year 0-364, got {bad[:5]}{' ...' if len(bad) > 5 else ''}")
        return self


class Run(Group):
    """How long to simulate and what to leave out while the program fills."""

    horizon_days: float = param(365.0, "assumption: one year reported, after the warm-up", "days", gt=0, le=36_500)
    warm_up_days: float = param(
        730.0, "calibrated by iopsim.warmup_curve on the default program (20 replications from empty): the census settles "
        "after about 620 days and the referrals, with past clients coming back, after about 360; two years "
        "leaves the reported years at steady state. Check a scenario of your own with iopsim.warmup_curve",
        "days", ge=0, le=36_500)


# --------------------------------------------------------------------------------- services
class FamilySessions(Group):
    """Family sessions with the client's counsellor: they take counsellor hours like individual sessions."""

    share: float = param(0.3, "assumption: no published share of adult IOP clients with family taking part found",
                         "share of clients with family involvement", ge=0, le=1)
    interval_weeks: int = param(2, "assumption: every other week", "weeks between family sessions", ge=1, le=26)
    hours: float = param(1.0, "assumption", "hours", gt=0, le=4)
    dropout_multiplier: float = param(
        1.0, "assumption: no effect; no source found that isolates the effect of family sessions on adult IOP "
        "retention (set a value below 1 to test one)", "x weekly dropout hazard of a client whose family takes part",
        gt=0, le=2)


class AddictionMedication(Group):
    """Medication for opioid and alcohol use disorders (buprenorphine, naltrexone, acamprosate),
    prescribed beside the groups; psychiatric medication for co-occurring conditions is treatment.medication_share."""

    opioid_share: float = param(0.176, "TEDS 2004 admissions by primary substance: opiates 17.6% (TEDS Highlights "
                                "2004, Table 1b)", "share of clients with an opioid use disorder", ge=0, le=1)
    alcohol_share: float = param(0.402, "TEDS 2004 admissions by primary substance: alcohol 40.2% (TEDS Highlights "
                                 "2004, Table 1b)", "share of clients with an alcohol use disorder", ge=0, le=1)
    opioid_uptake: float = param(
        0.0, "calibrated baseline: the TEDS 2004 discharges the default reproduces already hold whatever medication "
        "their clients had, so the default adds none; raise it to see what medication adds", "share of clients with "
        "an opioid use disorder who start medication (buprenorphine or naltrexone)", ge=0, le=1)
    alcohol_uptake: float = param(
        0.0, "calibrated baseline, as opioid_uptake; fewer than 9% of patients likely to benefit receive medication "
        "for alcohol use disorder (Kranzler & Soyka 2018, JAMA 320:815)", "share of clients with an alcohol use "
        "disorder who start medication (naltrexone or acamprosate)", ge=0, le=1)
    visit_interval_weeks: int = param(2, "assumption: visits every two weeks while in IOP (induction at the first)",
                                      "weeks between prescriber visits", ge=1, le=26)
    opioid_dropout_multiplier: float = param(
        0.55, "Mattick et al. 2014, Cochrane CD002207: buprenorphine retained clients better than placebo, RR 1.82 "
        "(95% CI 1.15-2.90) at high doses; taken as a dropout hazard of 1/1.82 (the translation is an assumption)",
        "x weekly dropout hazard once on medication for opioid use disorder", gt=0, le=2)
    opioid_relapse_multiplier: float = param(
        0.6, "assumption for the size; the direction is Mattick et al. 2014 (Cochrane CD002207): high-dose "
        "buprenorphine suppressed illicit opioid use (morphine-positive urines, SMD -1.17)",
        "x weekly relapse hazard in IOP once on medication for opioid use disorder", gt=0, le=2)
    alcohol_dropout_multiplier: float = param(
        1.0, "assumption: no effect; the trials pooled by Jonas et al. 2014 (JAMA 311:1889) report drinking, not "
        "retention", "x weekly dropout hazard once on medication for alcohol use disorder", gt=0, le=2)
    alcohol_relapse_multiplier: float = param(
        0.87, "Jonas et al. 2014 (JAMA 311:1889): acamprosate lowers a return to any drinking by 9 points (NNT 12), "
        "oral naltrexone by 5 (NNT 20), against about 70% on placebo; taken as a hazard x0.87 (the translation is an "
        "assumption)", "x weekly relapse hazard in IOP once on medication for alcohol use disorder", gt=0, le=2)

    @model_validator(mode="after")
    def _check(self) -> "AddictionMedication":
        if self.opioid_share + self.alcohol_share > 1 + 1e-9:
            raise ValueError("opioid_share + alcohol_share is more than 1 (each client has one primary substance)")
        return self


class Testing(Group):
    """Drug and alcohol tests: a relapse in treatment is seen at the next positive test, and the
    program's response (plan extended, step-up) waits for it."""

    tests_per_week: int = param(
        0, "calibrated baseline (0): every relapse is known at once (the client says so, staff see it), as the "
        "calibrated default assumes; ASAM's consensus statement on drug testing (2017) leaves the frequency to "
        "the clinician", "tests per client per week, collected on weekday afternoons", ge=0, le=5)
    detection_days: float = param(
        3.0, "SAMHSA TAP 32, Clinical Drug Testing in Primary Care (2012): urine tests detect most drugs for 1-3 days "
        "after use (cannabis longer; alcohol by EtG up to about 80 hours)", "days after a relapse that a test still shows it", gt=0, le=30)
    hours: float = param(0.25, "assumption: collecting a sample and recording the result", "counsellor hours per test",
                         gt=0, le=2)


class Crisis(Group):
    """Crises while in IOP: a same-day crisis session with a counsellor free now, or a step-up to a higher level."""

    weekly_hazard: float = param(
        0.0, "assumption: no published rate for IOP clients found; 0 in the calibrated default (a crisis that steps "
        "clients up would move the calibrated discharge mix)", "crises per client per week", ge=0, le=2)
    step_up_share: float = param(0.3, "assumption", "share of crises that end in a step-up rather than a crisis session",
                                 ge=0, le=1)
    session_hours: float = param(1.0, "assumption", "counsellor hours of a crisis session", gt=0, le=8)


class Services(Group):
    """Services of an IOP beyond groups and individual sessions, each taking the staff time it needs."""

    family: FamilySessions = FamilySessions()
    medication: AddictionMedication = AddictionMedication()
    testing: Testing = Testing()
    crisis: Crisis = Crisis()


# --------------------------------------------------------------------------------- scenario
class Scenario(Group):
    """A whole IOP program: pass no arguments for the built-in adult SUD default."""

    name: str = Field("Default adult SUD IOP", min_length=1, max_length=120)
    referrals: Referrals = Referrals()
    intake: Intake = Intake()
    placement: Placement = Placement()
    tracks: Tracks = Tracks()
    treatment: Treatment = Treatment()
    step_down: StepDown = StepDown()
    aftercare: Aftercare = Aftercare()
    relapse: Relapse = Relapse()
    staff: Staff = Staff()
    services: Services = Services()
    costs: Costs = Costs()
    calendar: Calendar = Calendar()
    run: Run = Run()

    def __init__(self, **data: Any) -> None:
        with scenario_errors(Scenario):
            super().__init__(**data)

    @classmethod
    def from_dict(cls, data: Any) -> "Scenario":
        """Build and validate from a nested mapping (as read from YAML or JSON)."""
        if not isinstance(data, dict):
            raise ScenarioError([("(top level)", data, "a mapping of parameter groups")])
        odd = [k for k in data if not isinstance(k, str)]
        if odd:
            raise ScenarioError([(str(k), k, "a parameter name (text)") for k in odd])
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """A plain nested dict (lists, not tuples) that from_dict turns back into an equal scenario."""
        return self.model_dump(mode="json")

    def replace(self, **changes: Any) -> "Scenario":
        """A validated copy with changes by parameter path (``iopsim.core.paths``), list items too:

            s.replace(**{"staff.iop_counsellors": 3, "tracks.tracks[1].groups": 0})

        Every change is made first, then the whole scenario is validated once, so changes that
        only make sense together (a longer session and a later start) are accepted together.
        """
        data = self.to_dict()
        for path, value in changes.items():
            try:
                paths.write(data, path, value)
            except paths.PathError:
                allowed = "an existing parameter path (see iopsim.core.parameters.table())"
                raise ScenarioError([(path, value, allowed)]) from None
        return Scenario.from_dict(data)

    @classmethod
    def from_file(cls, path: Any) -> "Scenario":
        """Read and validate a .yaml, .yml or .json scenario file; its problems name the file."""
        data = read_scenario_file(path)
        try:
            return cls.from_dict(data)
        except ScenarioError as err:
            err.source = str(path)
            raise

    def to_file(self, path: Any) -> None:
        """Write commented YAML (or JSON for a .json path), atomically."""
        write_scenario_file(self, path)

    @classmethod
    def preset(cls, name: str) -> "Scenario":
        """A built-in program by name (iopsim.core.presets.NAMES; "adult-sud" is the default), validated."""
        chosen = presets.info(name)
        return cls().replace(name=chosen.title, **chosen.values)

    @property
    def weekly_iop_hours(self) -> dict[str, float]:
        """Scheduled group hours per week for each track (ASAM level 2.1 runs at least 9 for adults, 6 for adolescents)."""
        return {t.name: len(t.days) * t.hours for t in self.tracks.tracks}
