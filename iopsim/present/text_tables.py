"""KPI tables as aligned plain text, for the command line.

    print(summary_text(experiment.summary))              # KPI, mean, 95% interval, unit, by heading
    print(differences_text(comparison.differences))       # one block per alternative
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iopsim.analysis import catalogue
from iopsim.analysis.catalogue import grouped, label
from iopsim.analysis.stats import direction_words
from iopsim.core.formatting import format_interval, format_value, unit_label


def summary_text(summary: Any, kpis: Iterable[str] | None = None) -> str:
    """A plain-text table of KPI, mean, 95% interval and unit under readable headings (for a terminal)."""
    names = [n for n in (kpis or summary.index) if n in summary.index]
    rows: list[tuple[str, str, str, str] | str] = []
    for heading, members in grouped(names):
        rows.append(heading)
        for name in members:
            r = summary.loc[name]
            unit = unit_of(summary, name)
            rows.append((label(name), format_value(r["mean"], unit, with_unit=False),
                         format_interval(r.get("ci_low"), r.get("ci_high"), unit, with_unit=False),
                         unit_label(unit)))
    header = ("KPI", "mean", "95% interval", "unit")
    return _text_table(header, rows)


def differences_text(differences: Any, kpis: Iterable[str] | None = None) -> str:
    """A plain-text table of paired differences from the baseline, one block per alternative."""
    kpis = list(kpis) if kpis is not None else None
    blocks = []
    alternatives = list(dict.fromkeys(differences.index.get_level_values(0)))
    for alternative in alternatives:
        part = differences.xs(alternative, level=0)
        names = [n for n in (kpis or part.index) if n in part.index]
        rows: list[Any] = []
        for name in names:
            r = part.loc[name]
            unit = unit_of(part, name)
            rows.append((label(name), format_value(r.get("baseline_mean"), unit, with_unit=False),
                         format_value(r.get("alternative_mean"), unit, with_unit=False),
                         format_value(r["mean_diff"], unit, signed=True, with_unit=False),
                         format_interval(r.get("ci_low"), r.get("ci_high"), unit, signed=True, with_unit=False),
                         unit_label(unit), direction_words(r, name)))
        header = ("KPI", "baseline", str(alternative), "difference", "95% interval", "unit", "")
        blocks.append(f"{alternative} compared with the baseline\n" + _text_table(header, rows, numbers=5))
    if blocks and any(unit_of(differences.xs(a, level=0), k) == "share"
                      for a in alternatives
                      for k in differences.xs(a, level=0).index if kpis is None or k in kpis):
        blocks.append("(For shares, the baseline and alternative are in %, the difference in percentage points.)")
    return "\n\n".join(blocks)


def unit_of(frame: Any, name: str) -> str:
    """A KPI's unit from a summary or differences frame's ``unit`` column, else from the catalogue."""
    if "unit" in getattr(frame, "columns", ()):
        value = frame.loc[name, "unit"]
        if isinstance(value, str) and value:
            return value
    return catalogue.unit(name)


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
