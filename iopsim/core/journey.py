"""The client journey and the recovery cycle, episode after episode.

The front desk (intake.py) takes the referral and holds the assessment; `Journey.placed` then
sends the client on: the IOP waitlist and treatment (held by the timetable), step-down to
standard outpatient, aftercare, a higher level of care.  After any exit the client is back in
the community, either *abstinent* (after treatment, or abstinent when referred) with a relapse
clock running on the curve their episode earned, or *using*: never abstinent, or relapsed.  A
spell of use may end in a new request for treatment, and the client comes back carrying their
history.  Only an abstinent client can relapse; nobody "relapses" who never stopped.

A client waiting for an outpatient place (a SimPy Resource) is a SimPy process; where the
clinic decides (admission, discharge) it calls the next step, and where only the clock
matters (relapse, the delay before asking again) a timer does.  Every draw is the client's own
(client.py).
"""

from __future__ import annotations

import bisect
import math
from typing import Generator

import simpy

from iopsim.core.client import ABSTINENT, IN_TREATMENT, USING, Client, EpisodeDraws, OneOffDraws
from iopsim.core.intake import FrontDesk
from iopsim.core.relapse import RelapseClock
from iopsim.core.seats import Waiter
from iopsim.core.treatment import COMPLETED, TRANSFERRED, WEEK, Stay
from iopsim.core.world import World


