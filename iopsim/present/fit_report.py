"""The fit report: a program's records beside the fitted model, in one self-contained page.

What was estimated (with its interval, method, the number of records and how it was mapped onto
the model), what was kept from the base scenario, each observed figure against the range the
fitted model produces, and, when asked, the projection against what happened after a date.
Counts and estimates only: no record is copied into the page.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from iopsim.core.formatting import format_interval, format_value, unit_label
from iopsim.core.scenario_file import scenario_to_yaml
from iopsim.core.scenario import Scenario
from iopsim.fitting.backtest import Backtest
from iopsim.fitting.backtest import backtest as project_and_compare
from iopsim.fitting.checks import Check, check_fit, verdict
from iopsim.fitting.fit import Fit, fit
from iopsim.records.reading import read_records
from iopsim.records.template import write_template
from iopsim.present import html
from iopsim.present.html import Cell, Row
from iopsim.present.plots import DPI, FONT, OKABE_ITO, SMALL, STYLE, WIDTH, Chart, x_format, x_limits


__all__ = ["fit_and_report", "fit_report", "observed_against_simulated", "write_template"]


def fit_and_report(records_path: Any, report: Any = None, *, base: Scenario | None = None, reps: int = 10,
                   seed: int = 0, cut: Any = None) -> tuple[Fit, list[Check], Backtest | None, Path | None]:
    """What ``iopsim fit`` does: read, fit, check against ``reps`` simulated spans, back-test from
    ``cut`` if given, and write the report into the folder ``report`` if given."""
    records = read_records(records_path)
    fitted = fit(records, base, seed=seed)
    checks = check_fit(fitted, reps=reps, seed=seed) if reps > 1 else []
    tested = project_and_compare(records, cut, base, reps=max(reps, 2), seed=seed) if cut is not None else None
    page = fit_report(fitted, checks, report, backtest=tested, reps=reps, seed=seed) if report is not None else None
    return fitted, checks, tested, page


def fit_report(fitted: Fit, checks: list[Check], path: Any, *, backtest: Backtest | None = None,
               reps: int = 0, seed: int = 0) -> Path:
    """Write the fit report (``fit_report.html`` in a folder, or the file named); returns its path."""
    path = Path(path)
    if path.suffix.lower() != ".html":
        path = path / "fit_report.html"
    groups = list(dict.fromkeys(c.group for c in checks))
    records = fitted.records
    return html.write_page(
        path, "fit_report.html", title="Your program, from its records",
        facts=[("Records", f"{len(records):,} episodes ({'program records' if records.dated else 'TEDS-D extract'})"),
               ("Fitted scenario", fitted.scenario.name), ("Replications", str(reps)), ("Seed", str(seed))],
        sentences=verdict(checks), warnings=[f"{w.path}: {w.allowed}" for w in fitted.warnings],
        estimates=_estimate_rows(fitted), observed=_estimate_rows(fitted, observed=True),
        charts=[observed_against_simulated([c for c in checks if c.group == g], g) for g in groups],
        checks=_check_rows(checks), backtest=_backtest(backtest), kept=fitted.kept,
        scenario={"name": fitted.scenario.name, "yaml": scenario_to_yaml(fitted.scenario, "my_program.yaml"),
                  "reps": reps, "seed": seed})


def observed_against_simulated(checks: list[Check], title: str) -> Chart:
    """Each figure from the records (a diamond) on the fitted model's 95% prediction interval (a bar)."""
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, 0.6 + 1.25 * len(checks)), dpi=DPI, layout="constrained")
        parts = []
        for ax, c in zip(fig.subplots(len(checks), 1, squeeze=False)[:, 0], checks):
            text = (f"records {format_value(c.observed, c.unit)}, model {format_interval(c.low, c.high, c.unit)}")
            parts.append(f"{c.name}: {text}")
            if math.isfinite(c.low) and math.isfinite(c.high):
                ax.plot([c.low, c.high], [0, 0], color=OKABE_ITO["sky_blue"], linewidth=10, solid_capstyle="butt")
            ax.plot([c.simulated], [0], "o", color=OKABE_ITO["blue"], markersize=9)
            ax.plot([c.observed], [0], "D", color=OKABE_ITO["vermillion"], markersize=11)
            ax.set_title(c.name, loc="left", fontsize=FONT, fontweight="bold")
            ax.set_title(text, loc="right", fontsize=SMALL)
            ax.set_yticks([])
            ax.set_ylim(-1, 1)
            ax.spines["left"].set_visible(False)
            x_format(ax, c.unit)
            x_limits(ax, [0.0, c.observed, c.low, c.high], room=0.06)
        head = f"{title}: the records (diamond) and the fitted model (dot: mean; bar: 95% range)"
        fig.suptitle(head, x=0.01, ha="left", fontsize=FONT + 2)
    return Chart(fig, f"{head}. " + "; ".join(parts) + ".")


def _estimate_rows(fitted: Fit, observed: bool = False) -> list[tuple[str | None, list[Row]]]:
    rows = []
    for e in (fitted.observed if observed else fitted.estimates):
        unit = "share" if e.unit == "share" else ""
        cells = [Cell(format_value(e.value, unit, with_unit=False)),
                 Cell(format_interval(e.low, e.high, unit, with_unit=False)), Cell(unit_label(e.unit), ""),
                 Cell(f"{e.used:,}")]
        if not observed:
            cells.append(Cell(e.method, "", e.mapping))
        rows.append(Row(e.parameter, cells))
    return [(None, rows)]


def _check_rows(checks: list[Check]) -> list[tuple[str | None, list[Row]]]:
    groups: dict[str, list[Row]] = {}
    for c in checks:
        fits = "yes" if c.fits else ("no" if math.isfinite(c.low) else "too few records")
        groups.setdefault(c.group, []).append(Row(c.name, [
            Cell(format_value(c.observed, c.unit)), Cell(format_value(c.simulated, c.unit)),
            Cell(format_interval(c.low, c.high, c.unit)), Cell(fits, "" if c.fits else "worse")]))
    return list(groups.items())


def _backtest(result: Backtest | None) -> dict[str, Any] | None:
    if result is None:
        return None
    rows = [Row(f"{r.measure}, month {r.month}", [Cell(format_value(r.observed, "clients", with_unit=False)),
                                                   Cell(format_value(r.simulated, "clients", with_unit=False)),
                                                   Cell(format_interval(r.low, r.high, "clients", with_unit=False)),
                                                   Cell("yes" if r.covered else "no", "" if r.covered else "worse")])
            for r in result.table.itertuples()]
    bias = "; ".join(f"{m} {format_value(b, 'share', signed=True)}" for m, b in result.bias().items())
    return {"cut": f"{result.cut:%Y-%m-%d}", "months": result.months,
            "coverage": format_value(result.coverage, "share"), "bias": bias, "rows": [(None, rows)]}
