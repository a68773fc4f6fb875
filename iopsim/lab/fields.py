"""The form's fields: one class per kind of value (number, choice, shares by key, list of tracks ...).

`field_for` picks the class from the parameter's annotation and `build_fields` walks a pydantic
model to build them all, so nothing is written per parameter.  A type that no class can show
stops the form from being built, unless the field is listed in `HIDDEN`.

This module imports ipywidgets; `import iopsim` never imports it.
"""

from __future__ import annotations

import typing
from html import escape
from typing import Any, Iterator, Literal

import annotated_types as at
import ipywidgets as w
from pydantic import BaseModel

from iopsim.core.calendar import WEEKDAYS
from iopsim.core.labels import label as label_of
from iopsim.lab.hints import ITEM_LIMITS, first_line, hint_of, is_group, plain, plain_hint

HIDDEN: dict[str, str] = {}
"""Dotted paths of scenario fields deliberately left off the form, each with the reason.

Empty: every parameter is on the form.  A field listed here keeps the value of the scenario
last loaded (or the default) when the form builds a new one."""

LABEL_WIDTH = "250px"
NUMBER_WIDTH = "110px"


# ---------------------------------------------------------------------------- one field
class Field:
    """One scenario parameter on the form: its row of widgets and its value as the scenario takes it."""

    def __init__(self, path: str, info: Any, default: Any) -> None:
        self.path = path
        self.info = info
        self.annotation = info.annotation
        self.default = default
        self.label = label_of(path)
        self.hint = hint_of(path, info, default)
        self.control = self.build()
        self.control.add_class("iop-control")
        title = w.HTML(f"<span title='{escape(path)}'>{escape(self.label)}</span>",
                       layout=w.Layout(width=LABEL_WIDTH, flex="0 0 auto"))
        hint = w.HTML(self.hint, layout=w.Layout(flex="1 1 auto"))
        hint.add_class("iop-hint")
        self.row = self.arrange(title, self.control, hint)
        self.row.add_class("iop-field")
        self.row.add_class("iop-f-" + css_name(path))

    def arrange(self, title: w.Widget, control: w.Widget, hint: w.Widget) -> w.Box:
        """Label, input and hint on one line."""
        return w.HBox([title, control, hint], layout=w.Layout(align_items="center"))

    def build(self) -> w.Widget:
        raise NotImplementedError

    def get(self) -> Any:
        """The value as plain data (lists and dicts), ready for Scenario.from_dict; a one-widget
        field's value is its widget's."""
        return self.control.value

    def set(self, value: Any) -> None:
        self.control.value = value

    def leaves(self) -> Iterator[tuple[str, "Field"]]:
        """(dotted path, field) for this field, or for each field inside it (lists of tracks)."""
        yield self.path, self

    def _tip(self, widget: w.Widget) -> w.Widget:
        widget.tooltip = plain_hint(self.path, self.info, self.default)
        return widget


class NumberField(Field):
    """A whole number or a number, typed as text: what is typed is what the scenario gets, so a value
    outside the field's limits (or an empty box) is refused by the scenario's own check, with a
    message naming the field, the value and the range, never clamped."""

    def build(self) -> w.Widget:
        low, high = limits(self.info.metadata)
        return self._tip(number_widget(low, high))

    def get(self) -> Any:
        return read_number(self.control)

    def set(self, value: Any) -> None:
        write_number(self.control, value)


class ChoiceField(Field):
    def build(self) -> w.Widget:
        return self._tip(w.Dropdown(options=typing.get_args(self.annotation), layout=w.Layout(width="160px")))


class BoolField(Field):
    def build(self) -> w.Widget:
        return self._tip(w.Checkbox(indent=False, layout=w.Layout(width="40px")))

    def set(self, value: Any) -> None:
        self.control.value = bool(value)


class TextField(Field):
    def build(self) -> w.Widget:
        return self._tip(w.Text(layout=w.Layout(width="260px")))

    def set(self, value: Any) -> None:
        self.control.value = str(value)


