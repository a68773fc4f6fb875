"""More capacity never makes waits worse, more relapse never means fewer readmissions.

Every comparison is paired: replication i of each scenario uses the same seed, so the named
random streams give the same referrals and client attributes (common random numbers) and the
differences are due to the change, not to luck.  "Never worse" is checked as: the mean paired
difference is not above zero by more than its noise (two standard errors, plus a small floor),
and the largest change in the sequence must show a clear effect, so the test can fail both ways.
"""

from __future__ import annotations

import numpy as np

from conftest import first_time, rows, run, scenario, time_on

SEEDS = range(4)
# no admission lead: the wait for a seat is then all queue, which capacity can shorten
WINDOW = {"run.warm_up_days": 91.0, "run.horizon_days": 273.0, "tracks.admission_lead_days": 0.0}


def not_worse(lower_is_better: list[np.ndarray], floor: float) -> None:
    """Each next array (paired by seed) is not higher than the one before beyond noise."""
    for k, (a, b) in enumerate(zip(lower_is_better, lower_is_better[1:])):
        diff = b - a
        noise = 2 * diff.std(ddof=1) / np.sqrt(len(diff)) + floor
        assert diff.mean() <= noise, f"step {k}: {a.round(3)} -> {b.round(3)} (mean change {diff.mean():.3f})"


def booked_wait(r) -> float:
    """Mean days from referral to the first assessment offered, over referrals in the window."""
    booked = rows(r.events, "assessment_booked")
    first = booked[(booked.detail == "attempt 1") & (booked.time >= r.scenario.run.warm_up_days)]
    return float(first.value.mean())


def waitlist_time(r) -> float:
    """Mean days on the IOP waitlist of everyone joining it in the window (admitted, left, or still there)."""
    ev = r.events
    joins = first_time(ev, "waitlist_join")
    joins = joins[joins >= r.scenario.run.warm_up_days]
    left = (ev.event == "admitted") | ((ev.event == "exit") & (ev.stage == "waitlist"))
    leaves = ev[left].groupby(["client", "episode"], observed=True).time.first()
    return float(time_on(joins, leaves, r.end).mean())


def test_more_assessors_or_hours_never_lengthen_the_wait_for_assessment():
    capacity = [(1, 8.0), (1, 12.0), (2, 8.0), (2, 15.0), (3, 30.0)]
    waits = []
    for assessors, hours in capacity:
        s = scenario(**WINDOW, **{"referrals.per_week": 10.0, "intake.assessors": assessors,
                                  "intake.assessor_hours_per_week": hours})
        waits.append(np.array([booked_wait(run(s, seed)) for seed in SEEDS]))
    not_worse(waits, floor=0.1)
    lead = 3.0  # booking_lead_days of the default
    assert waits[0].mean() > 3 * waits[-1].mean() and waits[-1].mean() >= lead


def test_more_seats_never_lengthen_the_iop_wait():
    def with_groups(day: int, evening: int):
        tracks = [dict(t, groups=g) for t, g in zip(scenario().to_dict()["tracks"]["tracks"], (day, evening))]
        return scenario(**WINDOW, **{"tracks.tracks": tracks, "staff.iop_counsellors": 5})

    steps = [with_groups(1, 1), with_groups(2, 1), with_groups(2, 2), with_groups(3, 3)]
    runs = [[run(s, seed) for seed in SEEDS] for s in steps]
    waits = [np.array([waitlist_time(r) for r in rs]) for rs in runs]
    lengths = [np.array([r.kpis["waitlist_mean"] for r in rs]) for rs in runs]
    not_worse(waits, floor=0.5)
    not_worse(lengths, floor=0.5)
    assert waits[0].mean() > 2 * waits[-1].mean()


def test_more_counsellors_never_lengthen_the_iop_wait():
    tracks = [dict(t, groups=2) for t in scenario().to_dict()["tracks"]["tracks"]]
    steps = [scenario(**WINDOW, **{"tracks.tracks": tracks, "staff.iop_counsellors": n, "staff.iop_caseload_cap": 10})
             for n in (1, 2, 3, 4, 6)]
    runs = [[run(s, seed) for seed in SEEDS] for s in steps]
    waits = [np.array([waitlist_time(r) for r in rs]) for rs in runs]
    admitted = [np.array([r.kpis["admissions"] for r in rs]) for rs in runs]
    not_worse(waits, floor=0.5)
    not_worse([-a for a in admitted], floor=1.0)  # and never fewer admissions
    assert waits[0].mean() > 2 * waits[-1].mean()


def test_more_relapse_after_discharge_never_means_fewer_readmissions():
    base = scenario()
    scales = (1.0, 0.5, 0.2, 0.05)
    counts, shares = [], []
    for f in scales:
        s = base.replace(**WINDOW, **{
            "relapse.after_completion.scale_days": base.relapse.after_completion.scale_days * f,
            "relapse.untreated.scale_days": base.relapse.untreated.scale_days * f})
        rs = [run(s, seed) for seed in SEEDS]
        counts.append(np.array([(rows(r.events, "referral").episode > 1).sum() for r in rs], dtype=float))
        shares.append(np.array([r.kpis["readmission_share"] for r in rs]))
    not_worse([-c for c in counts], floor=2.0)
    not_worse([-s for s in shares], floor=0.01)
    # a clear effect: only abstinent clients can relapse, and many of them would within the window anyway
    gain = counts[-1] - counts[0]
    assert gain.mean() > 2 * gain.std(ddof=1) / np.sqrt(len(gain)), gain
