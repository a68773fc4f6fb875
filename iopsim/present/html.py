"""HTML from Jinja2 templates (``iopsim/present/templates``), escaped by default.

Every page extends ``base.html``, which carries the one stylesheet (``style.css``) inline, so a
page needs no other file.  Tables come from the ``table`` macro in ``macros.html``: build the
rows here as :class:`Row` and :class:`Cell` and let the template write the markup.

    html.table(["KPI", "mean"], [("Access and waiting", [Row("Seats in use", [Cell("62.8%")])])])
    html.render("experiment.html", title=..., ...)       # a whole page, as text
    html.write_page("out/report.html", "experiment.html", title=..., ...)

Text passed in is escaped; only what a template marks ``|safe`` (a chart's own ``<figure>``) or a
:class:`markupsafe.Markup` value is written as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from iopsim import __version__
from iopsim.core.files import write_atomic

ENVIRONMENT = Environment(loader=PackageLoader("iopsim.present", "templates"),
                          autoescape=select_autoescape(("html",), default=True), undefined=StrictUndefined,
                          keep_trailing_newline=True)


class Cell(NamedTuple):
    """One table cell: its text, a CSS class ("num" right-aligns a number) and a second, smaller line."""

    text: str
    css: str = "num"
    note: str = ""


class Row(NamedTuple):
    """One table row: its name (the row header), its cells, and a tooltip for the name."""

    name: str
    cells: Sequence[Cell]
    title: str = ""


def render(template: str, **context: Any) -> str:
    """A template filled in; ``version`` (iopsim's) and ``made`` (now) are there unless given."""
    context.setdefault("version", __version__)
    context.setdefault("made", datetime.now())
    return ENVIRONMENT.get_template(template).render(**context)


def write_page(path: Any, template: str, **context: Any) -> Path:
    """Render a page and write it atomically; a folder as ``path`` gets ``report.html`` in it."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, render(template, **context))


def table(head: Sequence[str], groups: Iterable[tuple[str | None, Sequence[Row]]], css_class: str = "") -> Markup:
    """A table of rows under headings (a heading of None draws no heading row), as safe HTML."""
    return Markup(_macros().table(list(head), list(groups), css_class))


def _macros() -> Any:
    return ENVIRONMENT.get_template("macros.html").module
