"""Refusing true/false where a scenario means a number.

pydantic reads ``true`` as 1 for a whole number (and as 1.0 for a number), so
``iop_counsellors: true`` would run a program with one counsellor.  A scenario's counts,
rates and weights are never yes/no answers, so a boolean anywhere a number is meant is an
error, also inside lists and mappings (``weekday_weights: [1, true, ...]``).
"""

from __future__ import annotations

import typing
from typing import Any


def boolean_for_number(value: Any, annotation: Any) -> bool:
    """Whether ``value`` holds a bool where ``annotation`` (a field's type) means a number."""
    if isinstance(value, bool):
        return annotation in (int, float)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is tuple and isinstance(value, (list, tuple)) and args:
        kinds = [args[0]] * len(value) if args[-1] is Ellipsis else list(args)
        return any(boolean_for_number(v, a) for v, a in zip(value, kinds))
    if origin is dict and isinstance(value, dict) and len(args) == 2:
        return any(boolean_for_number(v, args[1]) for v in value.values())
    return False
