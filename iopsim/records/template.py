"""``iopsim records-template``: an empty records file with its columns and one example row."""

from __future__ import annotations

from typing import Any

import pandas as pd

from iopsim.core.files import write_atomic
from iopsim.records.program import COLUMNS, EXAMPLE


def template_frame() -> pd.DataFrame:
    """The program-records columns with one made-up example row (delete it before adding yours)."""
    return pd.DataFrame([{c: EXAMPLE[c] for c in COLUMNS}])


def write_template(path: Any) -> None:
    """Write the template as CSV, or as Excel for a .xlsx path (the excel extra)."""
    frame = template_frame()
    if str(path).lower().endswith(".xlsx"):
        write_atomic(path, lambda tmp: frame.to_excel(tmp, index=False))
    else:
        write_atomic(path, frame.to_csv(index=False))
