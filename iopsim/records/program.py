"""Program records: one row per episode, exported from a program's own case-management system.

The columns (README, "Your program's records") are checked cell by cell; every problem is
reported at once with its row and column.  Dates are YYYY-MM-DD (or M/D/YYYY); discharge reasons
are TEDS codes or words.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from iopsim.core.formatting import did_you_mean
from iopsim.records import codes
from iopsim.records.episodes import Records, close_open_stays, days, empty
from iopsim.records.problems import Findings
from iopsim.records.table import MAX_BYTES, read_table

REQUIRED = {
    "referral_date": "date the referral came in",
    "prior_episodes": "earlier treatment episodes anywhere, a whole number (0 if none)",
    "assessment_date": "date of the first assessment appointment booked (blank if none, e.g. a step-down referral)",
    "assessment": "assessed or no-show, for that first appointment (blank if none was booked)",
    "placement": "iop, higher level (PHP, residential) or outpatient, as decided at assessment (blank if not placed)",
    "admission_date": "date of the first IOP session (blank if not admitted)",
    "track": "the group the client joined (e.g. day, evening; blank if not admitted)",
    "discharge_date": "date of the IOP discharge (blank while still in IOP)",
    "discharge_reason": "TEDS code 1-7 or words: completed, dropped out, terminated, transferred, incarcerated, "
                        "death, other (blank while still in IOP)",
}
OPTIONAL = {
    "returning": "yes if the client had an earlier episode at this program, no if not",
    "referral_source": "community, step down, step up, justice or readmission",
    "severity": "low, moderate or high",
    "left_waitlist_date": "date a client placed in IOP left the waitlist without a seat",
    "sessions_attended": "group sessions attended in IOP, a whole number",
}
COLUMNS = {**REQUIRED, **OPTIONAL}
EXAMPLE = {"referral_date": "2024-03-04", "prior_episodes": "1", "assessment_date": "2024-03-08",
           "assessment": "assessed", "placement": "iop", "admission_date": "2024-03-18", "track": "day",
           "discharge_date": "2024-06-21", "discharge_reason": "completed", "returning": "no",
           "referral_source": "community", "severity": "moderate", "left_waitlist_date": "",
           "sessions_attended": "36"}
DATE_ALLOWED = "a date as YYYY-MM-DD (or M/D/YYYY) between 1990 and today"
EARLIEST = pd.Timestamp("1990-01-01")


def read_program_records(path: Any, *, max_bytes: int = MAX_BYTES, today: pd.Timestamp | None = None) -> Records:
    """Read and check a program-records file; a RecordsError lists every problem by row and column."""
    findings = Findings(str(path))
    table = read_table(path, findings, max_bytes=max_bytes)
    findings.raise_if_any()
    return program_records(table, findings, today=today)


def program_records(table: pd.DataFrame, findings: Findings, *, today: pd.Timestamp | None = None) -> Records:
    """Check a table of text cells (normalised column names) and turn it into episodes."""
    missing = [c for c in REQUIRED if c not in table.columns]
    for name in missing:
        findings.error(1, name, "(missing)", f"a column '{name}': {REQUIRED[name]}"
                       + did_you_mean(name, list(table.columns)))
    for name in table.columns:
        if name not in COLUMNS:
            findings.warn(1, name, "(not read)", f"not a records column{did_you_mean(name, list(COLUMNS))}; ignored")
    if not len(table) and not missing:
        findings.error(None, None, "no rows", "one row per episode below the header")
    findings.raise_if_any()
    e = empty(len(table))
    rows = np.arange(len(table)) + 2
    today = pd.Timestamp.today().normalize() if today is None else today
    dates = {c: _dates(table[c], c, rows, findings, today)
             for c in ("referral_date", "assessment_date", "admission_date", "discharge_date", "left_waitlist_date")
             if c in table.columns}
    e["referral_date"] = dates["referral_date"].to_numpy()
    _required_cells(table["referral_date"], "referral_date", rows, findings)
    e["prior"] = _prior(table["prior_episodes"], rows, findings)
    if "returning" in table.columns:
        e["returning"] = _map(table["returning"], "returning", rows, findings,
                              {**{y: 1.0 for y in codes.YES}, **{n: 0.0 for n in codes.NO}}, "yes or no", np.nan)
    if "referral_source" in table.columns:
        e["source"] = _map(table["referral_source"], "referral_source", rows, findings,
                           {codes.cell(s): s for s in codes.SOURCES}, OPTIONAL["referral_source"], "")
    if "severity" in table.columns:
        e["severity"] = _map(table["severity"], "severity", rows, findings,
                             {s: s for s in ("low", "moderate", "high")}, OPTIONAL["severity"], "")
    outcome = _map(table["assessment"], "assessment", rows, findings, codes.OUTCOMES, REQUIRED["assessment"], "")
    e["placement"] = _map(table["placement"], "placement", rows, findings, codes.PLACEMENTS,
                          REQUIRED["placement"], "")
    e["reason"] = _map(table["discharge_reason"], "discharge_reason", rows, findings,
                       {**codes.REASON_CODES, **codes.REASON_WORDS}, codes.REASON_ALLOWED, "")
    if "sessions_attended" in table.columns:
        e["sessions"] = _count(table["sessions_attended"], "sessions_attended", rows, findings, 2000)
    referral, appointment = dates["referral_date"], dates["assessment_date"]
    admission, discharge = dates["admission_date"], dates["discharge_date"]
    left = dates.get("left_waitlist_date", pd.Series(pd.NaT, index=table.index))
    e["booking_delay"] = np.where(outcome != "", days(appointment, referral), np.nan)
    e["showed"] = np.select([outcome == "assessed", outcome == "no_show"], [1.0, 0.0], np.nan)
    e["admitted"] = admission.notna().to_numpy()
    e["admission_date"] = admission.to_numpy()
    e["waitlist_left"] = left.to_numpy()
    # the list starts at the assessment that placed the client; after a missed first appointment
    # that date is not in the records, so such a client's wait is left out (not guessed)
    placed_iop = (e["placement"] == "iop").to_numpy() & (outcome != "no_show")
    e["waitlist_start"] = np.where(placed_iop, np.where(appointment.notna(), appointment, referral), pd.NaT)
    e["waitlist_start"] = pd.to_datetime(e["waitlist_start"])
    wait = days(admission, e["waitlist_start"])
    e["wait_lo"], e["wait_hi"] = wait, wait
    los = days(discharge, admission)
    e["los_lo"], e["los_hi"] = los, los
    _order(findings, rows, table, outcome, e, referral, appointment, admission, discharge, left)
    findings.raise_if_any()
    end = max(d.max() for d in dates.values() if d.notna().any())
    close_open_stays(e, end)
    return Records(e, "program", findings.source, findings.warnings, end)


# ------------------------------------------------------------------------------- cells
def _dates(column: pd.Series, name: str, rows: np.ndarray, findings: Findings, today: pd.Timestamp) -> pd.Series:
    iso = pd.to_datetime(column, format="%Y-%m-%d", errors="coerce")
    us = pd.to_datetime(column, format="%m/%d/%Y", errors="coerce")
    value = iso.fillna(us)
    bad = (column != "") & value.isna()
    for i in np.flatnonzero(bad.to_numpy()):
        findings.error(int(rows[i]), name, column.iat[i], DATE_ALLOWED)
    odd = value.notna() & ((value < EARLIEST) | (value > today))
    for i in np.flatnonzero(odd.to_numpy()):
        findings.error(int(rows[i]), name, column.iat[i], DATE_ALLOWED)
    return value.where(~odd)


def _required_cells(column: pd.Series, name: str, rows: np.ndarray, findings: Findings) -> None:
    for i in np.flatnonzero((column == "").to_numpy()):
        findings.error(int(rows[i]), name, "", f"a value in every row: {REQUIRED[name]}")


def _map(column: pd.Series, name: str, rows: np.ndarray, findings: Findings, words: dict[str, Any],
         allowed: str, blank: Any) -> np.ndarray:
    normal = codes.cells(column)
    known = {codes.cell(k): v for k, v in words.items()}
    value = normal.map(known)
    bad = (normal != "") & value.isna()
    for i in np.flatnonzero(bad.to_numpy()):
        findings.error(int(rows[i]), name, column.iat[i], allowed)
    return value.where(normal != "", blank).fillna(blank).to_numpy()


def _count(column: pd.Series, name: str, rows: np.ndarray, findings: Findings, most: int) -> np.ndarray:
    value = pd.to_numeric(column.where(column != ""), errors="coerce")
    bad = (column != "") & (value.isna() | (value < 0) | (value > most) | (value % 1 != 0))
    for i in np.flatnonzero(bad.to_numpy()):
        findings.error(int(rows[i]), name, column.iat[i], f"a whole number from 0 to {most}")
    return value.where(~bad).to_numpy(dtype=float)


def _prior(column: pd.Series, rows: np.ndarray, findings: Findings) -> np.ndarray:
    count = _count(column, "prior_episodes", rows, findings, 200)
    return np.where(np.isnan(count), np.nan, (count > 0).astype(float))


def _order(findings: Findings, rows: np.ndarray, table: pd.DataFrame, outcome: np.ndarray, e: pd.DataFrame,
           referral: pd.Series, appointment: pd.Series, admission: pd.Series, discharge: pd.Series,
           left: pd.Series) -> None:
    """Rules between the cells of a row: dates in order, each step only after the one before."""
    reason = e["reason"].to_numpy()
    rules = [
        (appointment < referral, "assessment_date", appointment, "on or after the referral_date"),
        (admission < referral, "admission_date", admission, "on or after the referral_date"),
        (admission < appointment, "admission_date", admission, "on or after the assessment_date"),
        (discharge < admission, "discharge_date", discharge, "on or after the admission_date"),
        (discharge.notna() & admission.isna(), "discharge_date", discharge, "blank when there is no admission_date"),
        (left < referral, "left_waitlist_date", left, "on or after the referral_date"),
        (left.notna() & admission.notna(), "left_waitlist_date", left, "blank when the client was admitted"),
        (appointment.notna() & (outcome == ""), "assessment", table["assessment"],
         "assessed or no-show when an assessment_date is given"),
        ((outcome != "") & appointment.isna(), "assessment_date", table["assessment_date"],
         "a date when the assessment column says assessed or no-show"),
        (admission.notna() & ~np.isin(e["placement"], ["iop", ""]), "placement", table["placement"],
         "iop (or blank) for a client with an admission_date"),
        (discharge.notna() & (table["discharge_reason"] == ""), "discharge_reason", table["discharge_reason"],
         "a reason when there is a discharge_date"),
        (discharge.isna() & (reason != ""), "discharge_reason", table["discharge_reason"],
         "blank when there is no discharge_date"),
    ]
    for broken, name, value, allowed in rules:
        for i in np.flatnonzero(np.asarray(broken, dtype=bool)):
            shown = value.iat[i]
            shown = shown.strftime("%Y-%m-%d") if isinstance(shown, pd.Timestamp) else shown
            findings.error(int(rows[i]), name, shown, allowed)