class MappingField(Field):
    """A mapping such as shares by severity: one number per key."""

    def build(self) -> w.Widget:
        key_type = typing.get_args(self.annotation)[0]
        self.keys = typing.get_args(key_type)
        low, high = ITEM_LIMITS[self.path]
        self.items = {k: self._tip(number_widget(low, high, width="80px")) for k in self.keys}
        self.absent: set[str] = set()
        return w.HBox([w.HBox([_tag(k.replace("_", " ")), box], layout=w.Layout(margin="0 8px 0 0", flex="0 0 auto"))
                       for k, box in self.items.items()], layout=w.Layout(flex="0 0 auto"))

    def get(self) -> dict[str, Any]:
        # a key the loaded scenario left out stays out while it is still 0, so a round trip is exact
        values = {k: read_number(box) for k, box in self.items.items()}
        return {k: v for k, v in values.items() if not (k in self.absent and v == 0)}

    def set(self, value: Any) -> None:
        self.absent = {k for k in self.keys if k not in value}
        for k, box in self.items.items():
            write_number(box, value.get(k, 0))


class NumbersField(Field):
    """A fixed-length list of numbers, such as a weight for each weekday."""

    def build(self) -> w.Widget:
        args = typing.get_args(self.annotation)
        names = WEEKDAYS if len(args) == 7 else [str(i + 1) for i in range(len(args))]
        low, high = ITEM_LIMITS[self.path]
        self.items = [self._tip(number_widget(low, high, width="64px")) for _ in args]
        return w.HBox([w.VBox([_tag(n), box]) for n, box in zip(names, self.items)], layout=w.Layout(flex="0 0 auto"))

    def get(self) -> list[Any]:
        return [read_number(box) for box in self.items]

    def set(self, value: Any) -> None:
        for box, v in zip(self.items, value):
            write_number(box, v)


class DaysField(Field):
    """Weekdays chosen from a row of toggles; the loaded order is kept for a faithful round trip."""

    def build(self) -> w.Widget:
        options = typing.get_args(typing.get_args(self.annotation)[0])
        self.toggles = {d: self._tip(w.ToggleButton(description=d, layout=w.Layout(width="52px"))) for d in options}
        self.order: list[str] = []
        return w.HBox(list(self.toggles.values()))

    def get(self) -> list[str]:
        chosen = [d for d, t in self.toggles.items() if t.value]
        return [d for d in self.order if d in chosen] + [d for d in chosen if d not in self.order]

    def set(self, value: Any) -> None:
        self.order = list(value)
        for d, toggle in self.toggles.items():
            toggle.value = d in value


class WholeNumbersField(Field):
    """A list of whole numbers of any length (days of the year), typed as tags."""

    def build(self) -> w.Widget:
        low, high = ITEM_LIMITS[self.path]
        return self._tip(w.IntsInput(min=low, max=high, layout=w.Layout(width="420px")))

    def get(self) -> list[int]:
        return list(self.control.value)

    def set(self, value: Any) -> None:
        self.control.value = list(value)


class PointsField(Field):
    """A list of (x, y) points, such as the show-up curve: one row per point, add and remove."""

    def build(self) -> w.Widget:
        self.bounds = ITEM_LIMITS[self.path]
        self.points: list[tuple[w.Widget, w.Widget]] = []
        self.list = w.VBox()
        add = w.Button(description="add a point", icon="plus", layout=w.Layout(width="auto"))
        add.on_click(lambda _: self._add(self._next_point()))
        return w.VBox([self.list, add])

    def _next_point(self) -> tuple[Any, Any]:
        """A day after the last point, at its chance (or day 0, chance 1, for the first)."""
        if not self.points:
            return 0, 1
        day, chance = (read_number(box) for box in self.points[-1])
        return (day + 1 if isinstance(day, (int, float)) else day), chance

    def _add(self, point: Any) -> None:
        boxes = tuple(self._tip(number_widget(low, high, width="90px", value=v))
                      for (low, high), v in zip(self.bounds, point))
        self.points.append(boxes)
        self._show()

    def _show(self) -> None:
        rows = []
        for boxes in self.points:
            remove = w.Button(description="remove", tooltip="remove this point",
                              layout=w.Layout(width="auto", flex="0 0 auto"))
            remove.on_click(lambda _, b=boxes: (self.points.remove(b), self._show()))
            rows.append(w.HBox([*boxes, remove]))
        self.list.children = rows

    def get(self) -> list[list[float]]:
        return [[read_number(box) for box in boxes] for boxes in self.points]

    def set(self, value: Any) -> None:
        self.points = []
        for point in value:
            self._add(point)
        self._show()


