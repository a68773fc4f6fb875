"""Every number and value shown to people, written one way everywhere.

    format_value(0.628, "share")                   # '62.8%'
    format_value(0.032, "share", signed=True)       # "+3.2 percentage points"
    format_interval(4.2, 6.0, "days")               # '4.2 to 6 days'
    format_amount(4.1, 7.3, "days")                 # '4.1–7.3 days'   (the size of a change, in verdicts)
    unit_label("share", difference=True)            # 'percentage points'
    show_value(("Mon", "Wed"))                      # 'Mon, Wed'        (a parameter in plain words)
    show_value("lots", exact=True)                  # "'lots'"          (as typed: validation messages)

It sits in core because validation messages need it; reports, charts, verdicts and the apps use
the same functions, so a share reads "62.8%" in a chart, a table and a sentence alike.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

UNIT_LABELS = {"share": "%", "episodes": "referrals", "episodes/week": "referrals/week"}
COUNT_UNITS = {"clients", "episodes", "sessions", "seats", "clients/year"}
NOT_AVAILABLE = "n/a"


def number(x: float) -> str:
    """About three significant figures, no more than two decimals, whole numbers without any."""
    if abs(x) < 1e15 and abs(x - round(x)) <= 1e-9 * max(1.0, abs(x)):  # whole, up to float noise
        return f"{round(x):,}"
    size = math.floor(math.log10(abs(x))) if x else 0
    decimals = min(2, max(0, 2 - size))
    text = f"{x:,.{decimals}f}"
    return "0" if text in ("-0", "-0.0", "-0.00") else text


def unit_label(unit: str, difference: bool = False) -> str:
    """A unit as a reader sees it: shares in %, differences of shares in percentage points."""
    if unit == "share":
        return "percentage points" if difference else "%"
    return UNIT_LABELS.get(unit, unit)


def format_value(value: Any, unit: str = "", *, signed: bool = False, with_unit: bool = True) -> str:
    """A number for people: '5.08 days', '62.8%', '$1,506', '+3.2 percentage points'; 'n/a' if missing."""
    x = as_float(value)
    if not math.isfinite(x):
        return NOT_AVAILABLE
    sign = "+" if signed and x > 0 else ""
    if unit == "share":
        text = f"{sign}{number(x * 100)}"
        return text + ((" percentage points" if signed else "%") if with_unit else "")
    if unit.startswith("$"):
        text = f"{'-' if x < 0 else sign}${abs(x):,.0f}"
        return text + (unit[1:] if with_unit else "")
    text = sign + number(x)
    shown = unit_label(unit)
    return f"{text} {shown}" if with_unit and shown else text


def format_interval(low: Any, high: Any, unit: str = "", *, signed: bool = False, with_unit: bool = True) -> str:
    """'4.2 to 6.0 days', '55.1% to 60.3%'; 'n/a' when either end is missing (fewer than 2 runs)."""
    a = format_value(low, unit, signed=signed, with_unit=False)
    b = format_value(high, unit, signed=signed, with_unit=with_unit)
    if NOT_AVAILABLE in (a, b):
        return NOT_AVAILABLE
    if unit == "share" and not signed and with_unit:
        a += "%"
    return f"{a} to {b}"


def format_amount(low: float, high: float, unit: str) -> str:
    """The size of a change as a range in the unit's words: "4.1–7.3 days", "2–5 percentage points".

    Days and hours get one decimal, shares percentage points (whole when the range is wide
    enough, else one decimal), counts whole numbers (one decimal below 1).  A range whose low
    end rounds to zero reads "up to 0.7 days".
    """
    low, high = sorted((abs(low), abs(high)))
    words = unit
    if unit == "share":
        low, high, words = 100 * low, 100 * high, "percentage points"
        digits = 0 if round(low) >= 1 and round(low) != round(high) else 1
    elif unit in COUNT_UNITS:
        digits = 0 if round(low) >= 1 else 1
        words = {"clients/year": "", "episodes": "referrals"}.get(unit, unit)
    else:
        digits = 1
    a, b = f"{low:.{digits}f}", f"{high:.{digits}f}"
    zero = f"{0:.{digits}f}"
    if b == zero:
        amount = f"less than {10 ** -digits:g}"
    elif a == zero:
        amount = f"up to {b}"
    else:
        amount = a if a == b else f"{a}–{b}"
    return f"{amount} {words}".strip()


def show_value(value: Any, *, exact: bool = False, limit: int = 200) -> str:
    """A parameter value in plain words: 'Mon, Wed, Fri', 'low 9, moderate 11, high 15', '0.8', 'yes'.

    ``exact=True`` shows it as Python writes it instead (text quoted, so an empty or mistyped
    value is visible), cut to ``limit`` characters: what validation messages quote back.  Only
    the part that is shown is ever written out, so a huge or deeply nested value costs no more.
    """
    if exact:
        return shorten(_bounded_repr(value, limit), limit)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {show_value(v)}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        if value and all(isinstance(v, (tuple, list)) for v in value):
            return "; ".join("(" + ", ".join(show_value(x) for x in v) + ")" for v in value)
        return ", ".join(show_value(v) for v in value)
    return str(value)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in '...' when cut."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


class _Full(Exception):
    """The shown text has reached its limit: stop writing out the value."""


def _bounded_repr(value: Any, limit: int) -> str:
    """``repr(value)`` up to about ``limit`` characters, written out only that far."""
    parts: list[str] = []
    size = 0

    def put(text: str) -> None:
        nonlocal size
        parts.append(text)
        size += len(text)
        if size > limit:
            raise _Full

    def walk(v: Any, depth: int) -> None:
        if isinstance(v, (list, tuple, dict, set, frozenset)) and depth > 8:
            put("...")
        elif isinstance(v, dict):
            put("{")
            for i, (key, item) in enumerate(v.items()):
                put(", " if i else "")
                walk(key, depth + 1)
                put(": ")
                walk(item, depth + 1)
            put("}")
        elif type(v) in (list, tuple):
            put("[" if isinstance(v, list) else "(")
            for i, item in enumerate(v):
                put(", " if i else "")
                walk(item, depth + 1)
            put("]" if isinstance(v, list) else ",)" if len(v) == 1 else ")")
        elif isinstance(v, str):
            put(repr(v[:limit + 1]))  # longer than the limit: cut below, closing quote and all
        elif isinstance(v, int) and v.bit_length() > 4 * limit:  # a huge whole number: only its size
            put(f"<a whole number of about {int(v.bit_length() * 0.30103):,} digits>")
        else:
            put(repr(v)[:limit + 1])

    try:
        walk(value, 0)
    except _Full:
        pass
    return "".join(parts)


def as_float(x: Any) -> float:
    """``float(x)``, or NaN for anything that is not a number (None, text)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def did_you_mean(name: Any, known: Any) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or nothing: one hint for every typo'd name."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
