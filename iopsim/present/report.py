"""Reports that a program administrator can hand to a board: one self-contained HTML page each.

    from iopsim.present.report import experiment_report, comparison_report
    experiment_report(experiment, "report.html")
    comparison_report(comparison, "report.html")

The page needs nothing else: no links, no scripts, charts embedded as PNG, CSS inline; it
prints cleanly.  It gives a plain-language summary, the key charts (each with its summary in
words), every KPI with its mean, 95% interval and unit under readable headings, a note on how to
read intervals and paired differences, and the scenario's parameters with the seed, the number
of replications and the iopsim version, so anyone can run it again.  The markup is in the
templates ``experiment.html`` and ``comparison.html`` (``iopsim.present.html``); this module
gathers what they show.  CSV and Excel exports are in ``iopsim.present.exports``, the command
line's text tables in ``iopsim.present.text_tables``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any


from iopsim.analysis import catalogue
from iopsim.analysis.catalogue import group_of, grouped, label
from iopsim.analysis.stats import reading
from iopsim.core.formatting import as_float, format_interval, format_value, number, unit_label
from iopsim.core.labels import change_words
from iopsim.analysis.comparison import Comparison
from iopsim.core.files import remove_stale
from iopsim.core.scenario_file import scenario_to_yaml
from iopsim.present import html, plots
from iopsim.present.exports import export_tables
from iopsim.present.html import Cell, Row
from iopsim.present.text_tables import unit_of

REPORT_CHARTS = ("wait_assessment_to_start_median_days", "admissions_per_year")
"""The comparison report's charts: the wait for a seat and admissions; the side-by-side table has the rest."""


def write_results(result: Any, folder: Any) -> dict[str, Path]:
    """Everything a run or a comparison leaves for a board: report.html and the tables beside it
    (CSV, and results.xlsx where openpyxl is installed); returns file name -> path."""
    folder = Path(folder)
    remove_stale(folder)  # what a run killed while writing here left behind
    page = comparison_report if isinstance(result, Comparison) else experiment_report
    return {"report.html": page(result, folder / "report.html"), **export_tables(result, folder)}


def experiment_report(experiment: Any, path: Any) -> Path:
    """Write one experiment (``iopsim.replicate``) as a self-contained HTML page; returns its path."""
    summary = experiment.summary
    scenario = experiment.scenario
    reps = _reps(experiment)
    charts = [plots.kpi_intervals(summary, names, title=f"{heading}: mean and 95% interval over {reps} replications")
              for heading, names in _key_groups(summary.index)]
    return html.write_page(
        path, "experiment.html", title=f"iopsim results: {scenario.name}",
        facts=[("Scenario", scenario.name), ("Replications", str(reps)), ("Seed", str(experiment.seed)),
               ("Simulated", horizon_words(scenario))],
        sentences=_experiment_sentences(summary, reps, scenario), charts=charts, results=_summary_rows(summary),
        precision=_precision(getattr(experiment, "precision", None)),
        scenario=_parameters(scenario, reps, experiment.seed))


def comparison_report(comparison: Any, path: Any) -> Path:
    """Write a comparison (``iopsim.compare``) as a self-contained HTML page; returns its path.

    Short enough to print (about six A4 pages for four alternatives): the verdicts, each change in
    words, the key results side by side with each change and its interval, charts of the wait for
    a seat and of admissions, every measure's mean by scenario; the full differences are in the tables beside it."""
    experiments = dict(comparison.experiments)
    names = list(experiments)
    baseline = names[0]
    first = experiments[baseline]
    differences = comparison.differences
    present = set(differences.index.get_level_values(-1))
    charts = [plots.comparison_intervals(comparison, k, baseline=baseline) for k in REPORT_CHARTS if k in present]
    verdicts = getattr(comparison, "verdicts", {}) or {}
    shown = list(dict.fromkeys(differences.index.get_level_values(0)))
    alternatives = [{"name": str(n), "changes": change_words(first.scenario, experiments[n].scenario)
                     if n in experiments else []} for n in shown]
    key = [k for k in catalogue.KEY if k in present]
    return html.write_page(
        path, "comparison.html",
        title=f"iopsim comparison: {baseline} and {len(names) - 1} alternative{'s' if len(names) != 2 else ''}",
        facts=[("Baseline", baseline), ("Alternatives", ", ".join(names[1:])), ("Replications", reps_words(comparison)),
               ("Seed", str(first.seed)), ("Simulated", horizon_words(first.scenario))],
        baseline=baseline, verdicts=[(str(n), str(v)) for n, v in verdicts.items()], charts=charts,
        alternatives=alternatives, names=[str(n) for n in names], key=comparison_rows(comparison, key),
        precision=precision_words(comparison), by_scenario=_scenario_rows(experiments),
        scenarios=[_parameters(e.scenario, _reps(e), e.seed) for e in experiments.values()])