class ModelListField(Field):
    """A list of parameter groups (the tracks): each item a card of fields, with add and remove."""

    def build(self) -> w.Widget:
        self.model = typing.get_args(self.annotation)[0]
        low = next((m.min_length for m in self.info.metadata if isinstance(m, at.MinLen)), 0)
        high = next((m.max_length for m in self.info.metadata if isinstance(m, at.MaxLen)), 20)
        self.min_items, self.max_items = low, high
        self.items: list[list[Field]] = []
        self.cards = w.VBox()
        self.add = w.Button(description=f"add a {self.model.__name__.lower()}", icon="plus",
                            layout=w.Layout(width="160px"))
        self.add.add_class("iop-add-item")
        self.add.on_click(lambda _: self._append({"name": self._new_name()}))
        return w.VBox([self.cards, self.add], layout=w.Layout(width="100%"))

    def arrange(self, title: w.Widget, control: w.Widget, hint: w.Widget) -> w.Box:
        """The label and hint above the cards, which take the full width."""
        return w.VBox([w.HBox([title, hint], layout=w.Layout(align_items="center")), control])

    def _new_name(self) -> str:
        taken = {f.get() for item in self.items for f in item if f.path.endswith(".name")}
        return next(n for n in (f"{self.model.__name__.lower()} {i}" for i in range(1, 100)) if n not in taken)

    def _append(self, data: dict[str, Any]) -> None:
        values = self.get() + [data]
        self.set(values)

    def _remove(self, index: int) -> None:
        values = self.get()
        del values[index]
        self.set(values)

    def get(self) -> list[dict[str, Any]]:
        return [{f.path.rsplit(".", 1)[1]: f.get() for f in item} for item in self.items]

    def set(self, value: Any) -> None:
        self.items, cards = [], []
        for i, data in enumerate(value):
            defaults = self.default[i] if self.default and i < len(self.default) else None  # this track's own
            rows, fields = build_fields(self.model, f"{self.path}[{i}]", defaults)
            for f in fields:
                name = f.path.rsplit(".", 1)[1]
                f.set(data[name] if name in data else self.model.model_fields[name].default)
            remove = w.Button(description=f"remove this {self.model.__name__.lower()}",
                              layout=w.Layout(width="auto", flex="0 0 auto"), disabled=len(value) <= self.min_items)
            remove.add_class("iop-remove-item")
            remove.on_click(lambda _, i=i: self._remove(i))
            heading = w.HTML(f"<b>{escape(self.model.__name__)} {i + 1}</b>")
            card = w.VBox([w.HBox([heading, remove], layout=w.Layout(justify_content="space-between")), *rows],
                          layout=w.Layout(border="1px solid #bbb", padding="4px 8px", margin="4px 0"))
            card.add_class("iop-item")
            cards.append(card)
            self.items.append(fields)
        self.cards.children = cards
        self.add.disabled = len(value) >= self.max_items

    def leaves(self) -> Iterator[tuple[str, Field]]:
        for item in self.items:
            for f in item:
                yield from f.leaves()


# ------------------------------------------------------------------------------ building
def build_fields(model: type[BaseModel], prefix: str, defaults: Any,
                 only: tuple[str, ...] | None = None) -> tuple[list[w.Widget], list[Field]]:
    """Rows of widgets and the fields of `model` (recursing into parameter groups).

    `defaults`: an instance whose values are the defaults shown, or None for the fields' own."""
    rows: list[w.Widget] = []
    fields: list[Field] = []
    for name, info in model.model_fields.items():
        if only is not None and name not in only:
            continue
        path = f"{prefix}.{name}" if prefix else name
        if path in HIDDEN:
            continue
        default = getattr(defaults, name) if defaults is not None else (None if info.is_required() else info.default)
        if is_group(info.annotation):
            sub_rows, sub_fields = build_fields(info.annotation, path, default)
            about = plain((info.json_schema_extra or {}).get("source") or first_line(info.annotation.__doc__))
            heading = w.HTML(f"<h4 style='margin:10px 0 2px'>{escape(label_of(path))}</h4>"
                             f"<div class='iop-hint' style='margin-bottom:4px'>{escape(about)}</div>")
            rows += [heading, *sub_rows]
            fields += sub_fields
            continue
        field = field_for(path, info, default)
        rows.append(field.row)
        fields.append(field)
    return rows, fields


