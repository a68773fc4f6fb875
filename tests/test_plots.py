"""Charts: each returns a Figure and a one-line summary holding the numbers it draws.

The inputs are small hand-made DataFrames of the shapes that iopsim.replicate, compare,
sensitivity and warmup_curve return, so these tests need no simulation.
"""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from iopsim.present import plots
from iopsim.analysis.catalogue import BY_NAME


def summary_frame() -> pd.DataFrame:
    rows = {
        "wait_referral_to_assessment_median_days": (4.92, 4.46, 5.37),
        "seat_utilisation": (0.781, 0.693, 0.868),
        "admissions_per_year": (162.4, 149.2, 175.3),
        "cost_per_admission": (2153.0, 1989.0, 2316.0),
    }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "ci_low", "ci_high"])
    frame["sd"] = 1.0
    frame["n"] = 10
    frame["unit"] = [BY_NAME[k].unit for k in frame.index]
    frame["meaning"] = [BY_NAME[k].meaning for k in frame.index]
    return frame.rename_axis("kpi")


def differences_frame() -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples(
        [("More staff", "wait_assessment_to_start_median_days"), ("More staff", "seat_utilisation"),
         ("Walk-in", "wait_assessment_to_start_median_days"), ("Walk-in", "seat_utilisation")],
        names=["alternative", "kpi"])
    return pd.DataFrame({
        "mean_diff": [-2.31, -0.054, 0.4, 0.118],
        "sd_diff": [1.0, 0.02, 1.0, 0.01],
        "ci_low": [-3.12, -0.071, -0.25, 0.1],
        "ci_high": [-1.5, -0.037, 1.05, 0.137],
        "n": [10] * 4,
        "baseline_mean": [7.7, 0.78, 7.7, 0.78],
        "alternative_mean": [5.39, 0.726, 8.1, 0.898],
        "direction": [""] * 4,
    }, index=index)


def sensitivity_frame() -> pd.DataFrame:
    frame = pd.DataFrame({
        "parameter": ["referrals.per_week", "staff.iop_counsellors", "treatment.attendance_mean"],
        "value_low": [5.0, 1, 0.65], "value_high": [9.0, 3, 0.9],
        "value_baseline": [7.0, 2, 0.8],
        "kpi_low": [1.2, 12.5, 6.0], "kpi_high": [14.8, 2.1, 4.1], "baseline": [4.9] * 3,
        "swing": [13.6, 10.4, 1.9],
    })
    frame.attrs["kpi"] = "wait_assessment_to_start_median_days"
    return frame


def warmup_frame() -> pd.DataFrame:
    day = np.arange(0, 364, 7.0)
    census = 20 * (1 - np.exp(-day / 40))
    waitlist = 5 * (1 - np.exp(-day / 60))
    return pd.DataFrame({"day": day, "census_mean": census, "waitlist_mean": waitlist,
                         "census_moving_average": census, "waitlist_moving_average": waitlist})


def texts(fig: Figure) -> list[Text]:
    fig.canvas.draw()  # creates the tick labels
    return [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]


def check_chart(chart: plots.Chart) -> None:
    fig, summary = chart  # unpacks like a tuple
    assert isinstance(fig, Figure) and fig is chart.figure
    assert isinstance(summary, str) and summary == chart.summary
    assert "\n" not in summary and summary.endswith(".")
    sizes = {t.get_text(): t.get_fontsize() for t in texts(fig)}
    small = {text: size for text, size in sizes.items() if size < 12}
    assert not small, f"text below 12 pt: {small}"


def test_kpi_intervals_summary_has_the_numbers_it_draws():
    chart = plots.kpi_intervals(summary_frame(), ["wait_referral_to_assessment_median_days", "seat_utilisation",
                                                  "admissions_per_year", "cost_per_admission"])
    check_chart(chart)
    s = chart.summary
    for number in ("4.92 days", "4.46", "5.37", "78.1%", "69.3%", "86.8%", "162", "149", "175",
                   "$2,153", "$1,989", "$2,316", "10 replications"):
        assert number in s, (number, s)
    assert len(chart.figure.axes) == 4
    # each row draws its mean, and the numbers are written on the chart too
    drawn = " ".join(t.get_text() for t in texts(chart.figure))
    assert "4.92 days" in drawn and "78.1%" in drawn


def test_kpi_intervals_takes_an_experiment_and_defaults_to_key_kpis():
    class Experiment:
        summary = summary_frame()

    chart = plots.kpi_intervals(Experiment())
    check_chart(chart)
    assert "Seats in use" in chart.summary and "IOP admissions per year" in chart.summary


def test_kpi_intervals_unknown_kpi_is_a_clear_error():
    with pytest.raises(ValueError, match="did you mean 'seat_utilisation'"):
        plots.kpi_intervals(summary_frame(), ["seat_utilization"])


def test_comparison_intervals_per_alternative_with_zero_line():
    chart = plots.comparison_intervals(differences_frame(), "wait_assessment_to_start_median_days",
                                       baseline="Today")
    check_chart(chart)
    s = chart.summary
    assert "More staff -2.31 days" in s and "-3.12" in s and "-1.50" in s and "lower (better)" in s
    assert "Walk-in +0.40 days" in s and "-0.25" in s and "+1.05" in s and "no clear change" in s
    assert "Today" in s
    ax = chart.figure.axes[0]
    zero = [line for line in ax.lines if list(line.get_xdata()) == [0, 0]]
    assert zero, "a vertical line at zero"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Walk-in", "More staff"]  # first on top


