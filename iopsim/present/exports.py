"""Results as files for a spreadsheet: CSV tables and one Excel workbook.

    export_tables(experiment_or_comparison, "results/")   # summary.csv, replications.csv, results.xlsx

Text that people typed (a scenario's name, a team's) reaches the cells, and a spreadsheet runs
a cell starting with = + - @ as a formula (``=HYPERLINK(...)`` in a scenario name would become
a live link in every row).  Every text cell and heading is therefore written with a leading
apostrophe when it starts so (``spreadsheet_safe``), the usual way to keep it text; numbers,
negative ones too, stay numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from iopsim.analysis.catalogue import group_of, label
from iopsim.core.files import write_atomic


def export_tables(result: Any, folder: Any) -> dict[str, Path]:
    """Write CSV files and ``results.xlsx`` for an Experiment or a Comparison; returns name -> path.

    Experiment: ``summary.csv``, ``replications.csv``; Comparison: the same with a ``scenario``
    column, and ``differences.csv``.  The workbook has one sheet per table (summary,
    replications, differences where present).
    """
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
    tables = {name: spreadsheet_safe(table) for name, table in tables.items()}
    written: dict[str, Path] = {}
    for name, table in tables.items():
        written[name] = write_atomic(folder / f"{name}.csv", lambda p, t=table: t.to_csv(p, index=False))
    written["results.xlsx"] = write_atomic(folder / "results.xlsx", lambda p: _workbook(tables, p))
    return written


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, with an apostrophe before it; anything else as it is."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells and headings a spreadsheet shows as text, never runs."""
    out = table.copy()
    out.columns = [spreadsheet_text(c) for c in out.columns]
    for i, dtype in enumerate(out.dtypes):
        if not pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            out.isetitem(i, out.iloc[:, i].astype(object).map(spreadsheet_text))
    return out


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
    from openpyxl.utils import get_column_letter  # optional ([excel] extra): only the workbook needs it

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in tables.items():
            table.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(table.columns, start=1):
                width = max([len(str(column))] + [len(str(v)) for v in table[column].head(200)])
                sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