def field_for(path: str, info: Any, default: Any) -> Field:
    """The Field class that shows this annotation; TypeError if none can (list it in HIDDEN)."""
    annotation = info.annotation
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is bool:
        kind: type[Field] = BoolField
    elif annotation in (int, float):
        kind = NumberField
    elif annotation is str:
        kind = TextField
    elif origin is Literal:
        kind = ChoiceField
    elif origin is dict and typing.get_origin(args[0]) is Literal and args[1] in (int, float):
        kind = MappingField
    elif origin is tuple and args and args[-1] is Ellipsis:
        item = args[0]
        if is_group(item):
            kind = ModelListField
        elif typing.get_origin(item) is Literal:
            kind = DaysField
        elif item is int:
            kind = WholeNumbersField
        elif typing.get_origin(item) is tuple and all(a in (int, float) for a in typing.get_args(item)):
            kind = PointsField
        else:
            raise TypeError(f"the form has no widget for {path} ({annotation}); add it to iopsim.lab.fields.HIDDEN")
    elif origin is tuple and args and all(a in (int, float) for a in args):
        kind = NumbersField
    else:
        raise TypeError(f"the form has no widget for {path} ({annotation}); add it to iopsim.lab.fields.HIDDEN")
    return kind(path, info, default)


def number_widget(low: Any, high: Any, width: str = NUMBER_WIDTH, value: Any = None) -> w.Text:
    """A box for a number, typed as text and never clamped: ``read_number`` gives what was typed, and the
    box is marked (class iop-invalid) while it holds no number within ``limits`` (kept on the widget)."""
    box = w.Text(layout=w.Layout(width=width))
    box.add_class("iop-number")
    box.limits = (low, high)

    def mark(_: Any = None) -> None:
        number = read_number(box)
        ok = isinstance(number, (int, float)) and low <= number <= high
        (box.remove_class if ok else box.add_class)("iop-invalid")

    box.observe(mark, "value")
    if value is not None:
        write_number(box, value)
    mark()
    return box


def read_number(box: w.Text) -> Any:
    """The number typed in a box (whole when it is whole); the text itself when it is not a number (empty
    included), for the scenario's check to report."""
    text = box.value.strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and abs(number) < 1e15 else number  # "900" reads back as 900


def write_number(box: w.Text, value: Any) -> None:
    """Show a number exactly (0.034 as 0.034, 12.0 as 12), so that the form gives back what it shows."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        box.value = str(int(value))
    else:
        box.value = str(value)


def limits(metadata: Any) -> tuple[Any, Any]:
    """The widget's (min, max) from a field's limits: a bound that excludes its value (gt, lt) is
    still the widget's bound; the scenario's own check reports that exact value."""
    low, high = -1e9, 1e9
    for m in metadata:
        if isinstance(m, at.Ge):
            low = m.ge
        elif isinstance(m, at.Gt):
            low = m.gt
        elif isinstance(m, at.Le):
            high = m.le
        elif isinstance(m, at.Lt):
            high = m.lt
    return low, high


# ------------------------------------------------------------------------------- helpers
def _tag(text: str) -> w.Widget:
    """A short label before an input, never squeezed."""
    return w.HTML(escape(text), layout=w.Layout(flex="0 0 auto", margin="0 4px 0 0"))


def css_name(text: str) -> str:
    """A CSS class fragment: 'tracks.tracks[0].days' -> 'tracks-tracks-0-days'."""
    out = "".join(c if c.isalnum() or c == "_" else "-" for c in text.lower())
    return "-".join(p for p in out.split("-") if p)


