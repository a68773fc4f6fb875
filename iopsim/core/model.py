"""The client journey through the program, as one SimPy process per client.

`Program.journey` reads as the path a clinician would describe: referral, intake call and
assessment, placement, the IOP waitlist, weekly treatment, step-down to standard outpatient,
aftercare, and relapse leading back to a new referral.  Staff, seats and calendar live in
their own modules; every draw comes from a named stream (see streams.py).
"""

from __future__ import annotations

import bisect
import gc
import math
from dataclasses import dataclass
from heapq import heappush
from types import SimpleNamespace
from typing import Generator

import numpy as np
import simpy
from pydantic import BaseModel

from iopsim.core.calendar import HOUR, Calendar, OpeningHours, share_whole_slots
from iopsim.core.clinic import AppointmentBook, Clinic
from iopsim.core.eventlog import EventLog
from iopsim.core.scenario import Scenario
from iopsim.core.seats import Admission, Seats
from iopsim.core.streams import AttendanceBeta, Exponential, Fixed, Streams, Weibull, cumulative

WEEK = 7.0
EPS = 1e-9  # times computed by different sums may differ by rounding: compare with this slack
STAGES = ("assessment", "waitlist", "iop", "op", "aftercare")
ATTEMPTS = ("attempt 1", "attempt 2")  # an assessment may be rebooked once
# IOP discharge codes, as TEDS records them
COMPLETED, TRANSFERRED, DROPPED_OUT, TERMINATED, OTHER = (
    "completed", "transferred", "dropped_out", "terminated", "other")
IOP_OUTCOMES = (COMPLETED, TRANSFERRED, DROPPED_OUT, TERMINATED, OTHER)


@dataclass(slots=True)
class Client:
    """A synthetic client: attributes drawn at referral, history carried into readmissions."""

    id: int
    source: str
    severity: str
    evening_only: bool
    co_occurring: bool
    relapse_threshold: float  # Exp(1): relapse comes when the cumulative hazard passes it
    patience: float  # Exp(1): days on the waitlist before giving up, in units of the mean patience
    attendance: float  # the chance of coming to each scheduled session
    plan_z: float  # standard normal: how much longer or shorter than typical this client's plans are
    episode: int = 1


