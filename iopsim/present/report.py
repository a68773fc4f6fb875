"""Reports and tables that a program administrator can hand to a board.

    from iopsim.present.report import experiment_report, comparison_report, export_tables
    experiment_report(experiment, "report.html")     # one self-contained HTML page
    comparison_report(comparison, "report.html")
    export_tables(experiment_or_comparison, "results/")  # CSV files and results.xlsx

The HTML page needs nothing else: no links, no scripts, charts embedded as PNG, CSS inline; it
prints cleanly.  It gives a plain-language summary, the key charts (each with its summary in
words), every KPI with its mean, 95% interval and unit under readable headings, a note on how to
read intervals and paired differences, and the scenario's parameters with the seed, the number
of replications and the iopsim version, so anyone can run it again.

This module also holds the readable KPI labels, headings and number formats that the charts
(`iopsim.present.plots`) and the command line (`iopsim.cli`) share.  It imports nothing heavy until a
report is written.
"""

from __future__ import annotations

import math
import os
import tempfile
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any, Iterable

# ------------------------------------------------------------------ labels and headings
KEY_KPIS = (
    "wait_referral_to_assessment_median_days",
    "wait_assessment_to_start_median_days",
    "lost_before_treatment_share",
    "admissions_per_year",
    "seat_utilisation",
    "share_completed",
    "relapse_12m_after_discharge",
    "counsellor_utilisation",
)
"""The KPIs a board asks about first: the key charts, the on-screen comparison and the summary."""

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Access and waiting", (
        "referrals", "referrals_per_week", "readmission_share", "assessed",
        "wait_referral_to_assessment_median_days", "wait_referral_to_assessment_p90_days",
        "wait_assessment_to_start_median_days", "wait_assessment_to_start_p90_days", "wait_to_start_mean_days",
        "lost_no_show", "lost_reneged", "lost_before_treatment_share", "waitlist_mean", "waitlist_max",
        "admissions", "admissions_per_year")),
    ("Treatment", (
        "census_mean", "seats", "seat_utilisation", "group_fill_mean", "los_median_days", "los_mean_days",
        "los_median_completed_days", "los_median_dropped_out_days", "treatment_hours_mean",
        "op_wait_median_days", "op_census_mean", "in_system_end")),
    ("Outcomes", (
        "discharges", "share_completed", "share_transferred", "share_dropped_out", "share_terminated",
        "share_other", "relapse_in_treatment_share", "relapse_3m_after_discharge", "relapse_6m_after_discharge",
        "relapse_12m_after_discharge", "relapse_12m_after_completion", "relapse_6m_after_dropout")),
    ("Staff and cost", (
        "counsellor_utilisation", "assessor_utilisation", "prescriber_utilisation", "op_counsellor_utilisation",
        "group_sessions_short_of_facilitators", "staff_cost_per_week", "revenue_per_week", "cost_per_admission",
        "cost_per_completed_episode")),
)
OTHER_GROUP = "Other measures"
NO_CLEAR_CHANGE = "no clear change"  # the words iopsim.compare uses

