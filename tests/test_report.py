"""The HTML report and the exported tables, on hand-made results of the shapes iopsim returns.

The report is parsed with the standard library's html.parser (as a browser would read it): it
must hold the KPI table under its headings, embedded charts, the seed, the scenario's parameters
and nothing that reaches outside the file.
"""

from __future__ import annotations

import base64
import csv
import math
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

import iopsim
from iopsim.analysis import catalogue
from iopsim.analysis.catalogue import CATALOGUE, NAMES
from iopsim.analysis.stats import direction_words
from iopsim.core import formatting
from iopsim.present import exports, report, text_tables
from iopsim.present.html import Cell, Row, render, table
from iopsim.core.scenario import Scenario

MORE_STAFF = {"staff.iop_counsellors": Scenario().staff.iop_counsellors + 1}  # one more than the default


# ------------------------------------------------------------------------ hand-made results
def summarise(per_rep: pd.DataFrame) -> pd.DataFrame:
    x = per_rep[list(NAMES)]
    n = x.count()
    mean, sd = x.mean(), x.std(ddof=1)
    half = 2.776 * sd / np.sqrt(n)  # t(0.975, 4) for five replications
    return pd.DataFrame({"mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half, "n": n,
                         "unit": [k.unit for k in CATALOGUE], "meaning": [k.meaning for k in CATALOGUE]}
                        ).rename_axis("kpi")


def fake_experiment(scenario: Scenario, seed: int = 7, shift: float = 0.0, reps: int = 5) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    base = np.array([1.0 + i for i in range(len(NAMES))])
    values = base + shift + rng.normal(0, 0.1, (reps, len(NAMES)))
    per_rep = pd.DataFrame(values, columns=list(NAMES), index=pd.RangeIndex(reps, name="rep"))
    per_rep["share_completed"] = 0.38 + shift / 100 + rng.normal(0, 0.01, reps)
    per_rep["relapse_12m_after_completion"] = math.nan  # nothing to count in a short run
    return SimpleNamespace(scenario=scenario, seed=seed, reps=reps, per_rep=per_rep, summary=summarise(per_rep),
                           precision=None)


def fake_comparison(scenarios: dict[str, Scenario]) -> SimpleNamespace:
    experiments = {name: fake_experiment(s, shift=i) for i, (name, s) in enumerate(scenarios.items())}
    names = list(experiments)
    base = experiments[names[0]]
    frames = {}
    for name in names[1:]:
        d = experiments[name].per_rep[list(NAMES)] - base.per_rep[list(NAMES)]
        s = summarise(d.assign())
        frames[name] = pd.DataFrame({
            "mean_diff": s["mean"], "sd_diff": s["sd"], "ci_low": s["ci_low"], "ci_high": s["ci_high"],
            "n": s["n"], "baseline_mean": base.summary["mean"],
            "alternative_mean": experiments[name].summary["mean"], "direction": ""})
    differences = pd.concat(frames, names=["alternative", "kpi"])
    verdicts = {n: f"{n} admits more clients <and> waits are shorter & fewer are lost." for n in names[1:]}
    return SimpleNamespace(experiments=experiments, differences=differences, verdicts=verdicts)


