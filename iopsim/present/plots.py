"""Charts of experiment results, each with a one-line summary in words.

Every function returns a :class:`Chart`, a named tuple ``(figure, summary)``:

    chart = plots.kpi_intervals(experiment.summary, ["admissions_per_year", "seat_utilisation"])
    chart.figure     # a matplotlib Figure (not attached to pyplot: no plt.show(), no leaks)
    chart.summary    # one line of plain text with the numbers the chart shows
    fig, summary = chart          # it unpacks like a tuple
    chart                         # as the last line of a notebook cell: the image with its summary
                                  # underneath (the summary is also the image's alt text)

Put ``chart.summary`` under every chart (a notebook Label, a report caption): it is the chart's
text alternative for screen readers and what a test can check.

The charts are drawn for a projector: Okabe-Ito colours (safe for colour-blind readers, and told
apart by marker shape and labels as well), text at 12 pt or larger, no grid clutter.  Means carry
their 95% confidence intervals; numbers are written on the chart as well as drawn.

matplotlib is imported here at module level; ``import iopsim`` never imports this module.
"""

from __future__ import annotations

import base64
import io
import math
from html import escape
from typing import Any, NamedTuple, Sequence

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, FuncFormatter, PercentFormatter
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from iopsim.analysis import catalogue
from iopsim.analysis.catalogue import label
from iopsim.analysis.stats import reading
from iopsim.core.formatting import as_float, did_you_mean, format_interval, format_value, unit_label

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour deficiency
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
GREY = "#7F7F7F"
FONT = 14          # points at 100% size; a 10-inch figure shown 900 px wide keeps it above 12 pt
SMALL = 13
WIDTH = 10.0       # inches
DPI = 100
STYLE = {
    "font.size": FONT, "axes.titlesize": FONT + 1, "axes.labelsize": FONT, "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL, "legend.fontsize": SMALL, "figure.titlesize": FONT + 3,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": False,
    "axes.prop_cycle": mpl.cycler(color=[OKABE_ITO[c] for c in ("blue", "orange", "bluish_green",
                                                                   "vermillion", "reddish_purple", "sky_blue")]),
    "svg.fonttype": "none",
    "text.parse_math": False,  # "$" is money in these charts ("+$2 (-$5 to +$8)"), never mathtext
}
VERDICT_STYLE = {  # by stats.reading's kind; colour and marker, and the words are written beside
    "better": (OKABE_ITO["bluish_green"], "o"),
    "worse": (OKABE_ITO["vermillion"], "s"),
    "unclear": (GREY, "D"),
    "changed": (OKABE_ITO["blue"], "o"),
}


class Chart(NamedTuple):
    """A chart and its one-line summary: ``fig, summary = plots.tornado(df)``."""

    figure: Figure
    summary: str

    def png(self, dpi: int = DPI) -> bytes:
        """The chart as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
        return buffer.getvalue()

    def data_uri(self, dpi: int = DPI) -> str:
        """``data:image/png;base64,...`` for embedding in a self-contained HTML page."""
        return "data:image/png;base64," + base64.b64encode(self.png(dpi)).decode("ascii")

    def save(self, path: Any, dpi: int = 150) -> None:
        """Write the chart to a file (PNG, SVG or PDF, from the file's suffix)."""
        self.figure.savefig(path, dpi=dpi, bbox_inches="tight", facecolor="white")

    def html(self) -> str:
        """A <figure> with the image (alt text = the summary) and the summary as its caption."""
        text = escape(self.summary)
        # the classes keep MathJax (JupyterLab, Voila) from reading "$...$" in the caption as maths
        return (f'<figure class="tex2jax_ignore mathjax_ignore"><img src="{self.data_uri()}" alt="{text}">'
                f"<figcaption>{text}</figcaption></figure>")

    def _repr_html_(self) -> str:  # Jupyter: the image with its summary under it
        return self.html()

    def __repr__(self) -> str:
        return f"Chart(summary={self.summary!r})"


# --------------------------------------------------------------------------- the charts
def kpi_intervals(summary: Any, kpis: Sequence[str] | None = None, *, title: str | None = None) -> Chart:
    """Each KPI's mean across replications with its 95% confidence interval, one row per KPI.

    ``summary``: ``Experiment.summary`` (or the Experiment): indexed by KPI name, with columns
    ``mean, ci_low, ci_high`` (``n`` and ``unit`` used when present).  ``kpis``: names to show,
    in order (default: the key KPIs present).  KPIs have different units, so each row has its
    own scale; the number and its interval are written above each row.
    """
    frame = getattr(summary, "summary", summary)
    names = _pick(frame.index, kpis)
    n = _common_n(frame, names)
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, 0.6 + 1.25 * len(names)), dpi=DPI, layout="constrained")
        axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
        parts = []
        for ax, name in zip(axes, names):
            row = frame.loc[name]
            unit = _unit(frame, name)
            mean, low, high = as_float(row["mean"]), as_float(row.get("ci_low")), as_float(row.get("ci_high"))
            text = _value_and_interval(mean, low, high, unit)
            parts.append(f"{label(name)} {text}")
            if math.isfinite(mean):
                if math.isfinite(low) and math.isfinite(high):
                    ax.errorbar([mean], [0], xerr=[[mean - low], [high - mean]], fmt="o", color=OKABE_ITO["blue"],
                                ecolor=OKABE_ITO["blue"], elinewidth=3, capsize=8, capthick=2, markersize=10)
                else:
                    ax.plot([mean], [0], "o", color=OKABE_ITO["blue"], markersize=10)
            _row_axes(ax, label(name), text, unit, [mean, low, high])
        how = f"over {n} replications" if n else "across replications"
        head = title or "Key results: mean and 95% interval " + how
        fig.suptitle(head, x=0.01, ha="left", fontsize=FONT + 3)
    return Chart(fig, f"{head}: " + "; ".join(parts) + ".")