LABELS = {
    "referrals": "Referrals received",
    "referrals_per_week": "Referrals per week",
    "readmission_share": "Referrals that are readmissions",
    "assessed": "Assessments completed",
    "wait_referral_to_assessment_median_days": "Wait from referral to assessment (median)",
    "wait_referral_to_assessment_p90_days": "Wait from referral to assessment (90th percentile)",
    "wait_assessment_to_start_median_days": "Wait from assessment to starting IOP (median)",
    "wait_assessment_to_start_p90_days": "Wait from assessment to starting IOP (90th percentile)",
    "wait_to_start_mean_days": "Time on the IOP waitlist (mean, clients admitted)",
    "lost_no_show": "Lost: did not show for assessment",
    "lost_reneged": "Lost: left the waitlist",
    "lost_before_treatment_share": "Referrals lost before treatment",
    "admissions": "IOP admissions",
    "admissions_per_year": "IOP admissions per year",
    "waitlist_mean": "Clients on the waitlist (average)",
    "waitlist_max": "Clients on the waitlist (most)",
    "census_mean": "Clients in IOP (average)",
    "seats": "IOP seats",
    "seat_utilisation": "Seats in use",
    "group_fill_mean": "Group fill (attendance / group cap)",
    "group_sessions_short_of_facilitators": "Group sessions short of a co-facilitator",
    "counsellor_utilisation": "IOP counsellors' time booked",
    "assessor_utilisation": "Assessors' time booked",
    "prescriber_utilisation": "Prescribers' time booked",
    "op_wait_median_days": "Wait for standard outpatient (median)",
    "op_census_mean": "Clients in standard outpatient (average)",
    "op_counsellor_utilisation": "Outpatient counsellors' time booked",
    "discharges": "IOP discharges",
    "share_completed": "Discharges: completed",
    "share_transferred": "Discharges: transferred",
    "share_dropped_out": "Discharges: dropped out",
    "share_terminated": "Discharges: terminated by the program",
    "share_other": "Discharges: other reasons",
    "los_median_days": "Length of stay in IOP (median)",
    "los_mean_days": "Length of stay in IOP (mean)",
    "los_median_completed_days": "Length of stay, completers (median)",
    "los_median_dropped_out_days": "Length of stay, dropouts (median)",
    "treatment_hours_mean": "Treatment hours per client (mean)",
    "relapse_in_treatment_share": "Relapses during IOP, per discharge",
    "relapse_3m_after_discharge": "Relapsed within 3 months of discharge",
    "relapse_6m_after_discharge": "Relapsed within 6 months of discharge",
    "relapse_12m_after_discharge": "Relapsed within 12 months of discharge",
    "relapse_12m_after_completion": "Relapsed within 12 months, completers",
    "relapse_6m_after_dropout": "Relapsed within 6 months, dropouts",
    "in_system_end": "Clients still in care at the end",
    "staff_cost_per_week": "Staff cost per week",
    "revenue_per_week": "Fee revenue per week (example fees)",
    "cost_per_admission": "Staff cost per admission",
    "cost_per_completed_episode": "Staff cost per completed episode",
}

UNIT_LABELS = {"share": "%", "episodes": "referrals", "episodes/week": "referrals/week"}


def label(name: str) -> str:
    """A KPI's readable name: 'Wait from referral to assessment (median)'."""
    return LABELS.get(name, str(name).replace("_", " ").capitalize())


def group_of(name: str) -> str:
    """The heading a KPI is listed under: access and waiting, treatment, outcomes, staff and cost."""
    return next((heading for heading, names in GROUPS if name in names), OTHER_GROUP)


def grouped(names: Iterable[str]) -> list[tuple[str, list[str]]]:
    """``names`` under their headings, in heading order; each heading keeps the order of ``names``."""
    names = list(names)
    order = [heading for heading, _ in GROUPS] + [OTHER_GROUP]
    out = [(heading, [n for n in names if group_of(n) == heading]) for heading in order]
    return [(heading, members) for heading, members in out if members]


def unit_label(unit: str, difference: bool = False) -> str:
    """A unit as a reader sees it: shares in %, differences of shares in percentage points."""
    if unit == "share":
        return "percentage points" if difference else "%"
    return UNIT_LABELS.get(unit, unit)


