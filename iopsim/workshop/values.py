"""Lever values as plain data: read a path in a scenario's data, compare values, say them in words.

A card names parameters by path (``tracks.tracks[1].groups``), widgets hand back tuples and
floats with noise, YAML gives lists: every module of the workshop compares and shows lever
values through these few functions, so a value reads the same on a card, a form and a handout.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

_INDEX = re.compile(r"^(\w+)\[(\d+)\]$")


# ================================================================================= paths
def get_path(data: Any, path: str) -> Any:
    """The value at a path in a scenario's ``to_dict()``: dotted keys, ``name[i]`` for list items."""
    node = data
    for part in path.split("."):
        match = _INDEX.match(part)
        keys = (match.group(1), int(match.group(2))) if match else (part,)
        for key in keys:
            if isinstance(key, int) and isinstance(node, list) and key < len(node):
                node = node[key]
            elif isinstance(key, str) and isinstance(node, dict) and key in node:
                node = node[key]
            else:
                raise KeyError(path)
    return node


def has_path(data: Any, path: str) -> bool:
    """Whether a path leads to a value (a card's lever or change must name a real parameter)."""
    try:
        get_path(data, path)
    except KeyError:
        return False
    return True


def flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf of a scenario dict by its path (``tracks.tracks[1].groups``); lists of values are leaves."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        out = {}
        for i, value in enumerate(data):
            out.update(flat(value, f"{prefix}[{i}]"))
        return out
    return {prefix: data}


def did_you_mean(name: str, known: Any) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or nothing."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ================================================================================ values
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


# ================================================================================= words
def show(value: Any) -> str:
    """A value in a message: yes/no, ``3`` not ``3.0``, lists in brackets."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def option_label(value: Any) -> str:
    """A value as a choice on a form: lists comma-separated, yes/no, underscores as spaces."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("_", " ")
