"""Lever values as the workshop handles them: widget values made plain, compared, and shown as choices.

Widgets hand back tuples and floats with noise, YAML gives lists, a dropdown needs hashable
options: these few functions let a card, a form and a handout agree on a lever's value.  Paths
are ``iopsim.core.paths``'s and words ``iopsim.core.formatting``'s; only what is the workshop's
own is here.
"""

from __future__ import annotations

from typing import Any

from iopsim.core.formatting import show_value


def plain(value: Any) -> Any:
    """Widget and YAML values as the scenario's plain data: tuples as lists, floats without noise."""
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 9)
    return value


def freeze(value: Any) -> Any:
    """Lists as tuples, so that a value can be a dropdown option."""
    return tuple(freeze(v) for v in value) if isinstance(value, list) else value


def same(a: Any, b: Any) -> bool:
    """Whether two lever values are equal, whatever their container (list or tuple) and float noise."""
    return plain(freeze(a)) == plain(freeze(b))


def whole(x: Any) -> Any:
    """A float with nothing after the point as an int (YAML's ``3.0`` for a whole-number parameter)."""
    return int(x) if isinstance(x, float) and x.is_integer() else x


def choice(value: Any) -> str:
    """A lever value as a choice on a form or a handout: the value in plain words, underscores as spaces."""
    return show_value(value).replace("_", " ")
