"""The KPI catalogue, KPIs recomputed independently from the event log, and client stories."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import iopsim
from iopsim.analysis import kpis
from iopsim.core.calendar import WEEKDAYS
from iopsim.core.treatment import IOP_OUTCOMES
from iopsim.core.scenario import Scenario
from iopsim.analysis import catalogue
from iopsim.core import vocabulary
from iopsim.core.vocabulary import DISCHARGE_CODES

WARM_UP, HORIZON = 30.0, 120.0
END = WARM_UP + HORIZON


def short_scenario() -> Scenario:
    return Scenario().replace(**{"run.horizon_days": HORIZON, "run.warm_up_days": WARM_UP})


@pytest.fixture(scope="module", params=[1, 2, 3], ids=lambda s: f"seed{s}")
def run(request):
    return iopsim.simulate(short_scenario(), seed=request.param)


@pytest.fixture(scope="module")
def run1():
    return iopsim.simulate(short_scenario(), seed=1)


def inside(frame):
    return frame[(frame.time >= WARM_UP) & (frame.time < END)]


def of(events, name):
    frame = events[events.event == name].copy()
    frame["detail"] = frame["detail"].astype(str)
    return frame


# ------------------------------------------------------------------------------ catalogue
def test_catalogue_names_are_unique_and_are_the_kpis(run1):
    names = [k.name for k in catalogue.CATALOGUE]
    assert len(names) == len(set(names))
    assert list(catalogue.NAMES) == names
    assert set(run1.kpis) == set(names)
    assert len(run1.kpis) == len(names)


def test_every_kpi_has_a_unit_meaning_label_phrase_direction_and_heading():
    for k in catalogue.CATALOGUE:
        assert isinstance(k.unit, str) and k.unit.strip(), k.name
        assert isinstance(k.meaning, str) and len(k.meaning.split()) >= 2, k.name
        assert k.label[:1].isupper() and k.phrase, k.name
        assert k.better in (catalogue.LOWER, catalogue.HIGHER, catalogue.NEITHER), k.name
        assert k.group in catalogue.GROUPS, k.name
    assert len({k.label for k in catalogue.CATALOGUE}) == len(catalogue.CATALOGUE)
    assert len({k.phrase for k in catalogue.CATALOGUE}) == len(catalogue.CATALOGUE)


def test_the_named_sets_hold_catalogue_kpis_once_each():
    assert set(catalogue.SETS) == {"headline", "key", "results", "cost", "sweep", "debrief", "precision"}
    for name, members in catalogue.SETS.items():
        assert members and set(members) <= set(catalogue.NAMES), name
        assert len(set(members)) == len(members), name
    assert set(catalogue.HEADLINE) <= set(catalogue.KEY) <= set(catalogue.RESULTS)


def test_kpis_and_the_time_lapse_read_the_same_stage_after_each_event():
    assert set(vocabulary.STAGE_AFTER) == set(vocabulary.EVENT_TYPES)
    assert vocabulary.stage_after("relapse", "community") == vocabulary.OUT
    assert vocabulary.stage_after("relapse", "op") == "op"
    assert vocabulary.stage_after("admitted", "waitlist") == vocabulary.IOP


def test_kpis_are_numbers(run):
    for name, value in run.kpis.items():
        assert isinstance(value, (int, float, np.integer, np.floating)), name


def test_share_kpis_lie_between_0_and_1(run):
    shares = [k.name for k in catalogue.CATALOGUE if k.unit == "share"]
    assert {f"share_{o}" for o in IOP_OUTCOMES} <= set(shares)
    for name in shares:
        value = run.kpis[name]
        assert math.isnan(value) or 0.0 <= value <= 1.0, (name, value)


def test_discharge_shares_sum_to_one(run):
    k = run.kpis
    assert k["discharges"] > 0
    assert sum(k[f"share_{o}"] for o in IOP_OUTCOMES) == pytest.approx(1.0)


# ---------------------------------------------------- KPIs recomputed from the event log
def test_counts_match_the_event_log(run):
    ev, k = run.events, run.kpis
    assert k["admissions"] == len(inside(of(ev, "admitted")))
    assert k["referrals"] == len(inside(of(ev, "referral")))
    assert k["discharges"] == len(inside(of(ev, "iop_discharge")))
    assert k["assessed"] == len(inside(of(ev, "assessed")))
    exits = inside(of(ev, "exit"))
    assert k["lost_reneged"] == (exits.detail == "reneged").sum()
    assert k["lost_no_show"] == (exits.detail == "no_show").sum()
    assert k["admissions_per_year"] == pytest.approx(k["admissions"] * 365 / HORIZON)
    assert k["referrals_per_week"] == pytest.approx(k["referrals"] * 7 / HORIZON)


def test_discharge_shares_match_the_event_log(run):
    discharges = inside(of(run.events, "iop_discharge"))
    for outcome in IOP_OUTCOMES:
        assert run.kpis[f"share_{outcome}"] == pytest.approx(np.mean(discharges.detail == outcome))


def test_length_of_stay_matches_the_event_log(run):
    discharges = inside(of(run.events, "iop_discharge"))
    assert run.kpis["los_median_days"] == pytest.approx(np.median(discharges.value))
    completed = discharges[discharges.detail == "completed"]
    if len(completed):
        assert run.kpis["los_median_completed_days"] == pytest.approx(np.median(completed.value))


def test_validation_kpis_match_the_event_log(run):
    ev, k = run.events, run.kpis
    discharges = inside(of(ev, "iop_discharge"))
    for code in ("transferred", "terminated"):
        los = discharges[discharges.detail == code].value
        if len(los):
            assert k[f"los_median_{code}_days"] == pytest.approx(np.median(los))
    assert k["retained_90_days_share"] == pytest.approx(np.mean(discharges.value >= 90))
    admitted = inside(of(ev, "admitted")).set_index(["client", "episode"]).time
    referred = of(ev, "referral").groupby(["client", "episode"]).time.first()
    assert k["wait_referral_to_start_mean_days"] == pytest.approx((admitted - referred.loc[admitted.index]).mean())
    followed = admitted[admitted <= END - 42.0].index
    groups = of(ev, "group_attended").groupby(["client", "episode"]).size().reindex(followed, fill_value=0)
    came = groups[groups >= 1]
    assert k["first_to_second_session_share"] == pytest.approx(np.mean(came >= 2))
    assert k["first_to_fourth_session_share"] == pytest.approx(np.mean(came >= 4))


def overlap_average(joins, leaves, start, end):
    """Time-weighted mean number present: each stay [join, leave) counts for its overlap with the window."""
    overlap = np.clip(np.minimum(leaves, end) - np.maximum(joins, start), 0, None)
    return overlap.sum() / (end - start)


def stays(events, join_event, leave_events):
    """Per (client, episode): join time and the first leaving time after it (inf if still there)."""
    joins = of(events, join_event).groupby(["client", "episode"]).time.first()
    leaving = events[events.event.isin(leave_events)].groupby(["client", "episode"], observed=True).time.first()
    leaves = leaving.reindex(joins.index).to_numpy(dtype=float)
    return joins.to_numpy(dtype=float), np.where(np.isnan(leaves), np.inf, leaves)


def test_waitlist_mean_is_time_weighted(run):
    joins, leaves = stays(run.events, "waitlist_join", ["admitted", "exit"])  # admitted, gave up, or relapsed and left
    assert (leaves >= joins).all()
    assert run.kpis["waitlist_mean"] == pytest.approx(overlap_average(joins, leaves, WARM_UP, END), rel=1e-9)


def test_census_mean_is_time_weighted(run):
    joins, leaves = stays(run.events, "admitted", ["iop_discharge"])
    assert run.kpis["census_mean"] == pytest.approx(overlap_average(joins, leaves, WARM_UP, END), rel=1e-9)
    assert run.kpis["seat_utilisation"] == pytest.approx(run.kpis["census_mean"] / run.kpis["seats"])


def test_waits_match_the_event_log(run):
    ev = run.events
    referral = of(ev, "referral").groupby(["client", "episode"]).time.first()
    assessed = inside(of(ev, "assessed"))
    waits = assessed.time.to_numpy() - referral.reindex(list(zip(assessed.client, assessed.episode))).to_numpy()
    assert run.kpis["wait_referral_to_assessment_median_days"] == pytest.approx(np.median(waits))


# ---------------------------------------------------------------------------------- story
DATED = re.compile(r"^  Day (\d+) \((Mon|Tue|Wed|Thu|Fri|Sat|Sun)\): \S")
NOT_TOLD = {"group_attended", "group_missed", "individual_session", "individual_missed", "individual_cancelled",
            "group_cancelled", "medication_review", "op_session", "op_no_show",
            "family_session", "family_missed", "family_cancelled", "drug_test"}  # summed up with the admission


def client_with_outcome(events, outcome=None):
    d = of(events, "iop_discharge")
    if outcome is not None:
        d = d[d.detail == outcome]
    return None if d.empty else int(d.client.iloc[0])


def told_events(events, client):
    """The events a story tells one by one: groups are summarised, an IOP exit is told with the discharge."""
    rows = events[events.client == client].copy()
    rows["detail"] = rows["detail"].astype(str)
    rows["event"] = rows["event"].astype(str)
    exit_told_already = (rows.event == "exit") & rows.detail.isin(IOP_OUTCOMES)
    return rows[~rows.event.isin(NOT_TOLD) & ~exit_told_already].sort_values(["episode", "time"], kind="stable")


def test_every_discharge_code_has_its_own_wording():
    for words in ("name", "told"):
        assert len({getattr(code, words) for code in DISCHARGE_CODES.values()}) == len(IOP_OUTCOMES)


@pytest.mark.parametrize("outcome", [None, *IOP_OUTCOMES])
def test_story_of_a_client_discharged_from_iop(run1, outcome):
    ev = run1.events
    client = client_with_outcome(ev, outcome)
    if client is None:
        pytest.skip(f"no '{outcome}' discharge in this short run")
    text = run1.story(client)
    detail = of(ev, "iop_discharge").query("client == @client").detail.iloc[0]
    assert "referred" in text
    assert "started IOP" in text
    assert DISCHARGE_CODES[detail].told in text


def test_story_has_one_dated_line_per_event(run1):
    ev = run1.events
    clients = of(ev, "iop_discharge").client.unique()[:10].tolist() + [1, 2, 3]
    for client in clients:
        lines = run1.story(client).splitlines()
        assert lines[0].startswith("Episode 1")
        dated = [line for line in lines if not line.startswith("Episode ")]
        days = []
        for line in dated:
            m = DATED.match(line)
            assert m, f"client {client}: {line!r}"
            day = int(m.group(1))
            assert m.group(2) == WEEKDAYS[day % 7]
            days.append(day)
        told = told_events(ev, client)
        assert days == np.floor(told.time).astype(int).tolist(), f"client {client}"
        episodes = sorted(ev[ev.client == client].episode.unique())
        assert [line for line in lines if line.startswith("Episode ")] == [f"Episode {e}:" for e in episodes]


def test_story_of_an_unknown_client_raises_key_error(run1):
    with pytest.raises(KeyError):
        run1.story(10**9)
    with pytest.raises(KeyError):
        run1.story(0)