def format_value(value: Any, unit: str = "", *, signed: bool = False, with_unit: bool = True) -> str:
    """A number for people: '5.08 days', '62.8%', '$1,506', '+3.2 percentage points'; 'n/a' if missing."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(x):
        return "n/a"
    sign = "+" if signed and x > 0 else ""
    if unit == "share":
        text = f"{sign}{_round(x * 100)}"
        return text + ((" percentage points" if signed else "%") if with_unit else "")
    if unit.startswith("$"):
        text = f"{'-' if x < 0 else sign}${abs(x):,.0f}"
        return text + (unit[1:] if with_unit else "")
    text = sign + _round(x)
    shown = unit_label(unit)
    return f"{text} {shown}" if with_unit and shown else text


def format_interval(low: Any, high: Any, unit: str = "", *, signed: bool = False, with_unit: bool = True) -> str:
    """'4.2 to 6.0 days', '55.1% to 60.3%'; 'n/a' when either end is missing (fewer than 2 runs)."""
    a = format_value(low, unit, signed=signed, with_unit=False)
    b = format_value(high, unit, signed=signed, with_unit=with_unit)
    if "n/a" in (a, b):
        return "n/a"
    if unit == "share" and not signed and with_unit:
        a += "%"
    return f"{a} to {b}"


def _round(x: float) -> str:
    """About three significant figures, no more than two decimals, whole numbers without any."""
    if abs(x) < 1e15 and abs(x - round(x)) <= 1e-9 * max(1.0, abs(x)):  # whole, up to float noise
        return f"{round(x):,}"
    size = math.floor(math.log10(abs(x))) if x else 0
    decimals = min(2, max(0, 2 - size))
    text = f"{x:,.{decimals}f}"
    return "0" if text in ("-0", "-0.0", "-0.00") else text


# -------------------------------------------------------------------------- text tables
def summary_text(summary: Any, kpis: Iterable[str] | None = None) -> str:
    """A plain-text table of KPI, mean, 95% interval and unit under readable headings (for a terminal)."""
    names = [n for n in (kpis or summary.index) if n in summary.index]
    rows: list[tuple[str, str, str, str] | str] = []
    for heading, members in grouped(names):
        rows.append(heading)
        for name in members:
            r = summary.loc[name]
            unit = _unit_of(summary, name)
            rows.append((label(name), format_value(r["mean"], unit, with_unit=False),
                         format_interval(r.get("ci_low"), r.get("ci_high"), unit, with_unit=False),
                         unit_label(unit)))
    header = ("KPI", "mean", "95% interval", "unit")
    return _text_table(header, rows)


def _text_table(header: tuple[str, ...], rows: list[Any], numbers: int | None = None) -> str:
    """Aligned columns; the columns from index ``numbers`` on are text (default: the last one)."""
    numbers = len(header) - 1 if numbers is None else numbers
    cells = [header] + [r for r in rows if not isinstance(r, str)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]

    def line(cols: tuple[str, ...]) -> str:  # text columns left, numbers right
        return "  ".join(c.ljust(w) if i == 0 or i >= numbers else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cols, widths))).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append(f"\n{r}" if isinstance(r, str) else line(r))
    return "\n".join(out)


def differences_text(differences: Any, kpis: Iterable[str] | None = None) -> str:
    """A plain-text table of paired differences from the baseline, one block per alternative."""
    kpis = list(kpis) if kpis is not None else None
    blocks = []
    for alternative in dict.fromkeys(differences.index.get_level_values(0)):
        part = differences.xs(alternative, level=0)
        names = [n for n in (kpis or part.index) if n in part.index]
        rows: list[Any] = []
        for name in names:
            r = part.loc[name]
            unit = _unit_of(part, name)
            rows.append((label(name), format_value(r.get("baseline_mean"), unit, with_unit=False),
                         format_value(r.get("alternative_mean"), unit, with_unit=False),
                         format_value(r["mean_diff"], unit, signed=True, with_unit=False),
                         format_interval(r.get("ci_low"), r.get("ci_high"), unit, signed=True, with_unit=False),
                         unit_label(unit), direction_words(r, name)))
        header = ("KPI", "baseline", str(alternative), "difference", "95% interval", "unit", "")
        blocks.append(f"{alternative} compared with the baseline\n" + _text_table(header, rows, numbers=5))
    if blocks and any(_unit_of(differences.xs(a, level=0), k) == "share"
                      for a in dict.fromkeys(differences.index.get_level_values(0))
                      for k in differences.xs(a, level=0).index if kpis is None or k in kpis):
        blocks.append("(For shares, the baseline and alternative are in %, the difference in percentage points.)")
    return "\n\n".join(blocks)


def direction_words(row: Any, name: str) -> str:
    """How one KPI moved: 'lower (better)', 'higher (worse)', 'higher', or 'no clear change'."""
    return reading(row, name)[1]


def reading(row: Any, name: str) -> tuple[str, str]:
    """``(kind, words)`` for one row of differences; kind is better, worse, changed or unclear.

    The direction is the row's ``direction`` ("higher", "lower" or "no clear change", as
    ``iopsim.compare`` gives it) or, where that is missing, read from the 95% interval: a clear
    change when the interval lies wholly above or below zero.  "better"/"worse" follow from the
    KPI's better direction in the catalogue; KPIs such as utilisation have none.
    """
    from iopsim.analysis.kpis import BY_NAME

    get = row.get if hasattr(row, "get") else (lambda key, default=None: default)
    direction = get("direction")
    if direction not in ("higher", "lower", NO_CLEAR_CHANGE):
        low, high = _float(get("ci_low")), _float(get("ci_high"))
        direction = ("higher" if low > 0 else "lower" if high < 0 else NO_CLEAR_CHANGE) \
            if math.isfinite(low) and math.isfinite(high) else NO_CLEAR_CHANGE
    if direction == NO_CLEAR_CHANGE:
        return "unclear", NO_CLEAR_CHANGE
    better = BY_NAME[name].better if name in BY_NAME else ""
    if not better:
        return "changed", direction
    judged = "better" if direction == better else "worse"
    return judged, f"{direction} ({judged})"


# ------------------------------------------------------------------------------ reports
def experiment_report(experiment: Any, path: Any) -> Path:
    """Write one experiment (``iopsim.replicate``) as a self-contained HTML page; returns its path."""
    from iopsim.present import plots

    summary = experiment.summary
    scenario = experiment.scenario
    reps = _reps(experiment)
    charts = [plots.kpi_intervals(summary, names, title=f"{heading}: mean and 95% interval over {reps} replications")
              for heading, names in _key_groups(summary.index)]
    title = f"iopsim results: {scenario.name}"
    body = [
        _header(title, [("Scenario", scenario.name), ("Replications", str(reps)), ("Seed", str(experiment.seed)),
                        ("Simulated", _horizon(scenario))]),
        _section("Summary", "".join(f"<p>{escape(s)}</p>" for s in _experiment_sentences(summary, reps, scenario))),
        _section("Key charts", "".join(c.html() for c in charts)),
        _section("All results", "<p>Mean over the replications with its 95% interval, under four headings.</p>"
                 + _summary_table(summary)),
        _precision_section(getattr(experiment, "precision", None)),
        _section("How to read this", HOW_TO_READ),
        _section("Scenario parameters", _parameters(scenario, reps, experiment.seed)),
    ]
    return _write_page(path, title, body)


def comparison_report(comparison: Any, path: Any) -> Path:
    """Write a comparison (``iopsim.compare``) as a self-contained HTML page; returns its path."""
    from iopsim.present import plots

    experiments = dict(comparison.experiments)
    names = list(experiments)
    baseline = names[0]
    first = experiments[baseline]
    reps = _reps(first)
    differences = comparison.differences
    present = set(differences.index.get_level_values(-1))
    charts = [plots.comparison_intervals(differences, k, baseline=baseline) for k in KEY_KPIS if k in present]
    verdicts = getattr(comparison, "verdicts", {}) or {}
    title = f"iopsim comparison: {baseline} and {len(names) - 1} alternative{'s' if len(names) != 2 else ''}"
    summary_html = ("<p>Each alternative was run with the same random clients as the baseline "
                    f"(<strong>{escape(baseline)}</strong>), replication by replication, so the differences "
                    "below come from the changes made, not from chance alone.</p>")
    if verdicts:
        summary_html += "<ul class='verdicts'>" + "".join(
            f"<li><strong>{escape(str(n))}:</strong> {escape(str(v))}</li>" for n, v in verdicts.items()) + "</ul>"
    changes = "".join(f"<h3>{escape(n)}</h3>{_changes(first.scenario, e.scenario)}"
                      for n, e in list(experiments.items())[1:])
    body = [
        _header(title, [("Baseline", baseline), ("Alternatives", ", ".join(names[1:])), ("Replications", str(reps)),
                        ("Seed", str(first.seed)), ("Simulated", _horizon(first.scenario))]),
        _section("Summary", summary_html),
        _section("What each alternative changes", changes),
        _section("Key charts", "".join(c.html() for c in charts)),
        _section("Differences from the baseline",
                 "<p>Paired difference (alternative minus baseline) with its 95% interval, for every KPI.</p>"
                 + "".join(f"<h3>{escape(str(a))}</h3>" + _differences_table(differences.xs(a, level=0))
                           for a in dict.fromkeys(differences.index.get_level_values(0)))),
        _section("Results by scenario", "<p>Mean over the replications, with its 95% interval, per scenario.</p>"
                 + _scenarios_table(experiments)),
        _section("How to read this", HOW_TO_READ),
        _section("Scenario parameters", "".join(
            f"<h3>{escape(n)}</h3>" + _parameters(e.scenario, _reps(e), e.seed) for n, e in experiments.items())),
    ]
    return _write_page(path, title, body)


# ------------------------------------------------------------------------------ tables
def export_tables(result: Any, folder: Any) -> dict[str, Path]:
    """Write CSV files and ``results.xlsx`` for an Experiment or a Comparison; returns name -> path.

    Experiment: ``summary.csv``, ``replications.csv``; Comparison: the same with a ``scenario``
    column, and ``differences.csv``.  The workbook has one sheet per table (summary,
    replications, differences where present).
    """
    import pandas as pd

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables: dict[str, Any] = {}
    if hasattr(result, "differences"):
        experiments = dict(result.experiments)
        tables["summary"] = pd.concat({n: _readable_summary(e.summary) for n, e in experiments.items()},
                                      names=["scenario", "kpi"]).reset_index()
        tables["replications"] = pd.concat({n: e.per_rep for n, e in experiments.items()},
                                           names=["scenario", "rep"]).reset_index()
        tables["differences"] = _readable_differences(result.differences).reset_index()
    else:
        tables["summary"] = _readable_summary(result.summary).rename_axis("kpi").reset_index()
        tables["replications"] = result.per_rep.rename_axis(result.per_rep.index.name or "rep").reset_index()
    written: dict[str, Path] = {}
    for name, table in tables.items():
        written[name] = _atomic(folder / f"{name}.csv", lambda p, t=table: t.to_csv(p, index=False))
    written["results.xlsx"] = _atomic(folder / "results.xlsx", lambda p: _workbook(tables, p))
    return written


def _readable_summary(summary: Any) -> Any:
    out = summary.copy()
    names = list(out.index)
    out.insert(0, "label", [label(n) for n in names])
    out.insert(1, "group", [group_of(n) for n in names])
    return out


def _readable_differences(differences: Any) -> Any:
    out = differences.copy()
    names = list(out.index.get_level_values(-1))
    out.insert(0, "label", [label(n) for n in names])
    return out


def _workbook(tables: dict[str, Any], path: Path) -> None:
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in tables.items():
            table.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(table.columns, start=1):
                width = max([len(str(column))] + [len(str(v)) for v in table[column].head(200)])
                sheet.column_dimensions[_column_letter(i)].width = min(60, max(8, width + 2))


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def _atomic(path: Path, write: Any) -> Path:
    """Write through a temporary file in the same folder, so a failure never leaves half a file."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(temp)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return path