def comparison_intervals(differences: Any, kpi: str, *, baseline: str | None = None,
                         title: str | None = None) -> Chart:
    """Paired differences (alternative minus baseline) in one KPI with 95% intervals, per alternative.

    ``differences``: ``Comparison.differences`` (or the Comparison): a MultiIndex
    ``(alternative, kpi)`` with columns ``mean_diff, ci_low, ci_high`` (``baseline_mean`` and
    ``direction`` used when present).  A vertical line marks zero (no difference); an interval
    that crosses it means the replications cannot tell the two scenarios apart on this KPI.
    ``baseline``: its name for the labels (default: the Comparison's, else "baseline").  A Comparison
    run to verdict precision reads "not enough replications to tell" where that is the truth.
    """
    precise = getattr(differences, "precision", None) is not None  # a Comparison run to verdict precision
    if hasattr(differences, "differences"):  # a Comparison: its baseline's name, its differences
        if baseline is None:
            baseline = getattr(differences, "baseline", None) or next(iter(getattr(differences, "experiments", ())),
                                                                      None)
        differences = differences.differences
    baseline = baseline or "baseline"
    kpis = differences.index.get_level_values(-1)
    if kpi not in set(kpis):
        raise ValueError(_unknown(kpi, dict.fromkeys(kpis)))
    rows = differences.xs(kpi, level=-1)
    unit = _unit(rows, kpi)
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, 1.6 + 0.75 * len(rows)), dpi=DPI, layout="constrained")
        ax = fig.subplots()
        parts, xs = [], [0.0]
        for y, (alternative, row) in enumerate(reversed(list(rows.iterrows()))):
            mean, low, high = as_float(row["mean_diff"]), as_float(row.get("ci_low")), as_float(row.get("ci_high"))
            verdict, words = reading(row, kpi, precise)
            colour, marker = VERDICT_STYLE[verdict]
            text = _value_and_interval(mean, low, high, unit, signed=True)
            parts.append(f"{alternative} {text}, {words}")
            if math.isfinite(mean):
                span = [[mean - low], [high - mean]] if math.isfinite(low) and math.isfinite(high) else None
                ax.errorbar([mean], [y], xerr=span, fmt=marker, color=colour, ecolor=colour, elinewidth=3,
                            capsize=8, capthick=2, markersize=10)
            short = format_value(mean, unit, signed=True, with_unit=False)
            if math.isfinite(low) and math.isfinite(high):
                short += f" ({format_interval(low, high, unit, signed=True, with_unit=False)})"
            ax.annotate(f"{short}\n{words}", (1.02, y),
                        xycoords=("axes fraction", "data"), ha="left", va="center", fontsize=SMALL)
            xs += [mean, low, high]
        ax.axvline(0, color="black", linewidth=1.5, zorder=0)
        ax.set_yticks(range(len(rows)), [str(a) for a in reversed(list(rows.index))], fontsize=FONT)
        ax.set_ylim(-0.6, len(rows) - 0.2)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.tick_params(axis="x", labelsize=SMALL)
        x_format(ax, unit, signed=True)
        x_limits(ax, xs)
        ax.set_xlabel(f"difference from {baseline} ({unit_label(unit, difference=True)})", fontsize=FONT)
        head = title or f"{label(kpi)}: change from {baseline}"
        ax.set_title(head, loc="left", fontsize=FONT + 2)
    parts.reverse()
    return Chart(fig, f"{head} (paired difference, 95% interval): " + "; ".join(parts) + ".")


