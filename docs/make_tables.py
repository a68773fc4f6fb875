"""Write the tables of docs/model.md (and the README's calibration tables) from the code, so the
model's documentation cannot drift from it.

    python docs/make_tables.py             # every table; calibration and validation from 16 replications
    python docs/make_tables.py --no-runs   # the parameter, assumption and preset tables only (no simulation)

Each table lives between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` in docs/model.md (the
README holds the calibration and validation regions too) and is replaced whole; the text around
the markers is never touched.  The parameter and assumption
tables come from ``iopsim.core.parameters.table()`` (a test holds them equal to the code's); the
calibration and validation tables set the published figures of ``iopsim.analysis.calibration``
beside the model's mean from ``calibration.check()``, which moves with the replications and seed.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from iopsim.analysis import catalogue
from iopsim.analysis.calibration import C10, FOLLOW_UP_YEARS, TARGETS, VALIDATION, check
from iopsim.core import parameters, presets
from iopsim.core.files import write_atomic
from iopsim.core.formatting import format_interval, format_value, show_value

DOC = Path(__file__).resolve().parent / "model.md"
README = DOC.parent.parent / "README.md"
REPS = 32
SEED = 0


# ------------------------------------------------------------------------------ regions
def region(text: str, name: str) -> str:
    """The text between a region's markers (without them)."""
    start, end = _markers(text, name)
    return text[start:end]


def replace_region(text: str, name: str, body: str) -> str:
    """`text` with the region `name` holding `body` (one blank line either side)."""
    start, end = _markers(text, name)
    return text[:start] + "\n" + body.strip("\n") + "\n" + text[end:]


def _markers(text: str, name: str) -> tuple[int, int]:
    opening, closing = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if text.count(opening) != 1 or text.count(closing) != 1:
        raise ValueError(f"the document needs exactly one {opening} and one {closing}")
    start, end = text.index(opening) + len(opening), text.index(closing)
    if end < start:
        raise ValueError(f"{closing} comes before {opening}")
    return start, end


# ------------------------------------------------------------------------------ tables
def cell(value) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown(header: tuple[str, ...], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def parameter_table() -> str:
    """Every parameter of the built-in program, one table per group, with its source."""
    frame = parameters.table()
    parts = []
    for group, rows in frame.groupby("group", sort=False):
        parts.append(f"**{group}**\n")
        parts.append(markdown(("parameter", "value", "unit", "allowed", "evidence", "source"),
                              [(f"`{r.path}`", r.value, r.unit, r.allowed, r.evidence, r.source)
                               for r in rows.itertuples()]))
        parts.append("")
    counts = parameters.counts()
    parts.append("Evidence: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) + ".")
    return "\n".join(parts)


def assumption_table() -> str:
    """The parameters whose number no published figure backs, with what the source says of them."""
    frame = parameters.table()
    rows = [(f"`{r.path}`", r.value, r.source) for r in frame[frame.assumption].itertuples()]
    return markdown(("parameter", "value", "what the source says"), rows)


def preset_table() -> str:
    """Every preset: what it is, each value it changes with its source, and the published figures
    its test holds it to."""
    parts = []
    for name in presets.NAMES:
        chosen = presets.info(name)
        parts.append(f"**`{name}`: {chosen.title}.** {chosen.description}\n")
        parts.append(f"At least {chosen.min_weekly_hours:g} group hours a week: {chosen.min_weekly_hours_source}.\n")
        if chosen.changes:
            parts.append(markdown(("changes", "value", "source"),
                                  [(f"`{c.path}`", show_value(c.value), c.source) for c in chosen.changes]))
            parts.append("")
        if chosen.headline:
            parts.append(markdown(("published figure", "published (allowed)", "source"),
                                  [(catalogue.label(h.kpi), f"{format_value(h.published, catalogue.unit(h.kpi))} "
                                    f"({format_interval(h.low, h.high, catalogue.unit(h.kpi))})", h.source)
                                   for h in chosen.headline]))
        else:
            parts.append("No published figure pinned to check its results against: its results rest on the "
                         "values above and the default's (assumptions where marked).")
        parts.append("")
    return "\n".join(parts)


KPI_OF = {(t.code, t.what): kpi for kpi, t in {**TARGETS, **VALIDATION}.items()}


def _published(row) -> str:
    """'37.7% (32.7% to 42.7%)' from the figures in calibration.py; words where the target is a shape."""
    if row.target == C10[0]:
        return "a shorter wait keeps more (paired 95% interval above 0)"
    kpi = KPI_OF.get((row.target, row.what))
    if kpi is None:  # C6's shape: each later stretch adds fewer relapses per month
        return "falling"
    unit = catalogue.unit(kpi)
    return f"{format_value(row.published, unit)} ({format_interval(row.low, row.high, unit)})"


def _model(row) -> str:
    """The model's mean in the target's unit; C6's shape and C10's difference with their detail."""
    if row.target == C10[0]:
        return f"{row.model:+.3f} (95% interval {row.detail})"
    kpi = KPI_OF.get((row.target, row.what))
    return format_value(row.model, catalogue.unit(kpi)) if kpi else row.detail


def check_table(frame, kind: str) -> str:
    """The rows of calibration.check() of one kind ('calibration' or 'validation') as Markdown."""
    rows = [(r.target, r.what, _published(r), _model(r), "yes" if r.holds else "**no**", r.source)
            for r in frame[frame.kind == kind].itertuples()]
    return markdown(("code", "what", "published (allowed)", "model", "holds", "source"), rows)


def run_note(reps: int, seed: int) -> str:
    return (f"*Model column: mean of {reps} replications (seed {seed}), each "
            f"{FOLLOW_UP_YEARS} years after the warm-up, written by `docs/make_tables.py` on "
            f"{datetime.date.today().isoformat()}.*")


# ------------------------------------------------------------------------------ main
def tables(reps: int | None, seed: int = SEED) -> dict[str, str]:
    """Every table by region name (`reps` None: not the simulated ones)."""
    out = {"parameters": parameter_table(), "assumptions": assumption_table(), "presets": preset_table()}
    if reps:
        frame = check(reps=reps, seed=seed)
        out["calibration"] = check_table(frame, "calibration") + "\n\n" + run_note(reps, seed)
        out["validation"] = check_table(frame, "validation") + "\n\n" + run_note(reps, seed)
    return out


def rewrite(text: str, reps: int | None, seed: int = SEED) -> str:
    """docs/model.md's text with every table written anew (`reps` None: not the simulated ones)."""
    for name, body in tables(reps, seed).items():
        text = replace_region(text, name, body)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-runs", action="store_true", help="only the parameter, assumption and preset tables")
    parser.add_argument("--reps", type=int, default=REPS, help=f"replications for calibration.check() ({REPS})")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    written = tables(None if args.no_runs else args.reps, args.seed)
    doc = DOC.read_text()
    for name, body in written.items():
        doc = replace_region(doc, name, body)
    write_atomic(DOC, doc)
    print(f"wrote {DOC}")
    if "calibration" in written:
        readme = README.read_text()
        for name in ("calibration", "validation"):
            readme = replace_region(readme, name, written[name])
        write_atomic(README, readme)
        print(f"wrote {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
