"""What is wrong with a records file, by row and column, all at once.

An administrator exporting records from a case-management system needs to know which cell to
fix; one message lists every problem (file, row, column, value, what is allowed), and warnings
(a column ignored, a date in the future) are kept beside the records that were read.
"""

from __future__ import annotations

from typing import Any

from iopsim.core.errors import Problem, ProblemsError


class RecordsError(ProblemsError):
    """A records file that cannot be used: every problem, each with its row and column."""

    what = "Records file"


def where(row: int | None, column: str | None) -> str:
    """'row 5, column discharge_date' (rows counted as a spreadsheet shows them, the header is row 1)."""
    parts = [f"row {row}" if row is not None else "", f"column {column}" if column else ""]
    return ", ".join(p for p in parts if p) or "(whole file)"


class Findings:
    """Problems and warnings gathered while a file is read; errors are raised together at the end."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[tuple[str, Any, str]] = []
        self.warnings: list[Problem] = []

    def error(self, row: int | None, column: str | None, value: Any, allowed: str) -> None:
        self.errors.append((where(row, column), value, allowed))

    def warn(self, row: int | None, column: str | None, value: Any, note: str) -> None:
        self.warnings.append(Problem(where(row, column), value, note))

    def raise_if_any(self) -> None:
        if self.errors:
            raise RecordsError(self.errors, self.source)


def warning_lines(warnings: list[Problem]) -> list[str]:
    """Warnings in words, one a line, for the command line and the report (values already masked)."""
    return [f"{w.path}: {w.allowed}" for w in warnings]
