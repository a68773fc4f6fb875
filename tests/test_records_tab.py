"""The lab's "Start from your records" tab, pressed from Python: the example records are fitted,
the verdict and charts shown, and the fitted scenario put on the form; a bad upload is listed."""

from __future__ import annotations

import datetime

import pytest

from iopsim.core.scenario import Scenario
from iopsim.lab import ScenarioLab
from iopsim.lab.records_tab import TITLE


@pytest.fixture
def lab():
    return ScenarioLab(reps=2, seed=1)


def test_the_tab_fits_the_example_and_loads_the_fitted_scenario(lab):
    tab = lab.records
    assert TITLE in lab.page.outputs.titles and tab.fit_button.disabled
    tab.widget.children[1].children[1].click()  # "Use the example records"
    assert "episodes" in lab.message.value and not tab.fit_button.disabled
    tab.fit_button.click()
    assert "figures from the records lie within" in tab.text.value
    assert "<img" in tab.charts.value and "fit_report.html" in tab.files.value
    tab.load_button.click()
    shown = lab.form.to_scenario()
    assert shown == tab.fitted.scenario and shown.referrals.per_week != Scenario().referrals.per_week


def test_a_bad_upload_lists_its_problems_by_row_and_column(lab):
    tab = lab.records
    tab.upload.value = ({"name": "mine.csv", "type": "text/csv", "size": 40,
                         "content": memoryview(b"referral_date,placement\n2024-13-01,iop\n"),
                         "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    assert "mine.csv" in lab.message.value and "column discharge_date" in lab.message.value
    assert tab.records is None and tab.fit_button.disabled
