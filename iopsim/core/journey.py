"""The client journey through the program, from placement on, episode after episode.

The front desk (intake.py) takes the referral and holds the assessment; `Journey.placed` then
sends the client on: the IOP waitlist and treatment (held by the timetable), step-down to
standard outpatient, aftercare, a higher level of care, and relapse leading back to a new
referral.  A client waiting for an outpatient place (a SimPy Resource) is a SimPy process;
where the clinic decides (admission, discharge) it calls the next step, and where only the
clock matters (relapse in the community, the delay before coming back) a timer does.  The
places and staff live in the world (world.py); every draw comes from a named stream.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Generator

import simpy

from iopsim.core.intake import FrontDesk
from iopsim.core.relapse import RelapseClock
from iopsim.core.treatment import COMPLETED, TRANSFERRED, WEEK, Stay
from iopsim.core.world import World


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
        self.higher_level_draws = self.streams["higher_level"]
        self.desk = FrontDesk(self.env, self.s, self.streams, world.log.rows, self.in_system, world.assessors,
                              self.placed)

    def placed(self, c: Client, placement: str) -> None:
        """The intake is over: on to the IOP waitlist, standard OP, a higher level of care, or
        (not assessed) back to the community."""
        if placement == "lost":
            self.community(c, "assessment", "no_show")
            return
        now = self.env.now
        self.log((c.id, c.episode, now, "placed", "assessment", "", placement, math.nan))
        if placement == "higher":
            self.log((c.id, c.episode, now, "exit", "assessment", "", "higher_level", math.nan))
            self.higher_level(c)
        elif placement == "op":
            self.env.process(self.outpatient(c, days_in_iop=0.0))
        else:
            self.waitlist(c)

    def higher_level(self, c: Client) -> None:
        """A stay at a higher level of care (PHP / residential); some come back as step-down referrals."""
        p = self.s.placement.higher_level_return_probability
        if p > 0 and self.higher_level_draws.random() < p:  # no draw where nothing is uncertain
            stay = self.higher_level_draws.exponential(self.s.placement.higher_level_stay_days)
            self.after(stay, lambda: self.back(c, "step_down"))

    # ------------------------------------------------------------------ IOP
    def waitlist(self, c: Client) -> None:
        """Wait for a seat in a track the client can attend, unless patience runs out first."""
        self.in_system["waitlist"] += 1
        self.note(c, "waitlist_join", "waitlist", resource="evening" if c.evening_only else "day")
        patience = c.patience * self.s.tracks.patience_mean_days
        self.w.seats.join(c, c.evening_only, c.source == "step_down", patience, lambda stay: self.decided(c, stay))

    def decided(self, c: Client, stay: Stay | None) -> None:
        """Admitted (the timetable holds the sessions from now) or gave up waiting."""
        self.in_system["waitlist"] -= 1
        if stay is None:
            self.note(c, "reneged", "waitlist")
            self.community(c, "waitlist", "reneged")
            return
        self.in_system["iop"] += 1
        stay.on_discharge = lambda outcome: self.discharged(c, stay, outcome)

    def discharged(self, c: Client, stay: Stay, outcome: str) -> None:
        """What follows the IOP discharge: standard OP after finishing or an early step-down, a
        higher level of care after a step-up, the community otherwise."""
        self.in_system["iop"] -= 1
        retained = self.env.now - stay.admitted
        if outcome == TRANSFERRED and not stay.early_step_down:
            self.note(c, "exit", "iop", detail="stepped_up")
            self.higher_level(c)
        elif outcome in (COMPLETED, TRANSFERRED):
            self.env.process(self.outpatient(c, days_in_iop=retained))
        else:
            self.community(c, "iop", outcome, retained)

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
                self.relapse_in_care(c, "op", clock, None, 0.0)
                return
            self.note(c, "op_start", "op")
            started = self.env.now
            finished = yield from self.days_unless_relapse(clock, WEEK * so.weeks, dose * ac.hazard_multiplier)
            op.release(request)
            self.outpatient_sessions(c, started)
            if not finished:
                self.relapse_in_care(c, "op", clock, "op_end", started)
                return
            self.note(c, "op_end", "op", value=self.env.now - started)
            self.in_system["op"] -= 1
        if uptake.chance(ac.uptake):
            self.in_system["aftercare"] += 1
            self.note(c, "aftercare_start", "aftercare")
            started = self.env.now
            finished = yield from self.days_unless_relapse(clock, ac.days, dose * ac.hazard_multiplier)
            if not finished:
                self.relapse_in_care(c, "aftercare", clock, "aftercare_end", started)
                return
            self.note(c, "aftercare_end", "aftercare", value=self.env.now - started)
            self.in_system["aftercare"] -= 1
        self.note(c, "exit", "discharged", detail="discharged")
        self.relapse_later(c, clock, dose)

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

    def community(self, c: Client, stage: str, reason: str, days_in_iop: float = 0.0) -> None:
        """Leave care before finishing it (or untreated); relapse may follow, and with it a new referral."""
        self.note(c, "exit", stage, detail=reason)
        clock = RelapseClock(self.w.relapse.after(days_in_iop, finished=False), c.relapse_threshold, self.env.now)
        self.relapse_later(c, clock, self.w.relapse.dose_effect(days_in_iop))

    # ------------------------------------------------------------------ relapse and return
    def relapse_in_care(self, c: Client, stage: str, clock: RelapseClock, ending: str | None,
                        started: float) -> None:
        """A relapse while in step-down care or aftercare ends that care and the episode."""
        self.note(c, "relapse", stage, value=self.env.now - clock.start)
        if ending:
            self.note(c, ending, stage, value=self.env.now - started)
        self.note(c, "exit", stage, detail="relapsed")
        self.in_system[stage] -= 1
        self.readmission(c)

    def relapse_later(self, c: Client, clock: RelapseClock, multiplier: float) -> None:
        """Out of care: the relapse comes when the client's clock says (if within the run)."""
        self.after(clock.deadline(self.env.now, multiplier) - self.env.now, lambda: self.relapse(c, clock))

    def relapse(self, c: Client, clock: RelapseClock) -> None:
        self.note(c, "relapse", "community", value=self.env.now - clock.start)
        self.readmission(c)

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

    def readmission(self, c: Client) -> None:
        """After a relapse, a new referral with probability, after a delay; history carries on."""
        rel = self.s.relapse
        stream = self.streams["readmission"]
        if stream.chance(rel.readmission_probability):
            self.after(stream.exponential(rel.readmission_delay_mean_days), lambda: self.back(c, "readmission"))

    def back(self, c: Client, source: str) -> None:
        """The same client referred again, with fresh draws for what is yet to come."""
        u = self.streams["episode_draws"].take(2)
        c.source, c.episode = source, c.episode + 1
        c.relapse_threshold, c.patience = -math.log(1.0 - u[0]), -math.log(1.0 - u[1])
        self.desk.refer(c)

    def after(self, delay: float, then) -> None:
        """Call `then()` in `delay` days, unless that falls after the run ends (nothing else waits
        for it: a timer, not a process)."""
        if self.env.now + delay < self.w.end:
            self.env.timeout(delay).callbacks.append(lambda _: then())
