"""Each course chart returns a Figure and a one-line summary holding its numbers, which match the run."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

import iopsim
from iopsim.analysis import stats
from iopsim.course import capacity_charts, journey_charts, program_charts, relapse_charts, schedule_charts
from iopsim.present import timelapse
from iopsim.present.plots import OKABE_ITO
from iopsim.core.scenario import Scenario


@pytest.fixture(scope="module")
def run():
    return iopsim.simulate(Scenario().replace(**{"run.horizon_days": 2 * 365.0}), seed=3)


def check(chart, *numbers):
    """A Figure, one line of summary, every text at 12 pt or more, and each number written in the summary."""
    fig, summary = chart
    assert isinstance(fig, Figure)
    assert isinstance(summary, str) and "\n" not in summary and summary.endswith(".")
    for text in fig.findobj(Text):
        if text.get_text().strip():
            assert text.get_fontsize() >= 12, (text.get_text(), text.get_fontsize())
    for n in numbers:
        assert str(n) in summary, (n, summary)
    return summary


def test_journey_of_one_client(run):
    events = run.events
    adm = events[events.event == "admitted"].client
    client = int(events[events.client.isin(adm)].groupby("client").episode.max().idxmax())
    summary = check(journey_charts.journey(events, client), f"Client {client}", "episodes", "referred again")
    stays = timelapse.segments(events[events.client == client])
    waited = stays.loc[stays.place == "waitlist", "end"] - stays.loc[stays.place == "waitlist", "start"]
    assert f"Waitlist {waited.sum():.0f}" in summary
    with pytest.raises(KeyError):
        journey_charts.journey(events, 10**9)


def test_outcome_counts_add_up_and_match_the_log(run):
    s, events = run.scenario, run.events
    counts = journey_charts.outcome_counts(events, s)
    start, end = s.run.warm_up_days, s.run.warm_up_days + s.run.horizon_days
    referred = events[(events.event == "referral") & (events.time >= start) & (events.time < end)]
    assert sum(counts["Referrals"].values()) == len(referred) == run.kpis["referrals"]
    assert all(n >= 0 for bar in counts.values() for n in bar.values())
    assert sum(counts["IOP stays"].values()) == counts["Referrals"]["started IOP"]
    ended = sum(counts["IOP stays"].values()) - counts["IOP stays"]["still in IOP at the end"]
    assert sum(counts["After IOP"].values()) == ended
    keys = set(zip(referred.client, referred.episode))
    codes = events[events.event == "iop_discharge"]
    codes = codes[[k in keys for k in zip(codes.client, codes.episode)]]
    assert counts["IOP stays"]["completed"] == (codes.detail == "completed").sum()
    assert counts["IOP stays"]["dropped out"] == (codes.detail == "dropped_out").sum()
    numbers = [n for bar in counts.values() for n in bar.values() if n]
    check(journey_charts.outcome_flow(events, s), *numbers)


def test_waitlist_and_census_numbers_are_the_kpis(run):
    k = run.kpis
    summary = check(capacity_charts.waitlist_and_census(run.events, run.scenario), f"{k['waitlist_max']:.0f}",
                    f"in {k['seats']:.0f} seats", f"{100 * k['seat_utilisation']:.0f}% full")
    assert f"{k['waitlist_mean']:.1f}" in summary and f"{k['census_mean']:.1f}" in summary


def test_littles_law_holds_with_the_runs_own_numbers(run):
    n = capacity_charts.littles_law_numbers(run.events, run.scenario)
    assert n["census"] == pytest.approx(run.kpis["census_mean"])
    assert n["admissions_per_day"] == pytest.approx(run.kpis["admissions_per_year"] / 365)
    assert n["predicted"] == pytest.approx(n["census"], rel=0.12)
    check(capacity_charts.littles_law(run.events, run.scenario), f"{n['admissions_per_day']:.2f}",
          f"{n['mean_stay_days']:.1f}",
          f"{n['predicted']:.1f}", f"{n['census']:.1f}")


def test_hockey_stick_writes_the_ends_of_the_sweep():
    frame = pd.DataFrame({"referrals.per_week": [4, 6, 8], "seat_utilisation_mean": [0.6, 0.8, 0.95],
                          "wait_to_start_mean_days_mean": [2.0, 4.5, 12.0], "lost_reneged_mean": [5.0, 12.0, 40.0]})
    summary = check(capacity_charts.hockey_stick(frame), "from 4 to 8 a week", "60% to 95%", "from 2 to 12 days",
                    "from 5 to 40",
                    "the last step added 7.5 days", "the first 2.5")
    half = capacity_charts.hockey_stick(frame, horizon_days=182.5)[1]
    assert "from 10 to 80 a year" in half and summary != half


def test_relapse_curves_are_the_relapse_kpis(run):
    everyone = relapse_charts.relapse_followup(run.events, run.scenario, by_outcome=False)["all"]
    curve = relapse_charts.relapse_curve(*everyone, np.array([91.25, 182.5, 365.0]))
    k = run.kpis
    assert curve == pytest.approx([k["relapse_3m_after_discharge"], k["relapse_6m_after_discharge"],
                                   k["relapse_12m_after_discharge"]])
    groups = relapse_charts.relapse_followup(run.events, run.scenario)
    completed = relapse_charts.relapse_curve(*groups["completed"], np.array([365.0]))[0]
    assert completed == pytest.approx(k["relapse_12m_after_completion"])
    assert sum(len(d) for d, _ in groups.values()) == len(everyone[0])
    twice = relapse_charts.by_group([groups, groups])
    assert [d is groups["completed"][0] for d, _ in twice["completed"]] == [True, True]
    shown = f"{100 * completed:.0f}%"
    check(relapse_charts.relapse_curves(twice), f"{shown} ({shown} to {shown}) by 12",  # equal runs: no spread
          f"completed (n={2 * len(groups['completed'][0])})", "mean of 2 simulated runs")


def test_relapse_band_is_the_t_interval_of_the_replications_curves():
    relapsed, not_yet = (np.array([100.0, 400.0]), np.array([True, False])), (np.array([100.0, 400.0]), np.array([False, False]))
    mean, low, high = relapse_charts.relapse_band([relapsed, not_yet], [50.0, 365.0])
    assert (mean[0], low[0], high[0]) == (0.0, 0.0, 0.0)
    expected = stats.t_interval([0.5, 0.0])
    assert (mean[1], low[1], high[1]) == pytest.approx((expected[0], expected[2], expected[3]))


def test_schedule_arithmetic():
    table = schedule_charts.schedule_arithmetic({"3x3": (3, 3), "5x3": (5, 3)}, target_hours=90, attendance=0.8,
                                                seats=24)
    assert table.loc["3x3", "hours_per_week"] == 9
    assert table.loc["3x3", "weeks_needed"] == pytest.approx(12.5)
    assert table.loc["5x3", "weeks_needed"] == pytest.approx(7.5)
    assert table.loc["3x3", "clients_per_year"] == pytest.approx(24 * 52 / 12.5)
    check(schedule_charts.schedule_chart(table, target_hours=90), "90 hours", "12.5 weeks", "7.5 weeks",
          "100 clients a year",
          "166 clients a year")


def test_work_losses_and_the_evening_track(run):
    s = run.scenario
    losses = schedule_charts.work_losses(run.events, s)
    start, end = s.run.warm_up_days, s.run.warm_up_days + s.run.horizon_days
    joins = run.events[(run.events.event == "waitlist_join") & (run.events.time >= start) & (run.events.time < end)]
    assert losses.joined.sum() == len(joins)
    assert losses.loc["works or studies by day", "joined"] == (joins.resource == "evening").sum()
    assert (losses.admitted + losses.gave_up + losses.still_waiting == losses.joined).all()
    total = schedule_charts.loss_shares([losses, losses])
    assert (total.joined == 2 * losses.joined).all() and (total.gave_up == 2 * losses.gave_up).all()
    assert total.gave_up_share.to_numpy() == pytest.approx(losses.gave_up_share.to_numpy())
    assert total.gave_up_share_low.to_numpy() == pytest.approx(losses.gave_up_share.to_numpy())  # no spread
    g = total.loc["works or studies by day"]
    check(schedule_charts.evening_track({"with": total, "again": total}), f"; {int(g.gave_up)} of {int(g.joined)})")


def test_loss_shares_interval_is_the_replications_t_interval(run):
    one = schedule_charts.work_losses(run.events, run.scenario)
    other = one.assign(gave_up_share=one.gave_up_share / 2)
    shares = schedule_charts.loss_shares([one, other]).loc["works or studies by day"]
    mean, _, low, high, _ = stats.t_interval([one.gave_up_share.iloc[0], other.gave_up_share.iloc[0]])
    assert (shares.gave_up_share, shares.gave_up_share_low, shares.gave_up_share_high) == pytest.approx((mean, low, high))


def test_kpi_bars_one_and_two_factors():
    table = pd.DataFrame({"admissions_per_year": [150.0, 120.0], "share_completed": [0.38, 0.45]},
                         index=["short", "long"])
    summary = check(program_charts.kpi_bars(table, list(table.columns), title="Two programs"), "short 150", "long 120",
                    "short 38%", "long 45%")
    assert summary.startswith("Two programs:")
    two = pd.DataFrame({"admissions_per_year": [150.0, 190.0, 120.0, 130.0]},
                       index=pd.MultiIndex.from_product([["short", "long"], ["low", "high"]]))
    chart = program_charts.kpi_bars(two, ["admissions_per_year"], title="Dose")
    check(chart, "short, high 190", "long, low 120")
    assert chart.figure.legends  # the second factor is told by a legend (and hatching), not colour alone


def test_charts_use_the_okabe_ito_palette(run):
    fig, _ = journey_charts.outcome_flow(run.events, run.scenario)
    # and the light grey of "still waiting / still in IOP", kept apart from green under colour-blindness
    allowed = {c.lower() for c in OKABE_ITO.values()} | {"#7f7f7f", journey_charts.PENDING.lower()}
    from matplotlib.colors import to_hex

    colours = {to_hex(p.get_facecolor()) for ax in fig.axes for p in ax.patches}
    assert colours and colours <= allowed


def test_summaries_are_plain_sentences(run):
    for chart in (journey_charts.outcome_flow(run.events, run.scenario),
                  capacity_charts.littles_law(run.events, run.scenario)):
        assert not re.search(r"nan|None|\{|\}", chart.summary)
