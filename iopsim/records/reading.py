"""One entry point for a records file: program records or a TEDS-D extract, told apart by their columns."""

from __future__ import annotations

from typing import Any

import pandas as pd

from iopsim.records.episodes import Records
from iopsim.records.problems import Findings
from iopsim.records.program import program_records
from iopsim.records.table import MAX_BYTES, read_table
from iopsim.records.teds import looks_like_teds, teds_records


def read_records(path: Any, *, max_bytes: int = MAX_BYTES, today: pd.Timestamp | None = None) -> Records:
    """Read and check ``path``; a RecordsError lists every problem by row and column."""
    findings = Findings(str(path))
    table = read_table(path, findings, max_bytes=max_bytes, allowed_identifiers=("caseid",))
    findings.raise_if_any()
    if looks_like_teds(list(table.columns)):
        return teds_records(table, findings)
    return program_records(table, findings, today=today)
