"""The client journey through the program, as one SimPy process per client.

`Journey.journey` reads as the path a clinician would describe: referral, intake call and
assessment, placement, the IOP waitlist, treatment (held by the timetable), step-down to
standard outpatient, aftercare, and relapse leading back to a new referral.  The places and
staff live in the world (world.py); every draw comes from a named stream (see streams.py).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Generator

import simpy

from iopsim.core.calendar import HOUR
from iopsim.core.relapse import RelapseClock
from iopsim.core.treatment import COMPLETED, TRANSFERRED, WEEK, Stay
from iopsim.core.world import World

ATTEMPTS = ("attempt 1", "attempt 2")  # an assessment may be rebooked once


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


class Journey:
    """The path of every client through one world, episode after episode."""

    def __init__(self, world: World) -> None:
        self.w, self.env, self.s, self.streams = world, world.env, world.s, world.streams
        self.note, self.in_system, self.log = world.note, world.in_system, world.log.rows.append
        self.book_assessment, self.assessment_length = world.assessors.book, world.assessment_length.sample
        self.assessor_names = world.assessor_names
        intake, p = self.s.intake, self.s.placement
        self.walk_in = intake.mode == "walk_in"
        self.walk_in_show = show_probability(intake.show_curve, 0.0)
        self.intake_streams = self.streams["rebook"], self.streams["show"], self.streams["assessment_length"]
        self.placement_draws, self.higher_level_draws = self.streams["placement"], self.streams["higher_level"]
        self.placement = {sev: (p.iop_share[sev], p.iop_share[sev] + p.higher_level_share[sev]) for sev in p.iop_share}

    def journey(self, c: Client) -> Generator:
        """One client's path through care, episode after episode, while they keep coming back."""
        comes_back, log, in_system, env = True, self.log, self.in_system, self.env
        while comes_back:
            log((c.id, c.episode, env.now, "referral", "referral", c.source, c.severity, math.nan))
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
            now = env.now
            log((c.id, c.episode, now, "placed", "assessment", "", placement, math.nan))
            if placement == "higher":
                log((c.id, c.episode, now, "exit", "assessment", "", "higher_level", math.nan))
                comes_back = self.returns_from_higher_level() and (yield from self.higher_level(c))
            elif placement == "op":
                comes_back = yield from self.outpatient(c, days_in_iop=0.0)
            else:
                comes_back = yield from self.iop_episode(c)

    # ------------------------------------------------------------------ intake and placement
    def intake(self, c: Client) -> Generator:
        """Book an assessment; the longer the wait, the less likely the client shows. One rebook.

        With walk-in assessment the client decides to come on the day (no booking delay to
        wear their resolve down) and waits at the clinic for the first free assessor.  An
        assessment is logged when it ends, with the time it began.
        """
        intake, env, log, walk_in = self.s.intake, self.env, self.log, self.walk_in
        rebook, show, length = self.intake_streams
        for attempt in ATTEMPTS:
            now = env.now
            if walk_in and self.walk_in_show < 1.0 and not show.random() < self.walk_in_show:
                log((c.id, c.episode, now, "no_show", "assessment", "", attempt, math.nan))
            else:
                duration = self.assessment_length(length)
                start, who = self.book_assessment(now if walk_in else now + intake.booking_lead_days, duration)
                if start == math.inf:  # nobody to assess: the client waits past the end of the run
                    yield env.event()
                delay = start - now
                showed = walk_in or show.random() < show_probability(intake.show_curve, delay)
                log((c.id, c.episode, now, "assessment_booked", "assessment", "", attempt, delay))
                if showed:
                    yield env.timeout(delay + duration)
                    log((c.id, c.episode, start, "assessed", "assessment", self.assessor_names[who], attempt,
                         duration / HOUR))
                    return True
                yield env.timeout(delay)
                log((c.id, c.episode, start, "no_show", "assessment", self.assessor_names[who], attempt,
                     duration / HOUR))
            if attempt == ATTEMPTS[-1] or not rebook.chance(intake.rebook_probability):
                return False
        return False

    def place(self, c: Client) -> str:
        """Level of care by severity: IOP, a higher level (PHP / residential) or standard OP."""
        u = self.placement_draws.random()
        iop, iop_or_higher = self.placement[c.severity]
        return "iop" if u < iop else "higher" if u < iop_or_higher else "op"

    def returns_from_higher_level(self) -> bool:
        """Whether a client sent to PHP / residential comes back later as a step-down referral."""
        p = self.s.placement.higher_level_return_probability
        return p > 0 and self.higher_level_draws.random() < p  # no draw where nothing is uncertain

    def higher_level(self, c: Client) -> Generator:
        """The stay at a higher level of care, then back as a step-down referral (if within the run)."""
        stay = self.higher_level_draws.exponential(self.s.placement.higher_level_stay_days)
        if not (yield from self.later(stay)):
            return False
        self.new_episode(c, "step_down")
        return True

    # ------------------------------------------------------------------ IOP
    def iop_episode(self, c: Client) -> Generator:
        """Waitlist, IOP (the timetable holds the sessions), and what follows the IOP discharge."""
        stay = yield from self.waitlist(c)
        if stay is None:
            return (yield from self.community(c, "waitlist", "reneged"))
        self.in_system["iop"] += 1
        outcome = yield stay.discharged
        self.in_system["iop"] -= 1
        retained = self.env.now - stay.admitted
        if outcome == TRANSFERRED and not stay.early_step_down:
            self.note(c, "exit", "iop", detail="stepped_up")
            return self.returns_from_higher_level() and (yield from self.higher_level(c))
        if outcome in (COMPLETED, TRANSFERRED):
            return (yield from self.outpatient(c, days_in_iop=retained))
        return (yield from self.community(c, "iop", outcome, retained))

    def waitlist(self, c: Client) -> Generator:
        """Wait for a seat in a track the client can attend, unless patience runs out first."""
        self.in_system["waitlist"] += 1
        self.note(c, "waitlist_join", "waitlist", resource="evening" if c.evening_only else "day")
        patience = c.patience * self.s.tracks.patience_mean_days
        stay: Stay | None = yield self.w.seats.join(c, c.evening_only, c.source == "step_down", patience).decided
        self.in_system["waitlist"] -= 1
        if stay is None:
            self.note(c, "reneged", "waitlist")
        return stay

    # ------------------------------------------------------------------ after IOP
    def outpatient(self, c: Client, days_in_iop: float) -> Generator:
        """Standard outpatient (waiting while caseloads are full), then aftercare, then discharge.

        Relapse risk from here on follows the curve of a client who finished, set by the IOP days
        received, lowered by the dose and, while it lasts, by continuing care (standard outpatient,
        then aftercare).
        """
        so, ac, op = self.s.step_down, self.s.aftercare, self.w.op
        dose = self.w.relapse.dose_effect(days_in_iop)
        clock = RelapseClock(self.w.relapse.after(days_in_iop, finished=True), c.relapse_threshold, self.env.now)
        uptake = self.streams["step_down"]
        if op is not None and uptake.chance(so.uptake):
            self.in_system["op"] += 1
            self.note(c, "op_waitlist_join", "op")
            request = op.request()
            if not (yield from self.unless_relapse(clock, request, dose)):
                request.cancel()
                return (yield from self.relapse_in_care(c, "op", clock, None, 0.0))
            self.note(c, "op_start", "op")
            started = self.env.now
            finished = yield from self.days_unless_relapse(clock, WEEK * so.weeks, dose * ac.hazard_multiplier)
            op.release(request)
            self.outpatient_sessions(c, started)
            if not finished:
                return (yield from self.relapse_in_care(c, "op", clock, "op_end", started))
            self.note(c, "op_end", "op", value=self.env.now - started)
            self.in_system["op"] -= 1
        if uptake.chance(ac.uptake):
            self.in_system["aftercare"] += 1
            self.note(c, "aftercare_start", "aftercare")
            started = self.env.now
            finished = yield from self.days_unless_relapse(clock, ac.days, dose * ac.hazard_multiplier)
            if not finished:
                return (yield from self.relapse_in_care(c, "aftercare", clock, "aftercare_end", started))
            self.note(c, "aftercare_end", "aftercare", value=self.env.now - started)
            self.in_system["aftercare"] -= 1
        self.note(c, "exit", "discharged", detail="discharged")
        return (yield from self.relapse_and_return(c, clock, dose))

    def outpatient_sessions(self, c: Client, started: float) -> None:
        """Log the outpatient sessions held since `started`: weekday afternoons, some missed."""
        so, slots, now = self.s.step_down, self.w.counselling_slots, self.env.now
        gap, draws, when = WEEK / so.sessions_per_week, self.streams["op_sessions"], started
        while True:
            k = bisect.bisect_left(slots, when)
            if k == len(slots) or slots[k] >= now:
                return
            when = slots[k]
            event = "op_no_show" if draws.random() < so.no_show else "op_session"
            self.note(c, event, "op", "op counsellor", "", so.session_hours, when)
            when += gap

    def community(self, c: Client, stage: str, reason: str, days_in_iop: float = 0.0) -> Generator:
        """Leave care before finishing it (or untreated); relapse may follow, and with it a new referral."""
        self.note(c, "exit", stage, detail=reason)
        clock = RelapseClock(self.w.relapse.after(days_in_iop, finished=False), c.relapse_threshold, self.env.now)
        return (yield from self.relapse_and_return(c, clock, self.w.relapse.dose_effect(days_in_iop)))

    # ------------------------------------------------------------------ relapse and return
    def relapse_in_care(self, c: Client, stage: str, clock: RelapseClock, ending: str | None,
                        started: float) -> Generator:
        """A relapse while in step-down care or aftercare ends that care and the episode."""
        self.note(c, "relapse", stage, value=self.env.now - clock.start)
        if ending:
            self.note(c, ending, stage, value=self.env.now - started)
        self.note(c, "exit", stage, detail="relapsed")
        self.in_system[stage] -= 1
        return (yield from self.readmission(c))

    def relapse_and_return(self, c: Client, clock: RelapseClock, multiplier: float) -> Generator:
        if not (yield from self.later(clock.deadline(self.env.now, multiplier) - self.env.now)):
            return False
        self.note(c, "relapse", "community", value=self.env.now - clock.start)
        return (yield from self.readmission(c))

    def unless_relapse(self, clock: RelapseClock, event: simpy.Event, multiplier: float) -> Generator:
        """Wait for `event` (a place coming free) unless relapse comes first; True if the event came first."""
        if not event.triggered:
            relapse = self.env.timeout(clock.deadline(self.env.now, multiplier) - self.env.now)
            yield event | relapse
            clock.advance(self.env.now, multiplier)
        return event.triggered

    def days_unless_relapse(self, clock: RelapseClock, days: float, multiplier: float) -> Generator:
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
        if self.env.now + delay >= self.w.end:
            return False
        yield self.env.timeout(delay)
        return True


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