class Journey:
    """The path of every client through one world, episode after episode."""

    def __init__(self, world: World) -> None:
        self.w, self.env, self.s, self.streams = world, world.env, world.s, world.streams
        self.note, self.in_system = world.note, world.in_system
        self.desk = FrontDesk(self.env, self.s, self.streams, world.log, self.in_system, world.assessors,
                              self.placed)
        self.one_offs: OneOffDraws | None = None  # set when the run's referrals are known (program.py)

    def begin(self, c: Client) -> None:
        """A new episode: the client's own random numbers for it, then the front desk."""
        c.draws = EpisodeDraws(self.one_offs.row(c.id, c.episode), self.streams.episode_seed(c.id, c.episode))
        self.desk.refer(c)

    def placed(self, c: Client, placement: str) -> None:
        """The intake is over: on to the IOP waitlist, standard OP, a higher level of care, or
        (not assessed) back to the community."""
        if placement == "lost":
            self.out_of_care(c, "assessment", "no_show")
            return
        self.note(c, "placed", "assessment", detail=placement)
        if placement == "higher":
            self.end_episode(c, "assessment", "higher_level")
            self.higher_level(c)
        elif placement == "op":
            self.env.process(self.outpatient(c, days_in_iop=0.0))
        else:
            self.waitlist(c)

    def higher_level(self, c: Client) -> None:
        """A stay at a higher level of care (PHP / residential); some come back as step-down referrals."""
        p = self.s.placement
        if c.draws["higher_level"] < p.higher_level_return_probability:
            stay = -p.higher_level_stay_days * math.log(1.0 - c.draws["higher_level_stay"])
            self.after(stay, lambda: self.back(c, "step_down", ABSTINENT))

    # ------------------------------------------------------------------ IOP
    def waitlist(self, c: Client) -> None:
        """Wait for a seat in a track the client can attend, unless patience runs out first.

        An abstinent client may relapse while waiting: on the untreated curve, or, stepping down
        from a higher level of care they finished, on the curve of a client who finished with no
        IOP days.  The same clock runs on if they give up waiting.
        """
        self.in_system["waitlist"] += 1
        self.note(c, "waitlist_join", "waitlist", resource="evening" if c.evening_only else "day")
        patience = c.draws.exp1("patience") * self.s.tracks.patience_mean_days
        clock = None
        if c.state == ABSTINENT:
            curve = self.w.relapse.after(0.0, finished=c.source == "step_down")
            clock = RelapseClock(curve, c.draws.exp1("relapse_waiting"), self.env.now)
        waiter = self.w.seats.join(c, c.evening_only, c.source == "step_down", patience,
                                   lambda stay: self.decided(c, stay, clock))
        if clock is not None:
            self.after(clock.deadline(self.env.now, 1.0) - self.env.now,
                       lambda: self.relapse_waiting(c, waiter, clock))

    def relapse_waiting(self, c: Client, waiter: Waiter, clock: RelapseClock) -> None:
        """A relapse on the waitlist: some stay on it, the others give up on treatment for now."""
        if not waiter.waiting:
            return
        self.note(c, "relapse", "waitlist", value=self.env.now - clock.start)
        c.state = USING
        if c.draws.random() < self.s.relapse.leave_waitlist_after_relapse:
            self.w.seats.withdraw(waiter)
            self.in_system["waitlist"] -= 1
            self.end_episode(c, "waitlist", "relapsed")
            self.using(c)

    def decided(self, c: Client, stay: Stay | None, clock: RelapseClock | None) -> None:
        """Admitted (the timetable holds the sessions from now) or gave up waiting."""
        self.in_system["waitlist"] -= 1
        if stay is None:
            self.note(c, "reneged", "waitlist")
            self.out_of_care(c, "waitlist", "reneged", clock=clock)
            return
        c.state = IN_TREATMENT
        self.in_system["iop"] += 1
        stay.on_discharge = lambda outcome: self.discharged(c, stay, outcome)

    def discharged(self, c: Client, stay: Stay, outcome: str) -> None:
        """What follows the IOP discharge: standard OP after finishing or an early step-down, a
        higher level of care after a step-up, the community otherwise (abstinent, unless the
        client left straight after a relapse)."""
        self.in_system["iop"] -= 1
        retained = self.env.now - stay.admitted
        if outcome == TRANSFERRED and not stay.early_step_down:
            self.end_episode(c, "iop", "stepped_up")
            self.higher_level(c)
        elif outcome in (COMPLETED, TRANSFERRED):
            self.env.process(self.outpatient(c, days_in_iop=retained))
        else:
            c.state = USING if stay.left_using else ABSTINENT
            self.out_of_care(c, "iop", outcome, retained)

    # ------------------------------------------------------------------ after IOP
    def outpatient(self, c: Client, days_in_iop: float) -> Generator:
        """Standard outpatient (waiting while caseloads are full), then aftercare, then discharge.

        Relapse risk from here on follows the curve of a client who finished, set by the IOP days
        received, lowered by the dose and, while it lasts, by continuing care (standard outpatient,
        then aftercare).
        """
        so, ac, op = self.s.step_down, self.s.aftercare, self.w.op
        c.state = ABSTINENT
        dose = self.w.relapse.dose_effect(days_in_iop)
        clock = RelapseClock(self.w.relapse.after(days_in_iop, finished=True), c.draws.exp1("relapse_after"),
                             self.env.now)
        if op is not None and c.draws["step_down"] < so.uptake:
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
        if c.draws["aftercare"] < ac.uptake:
            self.in_system["aftercare"] += 1
            self.note(c, "aftercare_start", "aftercare")
            started = self.env.now
            finished = yield from self.days_unless_relapse(clock, ac.days, dose * ac.hazard_multiplier)
            if not finished:
                self.relapse_in_care(c, "aftercare", clock, "aftercare_end", started)
                return
            self.note(c, "aftercare_end", "aftercare", value=self.env.now - started)
            self.in_system["aftercare"] -= 1
        self.end_episode(c, "discharged", "discharged")
        self.relapse_later(c, clock, dose)

    def outpatient_sessions(self, c: Client, started: float) -> None:
        """Log the outpatient sessions held since `started`: weekday afternoons, some missed."""
        so, slots, now = self.s.step_down, self.w.counselling_slots, self.env.now
        gap, draw, when = WEEK / so.sessions_per_week, c.draws.random, started
        while True:
            k = bisect.bisect_left(slots, when)
            if k == len(slots) or slots[k] >= now:
                return
            when = slots[k]
            event = "op_no_show" if draw() < so.no_show else "op_session"
            self.note(c, event, "op", "op counsellor", "", so.session_hours, when)
            when += gap

    def out_of_care(self, c: Client, stage: str, reason: str, days_in_iop: float = 0.0,
                    clock: RelapseClock | None = None) -> None:
        """Leave care before finishing it (or untreated): an abstinent client's relapse clock
        starts (or, from the waitlist, runs on), on the curve their days in IOP earned; a client
        using may ask again."""
        self.end_episode(c, stage, reason)
        if c.state == USING:
            self.using(c)
            return
        if clock is None:
            clock = RelapseClock(self.w.relapse.after(days_in_iop, finished=False), c.draws.exp1("relapse_after"),
                                 self.env.now)
        self.relapse_later(c, clock, self.w.relapse.dose_effect(days_in_iop))

    def end_episode(self, c: Client, stage: str, reason: str) -> None:
        """The episode ends here: logged, and kept in the client's history."""
        self.note(c, "exit", stage, detail=reason)
        c.history.append(reason)

    # ------------------------------------------------------------------ relapse and return
    def relapse_in_care(self, c: Client, stage: str, clock: RelapseClock, ending: str | None,
                        started: float) -> None:
        """A relapse while in step-down care or aftercare ends that care and the episode."""
        self.note(c, "relapse", stage, value=self.env.now - clock.start)
        if ending:
            self.note(c, ending, stage, value=self.env.now - started)
        self.end_episode(c, stage, "relapsed")
        self.in_system[stage] -= 1
        c.state = USING
        self.using(c)

    def relapse_later(self, c: Client, clock: RelapseClock, multiplier: float) -> None:
        """Out of care and abstinent: the relapse comes when the client's clock says (if ever,
        and within the run)."""
        self.after(clock.deadline(self.env.now, multiplier) - self.env.now, lambda: self.relapse(c, clock))

    def relapse(self, c: Client, clock: RelapseClock) -> None:
        self.note(c, "relapse", "community", value=self.env.now - clock.start)
        c.state = USING
        self.using(c)

    def using(self, c: Client) -> None:
        """A spell of use: with a probability it ends in a new request for treatment, after a delay;
        otherwise the client does not come back to this program."""
        rel = self.s.relapse
        if c.draws["request"] < rel.readmission_probability:
            delay = -rel.readmission_delay_mean_days * math.log(1.0 - c.draws["request_delay"])
            self.after(delay, lambda: self.back(c, "readmission", USING))

    def unless_relapse(self, clock: RelapseClock, event: simpy.Event, multiplier: float) -> Generator:
        """Wait for `event` (a place coming free) unless relapse comes first; True if the event came first."""
        if not event.triggered:
            # a relapse that never comes (or after the run) must not wake anyone: one day past the end will do
            relapse = self.env.timeout(min(clock.deadline(self.env.now, multiplier), self.w.end + 1.0) - self.env.now)
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

    def back(self, c: Client, source: str, state: str) -> None:
        """The same client referred again, with their history and fresh draws for the new episode."""
        c.source, c.episode, c.state = source, c.episode + 1, state
        self.begin(c)

    def after(self, delay: float, then) -> None:
        """Call `then()` in `delay` days, unless that falls after the run ends (nothing else waits
        for it: a timer, not a process)."""
        if self.env.now + delay < self.w.end:
            self.env.timeout(delay).callbacks.append(lambda _: then())
