"""Scenario problems in plain words, all at once.

Scenario files are written by program administrators, not programmers, so a bad file must give
one readable list of every problem (where, what was found, what is allowed) instead of a
pydantic traceback that stops at the first.
"""

from __future__ import annotations

import re
import typing
from contextlib import contextmanager
from typing import Any, Iterator, NamedTuple

import annotated_types as at
from pydantic import BaseModel, ValidationError

from iopsim.core.formatting import did_you_mean, shorten, show_value
from iopsim.core import paths


class Problem(NamedTuple):
    """One thing wrong with a scenario: where it is, what was found, what would be accepted."""

    path: str
    value: Any
    allowed: str


class _Missing:
    """Stands for a value the scenario needs but does not give."""

    def __repr__(self) -> str:
        return "nothing"


MISSING = _Missing()


class ProblemsError(ValueError):
    """Invalid input of some kind (``what``): ``problems`` lists every fault with the field it is in,
    ``source`` names the file if any, so one message shows them all."""

    what = "Input"

    shown = 50  # problems listed in the message; the rest are counted

    def __init__(self, problems: list[tuple[str, Any, str]], source: str | None = None) -> None:
        # a path or rule built from a hostile key or list is cut here, so no message grows with it
        self.problems = [Problem(shorten(str(path), 200), value, shorten(str(allowed), 1000))
                         for path, value, allowed in problems]
        self.source = source  # settable later, when the file name is known only to the caller
        super().__init__(self.problems, source)

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{self.what} has {n} problem{'s' if n != 1 else ''}:"
        if self.source:
            head = f"{self.source}: {head}"
        lines = [f"  {p.path}: got {show_value(p.value, exact=True)}; allowed: {p.allowed}"
                 for p in self.problems[:self.shown]]
        if n > self.shown:
            lines.append(f"  ... and {n - self.shown} more")
        return "\n".join([head, *lines])


class ScenarioError(ProblemsError):
    """An invalid scenario."""

    what = "Scenario"


@contextmanager
def scenario_errors(model: type[BaseModel]) -> Iterator[None]:
    """Turn a pydantic ValidationError of ``model`` raised inside into a ScenarioError listing every error."""
    try:
        yield
    except ValidationError as exc:
        errors = [e for e in exc.errors() if not _side_effect(e)]
        raise ScenarioError([_problem(model, e) for e in errors]) from None


def describe(annotation: Any, metadata: typing.Sequence[Any] = ()) -> str:
    """What a field accepts, in plain words, including its allowed range or length."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is bool:
        return "true or false"
    if annotation in (int, float):
        noun = "a whole number" if annotation is int else "a number"
        limits = _range(metadata)
        return f"{noun} {limits}" if limits else noun
    if annotation is str:
        length = _length(metadata, "characters")
        return f"text of {length}" if length else "text"
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        length = _length(metadata, "items")
        return f"a list{' of ' + length if length else ''}, each item {describe(args[0])}"
    if origin is tuple:
        items = {describe(a) for a in args}
        each = f"each {items.pop()}" if len(items) == 1 else ", ".join(describe(a) for a in args)
        return f"a list of {len(args)} values, {each}"
    if origin is dict:
        return f"a mapping; keys {describe(args[0])}; values {describe(args[1])}"
    if _fields(annotation):
        return "a group of parameters: " + ", ".join(_fields(annotation))
    return str(annotation)


# ------------------------------------------------------------------------------- helpers
def _problem(model: type[BaseModel], err: dict[str, Any]) -> Problem:
    loc = [p for p in err["loc"] if not _internal(p)]
    value = err.get("input")
    kind = err["type"]
    if kind == "extra_forbidden":
        siblings = list(_fields(_field_at(model, loc[:-1])[0]))
        return Problem(paths.join(loc), value, f"not a known parameter{did_you_mean(loc[-1], siblings)}; known here: "
                       + ", ".join(siblings))
    if kind == "value_error":  # a model validator: its message says what is allowed
        message = str(err["ctx"]["error"])
        named = re.match(r"\w+", message)
        if named and named.group() in _fields(_field_at(model, loc)[0]):
            loc = [*loc, named.group()]
            value = value.get(named.group(), value) if isinstance(value, dict) else value
        return Problem(paths.join(loc), value, message)
    if err["loc"] and err["loc"][-1] == "[key]":  # a bad key in a mapping: describe the keys
        annotation, metadata = (typing.get_args(_field_at(model, loc[:-1])[0]) or (None,))[0], ()
    else:
        annotation, metadata = _field_at(model, loc)
    if kind == "missing":
        value = MISSING
    allowed = describe(annotation, metadata) if annotation is not None else err["msg"]
    if kind == "finite_number":
        allowed += ", not nan or infinity"
    return Problem(paths.join(loc), value, allowed)


def _side_effect(err: dict[str, Any]) -> bool:
    """Pydantic's 'too short' that only counts items already reported as invalid."""
    ctx, given = err.get("ctx", {}), err.get("input")
    return err["type"] == "too_short" and isinstance(given, (list, tuple)) and len(given) >= ctx["min_length"]


def _field_at(model: type[BaseModel], loc: list[Any]) -> tuple[Any, list[Any]]:
    """The annotation and constraints found by following ``loc`` from ``model``; None if lost."""
    annotation: Any = model
    metadata: list[Any] = []
    for part in loc:
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if part in _fields(annotation):
            field = _fields(annotation)[part]
            annotation, metadata = field.annotation, field.metadata
        elif origin is tuple and isinstance(part, int) and args:
            annotation = args[0] if args[-1] is Ellipsis else args[min(part, len(args) - 1)]
            metadata = []
        elif origin is dict:
            annotation, metadata = args[1], []
        else:
            return None, []
    return annotation, metadata


def _fields(annotation: Any) -> dict[str, Any]:
    """The fields of a parameter group, or {} for anything else."""
    is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return annotation.model_fields if is_model else {}


def _internal(part: Any) -> bool:
    """Loc parts pydantic adds for its own machinery, e.g. ``function-after[...]`` or ``[key]``."""
    return isinstance(part, str) and re.fullmatch(r"[\w-]*\[.*\]", part) is not None


def _range(metadata: typing.Sequence[Any]) -> str:
    """'from 0 to 1', 'above 0 and at most 8', 'at least 1', or '' when unbounded."""
    low = high = None
    for m in metadata:
        if isinstance(m, (at.Ge, at.Gt)):
            low = ("at least", m.ge) if isinstance(m, at.Ge) else ("above", m.gt)
        elif isinstance(m, (at.Le, at.Lt)):
            high = ("at most", m.le) if isinstance(m, at.Le) else ("below", m.lt)
    if low and high and low[0] == "at least" and high[0] == "at most":
        return f"from {_num(low[1])} to {_num(high[1])}"
    return " and ".join(f"{bound[0]} {_num(bound[1])}" for bound in (low, high) if bound)


def _length(metadata: typing.Sequence[Any], unit: str) -> str:
    """'1 to 7 items', 'at least 1 items'..., or '' when the length is free."""
    low = next((m.min_length for m in metadata if isinstance(m, at.MinLen)), None)
    high = next((m.max_length for m in metadata if isinstance(m, at.MaxLen)), None)
    if low is not None and high is not None:
        return f"{low} to {high} {unit}"
    if low is not None or high is not None:
        return f"at least {low} {unit}" if low is not None else f"at most {high} {unit}"
    return ""


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))
