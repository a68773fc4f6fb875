"""TEDS-D extracts: the national discharge file's rows for intensive outpatient (SERVICES_D = 6).

No dates: lengths of stay and waits come as groups (``codes.LOS_RANGES``, ``codes.DAYWAIT_RANGES``)
and stay grouped here.  Numeric codes and the text labels of recent releases are both read; the
file may be latin-1.  Rows of other settings are left out (counted in a warning).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from iopsim.records import codes
from iopsim.records.episodes import Records, empty
from iopsim.records.problems import Findings
from iopsim.records.table import MAX_BYTES, read_table

REQUIRED = ("services_d", "los", "reason")
OPTIONAL = ("daywait", "noprior", "psource", "disyr", "services", "stfips", "age", "gender",
            "freq_atnd_self_help", "freq_atnd_self_help_d")


def read_teds_extract(path: Any, *, max_bytes: int = MAX_BYTES) -> Records:
    """Read and check a TEDS-D extract; a RecordsError lists every problem by row and column."""
    findings = Findings(str(path))
    table = read_table(path, findings, max_bytes=max_bytes, allowed_identifiers=("caseid",))
    findings.raise_if_any()
    return teds_records(table, findings)


def looks_like_teds(columns: list[str]) -> bool:
    """Whether a table's (normalised) columns are a TEDS-D extract's rather than program records."""
    return all(c in columns for c in REQUIRED)


def teds_records(table: pd.DataFrame, findings: Findings) -> Records:
    """Check a table of text cells (normalised column names) and turn its IOP rows into episodes."""
    for name in REQUIRED:
        if name not in table.columns:
            findings.error(1, name, "(missing)", f"a TEDS-D column {name.upper()}")
    findings.raise_if_any()
    service = codes.cells(table["services_d"]).map(lambda v: codes.SERVICE_WORDS.get(v, v))
    service = service.map(lambda v: str(codes.whole(v)) if codes.whole(v) is not None else v)
    iop = (service == codes.IOP_SERVICE).to_numpy()
    if not iop.any():
        findings.error(None, "services_d", "no row with 6", "an extract holding intensive outpatient discharges "
                       "(SERVICES_D = 6, 'Ambulatory, intensive outpatient')")
        findings.raise_if_any()
    if (~iop).any():
        findings.warn(None, "services_d", f"{int((~iop).sum()):,} rows", "other settings than intensive outpatient: "
                      "left out")
    rows = np.flatnonzero(iop) + 2
    t = table[iop].reset_index(drop=True)
    e = empty(len(t))
    los = _ranges(t["los"], "los", rows, findings, codes.los_code, codes.LOS_ALLOWED, required=True)
    e["los_lo"], e["los_hi"] = los[:, 0] - 1, los[:, 1] - 1  # TEDS counts outpatient days + 1
    reason = codes.cells(t["reason"])
    e["reason"] = reason.map({**codes.REASON_CODES, **codes.REASON_WORDS}).fillna("").to_numpy()
    for i in np.flatnonzero(((e["reason"] == "") | (reason == "")).to_numpy()):
        findings.error(int(rows[i]), "reason", t["reason"].iat[i], codes.REASON_ALLOWED)
    e["admitted"] = True
    if "daywait" in t.columns:
        wait = _ranges(t["daywait"], "daywait", rows, findings, codes.daywait_code, codes.DAYWAIT_ALLOWED)
        e["wait_lo"], e["wait_hi"] = wait[:, 0], wait[:, 1]
    if "noprior" in t.columns:
        e["prior"] = _words(t["noprior"], "noprior", rows, findings, codes.NOPRIOR_WORDS, codes.NOPRIOR_ALLOWED)
    if "psource" in t.columns:
        labels = {**codes.PSOURCE_CODES, **{v: v for v in codes.PSOURCE_CODES.values()}}
        _words(t["psource"], "psource", rows, findings, labels, codes.PSOURCE_ALLOWED)
    findings.raise_if_any()
    return Records(e, "teds", findings.source, findings.warnings)


def _ranges(column: pd.Series, name: str, rows: np.ndarray, findings: Findings,
            parse: Callable[[str], tuple[float, float] | None], allowed: str, required: bool = False) -> np.ndarray:
    out = np.full((len(column), 2), np.nan)
    for i, value in enumerate(column.tolist()):
        if codes.cell(value) in codes.MISSING and not required:
            continue
        got = parse(value)
        if got is None:
            findings.error(int(rows[i]), name, value, allowed)
        else:
            out[i] = got
    return out


def _words(column: pd.Series, name: str, rows: np.ndarray, findings: Findings, words: dict[str, Any],
           allowed: str) -> np.ndarray:
    normal = codes.cells(column)
    known = {codes.cell(k): v for k, v in words.items()}
    value = normal.map(lambda v: known.get(v, known.get(str(codes.whole(v)))))
    bad = ~normal.isin(codes.MISSING) & value.isna()
    for i in np.flatnonzero(bad.to_numpy()):
        findings.error(int(rows[i]), name, column.iat[i], allowed)
    return pd.to_numeric(value, errors="coerce").to_numpy(dtype=float)

