"""Relapse after an episode of care: the curve a client is on, the dose effect, and the clock.

The curve runs from the untreated client's to the completers' (full dose); the clock turns
it into a time to relapse for one client, with a hazard multiplier that changes by stage
(standard OP, aftercare, none).  Each curve is a Weibull for those who relapse at all, with a
share who stay abstinent for good: the curves flatten, as Hunt, Barnett & Branch's did.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class RelapseCurve:
    """Share relapsed by t: (1 - never) x Weibull(shape, scale); `never` stay abstinent for good."""

    shape: float
    scale: float
    never: float = 0.0

    def cumulative_hazard(self, t: float) -> float:
        return -math.log(self.never + (1.0 - self.never) * math.exp(-(t / self.scale) ** self.shape))

    def time_at_hazard(self, h: float) -> float:
        """Inverse of cumulative_hazard; infinite beyond what the curve ever reaches."""
        survivors = math.exp(-h)
        if survivors <= self.never:
            return math.inf
        return self.scale * (-math.log((survivors - self.never) / (1.0 - self.never))) ** (1.0 / self.shape)

    def relapsed_by(self, t: float) -> float:
        return 1.0 - math.exp(-self.cumulative_hazard(t))


class RelapseCurves:
    """The relapse curves of a scenario, from the untreated client's to the completers' (full dose)."""

    def __init__(self, rel) -> None:
        self.rel = rel
        self.untreated = curve(rel.untreated)
        self.treated = curve(rel.after_completion)

    def after(self, days_in_iop: float, finished: bool) -> RelapseCurve:
        """The curve after `days_in_iop` days in IOP, finished or not.

        Time in treatment counts for everyone, whether or not they finished: the days retained move
        a client along by their credit, all the way at dose_days, and finishing the plan earns
        completion_credit of the way at once.  Between the ends, shape, log-scale and the share who
        never relapse move in a straight line.
        """
        rel = self.rel
        retained = self.credit(days_in_iop)
        w = rel.completion_credit + (1.0 - rel.completion_credit) * retained if finished else retained
        a, b = self.untreated, self.treated
        if w == 0:
            return a
        if w == 1:
            return b
        return RelapseCurve(a.shape + w * (b.shape - a.shape), a.scale ** (1.0 - w) * b.scale ** w,
                            a.never + w * (b.never - a.never))

    def dose_effect(self, days_in_iop: float) -> float:
        """Relapse hazard multiplier for the treatment received: full effect from dose_days on,
        graded below by the credit the days earn."""
        return self.rel.dose_multiplier ** self.credit(days_in_iop)

    def credit(self, days_in_iop: float) -> float:
        """How much of the full dose `days_in_iop` earns: (days / dose_days) ** dose_power, at most 1."""
        return min(days_in_iop / self.rel.dose_days, 1.0) ** self.rel.dose_power


class RelapseClock:
    """Time to relapse after discharge with a hazard multiplier that changes by stage.

    A client's relapse comes when the curve's cumulative hazard, scaled by the multiplier of
    each stretch (aftercare, treatment dose), reaches their own Exp(1) draw.
    """

    __slots__ = ("curve", "target", "start", "_t", "_h")

    def __init__(self, curve: RelapseCurve, target: float, start: float) -> None:
        self.curve, self.target, self.start = curve, target, start
        self._t, self._h = 0.0, 0.0

    def deadline(self, now: float, multiplier: float) -> float:
        """When relapse comes if the multiplier stays as it is from now on."""
        self.advance(now, multiplier)
        base = self.curve.cumulative_hazard(self._t)
        return self.start + self.curve.time_at_hazard(base + max(self.target - self._h, 0.0) / multiplier)

    def advance(self, now: float, multiplier: float) -> None:
        """Add the hazard taken between the last call and `now`, at `multiplier`."""
        t = now - self.start
        if t > self._t:
            self._h += multiplier * (self.curve.cumulative_hazard(t) - self.curve.cumulative_hazard(self._t))
            self._t = t


def curve(parameters) -> RelapseCurve:
    """A scenario's curve parameters (shape, scale_days, never_relapse) as a curve."""
    return RelapseCurve(parameters.shape, parameters.scale_days, parameters.never_relapse)