# ------------------------------------------------------------------------- HTML pieces
HOW_TO_READ = """
<p><strong>Why many replications?</strong> Each replication is one possible year of the program, with
different clients arriving at different times. No single run is the answer; the average over many
replications is a steadier estimate of what the program would see.</p>
<p><strong>A 95% interval</strong> (a confidence interval) shows how precisely the replications pin down that
average. If the whole study were repeated with new replications, intervals built this way would contain
the long-run average 95 times in 100. A narrow interval means the average is well estimated; a wide one
means more replications are needed before reading much into it. It is <em>not</em> the range a single
year could fall in: individual years vary more than that.</p>
<p><strong>A paired difference</strong> compares two scenarios replication by replication: replication 1 of
the alternative sees the same random clients as replication 1 of the baseline, and so on. The difference
is averaged over the pairs, which removes most of the chance variation and leaves the effect of the
change. If its 95% interval lies wholly above or below zero, the simulation shows a clear difference;
if the interval includes zero, it cannot tell the two scenarios apart on that measure.</p>
<p><strong>Percentages and percentage points.</strong> Shares are shown as percentages; a difference between
two percentages is in percentage points (from 40% to 45% is +5 percentage points).</p>
<p><strong>What a simulation can and cannot say.</strong> The model follows published figures where they
exist and stated assumptions where they do not (the parameters below give the source of each). Use it to
compare options and to see how waits, losses and outcomes respond; check its numbers against your
program's own records before relying on them as forecasts. "n/a" means the measure had nothing to count
(for example, no completers in a short run).</p>
"""

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; font-size: 16px;
       line-height: 1.5; color: #111; background: #fff; margin: 0; }