class Page(HTMLParser):
    """What a reader of the page gets: tags, table rows, images, links and the visible text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.rows: list[list[str]] = []
        self.images: list[dict[str, str]] = []
        self.refs: list[str] = []
        self.text: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._open: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag not in ("img", "meta", "br", "link"):
            self._open.append(tag)
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "img":
            self.images.append(attrs)
        for key in ("href", "src"):
            if attrs.get(key):
                self.refs.append(attrs[key])

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)

    def row(self, first_cell: str) -> list[str]:
        return next(r for r in self.rows if r and r[0] == first_cell)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario(name="Riverside <IOP> & partners").replace(**{"run.horizon_days": 60, "run.warm_up_days": 7})


@pytest.fixture(scope="module")
def experiment_page(tmp_path_factory, scenario):
    experiment = fake_experiment(scenario)
    path = report.experiment_report(experiment, tmp_path_factory.mktemp("exp") / "report.html")
    return experiment, path, path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def comparison_page(tmp_path_factory, scenario):
    more = scenario.replace(**{"name": "More staff", **MORE_STAFF})
    walk = scenario.replace(**{"name": "Walk-in", "intake.mode": "walk_in"})
    comparison = fake_comparison({"Today": scenario, "More staff": more, "Walk-in": walk})
    path = report.comparison_report(comparison, tmp_path_factory.mktemp("cmp") / "report.html")
    return comparison, path, path.read_text(encoding="utf-8")


# ------------------------------------------------------------------------ experiment report
def test_experiment_report_is_valid_self_contained_html(experiment_page):
    _, path, html = experiment_page
    assert path.name == "report.html"
    page = Page(html)
    assert html.startswith("<!DOCTYPE html>")
    assert page._open == [], f"unclosed tags: {page._open}"
    assert "title" in page.tags and "style" in page.tags
    assert "script" not in page.tags and "link" not in page.tags
    assert all(ref.startswith("data:") for ref in page.refs), "nothing outside the file"
    assert "http://" not in html and "https://" not in html


def test_experiment_report_kpi_table(experiment_page):
    experiment, _, html = experiment_page
    page = Page(html)
    assert ["KPI", "mean", "95% interval", "unit"] in page.rows
    for heading in ("Access and waiting", "Treatment", "Outcomes", "Staff and cost"):
        assert [heading] in page.rows
    for kpi in CATALOGUE:  # every KPI has its row: label, mean, interval, unit
        row = page.row(catalogue.label(kpi.name))
        assert len(row) == 4
        mean = experiment.summary.loc[kpi.name, "mean"]
        assert row[1] == formatting.format_value(mean, kpi.unit, with_unit=False)
        assert row[3] == formatting.unit_label(kpi.unit)
    completed = page.row("Discharges: completed")
    assert completed[1].endswith(tuple("0123456789")) and completed[3] == "%"
    assert page.row("Relapsed within 12 months, completers")[1:3] == ["n/a", "n/a"]


def test_experiment_report_charts_are_embedded_pngs_with_text(experiment_page):
    _, _, html = experiment_page
    page = Page(html)
    assert len(page.images) >= 1
    for image in page.images:
        assert image["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(image["src"].split(",", 1)[1]).startswith(b"\x89PNG")
        assert "95% interval" in image["alt"]  # the chart's summary is its text alternative
    assert "figcaption" in page.tags


def test_experiment_report_says_how_to_run_it_again(experiment_page, scenario):
    experiment, _, html = experiment_page
    page = Page(html)
    text = page.all_text
    assert f"Seed {experiment.seed}, 5 replications" in " ".join(text.split())
    assert "Seed7" in text.replace(" ", "")  # the facts at the top: <dt>Seed</dt><dd>7</dd>
    assert f"--seed {experiment.seed}" in text and "--reps 5" in text
    assert iopsim.__version__ in text
    assert "details" in page.tags and "summary" in page.tags
    # the scenario's parameters, as the commented YAML, round-trip from the page
    yaml_text = html.split("<pre>", 1)[1].split("</pre>", 1)[0]
    from html import unescape

    import yaml

    data = yaml.safe_load(unescape(yaml_text))
    assert Scenario.from_dict(data) == scenario
    assert "horizon_days: 60" in unescape(yaml_text)
    assert "How to read this" in text and "paired difference" in text.lower()


def test_experiment_report_escapes_text(experiment_page):
    _, _, html = experiment_page
    assert "Riverside <IOP>" not in html
    assert "Riverside &lt;IOP&gt; &amp; partners" in html
    assert "Riverside <IOP> & partners" in Page(html).all_text


def test_report_into_a_folder_writes_report_html(tmp_path, scenario):
    path = report.experiment_report(fake_experiment(scenario), tmp_path)
    assert path == tmp_path / "report.html" and path.exists()


# ------------------------------------------------------------------------ comparison report
def test_comparison_report_has_verdicts_changes_in_words_and_the_key_results_side_by_side(comparison_page):
    comparison, _, html = comparison_page
    page = Page(html)
    text = " ".join(page.all_text.split())
    for sentence in comparison.verdicts.values():
        assert sentence in text
    assert "<and>" not in html and "&lt;and&gt; waits are shorter &amp; fewer" in html
    n = Scenario().staff.iop_counsellors
    assert f"More staff: Staff: IOP counsellors {n} → {n + 1}." in text and "Walk-in: Intake: mode booked → walk_in" in text
    assert "staff.iop_counsellors" not in text and "tracks.tracks" not in text  # no parameter paths
    assert ["Measure", "Today", "More staff", "Walk-in"] in page.rows  # the key results side by side
    assert ["Measure", "Today", "More staff", "Walk-in", "unit"] in page.rows  # every measure by scenario
    assert len(page.images) >= 1 and all(i["src"].startswith("data:image/png;base64,") for i in page.images)
    assert "script" not in page.tags and all(ref.startswith("data:") for ref in page.refs)
    assert page._open == []


def test_comparison_report_side_by_side_rows_give_each_change_with_its_interval(comparison_page):
    comparison, _, html = comparison_page
    page = Page(html)
    rows = [r for r in page.rows if r and r[0] == catalogue.label("admissions_per_year")]
    assert len(rows) == 2  # the key results and every measure
    d = comparison.differences.loc[("More staff", "admissions_per_year")]
    change = formatting.format_value(d["mean_diff"], "clients/year", signed=True, with_unit=False)
    interval = formatting.format_interval(d["ci_low"], d["ci_high"], "clients/year", signed=True, with_unit=False)
    assert rows[0][2].endswith(f"{change} ({interval}) {direction_words(d, 'admissions_per_year')}")
    for name in catalogue.KEY:
        assert page.row(catalogue.label(name))


# ------------------------------------------------------------------------------- tables
def test_export_tables_for_an_experiment(tmp_path, scenario):
    experiment = fake_experiment(scenario)
    written = exports.export_tables(experiment, tmp_path / "out")
    assert {p.name for p in written.values()} == {"summary.csv", "replications.csv", "results.xlsx"}
    sheets = pd.read_excel(tmp_path / "out" / "results.xlsx", sheet_name=None)
    assert list(sheets) == ["summary", "replications"]
    summary = sheets["summary"].set_index("kpi")
    assert list(summary.index) == list(NAMES)
    assert {"label", "group", "mean", "ci_low", "ci_high", "n", "unit"} <= set(summary.columns)
    assert summary.loc["seat_utilisation", "mean"] == pytest.approx(experiment.summary.loc["seat_utilisation", "mean"])
    assert len(sheets["replications"]) == 5 and "rep" in sheets["replications"].columns
    csv = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert list(csv["kpi"]) == list(NAMES)


def test_export_tables_for_a_comparison(tmp_path, scenario):
    comparison = fake_comparison({"Today": scenario, "More staff": scenario.replace(**MORE_STAFF)})
    exports.export_tables(comparison, tmp_path)
    sheets = pd.read_excel(tmp_path / "results.xlsx", sheet_name=None)
    assert list(sheets) == ["summary", "replications", "differences"]
    assert set(sheets["summary"]["scenario"]) == {"Today", "More staff"}
    assert len(sheets["replications"]) == 10
    assert set(sheets["differences"]["alternative"]) == {"More staff"}
    assert {"mean_diff", "ci_low", "ci_high", "baseline_mean", "alternative_mean"} <= set(sheets["differences"])
    assert (tmp_path / "differences.csv").exists()


# ------------------------------------------------------------------------ labels, numbers
def test_every_kpi_has_a_label_and_a_heading():
    for name in NAMES:
        assert catalogue.label(name) == catalogue.BY_NAME[name].label, name
        assert catalogue.group_of(name) != catalogue.OTHER_GROUP, name
    assert len({catalogue.label(n) for n in NAMES}) == len(NAMES)
    assert set(catalogue.KEY) <= set(NAMES)


@pytest.mark.parametrize("value, unit, kw, expected", [
    (5.0805, "days", {}, "5.08 days"),
    (15.07, "clients", {}, "15.1 clients"),
    (231.17, "clients/year", {}, "231 clients/year"),
    (24.0, "seats", {}, "24 seats"),
    (0.628, "share", {}, "62.8%"),
    (0.0325, "share", {"signed": True}, "+3.25 percentage points"),
    (1505.64, "$", {}, "$1,506"),
    (-250.0, "$/week", {"signed": True}, "-$250/week"),
    (-2.314, "days", {"signed": True, "with_unit": False}, "-2.31"),
    (math.nan, "days", {}, "n/a"),
    (None, "days", {}, "n/a"),
])
def test_format_value(value, unit, kw, expected):
    assert formatting.format_value(value, unit, **kw) == expected


def test_format_interval():
    assert formatting.format_interval(0.55, 0.61, "share") == "55% to 61%"  # 0.55 * 100 is 55.000000000000007
    assert formatting.format_interval(0.551, 0.6124, "share") == "55.1% to 61.2%"
    assert formatting.format_interval(4.46, 5.37, "days") == "4.46 to 5.37 days"
    assert formatting.format_interval(math.nan, 5, "days") == "n/a"


@pytest.mark.parametrize("row, kpi, expected", [
    ({"direction": "lower", "ci_low": -3, "ci_high": -1}, "wait_referral_to_assessment_median_days", "lower (better)"),
    ({"direction": "higher", "ci_low": 1, "ci_high": 3}, "wait_referral_to_assessment_median_days", "higher (worse)"),
    ({"direction": "higher", "ci_low": 1, "ci_high": 3}, "seat_utilisation", "higher"),
    ({"direction": "no clear change", "ci_low": -1, "ci_high": 3}, "admissions_per_year", "no clear change"),
    ({"ci_low": 2.0, "ci_high": 5.0}, "admissions_per_year", "higher (better)"),  # from the interval
    ({"ci_low": math.nan, "ci_high": math.nan}, "admissions_per_year", "no clear change"),
])
def test_direction_words(row, kpi, expected):
    assert direction_words(pd.Series(row), kpi) == expected


def test_text_tables_for_the_terminal(scenario):
    experiment = fake_experiment(scenario)
    text = text_tables.summary_text(experiment.summary)
    assert text.splitlines()[0].split() == ["KPI", "mean", "95%", "interval", "unit"]
    for heading in ("Access and waiting", "Treatment", "Outcomes", "Staff and cost"):
        assert heading in text.splitlines()
    assert "Seats in use" in text
    comparison = fake_comparison({"Today": scenario, "More staff": scenario})
    text = text_tables.differences_text(comparison.differences, catalogue.KEY)
    assert "More staff compared with the baseline" in text
    assert len([line for line in text.splitlines() if line.startswith(catalogue.label("seat_utilisation"))]) == 1


# ------------------------------------------------------------------- with real experiments
def test_reports_from_real_replicate_and_compare(tmp_path, scenario):
    experiment = iopsim.replicate(scenario, reps=2, seed=3, workers=1, progress=False)
    page = Page(report.experiment_report(experiment, tmp_path / "exp.html").read_text(encoding="utf-8"))
    assert page.row(catalogue.label("admissions_per_year"))[3] == "clients/year"
    assert page.images and "script" not in page.tags
    more = scenario.replace(**{"name": "More staff", **MORE_STAFF})
    comparison = iopsim.compare(scenario, more, reps=2, seed=3, workers=1, progress=False)
    html = report.comparison_report(comparison, tmp_path / "cmp.html").read_text(encoding="utf-8")
    page = Page(html)
    text = " ".join(page.all_text.split())
    assert comparison.verdicts["More staff"] in text
    readings = {r[2].split(") ", 1)[1] for r in page.rows if len(r) == 3 and r[0] in map(catalogue.label, catalogue.KEY)}
    assert readings and readings <= {"no clear change", "higher", "lower", "higher (better)", "lower (better)",
                                     "higher (worse)", "lower (worse)"}
    written = exports.export_tables(comparison, tmp_path / "tables")
    sheets = pd.read_excel(written["results.xlsx"], sheet_name=None)
    assert list(sheets) == ["summary", "replications", "differences"]
    assert len(sheets["replications"]) == 4


# ------------------------------------------------------------------------------ templates
def test_the_table_macro_escapes_what_it_is_given():
    markup = str(table(["KPI", "mean"], [("Access <and> waiting", [Row("Seats & beds", [Cell("<b>62%</b>")],
                                                                        title='"quoted"')])], "kpis"))
    page = Page(markup)
    assert ["KPI", "mean"] in page.rows and ["Access <and> waiting"] in page.rows
    assert ["Seats & beds", "<b>62%</b>"] in page.rows
    assert "<b>" not in markup and "&lt;b&gt;62%&lt;/b&gt;" in markup and 'title="&#34;quoted&#34;"' in markup


def test_every_page_has_the_one_stylesheet():
    page = render("base.html", title="<T>")
    assert page.count("<style>") == 1 and "border-collapse" in page
    assert "<title>&lt;T&gt;</title>" in page  # text is escaped by default
    templates = Path(report.__file__).parent / "templates"
    pages = [p for p in templates.glob("*.html") if '{% extends "base.html" %}' in p.read_text()]
    assert len(pages) >= 5 and not [p.name for p in pages if "<style" in p.read_text()]


HOSTILE_NAMES = ['=HYPERLINK("http://example.org","click")', "+1+2", "-3+4", "@SUM(A1:A2)", "\t=1+1"]


def test_exported_tables_hold_no_formula_from_user_text(tmp_path, scenario):
    scenarios = {name: scenario.replace(name=name[:120]) for name in HOSTILE_NAMES}
    comparison = fake_comparison({"Today": scenario, **scenarios})
    exports.export_tables(comparison, tmp_path)
    workbook = openpyxl.load_workbook(tmp_path / "results.xlsx")
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(exports.FORMULA_START)]
    assert "'" + HOSTILE_NAMES[0] in texts and "'@SUM(A1:A2)" in texts  # kept, readable, as text
    numbers = pd.read_excel(tmp_path / "results.xlsx", sheet_name="differences")
    assert pd.api.types.is_float_dtype(numbers["mean_diff"]) and (numbers["mean_diff"] != 0).any()  # still numbers
    for name in ("summary.csv", "replications.csv", "differences.csv"):
        with (tmp_path / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for text in row:
                    assert not text.startswith(exports.FORMULA_START) or _number(text), (name, text)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