class Program:
    """One replication's world: clock, calendar, staff, seats, streams and log."""

    def __init__(self, scenario: Scenario, seed=0) -> None:
        self.s = scenario = plain(scenario)  # read in the hot path, where a pydantic attribute costs 6x
        self.env = Clock()
        self.streams = Streams(seed)
        self.log = EventLog()
        self.end = scenario.run.warm_up_days + scenario.run.horizon_days
        self.calendar = Calendar(scenario.calendar.holidays)
        intake, staff, treat = scenario.intake, scenario.staff, scenario.treatment
        days = intake.open_days
        # fixed-length assessments: the week's hours as whole slots; otherwise equal daily hours
        daily = share_whole_slots(days, intake.assessor_hours_per_week, intake.assessment_hours) \
            if intake.assessment_duration == "fixed" else intake.assessor_hours_per_week / max(len(days), 1)
        self.assessors = Clinic(intake.assessors, OpeningHours(self.calendar, days, intake.open_hour, daily, self.end))
        weekdays = ("Mon", "Tue", "Wed", "Thu", "Fri")
        self.prescribers = AppointmentBook(
            OpeningHours(self.calendar, weekdays, 9.0, staff.prescriber_hours_per_week / 5, self.end),
            staff.prescribers, treat.medication_visit_hours * HOUR)
        # individual sessions: one afternoon slot on each open weekday, with the client's counsellor
        self.counselling_slots = OpeningHours(self.calendar, weekdays, 13.0, 4.0, self.end).openings
        self.seats = Seats(self.env, scenario, self.calendar, self.end)
        self.op = simpy.Resource(self.env, capacity=max(staff.op_counsellors * staff.op_caseload_cap, 1)) \
            if staff.op_counsellors else None
        self.assessment_length = (Exponential if intake.assessment_duration == "exponential" else Fixed)(
            intake.assessment_hours * HOUR)
        self.attendance = AttendanceBeta(treat.attendance_mean, treat.attendance_spread)
        self.after_completion = Weibull(scenario.relapse.after_completion.shape,
                                        scenario.relapse.after_completion.scale_days)
        self.after_dropout = Weibull(scenario.relapse.after_dropout.shape, scenario.relapse.after_dropout.scale_days)
        self._sources = cumulative(scenario.referrals.source_shares)
        self._severities = cumulative(scenario.referrals.severity_shares)
        self._after_relapse = cumulative(treat.relapse_outcome_shares)
        p = scenario.placement
        self._placement = {sev: (p.iop_share[sev], p.iop_share[sev] + p.higher_level_share[sev]) for sev in p.iop_share}
        self.walk_in = intake.mode == "walk_in"
        self.walk_in_show = show_probability(intake.show_curve, 0.0)
        self.intake_streams = self.streams["rebook"], self.streams["show"], self.streams["assessment_length"]
        self._placement_draws, self._higher_level = self.streams["placement"], self.streams["higher_level"]
        self.assessor_names = [f"assessor {k + 1}" for k in range(intake.assessors)]
        self.in_system = dict.fromkeys(STAGES, 0)  # clients in each stage of care right now

    # ------------------------------------------------------------------ running
    def run(self) -> "Program":
        """Run to the end.  The log's tuples would set off the cyclic garbage collector every few
        hundred rows, each pass walking the whole growing log: it waits until the run is over."""
        self.env.process(self.referrals())
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=self.end)
        finally:
            if collecting:
                gc.enable()
        return self

    def referrals(self) -> Generator:
        """A Poisson stream with a weekday profile and trend: counts per day, times within it."""
        r = self.s.referrals
        days = int(math.ceil(self.end))
        weights = r.weekday_weights
        per_day = r.per_week / sum(weights)
        rates = [max(per_day * weights[d % 7] * (1 + r.trend_per_year * d / 365), 0.0) for d in range(days)]
        gen = self.streams["referrals"].generator
        counts = gen.poisson(rates)
        times = sorted((d + u for d, n in enumerate(counts) for u in gen.random(n)))
        u = self.streams["attributes"].generator.random((len(times), 6)).T
        sources = np.array(self._sources[0])[np.searchsorted(self._sources[1], u[0], side="right")].tolist()
        severities = np.array(self._severities[0])[np.searchsorted(self._severities[1], u[1], side="right")].tolist()
        evening, co_occurring = (u[2] < r.evening_share).tolist(), (u[3] < r.co_occurring_share).tolist()
        # drawn per client at referral, so that a client's luck is the same in every scenario compared
        threshold, patience = (-np.log1p(-u[4])).tolist(), (-np.log1p(-u[5])).tolist()
        attendance = self.attendance.sample_many(self.streams["attendance_level"], len(times)).tolist()
        plan_z = self.streams["plan"].generator.standard_normal(len(times)).tolist()
        env, journey = self.env, self.journey
        k = 0
        # wake every few days and line up the arrivals until the next wake: about ten at a time,
        # so that few wakes are spent and the event queue stays short
        step = max(1, min(7, int(70 // max(r.per_week, 1e-9))))
        for wake in range(0, days, step):
            yield env.timeout(wake - env.now)
            while k < len(times) and times[k] < wake + step:
                Arrival(env, journey(Client(k + 1, sources[k], severities[k], evening[k], co_occurring[k],
                                            threshold[k], patience[k], attendance[k], plan_z[k])), times[k])
                k += 1

    # ------------------------------------------------------------------ journey
    def journey(self, c: Client) -> Generator:
        """One client's path through care, episode after episode, while they keep coming back."""
        comes_back, log, in_system = True, self.log.rows.append, self.in_system
        while comes_back:
            log((c.id, c.episode, self.env.now, "referral", "referral", c.source, c.severity, math.nan))
            in_system["assessment"] += 1
            if c.source == "step_down":
                placement = "iop"  # already assessed by the referring program: a shorter path
            else:
                assessed = yield from self.intake(c)
                placement = self.place(c) if assessed else "lost"
            in_system["assessment"] -= 1
            if placement == "lost":
                comes_back = yield from self.community(c, "assessment", "no_show")
                continue
            log((c.id, c.episode, self.env.now, "placed", "assessment", "", placement, math.nan))
            if placement == "higher":
                log((c.id, c.episode, self.env.now, "exit", "assessment", "", "higher_level", math.nan))
                comes_back = self.returns_from_higher_level() and (yield from self.higher_level(c))
            elif placement == "op":
                comes_back = yield from self.outpatient(c, days_in_iop=0.0)
            else:
                comes_back = yield from self.iop_episode(c)

    def intake(self, c: Client) -> Generator:
        """Book an assessment; the longer the wait, the less likely the client shows. One rebook.

        With walk-in assessment the client decides to come on the day (no booking delay to
        wear their resolve down) and waits at the clinic for the first free assessor.
        """
        intake, env, log, walk_in = self.s.intake, self.env, self.log.rows.append, self.walk_in
        rebook, show, length = self.intake_streams
        for attempt in ATTEMPTS:
            now = env.now
            if walk_in and self.walk_in_show < 1.0 and not show.random() < self.walk_in_show:
                log((c.id, c.episode, now, "no_show", "assessment", "", attempt, math.nan))
            else:
                duration = self.assessment_length.sample(length)
                start, who = self.assessors.book(now if walk_in else now + intake.booking_lead_days, duration)
                if start == math.inf:  # nobody to assess: the client waits past the end of the run
                    yield env.event()
                delay = start - now
                showed = walk_in or show.random() < show_probability(intake.show_curve, delay)
                log((c.id, c.episode, now, "assessment_booked", "assessment", "", attempt, delay))
                log((c.id, c.episode, start, "assessed" if showed else "no_show", "assessment",
                     self.assessor_names[who], attempt, duration / HOUR))
                if showed:
                    yield env.timeout(delay + duration)
                    return True
                yield env.timeout(delay)
            if attempt == ATTEMPTS[-1] or not rebook.chance(intake.rebook_probability):
                return False
        return False

    def place(self, c: Client) -> str:
        """Level of care by severity: IOP, a higher level (PHP / residential) or standard OP."""
        u = self._placement_draws.random()
        iop, iop_or_higher = self._placement[c.severity]
        return "iop" if u < iop else "higher" if u < iop_or_higher else "op"

    def returns_from_higher_level(self) -> bool:
        """Whether a client sent to PHP / residential comes back later as a step-down referral."""
        p = self.s.placement.higher_level_return_probability
        return p > 0 and self._higher_level.random() < p  # no draw where nothing is uncertain

    def higher_level(self, c: Client) -> Generator:
        """The stay at a higher level of care, then back as a step-down referral (if within the run)."""
        stay = self._higher_level.exponential(self.s.placement.higher_level_stay_days)
        if not (yield from self.later(stay)):
            return False
        self.new_episode(c, "step_down")
        return True

    def iop_episode(self, c: Client) -> Generator:
        """Waitlist, IOP, and what follows the IOP discharge."""
        admission = yield from self.waitlist(c)
        if admission is None:
            return (yield from self.community(c, "waitlist", "reneged"))
        outcome, retained, early_step_down = yield from self.iop(c, admission)
        if outcome == TRANSFERRED and not early_step_down:
            self.note(c, "exit", "iop", detail="stepped_up")
            return self.returns_from_higher_level() and (yield from self.higher_level(c))
        if outcome in (COMPLETED, TRANSFERRED):
            return (yield from self.outpatient(c, days_in_iop=retained))
        return (yield from self.community(c, "iop", outcome, retained))

    def waitlist(self, c: Client) -> Generator:
        """Wait for a seat in a track the client can attend, unless patience runs out first."""
        self.enter(c, "waitlist")
        self.note(c, "waitlist_join", "waitlist", resource="evening" if c.evening_only else "day")
        patience = c.patience * self.s.tracks.patience_mean_days
        admission = yield self.seats.join(c, c.evening_only, c.source == "step_down", patience).decided
        self.leave(c, "waitlist")
        if admission is None:
            self.note(c, "reneged", "waitlist")
            return None
        self.note(c, "admitted", "iop", resource=f"{admission.track.name} group {admission.group + 1}",
                  detail=f"counsellor {admission.counsellor + 1}",
                  at=admission.track.session_times[admission.session])
        return admission

    def iop(self, c: Client, a: Admission) -> Generator:
        """Hold a seat for the course of treatment, then free it for the next client.

        Returns (discharge code, days retained, whether a transfer was an early step-down).
        """
        self.enter(c, "iop")
        course = self.treatment_course(c, a, a.track.session_times[a.session])  # the session's exact time
        yield self.env.timeout(max(course.discharged - self.env.now, 0.0))
        self.seats.release(a)
        self.leave(c, "iop")
        self.note(c, "iop_discharge", "iop", resource=a.track.name, detail=course.outcome,
                  value=course.last_attended - course.admitted)
        return course.outcome, course.discharged - course.admitted, course.early_step_down

    def treatment_course(self, c: Client, a: Admission, admitted: float) -> "Course":
        """Draw the whole course of IOP treatment, week by week, from admission on.

        Each week's hazards hold steady within it: dropout (highest in the first weeks, falling
        as clients engage, and higher after a week with missed sessions), relapse (falling with
        the hours of treatment received) and other exits; each strikes when its cumulative hazard
        passes the client's own Exp(1) draw.  The client attends (or misses) the week's sessions
        up to then; a run of missed sessions ends in termination.  Plans are reviewed at the weekly
        team meeting nearest each review interval (every 4 weeks for 30 days): at the plan's end or
        a review the plan is completed, extended, or stepped down early.  Nothing else in the program
        can change a course once it has begun, so it is drawn in one go (and logged ahead of
        the clock) rather than woken every week.
        """
        t, s, log = self.s.treatment, self.streams, self.log.rows.append
        cid, episode = c.id, c.episode
        review_weeks = max(1, round(t.review_interval_days / WEEK))
        plan_end = admitted + WEEK * self.planned_weeks(c)
        max_end = admitted + WEEK * t.max_weeks
        p_attend = c.attendance
        attend, hazards = s["attendance"], s["treatment_hazards"]
        individual_draws = s["individual_sessions"].take((t.max_weeks + 1) * t.individual_sessions_per_week)
        offered = 0  # individual sessions offered so far
        # each risk strikes when its cumulative hazard uses up the client's own Exp(1) draw
        u = hazards.take(3)
        dropout_left, relapse_left, other_left = -math.log(1.0 - u[0]), -math.log(1.0 - u[1]), -math.log(1.0 - u[2])
        other_at = admitted + WEEK * other_left / t.other_weekly_hazard if t.other_weekly_hazard else math.inf
        next_meds = admitted if c.co_occurring and s["medication"].chance(t.medication_share) else math.inf
        next_individual = admitted + 1.0  # afternoons, from the day after admission
        track, times, i, slots = a.track, a.track.session_times, a.session, self.counselling_slots
        draws = attend.take(bisect.bisect_left(times, max_end) - i)  # one per session the plan could reach
        first, n_times, session_hours = i, len(times), track.hours
        group_name = f"{track.name} group {a.group + 1}"
        counsellor = f"counsellor {a.counsellor + 1}"
        individual_hours, individual_gap = t.individual_session_hours, WEEK / max(t.individual_sessions_per_week, 1)
        held = attended = in_a_row = missed = missed_last_week = week = 0
        hours = 0.0
        last_attended = now = admitted
        outcome = None
        early_step_down = False
        dropout_base, missed_factor, decline = (
            t.dropout_weekly_hazard, t.dropout_missed_multiplier, t.dropout_decline)
        relapse_base, halving, absences = t.relapse_weekly_hazard, t.relapse_halving_hours, t.terminate_after_absences
        while outcome is None:
            if now >= self.end:  # still in treatment when the run ends: the rest would never be seen
                return Course(None, admitted, math.inf, last_attended, False)
            week_end = admitted + WEEK * (week + 1)
            dropout = dropout_base * missed_factor ** missed_last_week * (week + 1) ** -decline
            relapse = relapse_base * 0.5 ** (hours / halving)
            stop, event = (other_at, OTHER) if other_at < week_end else (week_end, None)
            if dropout > 0 and now + WEEK * dropout_left / dropout < stop:
                stop, event = now + WEEK * dropout_left / dropout, DROPPED_OUT
            if relapse > 0 and now + WEEK * relapse_left / relapse < stop:
                stop, event = now + WEEK * relapse_left / relapse, "relapse"
            limit = stop - EPS  # a session at the very end of the week belongs to the next
            while i < n_times and times[i] < limit:
                held += 1
                if draws[i - first] < p_attend:
                    attended, in_a_row, last_attended = attended + 1, 0, times[i]
                    hours += session_hours
                    log((cid, episode, times[i], "group_attended", "iop", group_name, "", session_hours))
                else:
                    in_a_row, missed = in_a_row + 1, missed + 1
                    log((cid, episode, times[i], "group_missed", "iop", group_name, "", math.nan))
                    if in_a_row >= absences:
                        stop, event = times[i], TERMINATED
                        break
                i += 1
            while t.individual_sessions_per_week and next_individual < stop:
                k = bisect.bisect_left(slots, next_individual)
                when = slots[k] if k < len(slots) else math.inf
                if when >= stop:
                    break
                offered += 1
                if individual_draws[offered - 1] < p_attend:
                    hours += individual_hours
                    log((cid, episode, when, "individual_session", "iop", counsellor, "", individual_hours))
                next_individual = when + individual_gap
            if next_meds < stop:
                when = self.prescribers.book(next_meds)
                if when < stop:
                    log((cid, episode, when, "medication_review", "iop", "prescriber", "", t.medication_visit_hours))
                else:
                    self.prescribers.cancel(when)
                next_meds += WEEK * t.medication_interval_weeks
            dropout_left -= dropout * (stop - now) / WEEK
            relapse_left -= relapse * (stop - now) / WEEK
            now = stop
            if event in (TERMINATED, DROPPED_OUT, OTHER):
                outcome = event
                break
            if event == "relapse":
                relapse_left = -math.log(1.0 - hazards.random())  # the clock restarts for the next one
                after = s["relapse_in_treatment"].pick(*self._after_relapse)
                log((cid, episode, now, "relapse_in_treatment", "iop", "", after, math.nan))
                if after == "step_up":
                    outcome = TRANSFERRED
                elif after == "drop_out":
                    outcome = DROPPED_OUT
                else:
                    plan_end = min(plan_end + WEEK * t.relapse_extension_weeks, max_end)
                continue  # the rest of the week goes on
            week, missed_last_week, missed = week + 1, missed, 0
            on_track = held == 0 or attended >= t.completion_attendance * held
            if now >= plan_end - EPS:
                if on_track:
                    outcome = COMPLETED
                elif plan_end >= max_end - EPS:
                    outcome, early_step_down = TRANSFERRED, True  # plan at its longest: on to standard OP
                else:
                    plan_end = min(plan_end + WEEK * review_weeks, max_end)
            elif week % review_weeks == 0 and on_track and now - admitted >= (plan_end - admitted) / 2 \
                    and s["review"].chance(t.early_step_down_probability):  # progress enough to step down
                outcome, early_step_down = TRANSFERRED, True
        return Course(outcome, admitted, now, last_attended, early_step_down)

    def planned_weeks(self, c: Client) -> int:
        """This client's plan: the typical length for their severity, varied log-normally."""
        t = self.s.treatment
        spread = math.exp(t.plan_spread * c.plan_z)
        return min(max(round(t.planned_weeks[c.severity] * spread), 1), t.max_weeks)

    def outpatient(self, c: Client, days_in_iop: float) -> Generator:
        """Standard outpatient (waiting while caseloads are full), then aftercare, then discharge.

        Relapse risk from here on follows the curve of a client who finished, set by the IOP days
        received, lowered by the dose and, while it lasts, by continuing care (standard outpatient,
        then aftercare).
        """
        so, ac = self.s.step_down, self.s.aftercare
        dose = self.dose_effect(days_in_iop)
        clock = RelapseClock(self.relapse_curve(days_in_iop, finished=True), c.relapse_threshold, self.env.now)
        uptake = self.streams["step_down"]
        if self.op is not None and uptake.chance(so.uptake):
            self.enter(c, "op")
            self.note(c, "op_waitlist_join", "op")
            request = self.op.request()
            if not (yield from self.unless_relapse(clock, request, dose)):
                request.cancel()
                return (yield from self.relapse_in_care(c, "op", clock, None, 0.0))
            self.note(c, "op_start", "op")
            started = self.env.now
            finished = yield from self.days_unless_relapse(clock, WEEK * so.weeks, dose * ac.hazard_multiplier)
            self.op.release(request)
            self.outpatient_sessions(c, started)
            if not finished:
                return (yield from self.relapse_in_care(c, "op", clock, "op_end", started))
            self.note(c, "op_end", "op", value=self.env.now - started)
            self.leave(c, "op")
        if uptake.chance(ac.uptake):
            self.enter(c, "aftercare")
            self.note(c, "aftercare_start", "aftercare")
            started = self.env.now
            finished = yield from self.days_unless_relapse(clock, ac.days, dose * ac.hazard_multiplier)
            if not finished:
                return (yield from self.relapse_in_care(c, "aftercare", clock, "aftercare_end", started))
            self.note(c, "aftercare_end", "aftercare", value=self.env.now - started)
            self.leave(c, "aftercare")
        self.note(c, "exit", "discharged", detail="discharged")
        return (yield from self.relapse_and_return(c, clock, dose))

    def outpatient_sessions(self, c: Client, started: float) -> None:
        """Log the outpatient sessions held since `started`: weekday afternoons, some missed."""
        so, slots, now = self.s.step_down, self.counselling_slots, self.env.now
        gap, draws, when = WEEK / so.sessions_per_week, self.streams["op_sessions"], started
        while True:
            k = bisect.bisect_left(slots, when)
            if k == len(slots) or slots[k] >= now:
                return
            when = slots[k]
            if draws.random() < so.no_show:
                self.note(c, "op_no_show", "op", "op counsellor", "", so.session_hours, when)
            else:
                self.note(c, "op_session", "op", "op counsellor", "", so.session_hours, when)
            when += gap

    def community(self, c: Client, stage: str, reason: str, days_in_iop: float = 0.0) -> Generator:
        """Leave care before finishing it (or untreated); relapse may follow, and with it a new referral."""
        self.note(c, "exit", stage, detail=reason)
        clock = RelapseClock(self.relapse_curve(days_in_iop, finished=False), c.relapse_threshold, self.env.now)
        return (yield from self.relapse_and_return(c, clock, self.dose_effect(days_in_iop)))

    def relapse_curve(self, days_in_iop: float, finished: bool) -> Weibull:
        """The relapse curve after IOP, from the dropouts' (untreated) to the completers' (full dose).

        Time in treatment counts for everyone, whether or not they finished: the days retained move a
        client along, all the way at dose_days, and finishing the plan earns completion_credit of the
        way at once.  Between the ends, shape and log-scale move in a straight line.
        """
        rel = self.s.relapse
        retained = min(days_in_iop / rel.dose_days, 1.0)
        w = rel.completion_credit + (1.0 - rel.completion_credit) * retained if finished else retained
        a, b = self.after_dropout, self.after_completion
        if w == 0:
            return a
        if w == 1:
            return b
        return Weibull(a.shape + w * (b.shape - a.shape), a.scale ** (1.0 - w) * b.scale ** w)

    def dose_effect(self, days_in_iop: float) -> float:
        """Relapse hazard multiplier for the treatment received: full effect from dose_days on,
        graded (log-linearly) below, so every week in IOP counts."""
        rel = self.s.relapse
        return rel.dose_multiplier ** min(days_in_iop / rel.dose_days, 1.0)

    def relapse_in_care(self, c: Client, stage: str, clock: "RelapseClock", ending: str | None,
                        started: float) -> Generator:
        """A relapse while in step-down care or aftercare ends that care and the episode."""
        self.note(c, "relapse", stage, value=self.env.now - clock.start)
        if ending:
            self.note(c, ending, stage, value=self.env.now - started)
        self.note(c, "exit", stage, detail="relapsed")
        self.leave(c, stage)
        return (yield from self.readmission(c))

    def relapse_and_return(self, c: Client, clock: "RelapseClock", multiplier: float) -> Generator:
        if not (yield from self.later(clock.deadline(self.env.now, multiplier) - self.env.now)):
            return False
        self.note(c, "relapse", "community", value=self.env.now - clock.start)
        return (yield from self.readmission(c))

    def unless_relapse(self, clock: "RelapseClock", event: simpy.Event, multiplier: float) -> Generator:
        """Wait for `event` (a place coming free) unless relapse comes first; True if the event came first."""
        if not event.triggered:
            relapse = self.env.timeout(clock.deadline(self.env.now, multiplier) - self.env.now)
            yield event | relapse
            clock.advance(self.env.now, multiplier)
        return event.triggered

    def days_unless_relapse(self, clock: "RelapseClock", days: float, multiplier: float) -> Generator:
        """Spend `days` in a stage unless relapse comes first; True if the stage was finished."""
        now = self.env.now
        relapse = clock.deadline(now, multiplier)
        yield self.env.timeout(min(days, relapse - now))
        clock.advance(self.env.now, multiplier)
        return days <= relapse - now

    def readmission(self, c: Client) -> Generator:
        """After a relapse, a new referral with probability, after a delay; history carries on."""
        rel = self.s.relapse
        stream = self.streams["readmission"]
        if not stream.chance(rel.readmission_probability):
            return False
        if not (yield from self.later(stream.exponential(rel.readmission_delay_mean_days))):
            return False
        self.new_episode(c, "readmission")
        return True

    def new_episode(self, c: Client, source: str) -> None:
        """The same client back for another episode, with fresh draws for what is yet to come."""
        u = self.streams["episode_draws"].take(2)
        c.source, c.episode = source, c.episode + 1
        c.relapse_threshold, c.patience = -math.log(1.0 - u[0]), -math.log(1.0 - u[1])

    def later(self, delay: float) -> Generator:
        """Wait `delay` days; False, without waiting, when that falls after the run ends."""
        if self.env.now + delay >= self.end:
            return False
        yield self.env.timeout(delay)
        return True

    # ------------------------------------------------------------------ bookkeeping
    def note(self, c: Client, event: str, stage: str, resource: str = "", detail: str = "",
             value: float = math.nan, at: float | None = None) -> None:
        self.log.rows.append((c.id, c.episode, self.env.now if at is None else at, event, stage, resource, detail, value))

    def enter(self, c: Client, stage: str) -> None:
        self.in_system[stage] += 1

    def leave(self, c: Client, stage: str) -> None:
        self.in_system[stage] -= 1


class Clock(simpy.Environment):
    """SimPy's environment, less one event per client.

    SimPy schedules the end of every process as an event, so that others can wait for it; nobody
    waits for a client's journey to end, and those events are a tenth of a default run's (a third
    of the M/M/c configuration's, where clients leave after assessment).
    A journey that failed is still scheduled, so that its error is raised.
    """

    def schedule(self, event, priority=simpy.core.NORMAL, delay=0) -> None:
        if type(event) is not Arrival or event.callbacks or not event._ok:
            heappush(self._queue, (self._now + delay, priority, next(self._eid), event))


class Arrival(simpy.Process):
    """A client's process that takes its first step at the arrival time.

    `env.process` after a timeout costs two SimPy events per referral; starting the generator
    from the arrival timeout itself costs one, and referrals are most of a run's events.
    """

    def __init__(self, env: simpy.Environment, generator: Generator, at: float) -> None:
        self.env = env
        self.callbacks = []
        self._generator = generator
        self._target = env.timeout(at - env.now)
        self._target.callbacks.append(self._resume)


@dataclass(slots=True)
class Course:
    """How a course of IOP treatment went: outcome and the times that define its length.

    A course still running when the run ends has no outcome and is discharged at infinity.
    """

    outcome: str | None
    admitted: float
    discharged: float
    last_attended: float
    early_step_down: bool


def plain(model):
    """A validated scenario as plain namespaces: the same values, quicker to read."""
    if isinstance(model, BaseModel):
        return SimpleNamespace(**{name: plain(value) for name, value in model.__dict__.items()})
    if isinstance(model, tuple):
        return tuple(plain(value) for value in model)
    return model


class RelapseClock:
    """Time to relapse after discharge with a hazard multiplier that changes by stage.

    A client's relapse comes when the Weibull cumulative hazard, scaled by the multiplier of
    each stretch (aftercare, treatment dose), reaches their own Exp(1) draw.
    """

    __slots__ = ("curve", "target", "start", "_t", "_h")

    def __init__(self, curve: Weibull, target: float, start: float) -> None:
        self.curve, self.target, self.start = curve, target, start
        self._t, self._h = 0.0, 0.0

    def deadline(self, now: float, multiplier: float) -> float:
        """When relapse comes if the multiplier stays as it is from now on."""
        self.advance(now, multiplier)
        base = self.curve.cumulative_hazard(self._t)
        return self.start + self.curve.time_at_hazard(base + max(self.target - self._h, 0.0) / multiplier)

    def advance(self, now: float, multiplier: float) -> None:
        t = now - self.start
        if t > self._t:
            self._h += multiplier * (self.curve.cumulative_hazard(t) - self.curve.cumulative_hazard(self._t))
            self._t = t


def show_probability(curve: tuple[tuple[float, float], ...], delay: float) -> float:
    """Chance of showing up after `delay` days, straight lines between the curve's points, flat beyond."""
    previous_day, previous_p = curve[0]
    if delay <= previous_day:
        return previous_p
    for day, p in curve:
        if delay <= day:
            return previous_p + (p - previous_p) * (delay - previous_day) / (day - previous_day)
        previous_day, previous_p = day, p
    return previous_p