main { max-width: 980px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.8em; margin: 0.2em 0 0.3em; }
h2 { font-size: 1.35em; margin-top: 1.8em; border-bottom: 2px solid #0072B2; padding-bottom: 0.15em; }
h3 { font-size: 1.1em; margin-top: 1.3em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.1em 1em; margin: 0.5em 0 1em; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0 1.2em; font-size: 0.95em; }
th, td { border-bottom: 1px solid #ccc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #333; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.group th { background: #eef4f9; font-size: 1.02em; padding-top: 0.5em; }
td.better { color: #006b4f; font-weight: 600; } td.worse { color: #a33f00; font-weight: 600; }
figure { margin: 1em 0 1.6em; } figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.95em; color: #333; margin-top: 0.3em; }
details { margin: 0.5em 0; } summary { cursor: pointer; font-weight: 600; }
pre { font-size: 0.8em; background: #f6f6f6; padding: 0.8em; overflow-x: auto; white-space: pre-wrap; }
ul.verdicts li { margin-bottom: 0.4em; }
footer { margin-top: 2.5em; font-size: 0.9em; color: #444; border-top: 1px solid #ccc; padding-top: 0.6em; }
@media print {
  body { font-size: 11pt; } main { max-width: none; padding: 0; }
  h2 { break-after: avoid; } figure, tr, dl.meta { break-inside: avoid; }
  details > summary { list-style: none; }
}
@page { margin: 18mm 15mm; }
"""


def _write_page(path: Any, title: str, body: list[str]) -> Path:
    from iopsim import __version__

    path = Path(path)
    if path.is_dir():
        path = path / "report.html"
    made = datetime.now()
    page = "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="iopsim {escape(__version__)}">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body><main>",
        *body,
        f"<footer>Made with iopsim {escape(__version__)} on {made.day} {made:%B %Y at %H:%M}. "
        "Every client in the simulation is synthetic; no patient data is used.</footer>",
        "</main></body>",
        "</html>",
        "",
    ])
    path.parent.mkdir(parents=True, exist_ok=True)
    return _atomic(path, lambda p: Path(p).write_text(page, encoding="utf-8"))


def _header(title: str, facts: list[tuple[str, str]]) -> str:
    from iopsim import __version__

    made = datetime.now()
    facts = [*facts, ("Date", f"{made.day} {made:%B %Y}"), ("iopsim version", __version__)]
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    return f"<header><h1>{escape(title)}</h1><dl class='meta'>{items}</dl></header>"


def _section(heading: str, html: str) -> str:
    return f"<section><h2>{escape(heading)}</h2>{html}</section>"


def _summary_table(summary: Any) -> str:
    rows = []
    for heading, names in grouped(summary.index):
        rows.append(f"<tr class='group'><th colspan='4' scope='rowgroup'>{escape(heading)}</th></tr>")
        for name in names:
            r = summary.loc[name]
            unit = _unit_of(summary, name)
            meaning = r.get("meaning") if isinstance(r.get("meaning"), str) else _meaning(name)
            rows.append(
                f"<tr><th scope='row' title='{escape(meaning or '')}'>{escape(label(name))}</th>"
                f"<td class='num'>{escape(format_value(r['mean'], unit, with_unit=False))}</td>"
                f"<td class='num'>{escape(format_interval(r.get('ci_low'), r.get('ci_high'), unit, with_unit=False))}"
                f"</td><td>{escape(unit_label(unit))}</td></tr>")
    return ("<table class='kpis'><thead><tr><th scope='col'>KPI</th><th scope='col'>mean</th>"
            "<th scope='col'>95% interval</th><th scope='col'>unit</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _differences_table(part: Any) -> str:
    rows = []
    for heading, names in grouped(part.index):
        rows.append(f"<tr class='group'><th colspan='7' scope='rowgroup'>{escape(heading)}</th></tr>")
        for name in names:
            r = part.loc[name]
            unit = _unit_of(part, name)
            kind, words = reading(r, name)
            interval = format_interval(r.get("ci_low"), r.get("ci_high"), unit, signed=True, with_unit=False)
            css = kind if kind in ("better", "worse") else ""
            rows.append(
                f"<tr><th scope='row'>{escape(label(name))}</th>"
                f"<td class='num'>{escape(format_value(r.get('baseline_mean'), unit, with_unit=False))}</td>"
                f"<td class='num'>{escape(format_value(r.get('alternative_mean'), unit, with_unit=False))}</td>"
                f"<td class='num'>{escape(format_value(r['mean_diff'], unit, signed=True, with_unit=False))}</td>"
                f"<td class='num'>{escape(interval)}</td>"
                f"<td>{escape(unit_label(unit, difference=True))}</td><td class='{css}'>{escape(words)}</td></tr>")
    return ("<table class='differences'><thead><tr><th scope='col'>KPI</th><th scope='col'>baseline</th>"
            "<th scope='col'>alternative</th><th scope='col'>difference</th><th scope='col'>95% interval</th>"
            "<th scope='col'>unit of the difference</th><th scope='col'>reading</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _scenarios_table(experiments: dict[str, Any]) -> str:
    names = list(experiments)
    first = experiments[names[0]].summary
    heads = "".join(f"<th scope='col'>{escape(str(n))}</th>" for n in names)
    rows = []
    for heading, kpis in grouped(first.index):
        rows.append(f"<tr class='group'><th colspan='{len(names) + 2}' scope='rowgroup'>{escape(heading)}</th></tr>")
        for name in kpis:
            unit = _unit_of(first, name)
            cells = []
            for n in names:
                s = experiments[n].summary
                if name not in s.index:
                    cells.append("<td class='num'>n/a</td>")
                    continue
                r = s.loc[name]
                interval = format_interval(r.get("ci_low"), r.get("ci_high"), unit, with_unit=False)
                cells.append(f"<td class='num'>{escape(format_value(r['mean'], unit, with_unit=False))}"
                             f"<br><small>{escape(interval)}</small></td>")
            rows.append(f"<tr><th scope='row'>{escape(label(name))}</th>{''.join(cells)}"
                        f"<td>{escape(unit_label(unit))}</td></tr>")
    return (f"<table class='scenarios'><thead><tr><th scope='col'>KPI</th>{heads}<th scope='col'>unit</th></tr>"
            "</thead><tbody>" + "".join(rows) + "</tbody></table>")


def _parameters(scenario: Any, reps: int, seed: Any) -> str:
    from iopsim.core.scenario_file import scenario_to_yaml

    text = scenario_to_yaml(scenario, "scenario.yaml")
    return (f"<p>Seed <strong>{escape(str(seed))}</strong>, <strong>{reps}</strong> replications. "
            "Save the text below as a <code>.yaml</code> file to run the same scenario again "
            f"(<code>iopsim run scenario.yaml --reps {reps} --seed {escape(str(seed))}</code>).</p>"
            f"<details><summary>Show every parameter of “{escape(scenario.name)}”, with units and sources</summary>"
            f"<pre>{escape(text)}</pre></details>")


def _changes(base: Any, other: Any) -> str:
    """The parameters an alternative sets differently from the baseline, as a list."""
    a, b = _flat(base.to_dict()), _flat(other.to_dict())
    changed = [(k, a.get(k, "not set"), b.get(k, "not set")) for k in dict.fromkeys([*a, *b])
               if a.get(k) != b.get(k) and k != "name"]
    if not changed:
        return "<p>No parameter differs from the baseline (only the name, if anything).</p>"
    return "<ul>" + "".join(f"<li><code>{escape(k)}</code>: {escape(_show(x))} → {escape(_show(y))}</li>"
                            for k, x, y in changed) + "</ul>"


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(_flat(value, f"{prefix}{key}."))
        return out
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        for i, value in enumerate(data):
            out.update(_flat(value, f"{prefix}{i}."))
        return out
    out[prefix.rstrip(".")] = data
    return out


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _precision_section(precision: Any) -> str:
    """What the target precision was and whether it was reached, when the run had one."""
    if not isinstance(precision, dict) or not precision:
        return ""
    target = _float(precision.get("target"))
    achieved = precision.get("achieved") or {}
    reps = precision.get("reps")
    if precision.get("reached"):
        outcome = f"It was reached after {escape(str(reps))} replications."
    else:
        outcome = (f"It was <strong>not</strong> reached: the run stopped at the maximum of "
                   f"{escape(str(precision.get('max_reps', reps)))} replications, so read the wider intervals "
                   "with care (or run more).")
    rows = "".join(
        f"<tr><th scope='row'>{escape(label(str(k)))}</th>"
        f"<td class='num'>{escape(_plus_minus(v))}</td>"
        f"<td>{'yes' if _float(v) <= target else 'no'}</td></tr>" for k, v in achieved.items())
    table = ("<table class='precision'><thead><tr><th scope='col'>KPI</th><th scope='col'>95% interval reached"
             "</th><th scope='col'>within the target</th></tr></thead><tbody>" + rows + "</tbody></table>") \
        if rows else ""
    return _section("Precision", f"<p>Replications were added until the 95% interval of each KPI below was "
                    f"within ±{escape(_round(target * 100))}% of its mean. {outcome}</p>" + table)


def _plus_minus(share: Any) -> str:
    x = _float(share)
    if math.isnan(x):
        return "n/a (nothing to measure)"
    if math.isinf(x):
        return "n/a (the mean is zero)"
    return f"±{_round(x * 100)}% of the mean"


def _key_groups(index: Any) -> list[tuple[str, list[str]]]:
    names = [k for k in KEY_KPIS if k in set(index)] or list(index)[:8]
    access = [n for n in names if group_of(n) == "Access and waiting"]
    rest = [n for n in names if n not in access]
    return [(h, g) for h, g in (("Access and waiting", access), ("Treatment, outcomes and staff", rest)) if g]


def _experiment_sentences(summary: Any, reps: int, scenario: Any) -> list[str]:
    def v(name: str, **kw: Any) -> str | None:
        if name not in summary.index:
            return None
        r = summary.loc[name]
        unit = _unit_of(summary, name)
        text = format_value(r["mean"], unit, **kw)
        if text == "n/a":
            return None
        interval = format_interval(r.get("ci_low"), r.get("ci_high"), unit)
        return text if interval == "n/a" else f"{text} (95% interval {interval})"

    out = [f"These results average {reps} replications of “{scenario.name}”; each replication simulates "
           f"{_horizon(scenario)}."]
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


def _horizon(scenario: Any) -> str:
    run = scenario.run
    days = format_value(run.horizon_days, "days")
    if not run.warm_up_days:
        return f"{days}, counted from the start (no warm-up)"
    warm = format_value(run.warm_up_days, "days")
    return f"{days} reported, after a warm-up of {warm} that is not counted"


def _reps(experiment: Any) -> int:
    per_rep = getattr(experiment, "per_rep", None)
    if per_rep is not None:
        return int(len(per_rep))  # the replications actually run (a precision target may add some)
    return int(experiment.reps)


def _unit_of(frame: Any, name: str) -> str:
    if "unit" in getattr(frame, "columns", ()):
        value = frame.loc[name, "unit"]
        if isinstance(value, str) and value:
            return value
    from iopsim.analysis.kpis import BY_NAME

    return BY_NAME[name].unit if name in BY_NAME else ""


def _meaning(name: str) -> str:
    from iopsim.analysis.kpis import BY_NAME

    return BY_NAME[name].meaning if name in BY_NAME else ""


def _float(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan
