"""Queueing theory the model can be checked against, and the scenario that makes it apply.

With walk-in assessment, every client showing up, exponential assessment lengths, assessors
available around the clock and everyone leaving after assessment, the intake stage is an M/M/c
queue, whose mean wait is known exactly (Erlang C).
"""

from __future__ import annotations

import math

from iopsim.core.scenario import Scenario


def mmc_scenario(arrivals_per_day: float, mean_service_hours: float, servers: int, days: float = 365.0,
                 warm_up_days: float = 30.0) -> Scenario:
    """The default scenario reduced to an M/M/c queue at assessment."""
    return Scenario.from_dict({
        "name": f"M/M/{servers} assessment queue",
        "referrals": {"per_week": 7 * arrivals_per_day, "weekday_weights": [1] * 7,
                      "source_shares": {"community": 1.0, "step_down": 0.0, "step_up": 0.0, "justice": 0.0}},
        "intake": {"mode": "walk_in", "assessors": servers, "assessor_hours_per_week": 168.0,
                   "assessment_hours": mean_service_hours, "assessment_duration": "exponential",
                   "show_curve": [[0, 1.0]], "open_hour": 0.0,
                   "open_days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]},
        "placement": {"iop_share": {"low": 0, "moderate": 0, "high": 0},
                      "higher_level_share": {"low": 1, "moderate": 1, "high": 1},
                      "higher_level_return_probability": 0.0},
        "calendar": {"holidays": []},
        "run": {"horizon_days": days, "warm_up_days": warm_up_days},
    })


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue (before service) of an M/M/c queue, in the rates' time unit."""
    a = arrival_rate / service_rate
    rho = a / servers
    if rho >= 1:
        return math.inf
    terms = sum(a**k / math.factorial(k) for k in range(servers))
    top = a**servers / math.factorial(servers) / (1 - rho)
    p_wait = top / (terms + top)
    return p_wait / (servers * service_rate - arrival_rate)
