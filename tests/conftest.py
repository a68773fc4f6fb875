"""Shared helpers for the model tests: building scenarios, running them, reading the event log.

Everything here reads only the public API (`iopsim.simulate`, `Scenario.replace`, the event log
columns), so the tests stay valid however the model computes a client's journey inside.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import iopsim
from browser_helpers import ARTIFACTS, launch_chromium, need_browser
from iopsim.core.scenario import Scenario

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOUR = 1 / 24
# slack for comparing clock times computed in different ways (days)
TIME_EPS = 1e-6


def scenario(**changes) -> Scenario:
    """The default scenario with dotted-path changes, validated."""
    return Scenario().replace(**changes)


def run(s: Scenario, seed: int = 0):
    return iopsim.simulate(s, seed=seed)


def rows(events: pd.DataFrame, name: str) -> pd.DataFrame:
    """The rows of one event, with plain (non-categorical) text columns."""
    frame = events[events.event == name].copy()
    for col in ("event", "stage", "resource", "detail"):
        frame[col] = frame[col].astype(str)
    return frame


def first_time(events: pd.DataFrame, name: str) -> pd.Series:
    """Time of the first `name` event per (client, episode)."""
    return rows(events, name).groupby(["client", "episode"]).time.first()


def track_of(resource: str) -> str:
    """'day group 2' -> 'day'."""
    return resource.rsplit(" group ", 1)[0]


def step_level_max(changes: list[tuple[float, int]]) -> int:
    """Largest running total of +1/-1 changes, leaves before joins at equal times.

    Processing leaves first at ties gives the smallest honest peak: a seat freed at t may be
    taken again at t.
    """
    level = peak = 0
    for _, delta in sorted(changes, key=lambda c: (c[0], c[1])):
        level += delta
        peak = max(peak, level)
    return peak


def time_on(joins: pd.Series, leaves: pd.Series, end: float) -> np.ndarray:
    """Per joining episode, time from join to leave (or to `end` when still there)."""
    left = leaves.reindex(joins.index).to_numpy(dtype=float)
    left = np.where(np.isnan(left), end, left)
    return left - joins.to_numpy(dtype=float)


@pytest.fixture
def test_seed() -> int:
    """The seed of the statistical tests: IOPSIM_TEST_SEED (default 0), so that
    benchmarks/seed_sweep.py can run every claim on several seeds."""
    return int(os.environ.get("IOPSIM_TEST_SEED", "0"))


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the browser tests (skipped where there is none)."""
    need_browser()
    from playwright.sync_api import sync_playwright  # playwright: lazy-loaded, a test-only tool

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