def tornado(sensitivity_df: Any, *, kpi: str | None = None, title: str | None = None) -> Chart:
    """How far one KPI moves when each parameter goes from its low to its high value.

    ``sensitivity_df``: from ``iopsim.sensitivity``: one row per parameter with columns
    ``parameter, value_low, value_high, kpi_low, kpi_high, baseline`` (and ``value_baseline``,
    shown beside each parameter's name, when present).  The widest swing is at the top; a
    vertical line marks the KPI at the baseline.  ``kpi`` names the KPI for the labels
    (default: ``sensitivity_df.attrs["kpi"]`` or a ``kpi`` column, when present).
    """
    df = sensitivity_df
    if "parameter" not in df.columns:
        df = df.reset_index()
    kpi = kpi or df.attrs.get("kpi") or (str(df["kpi"].iloc[0]) if "kpi" in df.columns and len(df) else None)
    unit = _unit(None, kpi) if kpi else ""
    name = label(kpi) if kpi else "KPI"
    swing = (df["kpi_high"].astype(float) - df["kpi_low"].astype(float)).abs()
    df = df.assign(_swing=swing.fillna(-1)).sort_values("_swing", ascending=False, kind="stable")
    base = as_float(df["baseline"].iloc[0]) if len(df) else math.nan
    low_colour, high_colour = OKABE_ITO["sky_blue"], OKABE_ITO["orange"]
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, 1.8 + 0.8 * len(df)), dpi=DPI, layout="constrained")
        ax = fig.subplots()
        parts, xs = [], [base]
        for y, (_, row) in enumerate(reversed(list(df.iterrows()))):
            k_low, k_high = as_float(row["kpi_low"]), as_float(row["kpi_high"])
            for value, result, colour, hatch in ((row["value_low"], k_low, low_colour, ""),
                                                 (row["value_high"], k_high, high_colour, "//")):
                if not math.isfinite(result):
                    continue
                ax.barh(y, result - base, left=base, height=0.6, color=colour, hatch=hatch, edgecolor="black",
                        linewidth=0.8)
                side = "left" if result >= base else "right"
                ax.annotate(f" {_short(value)} → {format_value(result, unit, with_unit=False)} ", (result, y),
                            ha=side, va="center", fontsize=SMALL)
                xs.append(result)
            parts.append(f"{row['parameter']} {_short(row['value_low'])} to {_short(row['value_high'])}: "
                         f"{format_value(k_low, unit)} to {format_value(k_high, unit)}")
        ax.axvline(base, color="black", linewidth=1.5)
        names = [str(p) if "value_baseline" not in df.columns else f"{p}\n(now {_short(v)})"
                 for p, v in zip(df["parameter"], df.get("value_baseline", df["parameter"]))]
        ax.set_yticks(range(len(df)), list(reversed(names)), fontsize=FONT)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.tick_params(axis="x", labelsize=SMALL)
        x_format(ax, unit, hide_negative=min((x for x in xs if math.isfinite(x)), default=0) >= 0)
        x_limits(ax, xs, room=0.35)  # room for the labels at the bar ends
        ax.set_xlabel(f"{name} ({unit_label(unit)}); baseline {format_value(base, unit)}", fontsize=FONT)
        fig.legend(handles=[Patch(facecolor=low_colour, edgecolor="black", label="parameter at its low value"),
                            Patch(facecolor=high_colour, edgecolor="black", hatch="//",
                                  label="parameter at its high value")],
                   loc="outside lower center", ncols=2, frameon=False)
        head = title or f"{name}: which parameters move it most"
        ax.set_title(head, loc="left", fontsize=FONT + 2)
    return Chart(fig, f"{head} (baseline {format_value(base, unit)}; widest swing first): "
                      + "; ".join(reversed(parts)) + ".")


