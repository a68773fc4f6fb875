"""docs/model.md says what the code does: its parameter and assumption tables are the code's,
and every calibration target and validation figure the code checks is reported there.

The calibration figures themselves move with the replications and the seed, so only the codes
are checked; `python docs/make_tables.py` writes the tables anew.
"""
import importlib.util
from pathlib import Path

import pytest

from iopsim.analysis.calibration import C10, TARGETS, VALIDATION

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "model.md"


def _load_make_tables():
    spec = importlib.util.spec_from_file_location("make_tables", ROOT / "docs" / "make_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_tables = _load_make_tables()
TEXT = DOC.read_text()
REGENERATE = "run `python docs/make_tables.py` and commit docs/model.md"


def test_the_parameter_table_is_the_codes():
    assert make_tables.region(TEXT, "parameters").strip() == make_tables.parameter_table().strip(), REGENERATE


def test_the_assumption_table_is_the_codes():
    assert make_tables.region(TEXT, "assumptions").strip() == make_tables.assumption_table().strip(), REGENERATE


def test_the_preset_table_is_the_codes():
    assert make_tables.region(TEXT, "presets").strip() == make_tables.preset_table().strip(), REGENERATE


@pytest.mark.parametrize("code", sorted({t.code for t in TARGETS.values()} | {C10[0]}))
def test_every_calibration_target_is_reported(code):
    assert f"| {code} |" in make_tables.region(TEXT, "calibration"), f"{code}: {REGENERATE}"


@pytest.mark.parametrize("code", sorted({t.code for t in VALIDATION.values()}))
def test_every_validation_figure_is_reported(code):
    assert f"| {code} |" in make_tables.region(TEXT, "validation"), f"{code}: {REGENERATE}"


def test_a_region_is_replaced_whole_and_the_text_around_it_kept():
    text = "before\n<!-- t:start -->\nold\n<!-- t:end -->\nafter\n"
    assert make_tables.replace_region(text, "t", "new") == "before\n<!-- t:start -->\nnew\n<!-- t:end -->\nafter\n"
    with pytest.raises(ValueError, match="exactly one"):
        make_tables.replace_region(text, "missing", "new")
