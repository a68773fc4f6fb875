"""Weekly hazards in IOP give the time-to-event distributions they promise.

With attendance 1 nobody misses a session, so only the hazards end a stay early; with a plan far
longer than any stay, the time from admission to discharge is then the first of the competing
risks: exponential for constant hazards, piecewise exponential when dropout is higher in the
first weeks.  Checked with a Kolmogorov-Smirnov test against the exact distribution.
"""

from __future__ import annotations


import numpy as np
import pytest
from scipy import stats

from conftest import rows, run, scenario

HORIZON = 700.0
FOLLOW = 350.0  # only clients admitted this long before the end: their discharge is in the log


def long_plans(**changes):
    base = {
        "run.horizon_days": HORIZON, "run.warm_up_days": 0.0,
        "referrals.per_week": 12.0, "intake.assessors": 3, "intake.show_curve": [[0, 1.0]],
        "tracks.tracks": [{"name": "day", "days": ["Mon", "Wed", "Fri"], "groups": 10, "group_cap": 12},
                          {"name": "evening", "evening": True, "days": ["Mon", "Tue", "Thu"], "start_hour": 18.0,
                           "groups": 10, "group_cap": 12}],
        "staff.iop_counsellors": 20,
        "treatment.planned_weeks": {"low": 52, "moderate": 52, "high": 52}, "treatment.max_weeks": 52,
        "treatment.plan_spread": 0.0, "treatment.attendance_mean": 1.0, "treatment.attendance_spread": 0.0,
        "treatment.early_step_down_probability": 0.0, "treatment.relapse_weekly_hazard": 0.0,
        "treatment.dropout_decline": 0.0, "treatment.dropout_missed_multiplier": 1.0,
        "tracks.admission_lead_days": 0.0, "treatment.wait_dropout_per_week": 0.0,
    }
    base.update(changes)
    return scenario(**base)


def stays(s, seeds=(0, 1)):
    """(days from admission to discharge, outcome) of clients admitted early enough to be followed."""
    out, codes = [], []
    for seed in seeds:
        ev = run(s, seed).events
        admitted = rows(ev, "admitted").set_index(["client", "episode"]).time
        admitted = admitted[admitted < HORIZON - FOLLOW]
        discharges = rows(ev, "iop_discharge").set_index(["client", "episode"])
        assert admitted.index.isin(discharges.index).all(), "someone followed for 350 days is still in IOP"
        d = discharges.loc[admitted.index]
        out.append((d.time - admitted).to_numpy())
        codes.append(d.detail.to_numpy())
    return np.concatenate(out), np.concatenate(codes)


def test_competing_constant_hazards_give_an_exponential_stay_and_proportional_causes():
    dropout, other = 0.15, 0.1  # per week
    s = long_plans(**{"treatment.dropout_weekly_hazard": dropout, "treatment.other_weekly_hazard": other})
    t, code = stays(s)
    assert len(t) > 300
    assert set(code) <= {"dropped_out", "other"}
    rate = (dropout + other) / 7.0
    assert stats.kstest(t, stats.expon(scale=1 / rate).cdf).pvalue > 0.001
    share = (code == "dropped_out").mean()
    assert stats.binomtest(int((code == "dropped_out").sum()), len(code), dropout / (dropout + other)).pvalue > 0.001
    assert share == pytest.approx(0.6, abs=0.08)


def test_dropout_is_highest_in_the_first_weeks_and_falls_as_set():
    d, decline = 0.5, 0.4  # week w's hazard is d * w^-decline: a 52-week plan is all but never finished
    s = long_plans(**{"treatment.dropout_weekly_hazard": d, "treatment.other_weekly_hazard": 0.0,
                      "treatment.dropout_decline": decline})
    t, code = stays(s)
    assert set(code) <= {"dropped_out", "completed"} and (code == "dropped_out").mean() > 0.995

    def cdf(x):
        x = np.asarray(x, dtype=float) / 7.0
        whole = np.floor(x).astype(int)
        weekly = d * np.arange(1, whole.max() + 2, dtype=float) ** -decline
        done = np.concatenate([[0.0], np.cumsum(weekly)])
        return 1 - np.exp(-(done[whole] + weekly[whole] * (x - whole)))

    assert stats.kstest(t, cdf).pvalue > 0.001
    # and not the plain exponential of a steady hazard
    assert stats.kstest(t, stats.expon(scale=7.0 / d).cdf).pvalue < 1e-6


