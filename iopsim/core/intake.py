"""The front desk: referral calls, assessments held at their booked time, and placement.

A referral is taken when it comes; the intake call books the next free assessment (or, with
walk-in assessment, the client waits at the clinic for the first free assessor), and the
appointment is held at its time, like every session of the timetable: a timeout whose
callback records what happened.  The longer the booking delay, the less likely the client
shows; a no-show may rebook once.  When the intake is over the desk hands the client on
(`placed`), to a journey process if their episode has anything left to wait for.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Callable

import simpy

from iopsim.core.calendar import HOUR
from iopsim.core.clinic import Clinic
from iopsim.core.eventlog import EventLog
from iopsim.core.streams import Exponential, Fixed, Streams

ATTEMPTS = ("attempt 1", "attempt 2")  # an assessment may be rebooked once
SHOW = ("show_1", "show_2")  # the client's own draw for each attempt


class FrontDesk:
    """Takes referrals, books and holds assessments, and places the clients assessed."""

    def __init__(self, env: simpy.Environment, scenario, streams: Streams, log: EventLog, in_system: dict,
                 assessors: Clinic, placed: Callable) -> None:
        self.env, self.log, self.in_system, self.assessors, self.placed = env, log.write, in_system, assessors, placed
        self.intake = intake = scenario.intake
        p = scenario.placement
        self.walk_in = intake.mode == "walk_in"
        self.walk_in_show = show_probability(intake.show_curve, 0.0)
        self.lead = 0.0 if self.walk_in else intake.booking_lead_days
        self.length = (Exponential if intake.assessment_duration == "exponential" else Fixed)(
            intake.assessment_hours * HOUR)
        self.assessor_names = [f"assessor {k + 1}" for k in range(intake.assessors)]
        self.length_draws = streams["assessment_length"]
        self.placement = {sev: (p.iop_share[sev], p.iop_share[sev] + p.higher_level_share[sev]) for sev in p.iop_share}

    def refer(self, c) -> None:
        """A referral comes in now (logged with the client's earlier treatment episodes): step-down
        clients go straight to the IOP waitlist (already assessed by the referring program), the
        others are booked for an assessment."""
        self.log((c.id, c.episode, self.env.now, "referral", "referral", c.source, c.severity,
                  float(c.earlier_episodes)))
        if c.source == "step_down":
            self.placed(c, "iop")
        else:
            self.in_system["assessment"] += 1
            self.book(c, 0)

    def book(self, c, attempt: int) -> None:
        """Book an assessment, or (walk-in) see whether the client comes today."""
        now, label = self.env.now, ATTEMPTS[attempt]
        show = c.draws[SHOW[attempt]]
        if self.walk_in and not show < self.walk_in_show:
            self.log((c.id, c.episode, now, "no_show", "assessment", "", label, math.nan))
            self.missed(c, attempt)
            return
        duration = self.length.sample(self.length_draws)
        start, who = self.assessors.book(now + self.lead, duration)
        if start == math.inf:
            return  # nobody to assess: the client waits past the end of the run
        delay = start - now
        shows = self.walk_in or show < show_probability(self.intake.show_curve, delay)
        self.log((c.id, c.episode, now, "assessment_booked", "assessment", "", label, delay))
        # the timeout's callback gets the event as its last argument; partial keeps no cells in this frame
        if shows:  # recorded when the assessment ends, with the time it began
            self.env.timeout(delay + duration).callbacks.append(partial(self.assessed, c, start, who, label, duration))
        else:
            self.env.timeout(delay).callbacks.append(partial(self.no_show, c, who, attempt, duration))

    def assessed(self, c, start: float, who: int, label: str, duration: float, _done=None) -> None:
        self.log((c.id, c.episode, start, "assessed", "assessment", self.assessor_names[who], label, duration / HOUR))
        self.in_system["assessment"] -= 1
        self.placed(c, self.place(c))

    def no_show(self, c, who: int, attempt: int, duration: float, _due=None) -> None:
        self.log((c.id, c.episode, self.env.now, "no_show", "assessment", self.assessor_names[who], ATTEMPTS[attempt],
                  duration / HOUR))
        self.missed(c, attempt)

    def missed(self, c, attempt: int) -> None:
        """After a no-show: rebook once (with probability), or the client is lost."""
        if attempt + 1 < len(ATTEMPTS) and c.draws["rebook"] < self.intake.rebook_probability:
            self.book(c, attempt + 1)
        else:
            self.in_system["assessment"] -= 1
            self.placed(c, "lost")

    def place(self, c) -> str:
        """Level of care by severity: IOP, a higher level (PHP / residential) or standard OP."""
        u = c.draws["placement"]
        iop, iop_or_higher = self.placement[c.severity]
        return "iop" if u < iop else "higher" if u < iop_or_higher else "op"


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
