"""Scenario files: read YAML or JSON, write commented YAML that administrators can edit.

Every way a file can be unreadable ends in a ScenarioError naming the file, so a scenario
author sees what to fix rather than a parser traceback.  Written files carry each parameter's
unit, allowed range and source as comments, so the file explains itself.
"""

from __future__ import annotations

import json
import os
import textwrap
import typing
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from iopsim.core.bounded_load import BoundedLoader, LimitError, load_json, read_limited
from iopsim.core.errors import ScenarioError, describe
from iopsim.core.files import write_atomic

SUFFIXES = (".yaml", ".yml", ".json")
WIDTH = 100
HINT = " (indent with spaces, not tabs, and put a space after each colon)"

HEADER = """\
iopsim scenario: {name}

Every parameter of a simulated Intensive Outpatient Program (IOP), grouped as in iopsim.
The comment above each parameter gives its unit, its allowed values and its source (a
citation, or "assumption"); they come from iopsim itself, so editing a comment changes
nothing.  A parameter left out keeps its built-in default.  Check the file with:
    iopsim validate {file}
"""


class _UniqueKeyLoader(BoundedLoader):
    """A bounded safe_load that refuses a key given twice, which YAML would otherwise silently overwrite."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        written = [key_node for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge"]
        self.flatten_mapping(node)  # resolve '<<' merge keys, whose values a key written here overrides
        seen: set[Any] = set()
        for key_node in written:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice in one group", key_node.start_mark)
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_scenario_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The nested mapping in a .yaml, .yml or .json scenario file, not yet validated.

    A file over the limits of ``bounded_load`` (size, nesting, values) is refused before its
    values are built.
    """
    path = _checked_suffix(path)
    if path.is_dir():
        raise _fail(path, "(file)", str(path), "a file, not a folder")
    try:
        text = read_limited(path)
    except LimitError as exc:
        raise _fail(path, "(file)", str(path), exc.problem) from None
    except FileNotFoundError:
        raise _fail(path, "(file)", str(path), "an existing file; nothing was found at this path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, "(file)", str(path), f"a readable UTF-8 text file ({exc})") from None
    data = _parse_json(text, path) if path.suffix.lower() == ".json" else _parse_yaml(text, path)
    if data is None:
        raise _fail(path, "(file)", text.strip(), "parameter groups such as 'staff:'; the file is empty")
    if not isinstance(data, dict):
        raise _fail(path, "(top level)", data, "a mapping of parameter groups such as 'staff:', not a list or a value")
    return data


def scenario_to_yaml(scenario: Any, file_name: str = "FILE.yaml") -> str:
    """The scenario as YAML with a header and a unit/range/source comment before each parameter."""
    header = _comment(HEADER.format(name=scenario.name, file=file_name), "")
    return "\n".join([*header, "", *_block(type(scenario), scenario.to_dict(), "")]) + "\n"


def write_scenario_file(scenario: Any, path: str | os.PathLike[str]) -> None:
    """Write YAML (or JSON for a .json path) atomically, so a failed write never leaves half a file."""
    path = _checked_suffix(path)
    if path.suffix.lower() == ".json":
        text = json.dumps(scenario.to_dict(), indent=2, ensure_ascii=False) + "\n"
    else:
        text = scenario_to_yaml(scenario, path.name)
    write_atomic(path, text)


# ------------------------------------------------------------------------------- helpers
def _fail(path: Path, where: str, value: Any, allowed: str) -> ScenarioError:
    return ScenarioError([(where, value, allowed)], source=str(path))


def _checked_suffix(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise _fail(path, "(file)", str(path), "a file ending in " + ", ".join(SUFFIXES))
    return path


def _parse_yaml(text: str, path: Path) -> Any:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        line = _line(text, mark.line) if mark else ""
        if isinstance(exc, LimitError):
            raise _fail(path, where, line, exc.problem) from None
        hint = "" if isinstance(exc, yaml.constructor.ConstructorError) else HINT
        raise _fail(path, where, line, f"valid YAML{hint}; {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise _fail(path, "(file)", "", f"valid YAML; {exc}") from None
    except (ValueError, TypeError) as exc:  # a value YAML reads but Python cannot build, e.g. 2024-13-45
        raise _fail(path, "(file)", "", f"valid YAML; {exc}") from None


def _parse_json(text: str, path: Path) -> Any:
    if not text.strip():
        return None
    try:
        return load_json(text)
    except LimitError as exc:
        raise _fail(path, "(file)", "", exc.problem) from None
    except json.JSONDecodeError as exc:
        line = _line(text, exc.lineno - 1)
        raise _fail(path, f"line {exc.lineno}, column {exc.colno}", line, f"valid JSON; {exc.msg}") from None


def _line(text: str, index: int) -> str:
    """The offending line, shown so the author can find it."""
    lines = text.splitlines()
    return lines[index].strip() if index < len(lines) else ""


def _block(model: type, data: dict[str, Any], indent: str) -> list[str]:
    """YAML lines for one parameter group, each field preceded by its comment."""
    lines: list[str] = []
    for name, field in model.model_fields.items():
        annotation, args = field.annotation, typing.get_args(field.annotation)
        if _is_group(annotation):  # described by its source, or else by its docstring's first line
            about = _about(field) or (annotation.__doc__ or "").strip().split("\n")[0]
            lines += ([] if indent else [""]) + [*_comment(about, indent), f"{indent}{name}:"]
            lines += _block(annotation, data[name], indent + "  ")
        elif typing.get_origin(annotation) is tuple and args and _is_group(args[0]):
            lines += [*_comment(_about(field), indent), f"{indent}{name}:"]
            for item in data[name]:
                item_lines = _block(args[0], item, indent + "  ")
                first = next(i for i, line in enumerate(item_lines) if not line.lstrip().startswith("#"))
                item_lines[first] = f"{indent}- {item_lines[first].lstrip()}"
                lines += item_lines
        else:
            flow = None if isinstance(data[name], (list, dict)) else False  # short lists on one line
            dumped = yaml.safe_dump({name: data[name]}, default_flow_style=flow, sort_keys=False,
                                    allow_unicode=True, width=10**6)
            lines += [*_comment(_about(field), indent), *(indent + line for line in dumped.splitlines())]
    return lines


def _about(field: Any) -> str:
    """'unit; allowed values; source: ...' for a field, from its json_schema_extra and constraints."""
    extra = field.json_schema_extra or {}
    allowed = "" if _is_group(field.annotation) else describe(field.annotation, field.metadata)
    parts = [extra.get("unit", ""), allowed, f"source: {extra['source']}" if extra.get("source") else ""]
    return "; ".join(p for p in parts if p)


def _comment(text: str, indent: str) -> list[str]:
    """Comment lines wrapped to WIDTH; indented lines (commands) are kept whole."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        wrapped = [paragraph] if paragraph.startswith(" ") else textwrap.wrap(paragraph, WIDTH - len(indent) - 2)
        lines += [f"{indent}# {line}".rstrip() for line in wrapped or [""]]
    return lines


def _is_group(annotation: Any) -> bool:
    return isinstance(annotation, type) and hasattr(annotation, "model_fields")