def test_missed_sessions_raise_the_dropout_hazard():
    """MODEL.md: dropout 'rises after missed sessions'.  At 50% attendance (1.5 misses a week) a 3x
    multiplier per miss should raise dropouts a lot compared with no multiplier.  (It once did
    almost nothing: the week's miss count was reset before the week's hazard was computed.)"""
    def share(multiplier):
        s = long_plans(**{"treatment.dropout_weekly_hazard": 0.05, "treatment.other_weekly_hazard": 0.0,
                          "treatment.attendance_mean": 0.5, "treatment.terminate_after_absences": 50,
                          "treatment.planned_weeks": {"low": 12, "moderate": 12, "high": 12},
                          "treatment.completion_attendance": 0.0, "treatment.dropout_missed_multiplier": multiplier})
        _, code = stays(s)
        return (code == "dropped_out").mean()

    flat, steep = share(1.0), share(3.0)
    assert steep > 1.5 * flat, f"dropout share {flat:.3f} without and {steep:.3f} with the multiplier"


# ------------------------------------------------------------------ relapse after discharge, readmission
FOLLOW_UP = 300.0


def discharged_without_care(plan_weeks: int, **changes):
    """Completers go straight home (no standard OP, no aftercare); dropouts, if any, too."""
    return long_plans(**{"treatment.planned_weeks": {"low": plan_weeks, "moderate": plan_weeks, "high": plan_weeks},
                         "treatment.max_weeks": plan_weeks, "treatment.dropout_weekly_hazard": 0.0,
                         "treatment.other_weekly_hazard": 0.0, "step_down.uptake": 0.0, "aftercare.uptake": 0.0,
                         "referrals.per_week": 10.0, **changes})


def time_to_relapse(s, reason: str, seeds=(0, 1, 2), treated: bool = True):
    """Days from the exit (with `reason`) of an IOP episode (or, not `treated`, of an episode that never
    reached IOP) to relapse in the community, for exits followed FOLLOW_UP days; NaN where no relapse came
    within the follow-up."""
    out = []
    for seed in seeds:
        ev = run(s, seed).events
        exits = rows(ev, "exit")
        exits = exits[(exits.detail == reason) & (exits.time < HORIZON - FOLLOW_UP)].set_index(["client", "episode"])
        in_iop = exits.index.isin(rows(ev, "iop_discharge").set_index(["client", "episode"]).index)
        exits = exits[in_iop if treated else ~in_iop]  # not clients placed straight in standard OP
        relapses = rows(ev, "relapse")
        relapses = relapses[relapses.stage == "community"].set_index(["client", "episode"]).time
        t = relapses.reindex(exits.index).to_numpy() - exits.time.to_numpy()
        out.append(np.where(t <= FOLLOW_UP, t, np.nan))
    return np.concatenate(out)


def check_curve(t: np.ndarray, shape: float, scale: float, never: float = 0.0, multiplier: float = 1.0) -> None:
    """Share relapsed within the follow-up, and the shape of the curve up to it, match the relapse
    curve: a share `never` who never relapse, Weibull(shape, scale) for the rest, and the whole
    cumulative hazard times `multiplier` (so the share still abstinent by t is S(t) ** multiplier)."""
    def cdf(x):
        survival = never + (1 - never) * stats.weibull_min(shape, scale=scale).sf(x)
        return 1 - survival ** multiplier
    relapsed = t[~np.isnan(t)]
    assert len(t) > 150 and len(relapsed) > 50
    assert stats.binomtest(len(relapsed), len(t), cdf(FOLLOW_UP)).pvalue > 0.001, \
        f"{len(relapsed) / len(t):.3f} relapsed within {FOLLOW_UP:g} days, the curve says {cdf(FOLLOW_UP):.3f}"
    assert stats.kstest(relapsed, lambda x: cdf(x) / cdf(FOLLOW_UP)).pvalue > 0.001


def test_relapse_after_completion_follows_its_weibull_curve():
    # no dose effect, and finishing alone earns the completers' curve
    s = discharged_without_care(4, **{"relapse.dose_multiplier": 1.0, "relapse.completion_credit": 1.0})
    rel = s.relapse.after_completion
    check_curve(time_to_relapse(s, "discharged"), rel.shape, rel.scale_days, rel.never_relapse)


def test_a_short_stay_completer_is_part_of_the_way_from_the_untreated_curve_to_the_completers():
    s = discharged_without_care(4, **{"relapse.dose_multiplier": 1.0})
    rel = s.relapse
    credit = (28 / rel.dose_days) ** rel.dose_power  # 28 of the 90 days of full dose
    w = rel.completion_credit + (1 - rel.completion_credit) * credit  # finishing, then the days
    a, b = rel.untreated, rel.after_completion
    assert 0 < w < 1
    check_curve(time_to_relapse(s, "discharged"), a.shape + w * (b.shape - a.shape),
                a.scale_days ** (1 - w) * b.scale_days ** w, a.never_relapse + w * (b.never_relapse - a.never_relapse))