def warmup(curve_df: Any, *, warm_up_days: float | None = None, title: str | None = None) -> Chart:
    """IOP census and waitlist over time from the start (empty program), to choose the warm-up.

    ``curve_df``: from ``iopsim.warmup_curve``: one row per time bin (``start_day``), mean
    ``census`` and ``waitlist`` across replications and their Welch moving averages
    (``census_ma``, ``waitlist_ma``).  The thin line is the mean, the thick line its moving
    average; the warm-up should end where the thick lines level off.  A dotted line marks where
    each series settled (``curve_df.attrs["settled_day"]``, when present); a dashed line marks
    ``warm_up_days`` (default ``curve_df.attrs["warm_up_days"]``, the scenario's current setting);
    the summary gives ``attrs["suggested_warm_up_days"]`` when present.
    """
    day, series = _warmup_columns(curve_df)
    if warm_up_days is None:
        warm_up_days = curve_df.attrs.get("warm_up_days")
    if warm_up_days is not None and not math.isfinite(as_float(warm_up_days)):
        warm_up_days = None  # suggested_warm_up gives NaN when the curve never settles
    settled = {k: as_float(v) for k, v in (curve_df.attrs.get("settled_day") or {}).items()}
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, 7.0), dpi=DPI, layout="constrained")
        axes = fig.subplots(len(series), 1, sharex=True, squeeze=False)[:, 0]
        parts = []
        for ax, (what, (raw, smooth)), colour in zip(axes, series.items(),
                                                      (OKABE_ITO["blue"], OKABE_ITO["vermillion"])):
            if raw is not None:
                ax.plot(day, curve_df[raw].to_numpy(float), color=colour, alpha=0.45, linewidth=1.2,
                        label="mean of replications")
            if smooth is not None:
                ax.plot(day, curve_df[smooth].to_numpy(float), color=colour, linewidth=3,
                        label="moving average (Welch)")
            shown = curve_df[smooth if smooth is not None else raw].to_numpy(float)
            finite = [v for v in shown if math.isfinite(v)]
            first, last = (finite[0], finite[-1]) if finite else (math.nan, math.nan)
            parts.append(f"{what} from {format_value(first, 'clients')} to {format_value(last, 'clients')}")
            key = "census" if "census" in what else "waitlist"
            if math.isfinite(settled.get(key, math.nan)):
                ax.axvline(settled[key], color=GREY, linestyle=":", linewidth=2)
                ax.annotate(f" settled from day {_short(settled[key])}", (settled[key], 0.02),
                            xycoords=("data", "axes fraction"), va="bottom", fontsize=SMALL, color="black")
                parts[-1] += f", settled from day {_short(settled[key])}"
            elif key in settled:
                parts[-1] += ", not settled by the end (run longer, or the program may be over capacity)"
            if warm_up_days is not None:
                ax.axvline(float(warm_up_days), color="black", linestyle="--", linewidth=1.5)
                ax.annotate(f" warm-up ends, day {_short(warm_up_days)}", (float(warm_up_days), 1),
                            xycoords=("data", "axes fraction"), va="top", fontsize=SMALL)
            ax.set_ylabel(f"{what}\n(clients)", fontsize=FONT)
            ax.set_ylim(bottom=0)
            ax.tick_params(labelsize=SMALL)
            ax.legend(loc="lower right", frameon=False)
        axes[-1].set_xlabel("day of the run (the program starts empty)", fontsize=FONT)
        head = title or "Warm-up: how the program fills from empty"
        fig.suptitle(head, x=0.01, ha="left", fontsize=FONT + 3)
    end = f"day {_short(day[0])} to day {_short(day[-1])}" if len(day) else "no days"
    where = f"; warm-up set to end on day {_short(warm_up_days)}" if warm_up_days is not None else ""
    suggested = as_float(curve_df.attrs.get("suggested_warm_up_days"))
    if "suggested_warm_up_days" in curve_df.attrs:
        where += (f"; suggested warm-up {_short(suggested)} days" if math.isfinite(suggested)
                  else "; no warm-up can be suggested: the curves do not settle in this run")
    return Chart(fig, f"{head}, {end} (moving average): " + "; ".join(parts) + where + ".")


# ----------------------------------------------------------------------------- helpers
def _pick(index: Any, kpis: Sequence[str] | None) -> list[str]:
    available = list(index)
    if kpis is None:
        names = [k for k in catalogue.KEY if k in available] or available[:8]
    else:
        names = [kpis] if isinstance(kpis, str) else list(kpis)
        for name in names:
            if name not in available:
                raise ValueError(_unknown(name, available))
    if not names:
        raise ValueError("no KPIs to plot: the summary is empty")
    return names


def _unknown(name: str, known: Any) -> str:
    return f"unknown KPI {name!r}{did_you_mean(name, known)}; known: " + ", ".join(map(str, known))


def _unit(frame: Any, name: str) -> str:
    if frame is not None and "unit" in getattr(frame, "columns", ()):
        try:
            value = frame.loc[name, "unit"] if name in frame.index else frame["unit"].iloc[0]
            if isinstance(value, str) and value:
                return value
        except (KeyError, IndexError):
            pass
    return catalogue.unit(name)


