"""Relapse after an episode of care: the curve a client is on, the dose effect, and the clock.

The curve runs from the dropouts' (untreated) to the completers' (full dose); the clock turns
it into a time to relapse for one client, with a hazard multiplier that changes by stage
(standard OP, aftercare, none).
"""

from __future__ import annotations

from iopsim.core.streams import Weibull


class RelapseCurves:
    """The relapse curves of a scenario, from the dropouts' (untreated) to the completers' (full dose)."""

    def __init__(self, rel) -> None:
        self.rel = rel
        self.untreated = Weibull(rel.after_dropout.shape, rel.after_dropout.scale_days)
        self.treated = Weibull(rel.after_completion.shape, rel.after_completion.scale_days)

    def after(self, days_in_iop: float, finished: bool) -> Weibull:
        """The curve after `days_in_iop` days in IOP, finished or not.

        Time in treatment counts for everyone, whether or not they finished: the days retained move
        a client along, all the way at dose_days, and finishing the plan earns completion_credit of
        the way at once.  Between the ends, shape and log-scale move in a straight line.
        """
        rel = self.rel
        retained = min(days_in_iop / rel.dose_days, 1.0)
        w = rel.completion_credit + (1.0 - rel.completion_credit) * retained if finished else retained
        a, b = self.untreated, self.treated
        if w == 0:
            return a
        if w == 1:
            return b
        return Weibull(a.shape + w * (b.shape - a.shape), a.scale ** (1.0 - w) * b.scale ** w)

    def dose_effect(self, days_in_iop: float) -> float:
        """Relapse hazard multiplier for the treatment received: full effect from dose_days on,
        graded (log-linearly) below, so every week in IOP counts."""
        return self.rel.dose_multiplier ** min(days_in_iop / self.rel.dose_days, 1.0)


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
        """Add the hazard taken between the last call and `now`, at `multiplier`."""
        t = now - self.start
        if t > self._t:
            self._h += multiplier * (self.curve.cumulative_hazard(t) - self.curve.cumulative_hazard(self._t))
            self._t = t
