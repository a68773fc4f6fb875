"""Reading YAML and JSON that may be hostile, at a bounded cost in time and memory.

Scenario files, workshop plans and cards come from people (an upload in the lab, a shared
folder in the workshop), and a few hundred bytes of YAML can expand to billions of values
through aliases ("billion laughs"), nest deeper than Python's stack, or a large file can keep
the parser busy for minutes.  So every file is checked while it is parsed, before any value is
built: at most MAX_BYTES, MAX_DEPTH levels of nesting, MAX_VALUES values once aliases are
expanded (aliases and '<<' merge keys stay usable within that) and MAX_TEXT characters in one
value.  The default scenario file is 15 kB, about 300 values, 5 levels deep.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 256_000
MAX_DEPTH = 32
MAX_VALUES = 10_000
MAX_TEXT = 4_000  # below Python's 4,300-digit limit on reading whole numbers


class LimitError(yaml.MarkedYAMLError):
    """Input over one of the limits; ``problem`` says which, in words, and ``problem_mark`` where."""


def read_limited(path: str | os.PathLike[str]) -> str:
    """The file's text (UTF-8, BOM dropped), read no further than MAX_BYTES; LimitError beyond.

    Reading stops at the limit, so a device or a pipe posing as a file cannot keep it reading.
    """
    with Path(path).open("rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise LimitError(problem=f"a file of at most {MAX_BYTES // 1000} kB; this one is larger "
                                 f"(a scenario file is about 15 kB)")
    return raw.decode("utf-8-sig")


class BoundedLoader(yaml.SafeLoader):
    """yaml.SafeLoader that counts while composing, so a limit stops the parse before values are built."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._values = 0
        self._sizes: dict[int, int] = {}  # id(node) -> values it stands for, aliases expanded

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is not None:
                if id(target) not in self._sizes:
                    raise LimitError(problem=f"no alias (*{event.anchor}) inside the group it repeats",
                                     problem_mark=event.start_mark)
                self._count(self._sizes[id(target)], event)
            return super().compose_node(parent, index)
        if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_TEXT:
            raise LimitError(problem=f"a value of at most {MAX_TEXT:,} characters", problem_mark=event.start_mark)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise LimitError(problem=f"at most {MAX_DEPTH} levels of nesting", problem_mark=event.start_mark)
        self._count(1, event)
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._sizes[id(node)] = 1 + sum(self._sizes[id(child)] for child in _children(node))
        return node

    def _count(self, n: int, event: Any) -> None:
        self._values += n
        if self._values > MAX_VALUES:
            raise LimitError(problem=f"at most {MAX_VALUES:,} values, counting each alias (*name) as "
                                     "everything it repeats", problem_mark=event.start_mark)


def load_json(text: str) -> Any:
    """json.loads, with the depth, size and text limits of the YAML loader; LimitError beyond."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise LimitError(problem=f"at most {MAX_DEPTH} levels of nesting") from None
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise
        raise LimitError(problem=f"numbers of at most {MAX_TEXT:,} digits") from None  # int() refuses more
    stack, values = [(data, 1)], 0
    while stack:
        value, depth = stack.pop()
        values += 1
        if depth > MAX_DEPTH:
            raise LimitError(problem=f"at most {MAX_DEPTH} levels of nesting")
        if values > MAX_VALUES:
            raise LimitError(problem=f"at most {MAX_VALUES:,} values")
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise LimitError(problem=f"a value of at most {MAX_TEXT:,} characters")
        if isinstance(value, dict):
            stack += [(item, depth + 1) for pair in value.items() for item in pair]
        elif isinstance(value, list):
            stack += [(item, depth + 1) for item in value]
    return data


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
