"""One replication: referrals arrive in the world and each client's journey runs to the end.

Plain SimPy: the referral process waits for each arrival in turn and hands the client to the
front desk.
"""

from __future__ import annotations

import gc
import math
from typing import Generator

import numpy as np

from iopsim.core.client import ABSTINENT, USING, Client, OneOffDraws
from iopsim.core.journey import Journey
from iopsim.core.scenario import Scenario
from iopsim.core.streams import cumulative
from iopsim.core.world import World


class Program(World):
    """The world of one replication, with its referral stream and the clients' journeys."""

    def __init__(self, scenario: Scenario, seed=0) -> None:
        super().__init__(scenario, seed)
        self.journeys = Journey(self)

    def run(self) -> "Program":
        """Run to the end.  The clients, timers and callbacks made on the way would set off the
        cyclic garbage collector every few hundred objects, each pass walking the live world: it
        waits until the run is over (2-3% of a run)."""
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
        """A Poisson stream with a weekday profile and trend: counts per day, times within it.

        Every client's attributes are drawn up front, so that a client's luck is the same in
        every scenario compared (common random numbers).  Those treated before elsewhere bring
        1 + a geometric number of earlier episodes (mean 2: an assumption; only the share is
        calibrated).
        """
        r = self.s.referrals
        days = int(math.ceil(self.end))
        weights = r.weekday_weights
        per_day = r.per_week / sum(weights)
        rates = [max(per_day * weights[d % 7] * (1 + r.trend_per_year * d / 365), 0.0) for d in range(days)]
        gen = self.streams["referrals"].generator
        counts = gen.poisson(rates)
        times = np.sort(np.repeat(np.arange(days), counts) + gen.random(int(counts.sum()))).tolist()
        attributes = self.streams["attributes"].generator
        u = attributes.random((len(times), 5)).T
        sources = pick_many(cumulative(r.source_shares), u[0])
        severities = pick_many(cumulative(r.severity_shares), u[1])
        evening, co_occurring = (u[2] < r.evening_share).tolist(), (u[3] < r.co_occurring_share).tolist()
        prior = np.where(u[4] < r.prior_episode_share, attributes.geometric(0.5, len(times)), 0).tolist()
        abstinent = (attributes.random(len(times)) < r.abstinent_share).tolist()
        attendance = self.attendance.sample_many(self.streams["attendance_level"], len(times)).tolist()
        med = self.s.services.medication  # each client's primary substance, kept for every episode
        substance = pick_many(cumulative({"opioid": med.opioid_share, "alcohol": med.alcohol_share,
                                          "other": 1.0 - med.opioid_share - med.alcohol_share}),
                              self.streams["substance"].generator.random(len(times)))
        clients = [Client(k + 1, source, severity, evening[k], co_occurring[k], attendance[k], prior[k],
                          ABSTINENT if abstinent[k] or source == "step_down" else USING, substance[k])
                   for k, (source, severity) in enumerate(zip(sources, severities))]
        self.journeys.one_offs = OneOffDraws(self.streams, len(clients))
        env, begin = self.env, self.journeys.begin
        for when, client in zip(times, clients):  # one timeout per arrival: the cheapest way in SimPy
            yield env.timeout(when - env.now)
            begin(client)


def pick_many(options_and_cumulative: tuple[tuple, tuple[float, ...]], u: np.ndarray) -> list:
    """One option per uniform draw, by cumulative probabilities (as Stream.pick, vectorised)."""
    options, cums = options_and_cumulative
    return np.array(options)[np.searchsorted(cums, u, side="right")].tolist()