def test_comparison_intervals_shares_in_percentage_points():
    chart = plots.comparison_intervals(differences_frame(), "seat_utilisation")
    check_chart(chart)
    assert "-5.40 percentage points" in chart.summary and "+11.8 percentage points" in chart.summary
    # utilisation: neither direction is simply better
    assert "-5.40 percentage points (95% interval -7.10 to -3.70 percentage points), lower;" in chart.summary
    assert chart.summary.endswith("), higher.")


def test_comparison_intervals_takes_a_comparison_and_names_its_baseline():
    class Comparison:
        experiments = {"Now": None, "More staff": None, "Walk-in": None}
        differences = differences_frame()

    chart = plots.comparison_intervals(Comparison(), "seat_utilisation")
    assert "change from Now" in chart.summary
    with pytest.raises(ValueError, match="unknown KPI"):
        plots.comparison_intervals(Comparison(), "no_such_kpi")


def test_tornado_widest_swing_first():
    chart = plots.tornado(sensitivity_frame())
    check_chart(chart)
    s = chart.summary
    assert "baseline 4.90 days" in s
    assert s.index("referrals.per_week") < s.index("staff.iop_counsellors") < s.index("treatment.attendance_mean")
    for number in ("1.20 days", "14.8 days", "12.5 days", "2.10 days", "5 to 9", "1 to 3", "0.65 to 0.9"):
        assert number in s, (number, s)
    ax = chart.figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "referrals.per_week\n(now 7)"  # widest on top
    assert any(list(line.get_xdata()) == [4.9, 4.9] for line in ax.lines)  # baseline line


def test_tornado_sorts_an_unsorted_frame():
    frame = sensitivity_frame().iloc[::-1].reset_index(drop=True)
    frame.attrs["kpi"] = "wait_assessment_to_start_median_days"
    s = plots.tornado(frame).summary
    assert s.index("referrals.per_week") < s.index("treatment.attendance_mean")


def test_warmup_two_panels_and_the_numbers():
    curve = warmup_frame()
    chart = plots.warmup(curve, warm_up_days=91)
    check_chart(chart)
    s = chart.summary
    last_census = f"{curve.census_moving_average.iloc[-1]:.1f}"
    last_waitlist = f"{curve.waitlist_moving_average.iloc[-1]:.2f}"
    assert last_census in s and last_waitlist in s, s
    assert "day 91" in s and "day 357" in s
    assert len(chart.figure.axes) == 2


def test_chart_embeds_as_png_with_its_summary_as_alt_text():
    chart = plots.kpi_intervals(summary_frame(), ["seat_utilisation"])
    assert chart.png().startswith(b"\x89PNG")
    html = chart._repr_html_()
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="[^"]*78.1%', html)
    assert "<figcaption>" in html


def test_palette_is_okabe_ito_and_nothing_touches_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    chart = plots.comparison_intervals(differences_frame(), "wait_assessment_to_start_median_days")
    assert plt.get_fignums() == before  # figures are not left open in pyplot
    colours = {matplotlib.colors.to_hex(line.get_color()).upper() for line in chart.figure.axes[0].lines
               if line.get_marker() not in (None, "None", "")}
    assert colours <= {c.upper() for c in plots.OKABE_ITO.values()} | {plots.GREY.upper()}


def test_warmup_reads_warmup_curve_columns_and_settled_days():
    """The shape iopsim.warmup_curve returns: start_day, census, census_ma, ..., attrs settled_day."""
    day = np.arange(0, 364, 7.0)
    census = 20 * (1 - np.exp(-day / 40))
    frame = pd.DataFrame({"bin": np.arange(day.size), "start_day": day, "end_day": day + 7,
                          "census": census, "waitlist": day / 50,
                          "census_ma": census, "waitlist_ma": day / 50})
    frame["census_ma"] = frame["census_ma"].where(frame["bin"] < day.size - 4)  # Welch: NaN at the end
    frame["census_settled"] = day >= 98
    frame["waitlist_settled"] = False
    frame["settled"] = False
    frame.attrs["settled_day"] = {"census": 98.0, "waitlist": float("nan")}
    frame.attrs["suggested_warm_up_days"] = float("nan")
    chart = plots.warmup(frame, warm_up_days=float("nan"))  # suggested_warm_up's "never settled"
    check_chart(chart)
    s = chart.summary
    assert "settled from day 98" in s and "not settled by the end" in s
    assert f"{frame.census_ma.dropna().iloc[-1]:.1f} clients" in s
    assert "warm-up set to end" not in s and "no warm-up can be suggested" in s
    frame.attrs.update(warm_up_days=91.0, suggested_warm_up_days=98.0)
    s = plots.warmup(frame).summary  # the scenario's warm-up from the curve's attrs
    assert "warm-up set to end on day 91" in s and "suggested warm-up 98 days" in s
