"""A client's course of IOP treatment: the weekly hazards and the rules of the weekly review.

The hazards are small pure functions of where the client is (week, missed sessions, hours of
treatment received), so each can be read and tested alone.  `Stay` is what the program knows
about one client in IOP; the timetable (timetable.py) moves it along at the clinic's times.
"""

from __future__ import annotations

import math

from iopsim.core.streams import exp1
from iopsim.core.vocabulary import DISCHARGE_CODES

WEEK = 7.0
EPS = 1e-9  # times computed by different sums may differ by rounding: compare with this slack
# IOP discharge codes, as TEDS records them (the vocabulary words them)
IOP_OUTCOMES = COMPLETED, TRANSFERRED, DROPPED_OUT, TERMINATED, OTHER = tuple(DISCHARGE_CODES)
RELAPSE = "relapse"  # in treatment: not a discharge by itself (the client may stay)
CRISIS = "crisis"  # in treatment: a crisis session or a step-up (scenario.services.crisis)
RISKS = (OTHER, DROPPED_OUT, RELAPSE, CRISIS)  # competing risks, in the order that wins a tie
RISK_DRAWS = ("other", "dropout", "relapse_in_treatment")  # the client's own draw for each (client.ONE_OFF);
# the crisis draw comes from the crisis service's own numbers (EpisodeDraws.service)


def dropout_hazard(t, week: int, missed_last_week: int, waited_weeks: float = 0.0) -> float:
    """Weekly dropout hazard in week `week` (0 first): highest in the first weeks, falling as
    clients engage, higher after a week with missed sessions, and in the first weeks higher for
    each week the client waited for a seat (waiting loses people a second time)."""
    hazard = t.dropout_weekly_hazard * t.dropout_missed_multiplier ** missed_last_week * (week + 1) ** -t.dropout_decline
    if week < t.engagement_weeks:
        hazard *= 1.0 + t.wait_dropout_per_week * waited_weeks
    return hazard


def relapse_hazard(t, hours: float) -> float:
    """Weekly hazard of relapse in treatment: halved by every `relapse_halving_hours` received."""
    return t.relapse_weekly_hazard * 0.5 ** (hours / t.relapse_halving_hours)


def first_strike(now: float, until: float, left: tuple[float, ...], weekly: tuple[float, ...]) -> tuple[float, int]:
    """When the first of the competing risks strikes before `until`, and which (index into RISKS).

    Each risk strikes when its weekly hazard, held steady from `now`, uses up what is `left` of
    the client's Exp(1) draw for it; (until, -1) when none strikes in time.
    """
    when, which = until, -1
    for k, hazard in enumerate(weekly):
        if hazard > 0:
            at = now + WEEK * left[k] / hazard
            if at < when:
                when, which = at, k
    return when, which


def planned_weeks(t, severity: str, plan_z: float) -> int:
    """A client's plan: the typical length for their severity, varied log-normally."""
    return min(max(round(t.planned_weeks[severity] * math.exp(t.plan_spread * plan_z)), 1), t.max_weeks)


def review_interval_weeks(t) -> int:
    """Plans are reviewed at the weekly team meeting nearest each review interval (4 weeks for 30 days)."""
    return max(1, round(t.review_interval_days / WEEK))