def comparison_rows(comparison: Any, names: Any) -> list[Row]:
    """One row per KPI: each scenario's mean and, under each alternative's, its paired change from the
    baseline with the 95% interval and its reading ("not enough replications to tell" where the
    comparison was run to a precision and that is the truth)."""
    experiments = dict(comparison.experiments)
    base = next(iter(experiments.values())).summary
    precise = getattr(comparison, "precision", None) is not None
    rows = []
    for name in names:
        unit = unit_of(base, name)
        cells = [Cell(format_value(base.loc[name, "mean"], unit))]
        for alternative, experiment in list(experiments.items())[1:]:
            d = comparison.differences.loc[(alternative, name)]
            kind, words = reading(d, name, precise)
            change = (f"{format_value(d['mean_diff'], unit, signed=True, with_unit=False)} "
                      f"({format_interval(d['ci_low'], d['ci_high'], unit, signed=True, with_unit=False)}) {words}")
            cells.append(Cell(format_value(experiment.summary.loc[name, "mean"], unit),
                              f"num {kind}" if kind in ("better", "worse") else "num", change))
        rows.append(Row(label(name), cells, _meaning(name)))
    return rows


def reps_words(comparison: Any) -> str:
    """'10 each', or '10 to 34 (added until each verdict was known, at most 60)' for a precision run."""
    counts = [_reps(e) for e in dict(comparison.experiments).values()]
    low, high = min(counts), max(counts)
    text = f"{low} each" if low == high else f"{low} to {high}"
    precision = getattr(comparison, "precision", None)
    if precision:
        text += f" (added until each verdict was known, at most {precision['max_reps']})"
    return text


def precision_words(comparison: Any) -> str:
    """How the replications were chosen, for a comparison run to a precision; '' otherwise."""
    precision = getattr(comparison, "precision", None)
    if not precision:
        return ""
    text = (f"Replications were added, {precision['first_reps']} at first, until every headline difference "
            "was clear (its 95% interval excludes zero) or measured to within ±1 day, ±2 percentage points or "
            f"±5% of the baseline, up to {precision['max_reps']}.")
    if not precision.get("reached"):
        text += (" Some differences were still too uncertain at the cap: they read “not enough replications to "
                 "tell”, with the range they could lie in.")
    return text


def horizon_words(scenario: Any) -> str:
    """What one replication simulates: '365 days reported, after a warm-up of 91 days that is not counted'."""
    run = scenario.run
    days = format_value(run.horizon_days, "days")
    if not run.warm_up_days:
        return f"{days}, counted from the start (no warm-up)"
    warm = format_value(run.warm_up_days, "days")
    return f"{days} reported, after a warm-up of {warm} that is not counted"


# ------------------------------------------------------------------------------ table rows
def _summary_rows(summary: Any) -> list[tuple[str, list[Row]]]:
    groups = []
    for heading, names in grouped(summary.index):
        rows = []
        for name in names:
            r = summary.loc[name]
            unit = unit_of(summary, name)
            meaning = r.get("meaning") if isinstance(r.get("meaning"), str) else _meaning(name)
            rows.append(Row(label(name), [Cell(format_value(r["mean"], unit, with_unit=False)),
                                          Cell(format_interval(r.get("ci_low"), r.get("ci_high"), unit,
                                                               with_unit=False)),
                                          Cell(unit_label(unit), "")], meaning or ""))
        groups.append((heading, rows))
    return groups