def test_part_of_the_dose_scales_the_relapse_hazard_in_proportion():
    s = discharged_without_care(4, **{"relapse.completion_credit": 1.0, "relapse.dose_power": 1.0})
    rel = s.relapse
    multiplier = rel.dose_multiplier ** (28 / rel.dose_days)  # 28 of the 90 days of full dose
    b = rel.after_completion
    check_curve(time_to_relapse(s, "discharged"), b.shape, b.scale_days, b.never_relapse, multiplier)


def test_ninety_days_of_treatment_scale_the_relapse_hazard_by_the_dose_multiplier():
    s = discharged_without_care(14)  # 98 days in IOP: the full dose effect
    b = s.relapse.after_completion
    check_curve(time_to_relapse(s, "discharged"), b.shape, b.scale_days, b.never_relapse, s.relapse.dose_multiplier)


def test_an_abstinent_client_lost_before_treatment_relapses_on_the_untreated_curve():
    """Clients lost before assessment had no days in IOP: theirs is the untreated curve itself."""
    s = discharged_without_care(4, **{"intake.show_curve": [[0, 0.5]], "intake.rebook_probability": 0.0,
                                      "referrals.abstinent_share": 1.0, "relapse.readmission_probability": 0.0,
                                      "relapse.untreated": {"shape": 0.8, "scale_days": 200.0, "never_relapse": 0.2}})
    rel = s.relapse.untreated  # slow enough to see the shape
    check_curve(time_to_relapse(s, "no_show", treated=False), rel.shape, rel.scale_days, rel.never_relapse)


def test_days_in_iop_move_a_dropout_towards_the_completers_curve():
    """Dropouts who stayed longer relapse later: the 6-month share falls with the days they were retained."""
    s = discharged_without_care(30, **{"treatment.dropout_weekly_hazard": 0.15, "relapse.dose_multiplier": 1.0,
                                       "referrals.per_week": 12.0})
    t = []
    for seed in (0, 1, 2):
        ev = run(s, seed).events
        out = rows(ev, "iop_discharge")
        out = out[(out.detail == "dropped_out") & (out.time < HORIZON - 182.5)].set_index(["client", "episode"])
        admitted = rows(ev, "admitted").set_index(["client", "episode"]).time.reindex(out.index)
        relapses = rows(ev, "relapse")
        relapses = relapses[relapses.stage == "community"].set_index(["client", "episode"]).time
        t.append(np.column_stack([out.time - admitted, relapses.reindex(out.index).to_numpy() - out.time]))
    retained, to_relapse = np.concatenate(t).T
    early, late = retained < 30, retained >= 60
    assert early.sum() > 50 and late.sum() > 50
    share = lambda m: np.mean(to_relapse[m] <= 182.5)  # noqa: E731  (NaN, no relapse, compares False)
    assert share(early) > share(late) + 0.1, (share(early), share(late))


def test_a_relapse_brings_the_client_back_with_the_set_probability_and_delay():
    p, delay = 0.6, 20.0
    s = discharged_without_care(4, **{"relapse.readmission_probability": p,
                                      "relapse.readmission_delay_mean_days": delay,
                                      "relapse.after_completion.scale_days": 100.0})
    back, delays = [], []
    for seed in (0, 1):
        ev = run(s, seed).events
        relapses = rows(ev, "relapse")
        relapses = relapses[(relapses.time < HORIZON - 150) & (relapses.stage == "community")]
        referrals = rows(ev, "referral").set_index(["client", "episode"]).time
        nxt = referrals.reindex(list(zip(relapses.client, relapses.episode + 1))).to_numpy()
        back.append(~np.isnan(nxt))
        delays.append((nxt - relapses.time.to_numpy())[~np.isnan(nxt)])
        # history carries on: the returning episode keeps the client's severity
        sev = rows(ev, "referral").set_index(["client", "episode"]).detail
        returned = sev[sev.index.get_level_values(1) > 1]
        first = sev.xs(1, level="episode")
        assert (returned.to_numpy() == first.reindex(returned.index.get_level_values(0)).to_numpy()).all()
    back, delays = np.concatenate(back), np.concatenate(delays)
    assert len(back) > 150
    assert stats.binomtest(int(back.sum()), len(back), p).pvalue > 0.001
    assert (delays > 0).all()
    assert stats.kstest(delays, stats.expon(scale=delay).cdf).pvalue > 0.001
