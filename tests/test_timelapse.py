"""The time-lapse's positions are the event log's: one place per client, counts equal to the model's levels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

import iopsim
from iopsim.analysis import monitors
from iopsim.present import timelapse
from iopsim.analysis.kpis import in_system_at_end
from iopsim.core.vocabulary import STAGE_AFTER
from iopsim.core.scenario import Scenario

OUT_EVENTS = {"exit", "reneged"}


@pytest.fixture(scope="module")
def run():
    # busy enough to have a waitlist, readmissions and every stage; short enough to be quick
    return iopsim.simulate(Scenario().replace(**{"run.warm_up_days": 0.0, "run.horizon_days": 300.0,
                                                 "referrals.per_week": 8.0}), seed=7)


@pytest.fixture(scope="module")
def stays(run):
    return timelapse.segments(run.events)


def level_before(step, t):
    """A monitors.level step function's value just before time t (changes at times < t)."""
    times, levels = step
    k = np.searchsorted(times, t, side="left") - 1
    return levels[k] if k >= 0 else 0.0


def test_each_client_is_in_one_place_at_a_time(stays):
    for client, rows in stays.groupby("client"):
        start, end = rows.start.to_numpy(), rows.end.to_numpy()
        assert np.all(end > start)
        assert np.all(start[1:] >= end[:-1]), client  # stays follow one another, never overlap
    assert set(stays.place) <= {"assessment", "waitlist", "iop:day", "iop:evening", "op", "aftercare"}


def test_positions_match_the_log_read_client_by_client(run, stays):
    """Who is in care at the end of a day, read directly from each client's last event before it."""
    events = run.events
    for day in (30, 95, 180, 300):
        before = events[events.time < day + 1]
        last = before.groupby("client").tail(1).set_index("client")
        in_care = {c for c, row in last.iterrows()
                   if row.event not in OUT_EVENTS and not (row.event == "relapse" and row.stage == "community")}
        here = timelapse.positions(events, day)
        assert here.client.is_unique
        assert set(here.client) == in_care, day
        for c, place in zip(here.client, here.place):
            event = str(last.loc[c, "event"])
            expected = STAGE_AFTER[event]
            if expected == "iop":
                assert place.startswith("iop:")
            elif expected is not None:
                assert place == expected, (day, c, event)


def test_counts_equal_the_models_waitlist_and_census_every_day(run, stays):
    events = run.events
    t, e, stage = events.time.to_numpy(), events.event.astype(str).to_numpy(), events.stage.astype(str).to_numpy()
    left_waitlist = (e == "admitted") | ((e == "exit") & (stage == "waitlist"))  # or gave up, or relapsed and left
    waitlist = monitors.level(t[e == "waitlist_join"], t[left_waitlist])
    census = monitors.level(t[e == "admitted"], t[e == "iop_discharge"])
    days = np.arange(0, int(math.ceil(run.end)))
    counts = timelapse.counts(events, days, stays=stays)
    iop = counts[[c for c in counts.columns if c.startswith("iop:")]].sum(axis=1)
    for day in days:
        assert counts.loc[day, "waitlist"] == level_before(waitlist, day + 1), day
        assert iop.loc[day] == level_before(census, day + 1), day
    seats = sum(tr.groups * tr.group_cap for tr in run.scenario.tracks.tracks)
    assert iop.max() <= seats and counts["waitlist"].max() > 0


def test_counts_on_the_last_day_equal_the_clients_still_in_care(run, stays):
    last = int(math.ceil(run.end)) - 1
    here = timelapse.positions(None, last, stays=stays).place.value_counts().to_dict()
    merged = {}
    for place, n in here.items():
        key = "iop" if place.startswith("iop:") else place
        merged[key] = merged.get(key, 0) + n
    assert merged == in_system_at_end(run.events, run.end)
    assert merged == {k: v for k, v in run.in_system.items() if v}


def test_places_follow_the_journey_and_label_plainly(run):
    assert timelapse.places(run.events, run.scenario) == [
        "assessment", "waitlist", "iop:day", "iop:evening", "op", "aftercare"]
    assert set(timelapse.places(run.events)) == set(timelapse.places(run.events, run.scenario))  # tracks from the log
    assert timelapse.place_label("iop:evening") == "IOP: evening track"
    assert timelapse.short_label("op") == "Step-down OP"


def test_frames_place_every_dot_in_its_box(run):
    frames = timelapse.Frames(run.events, run.scenario)
    assert frames.days[0] == 0 and frames.days[-1] == int(math.floor(run.events.time.max()))
    for day in (50, 150, 250):
        xy, colours, here = frames.dots(day)
        assert len(xy) == len(colours) == len(here)
        for (x, y), place in zip(xy, here.place):
            bx, by, bw, bh = frames.boxes[place]
            assert bx <= x <= bx + bw and by <= y <= by + bh, (day, place)
        assert len({tuple(p) for p in xy}) == len(xy)  # no two clients on one spot
        summary = frames.summary(day)
        assert summary.startswith(f"Day {day} (")
        for place, n in frames.counts.loc[day].items():
            assert f"{n} in " in summary


def test_snapshot_and_widget(run):
    fig, summary = timelapse.snapshot(run.events, run.scenario, 150)
    assert isinstance(fig, Figure) and "Day 150" in summary and "seats" in summary
    lapse = timelapse.TimeLapse(run)
    start = int(run.scenario.run.warm_up_days)
    assert lapse.slider.value == start and f"Day {start} (" in lapse.summary.value
    first = lapse.image.value
    assert first[:4] == b"\x89PNG"
    lapse.slider.value = start + 60
    assert f"Day {start + 60} (" in lapse.summary.value and lapse.image.value != first
    assert set(lapse._cache) == {start, start + 60}  # drawn once each, kept for stepping back