def _scenario_rows(experiments: dict[str, Any]) -> list[tuple[str, list[Row]]]:
    first = next(iter(experiments.values())).summary
    groups = []
    for heading, kpis in grouped(first.index):
        rows = []
        for name in kpis:
            unit = unit_of(first, name)
            cells = []
            for experiment in experiments.values():
                s = experiment.summary
                if name not in s.index:
                    cells.append(Cell("n/a"))
                    continue
                cells.append(Cell(format_value(s.loc[name, "mean"], unit, with_unit=False)))
            rows.append(Row(label(name), [*cells, Cell(unit_label(unit), "")]))
        groups.append((heading, rows))
    return groups


def _precision(precision: Any) -> dict[str, Any] | None:
    """What the target precision was and whether it was reached, when the run had one."""
    if not isinstance(precision, dict) or not precision:
        return None
    target = as_float(precision.get("target"))
    achieved = precision.get("achieved") or {}
    rows = [Row(label(str(k)), [Cell(_plus_minus(v)), Cell("yes" if as_float(v) <= target else "no", "")])
            for k, v in achieved.items()]
    reps = precision.get("reps")
    return {"target": number(target * 100), "reached": bool(precision.get("reached")), "reps": reps,
            "max_reps": precision.get("max_reps", reps), "rows": rows}


def _plus_minus(share: Any) -> str:
    x = as_float(share)
    if math.isnan(x):
        return "n/a (nothing to measure)"
    if math.isinf(x):
        return "n/a (the mean is zero)"
    return f"±{number(x * 100)}% of the mean"


# ----------------------------------------------------------------------------- the words
def _parameters(scenario: Any, reps: int, seed: Any) -> dict[str, Any]:
    return {"name": scenario.name, "yaml": scenario_to_yaml(scenario, "scenario.yaml"), "reps": reps,
            "seed": str(seed)}


def _key_groups(index: Any) -> list[tuple[str, list[str]]]:
    names = [k for k in catalogue.KEY if k in set(index)] or list(index)[:8]
    access = [n for n in names if group_of(n) == catalogue.ACCESS]
    rest = [n for n in names if n not in access]
    return [(h, g) for h, g in ((catalogue.ACCESS, access), ("Treatment, outcomes and staff", rest)) if g]


def _experiment_sentences(summary: Any, reps: int, scenario: Any) -> list[str]:
    def v(name: str, **kw: Any) -> str | None:
        if name not in summary.index:
            return None
        r = summary.loc[name]
        unit = unit_of(summary, name)
        text = format_value(r["mean"], unit, **kw)
        if text == "n/a":
            return None
        interval = format_interval(r.get("ci_low"), r.get("ci_high"), unit)
        return text if interval == "n/a" else f"{text} (95% interval {interval})"

    out = [f"These results average {reps} replications of “{scenario.name}”; each replication simulates "
           f"{horizon_words(scenario)}."]
    if v("admissions_per_year"):
        out.append(f"The program admitted {v('admissions_per_year')} to IOP.")
    waits = [(v("wait_referral_to_assessment_median_days"), "from referral to assessment"),
             (v("wait_assessment_to_start_median_days"), "from assessment to the first IOP session")]
    waits = [f"{w} {what}" for w, what in waits if w]
    if waits:
        out.append("The typical (median) client waited " + " and ".join(waits) + ".")
    if v("lost_before_treatment_share"):
        out.append(f"{_cap(v('lost_before_treatment_share'))} of referrals were lost before treatment "
                   "(they did not show for assessment, or left the waitlist).")
    if v("seat_utilisation"):
        staff = f", and IOP counsellors were booked for {v('counsellor_utilisation')} of their hours" \
            if v("counsellor_utilisation") else ""
        out.append(f"On average {v('seat_utilisation')} of IOP seats were in use{staff}.")
    if v("share_completed"):
        relapse = f"; {v('relapse_12m_after_discharge')} of those discharged relapsed within 12 months" \
            if v("relapse_12m_after_discharge") else ""
        out.append(f"{_cap(v('share_completed'))} of IOP discharges completed treatment{relapse}.")
    return out


def _cap(text: str | None) -> str:
    return (text or "")[:1].upper() + (text or "")[1:]


def _reps(experiment: Any) -> int:
    per_rep = getattr(experiment, "per_rep", None)
    if per_rep is not None:
        return int(len(per_rep))  # the replications actually run (a precision target may add some)
    return int(experiment.reps)


def _meaning(name: str) -> str:
    kpi = catalogue.BY_NAME.get(name)
    return kpi.meaning if kpi else ""