def _common_n(frame: Any, names: list[str]) -> int | None:
    if "n" not in frame.columns:
        return None
    values = {int(v) for v in frame.loc[names, "n"] if math.isfinite(as_float(v))}
    return values.pop() if len(values) == 1 else None


def _value_and_interval(mean: float, low: float, high: float, unit: str, signed: bool = False) -> str:
    text = format_value(mean, unit, signed=signed)
    if math.isfinite(low) and math.isfinite(high):
        text += f" (95% interval {format_interval(low, high, unit, signed=signed)})"
    return text


def _row_axes(ax: Any, name: str, text: str, unit: str, values: list[float]) -> None:
    ax.set_title(name, loc="left", fontsize=FONT, fontweight="bold")
    ax.set_title(text, loc="right", fontsize=SMALL)
    ax.set_yticks([])
    ax.set_ylim(-1, 1)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="x", labelsize=SMALL)
    x_format(ax, unit)
    finite = [v for v in values if math.isfinite(v)]
    top = max(finite, default=1.0)
    if unit == "share":
        top = max(top, 1.0)  # shares on their whole 0-100% scale
    x_limits(ax, [min(0.0, *finite), top] if finite else [], room=0.04)  # from zero: honest sizes


def x_limits(ax: Any, values: list[float], room: float = 0.12, floor: float | None = None) -> None:
    """Fit the x axis to ``values`` (NaNs ignored) with ``room`` of their span on each side, never below ``floor``."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        ax.set_xlim(-1, 1)
        return
    low, high = min(finite), max(finite)
    span = high - low or max(abs(high) * 0.2, 1e-9 if high else 1.0)
    left = low - room * span
    ax.set_xlim(left if floor is None else max(floor, left), high + room * span)


def x_format(ax: Any, unit: str, signed: bool = False, hide_negative: bool = False) -> None:
    """Tick labels in the unit's words (shares in %, differences in percentage points, dollars), as the text reads."""
    _set_format(ax, unit, signed)
    if hide_negative:  # a KPI that cannot go below zero: no tick labels in the padding left of zero
        ax.xaxis.set_major_formatter(_NonNegative(ax.xaxis.get_major_formatter()))


class _NonNegative(Formatter):
    """Another formatter's tick labels, blank below zero."""

    def __init__(self, inner: Formatter) -> None:
        self.inner = inner

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def format_ticks(self, values: Any) -> list[str]:
        return ["" if v < 0 else text for v, text in zip(values, self.inner.format_ticks(values))]

    def __call__(self, x: float, pos: int | None = None) -> str:
        return "" if x < 0 else self.inner(x, pos)


def _set_format(ax: Any, unit: str, signed: bool) -> None:
    if unit == "share":
        if signed:  # differences of shares: percentage points
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{round(v * 100, 6):+g}" if v else "0"))
        else:
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    elif unit.startswith("$"):
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: ("+" if signed and v > 0 else "")
                                                   + ("-" if v < 0 else "") + f"${abs(v):,.0f}"))
    elif signed:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{round(v, 9):+g}" if v else "0"))


def _short(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def pd_is_numeric(column: Any) -> bool:
    return is_numeric_dtype(column) and not is_bool_dtype(column)


def _warmup_columns(df: Any) -> tuple[list[float], dict[str, tuple[str | None, str | None]]]:
    """The day of each bin and, for census and waitlist, (mean column, moving-average column)."""
    columns = [str(c) for c in df.columns]
    day_col = next((c for c in ("start_day", "day", "time", "days", "bin_start", "day_start", "bin")
                    if c in columns), None)
    day = (df[day_col] if day_col else df.index.to_series()).to_numpy(float).tolist()
    smooth_words = ("moving", "welch", "smooth", "_ma", "ma_", "average")
    numeric = [c for c in columns if c != day_col and pd_is_numeric(df[c])]
    series: dict[str, tuple[str | None, str | None]] = {}
    for what, key in (("IOP census", "census"), ("IOP waitlist", "waitlist")):
        # iopsim.warmup_curve's names first ("census", "census_ma"), then anything that looks alike
        matches = [c for c in numeric if key in c.lower() and "settled" not in c.lower()]
        smooth = f"{key}_ma" if f"{key}_ma" in numeric else \
            next((c for c in matches if any(w in c.lower() for w in smooth_words)), None)
        raw = key if key in numeric else \
            next((c for c in matches if c != smooth and not any(w in c.lower() for w in smooth_words)), None)
        if raw or smooth:
            series[what] = (raw, smooth)
    if not series:
        raise ValueError("the warm-up curve needs census and waitlist columns; got " + ", ".join(columns))
    return day, series