class Stay:
    """One client's course of IOP treatment so far: seat, plan, dose, absences and risks.

    Hazards hold steady within a week (from the admission's weekday and hour to the same a week
    later): `begin_week` sets them from the week before, `use_hazards` spends the client's draws
    as time passes, and `review` applies the plan rules when a week ends.
    """

    __slots__ = ("client", "track", "group", "counsellor", "admitted", "waited_weeks", "plan_end", "max_end", "week",
                 "week_end", "weekly", "left", "since", "strike", "held", "attended", "in_a_row", "missed",
                 "missed_last_week", "hours", "last_attended", "next_individual", "next_meds", "review_booked",
                 "outcome", "early_step_down", "left_using", "on_discharge", "meds_interval", "family", "family_effect",
                 "next_family", "medication", "on_medication", "medication_effect", "next_test", "unseen",
                 "crisis_hazard")

    def __init__(self, client, track, group: int, counsellor: int, admitted: float, t, waited_days: float) -> None:
        self.client, self.track, self.group, self.counsellor = client, track, group, counsellor
        self.admitted, self.waited_weeks = admitted, waited_days / WEEK
        draws = client.draws
        self.plan_end = admitted + WEEK * planned_weeks(t, client.severity, draws.normal("plan"))
        self.max_end = admitted + WEEK * t.max_weeks
        self.week, self.week_end = -1, admitted
        self.weekly = (0.0, 0.0, 0.0, 0.0)
        self.left = [draws.exp1(name) for name in RISK_DRAWS] + [math.inf]  # in RISKS order; crisis: see enrol
        self.since = admitted
        self.strike = None  # the timer of the next risk to strike this week, if any
        self.held = self.attended = self.in_a_row = self.missed = self.missed_last_week = 0
        self.hours = 0.0
        self.last_attended = admitted
        self.next_individual = admitted + 1.0  # afternoons, from the day after admission
        self.next_meds = admitted if client.co_occurring and draws["medication"] < t.medication_share else math.inf
        self.meds_interval = t.medication_interval_weeks if self.next_meds < math.inf else math.inf  # weeks apart
        self.review_booked = math.inf  # a prescriber slot booked and not yet held
        self.outcome: str | None = None
        self.early_step_down = False
        self.left_using = False  # left straight after a relapse in treatment
        self.on_discharge = None  # called with the outcome when the client leaves IOP
        self.family = False  # the services (enrol): family sessions, medication, tests, crises
        self.family_effect = 1.0  # x dropout hazard while the family takes part
        self.next_family = self.next_test = math.inf
        self.medication = ""  # "opioid" or "alcohol": medication for that use disorder
        self.on_medication = False  # from the first prescriber visit for it
        self.medication_effect = (1.0, 1.0)  # x dropout, x relapse hazard once on medication
        self.unseen: tuple[float, str] | None = None  # a relapse no test has shown yet: (when, the response due)
        self.crisis_hazard = 0.0

    def enrol(self, services, tests_start: float) -> None:
        """The services this client has in this stay (one-off draws decide family sessions and
        medication for an opioid or alcohol use disorder), tests, and the crisis risk."""
        draws, admitted = self.client.draws, self.admitted
        family, med, testing, crisis = services.family, services.medication, services.testing, services.crisis
        if family.share and draws["family_sessions"] < family.share:
            self.family, self.next_family, self.family_effect = True, admitted + 1.0, family.dropout_multiplier
        uptake = {"opioid": med.opioid_uptake, "alcohol": med.alcohol_uptake}.get(self.client.substance, 0.0)
        if uptake and draws["addiction_medication"] < uptake:
            self.medication = self.client.substance
            self.medication_effect = ((med.opioid_dropout_multiplier, med.opioid_relapse_multiplier)
                                      if self.medication == "opioid" else
                                      (med.alcohol_dropout_multiplier, med.alcohol_relapse_multiplier))
            self.meds_interval = min(self.meds_interval, med.visit_interval_weeks) if self.next_meds < math.inf \
                else med.visit_interval_weeks
            self.next_meds = admitted
        if testing.tests_per_week:
            self.next_test = tests_start
        if crisis.weekly_hazard:
            self.crisis_hazard = crisis.weekly_hazard
            self.left[3] = exp1(draws.service("crisis"))

    def begin_week(self, t) -> None:
        """Next week's hazards, from the week gone by, times what the services do to them: x dropout
        while the family takes part, x dropout and x relapse once medication has started."""
        week = self.week = self.week + 1
        self.week_end = self.admitted + WEEK * (week + 1)
        dropout, relapse = self.medication_effect if self.on_medication else (1.0, 1.0)
        self.weekly = (t.other_weekly_hazard,
                       dropout * self.family_effect * dropout_hazard(t, week, self.missed_last_week, self.waited_weeks),
                       relapse * relapse_hazard(t, self.hours), self.crisis_hazard)

    def use_hazards(self, now: float) -> None:
        """Spend each risk's draw by its hazard over the time since last asked."""
        days, weekly, left = (now - self.since) / WEEK, self.weekly, self.left
        left[0] -= weekly[0] * days
        left[1] -= weekly[1] * days
        left[2] -= weekly[2] * days
        left[3] -= weekly[3] * days
        self.since = now

    def end_week(self, t, review_weeks: int, step_down_draw) -> str | None:
        """The week is over: the discharge code if the weekly review ends the stay, else None and
        the next week begins."""
        self.use_hazards(self.week_end)
        outcome = self.review(t, review_weeks, step_down_draw)
        if outcome is None:
            self.begin_week(t)
        return outcome

    def review(self, t, review_weeks: int, step_down_draw) -> str | None:
        """The weekly review at the week's end: the discharge code if the client leaves, else None.

        Completion at the plan's end with attendance on track; off track, the plan is extended a
        review interval (up to the longest plan), and a client still off track at the longest
        plan moves on to standard OP.  At a review (every interval) a client on track past half
        the plan may step down early (`step_down_draw()` decides).
        """
        self.missed_last_week, self.missed = self.missed, 0
        on_track = self.held == 0 or self.attended >= t.completion_attendance * self.held
        weeks_done = self.week + 1
        if self.week_end >= self.plan_end - EPS:
            if on_track:
                return COMPLETED
            if self.plan_end >= self.max_end - EPS:
                self.early_step_down = True  # plan at its longest: on to standard OP
                return TRANSFERRED
            self.plan_end = min(self.plan_end + WEEK * review_weeks, self.max_end)
        elif weeks_done % review_weeks == 0 and on_track and self.week_end - self.admitted >= (
                self.plan_end - self.admitted) / 2 and step_down_draw():
            self.early_step_down = True  # progress enough to step down
            return TRANSFERRED
        return None
