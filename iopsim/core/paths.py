"""Parameter paths: one syntax to name any scenario parameter, list items included.

A path is the group and field names joined by dots, with a list position in brackets after
the list's name: ``staff.iop_counsellors``, ``tracks.tracks[1].groups``.  Brackets rather than
``tracks.tracks.1.groups``: a position can never be mistaken for a field name, the path reads
as Python would write it, and it is what validation messages, ``parameters.table()`` and the
workshop cards already show.

    split("tracks.tracks[1].groups")      # ['tracks', 'tracks', 1, 'groups']
    join(['tracks', 'tracks', 1, 'groups'])
    read(scenario, path)                   # works on a Scenario and on its to_dict() alike
    write(data, path, value)               # in place, on the nested dict of to_dict()
    flatten(scenario.to_dict())            # {path: value} for every parameter
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_PART = re.compile(r"(\w+)((?:\[\d+\])*)")
_INDEX = re.compile(r"\[(\d+)\]")


class PathError(KeyError):
    """A path that names no parameter: badly written, or not found in the scenario."""


def split(path: str) -> list[str | int]:
    """The names and list positions along a path; PathError if it is not written as a path."""
    parts: list[str | int] = []
    for piece in str(path).split("."):
        match = _PART.fullmatch(piece)
        if not match:
            raise PathError(path)
        parts.append(match.group(1))
        parts += [int(i) for i in _INDEX.findall(match.group(2))]
    return parts


def join(parts: Sequence[Any]) -> str:
    """The path of a sequence of names and positions (pydantic's error locations too)."""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
    return text or "(top level)"


def read(node: Any, path: str) -> Any:
    """The value at ``path`` in a Scenario (as the model holds it) or in nested dicts and lists."""
    for part in split(path):
        node = _step(node, part, path)
    return node


def write(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at an existing ``path`` of nested dicts and lists (``Scenario.to_dict()``)."""
    *parents, leaf = split(path)
    node: Any = data
    for part in parents:
        node = _step(node, part, path)
    _step(node, leaf, path)  # the leaf must exist: a new key would be a misspelt parameter
    node[leaf] = list(value) if isinstance(value, tuple) else value


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """``{path: value}`` for every leaf of nested dicts; lists of groups (the tracks) by position."""
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out if out or not prefix else {prefix: {}}
    if isinstance(data, list) and data and all(isinstance(x, Mapping) for x in data):
        out = {}
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}[{i}]"))
        return out
    return {prefix: data}


def _step(node: Any, part: str | int, path: str) -> Any:
    try:
        if isinstance(part, int):
            if isinstance(node, (str, Mapping)) or not isinstance(node, Sequence):
                raise PathError(path)
            return node[part]
        if isinstance(node, Mapping):
            return node[part]
        if part.startswith("_") or part not in getattr(type(node), "model_fields", {}):
            raise PathError(path)
        return getattr(node, part)
    except (IndexError, KeyError):
        raise PathError(path) from None
