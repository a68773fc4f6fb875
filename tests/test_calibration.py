"""The default scenario reproduces the published figures of MODEL.md section 4 (C1-C10) at steady
state, and reports the validation figures it was not fitted to.

One call of `calibration.check(reps=16)` on the test seed is shared by every test (each one a
statistical claim: benchmarks/seed_sweep.py runs them on several seeds); each target is its own test, so
a failure names the target (code, KPI, allowed range and the model's value).  Validation rows are
checked for being there, sourced and measured, never for holding: a miss is a finding.
"""

from __future__ import annotations

import math
import os

import pytest

from iopsim.analysis import calibration

pytestmark = [pytest.mark.slow, pytest.mark.statistical]

SHAPE_ROW = "relapse curve flattens"


@pytest.fixture(scope="module")
def table():
    # 32 replications: C5 sits near its upper bound (about 0.58 of 0.6), and 16 left it outside on
    # one seed in five with a standard error of 0.01
    return calibration.check(reps=32, seed=int(os.environ.get("IOPSIM_TEST_SEED", "0")))


def test_table_has_every_target_code(table):
    calibration_rows = table[table.kind == "calibration"]
    assert {"C1", "C2", "C3", "C4", "C5", "C6", "C8", "C9", "C10"} <= set(calibration_rows.target)
    assert len(calibration_rows) == len(calibration.TARGETS) + 2  # a row per KPI target, the curve's shape, C10
    assert set(table.kind) == {"calibration", "validation"}


def test_validation_figures_are_reported_apart_with_sources(table):
    rows = table[table.kind == "validation"]
    assert len(rows) == len(calibration.VALIDATION) >= 3
    assert list(rows.target) == [t.code for t in calibration.VALIDATION.values()]
    assert all(code.startswith("V") for code in rows.target)
    assert not set(calibration.VALIDATION) & set(calibration.TARGETS), "a figure is either fitted or validated"
    for _, row in rows.iterrows():
        assert len(row.source) > 40 and any(ch.isdigit() for ch in row.source), row.what  # a full citation
        assert row.low <= row.published <= row.high, row.what
        assert math.isfinite(row.model), f"{row.target} {row.what}: not measured"
        assert bool(row.holds) == (row.low <= row.model <= row.high), row.what  # reported as measured


def test_every_target_range_contains_its_published_value(table):
    for _, row in table.iterrows():
        if not math.isnan(row.published):
            assert row.low <= row.published <= row.high, row.what


@pytest.mark.parametrize("kpi", list(calibration.TARGETS), ids=lambda k: f"{calibration.TARGETS[k].code}-{k}")
def test_target_holds(table, kpi):
    target = calibration.TARGETS[kpi]
    rows = table[table.what == target.what]
    assert len(rows) == 1, f"{target.code} {kpi}: missing from the table"
    row = rows.iloc[0]
    assert row.target == target.code
    assert target.low <= row.model <= target.high, (
        f"{target.code} {target.what}: model {row.model:.4g} outside [{target.low:.4g}, {target.high:.4g}] "
        f"(published {target.published:g}, {target.source})")
    assert bool(row.holds)


def test_c6_relapse_curve_is_steep_then_flattening(table):
    rows = table[(table.target == "C6") & table.what.str.contains("flatten")]
    assert len(rows) == 1, f"C6 {SHAPE_ROW}: missing from the table"
    row = rows.iloc[0]
    assert bool(row.holds), f"C6 {SHAPE_ROW}: relapses per month 0-3, 3-6, 6-12 months = {row.detail}"
    per_month = [float(x) for x in row.detail.split(" > ")]
    assert per_month[0] > per_month[1] > per_month[2] >= 0


def test_c10_a_shorter_wait_keeps_more_admitted_clients_to_the_fourth_session(table):
    row = table[table.target == "C10"].iloc[0]
    assert bool(row.holds) and row.model > 0, f"C10: early retention difference {row.model:+.3f} ({row.detail})"
