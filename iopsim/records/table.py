"""Reading a records file (CSV or Excel) into a table of text cells, refusing what cannot be one.

Every cell is kept as text so the format readers can say which cell is wrong and why; nothing is
guessed from pandas' type inference.  Direct identifiers are refused here, before any reader sees
them, and their values are never quoted back.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pandas as pd

from iopsim.records.problems import Findings

MAX_BYTES = 512 * 1024 * 1024  # a larger export is not an IOP's records; split it by year
MAX_ROWS = 2_000_000
EXCEL = (".xlsx", ".xlsm")
TEXT = (".csv", ".txt", ".tsv")

# column names that hold who a client is, not what happened: refused, never read
_IDENTIFIER_NAMES = re.compile(
    r"(^|_)(first|last|given|family|sur|full|client|patient|middle)?_?name($|_)|^name$|surname|"
    r"birth|dob|^d_o_b$|phone|mobile|telephone|cell|e_?mail|address|street|city|zip|post_?code|"
    r"ssn|social_security|medicaid|medicare|insurance_id|member_id|mrn|medical_record|chart_?n|"
    r"record_?(number|no|num|id)|client_?id|patient_?id|person_?id|^id$")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.I)
_PHONE = re.compile(r"^\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}$")
_SSN = re.compile(r"^\d{3}-\d{2}-\d{4}$")


def normal_name(column: Any) -> str:
    """'Discharge Date ' -> 'discharge_date': the form columns are matched in."""
    return re.sub(r"[^0-9a-z]+", "_", str(column).strip().lower()).strip("_")


def read_table(path: Any, findings: Findings, *, max_bytes: int = MAX_BYTES,
               allowed_identifiers: tuple[str, ...] = ()) -> pd.DataFrame | None:
    """The file as a DataFrame of text (blank cells are ''), column names normalised; None if unreadable.

    ``allowed_identifiers`` names identifier-like columns the format knows are not direct
    identifiers (TEDS' CASEID is a public record number): they are dropped with a warning.
    """
    path = Path(path)
    if not path.is_file():
        findings.error(None, None, str(path), "an existing CSV or Excel file")
        return None
    size = path.stat().st_size
    if size > max_bytes:
        findings.error(None, None, f"{size:,} bytes", f"a file of at most {max_bytes:,} bytes; split it by year")
        return None
    if size == 0:
        findings.error(None, None, "an empty file", "a header row naming the columns, then one row per episode")
        return None
    suffix = path.suffix.lower()
    if suffix in EXCEL:
        table = _read_excel(path, findings)
    elif suffix in TEXT or not suffix:
        table = _read_csv(path, findings)
    else:
        findings.error(None, None, path.name, "a .csv file (or .xlsx with the excel extra)")
        return None
    if table is None:
        return None
    return _checked(table, findings, allowed_identifiers)


def _read_csv(path: Path, findings: Findings) -> pd.DataFrame | None:
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        findings.error(None, None, "binary content", "a text CSV file (save the sheet as CSV, UTF-8)")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = raw.decode("latin-1")
        findings.warn(None, None, f"byte {exc.start:,}", "not UTF-8; read as latin-1 (check accented letters)")
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    rows = csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True)
    header = next(rows, [])
    ragged = [n for n, row in enumerate(rows, start=2) if row and len(row) != len(header)]
    for n in ragged[:20]:
        findings.error(n, None, "a malformed table", f"the same number of cells as the header ({len(header)})")
    if ragged:
        return None
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
                            skipinitialspace=True, nrows=MAX_ROWS + 1, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        findings.error(None, None, "a malformed table", f"one header row and the same number of cells in every "
                       f"row ({str(exc).strip()[:200]})")
        return None
    if len(header) == len(table.columns):
        table.columns = header  # as written: pandas renames a repeated name ('track.1'), hiding the repeat
    return table


def _read_excel(path: Path, findings: Findings) -> pd.DataFrame | None:
    try:
        import openpyxl  # noqa: F401 - lazy: the optional [excel] extra reads .xlsx files
    except ImportError:
        findings.error(None, None, path.name, "a CSV file, or install the excel extra (pip install iopsim[excel])")
        return None
    try:
        table = pd.read_excel(path, dtype=object, sheet_name=0, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
        findings.error(None, None, path.name, f"an Excel workbook openpyxl can read ({type(exc).__name__})")
        return None
    return table.map(_excel_text)


def _excel_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp) or hasattr(value, "date"):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _checked(table: pd.DataFrame, findings: Findings, allowed_identifiers: tuple[str, ...]) -> pd.DataFrame | None:
    names = [normal_name(c) for c in table.columns]
    twice = sorted({n for n in names if names.count(n) > 1})
    for name in twice:
        findings.error(1, name, name, "each column once")
    if len(table) > MAX_ROWS:
        findings.error(None, None, f"more than {MAX_ROWS:,} rows", f"at most {MAX_ROWS:,} episodes in one file")
    if findings.errors:
        return None
    table.columns = names
    for name in names:
        if name in allowed_identifiers:
            findings.warn(1, name, "(not shown)", "a record number: ignored, never copied")
            table = table.drop(columns=name)
        elif _IDENTIFIER_NAMES.search(name):
            findings.error(1, name, "(not shown)", "no direct identifiers (names, dates of birth, phone numbers, "
                           "addresses, record numbers): delete this column and export again")
    for name in table.columns:
        _identifier_values(table[name], name, findings)
    if findings.errors:
        return None
    return table.apply(lambda column: column.astype(str).str.strip())


def _identifier_values(column: pd.Series, name: str, findings: Findings) -> None:
    """Cells that look like an e-mail, a phone or a social security number, whatever the column is called."""
    sample = column.astype(str).head(5000)
    for pattern, what in ((_EMAIL, "an e-mail address"), (_PHONE, "a phone number"),
                          (_SSN, "a social security number")):
        hits = sample.str.contains(pattern, na=False)
        if hits.any():
            row = int(hits.to_numpy().argmax()) + 2
            findings.error(row, name, "(not shown)", f"no direct identifiers: this cell looks like {what}")
            return
