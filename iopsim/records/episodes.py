"""The one table of episodes both record formats become, and what the fit reads from it.

Durations are kept as the whole-day ranges the records give (a date difference, or a TEDS
group), never as midpoints: ``*_lo`` and ``*_hi`` are the smallest and largest date difference
in days the record allows (``hi`` infinite for an open range).  ``iopsim.fitting`` turns them into
intervals of continuous time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from iopsim.core.errors import Problem

COLUMNS = {
    "referral_date": "date of the referral (program records only)",
    "returning": "1 if the client had an earlier episode at this program, 0 if not, NaN if unknown",
    "prior": "1 if treated before (anywhere), 0 if not, NaN if unknown",
    "source": "referral source in the model's words, '' if unknown",
    "severity": "low, moderate or high, '' if unknown",
    "booking_delay": "days from referral to the first assessment appointment, NaN if none",
    "showed": "1 if the client came to the first appointment, 0 if not, NaN if none was booked",
    "placement": "iop, higher or op at assessment ('' if not placed)",
    "waitlist_start": "date placed on the IOP waitlist (NaT if not)",
    "waitlist_left": "date the client left the waitlist without a seat (NaT if not)",
    "admitted": "True if admitted to IOP",
    "admission_date": "date of admission (NaT if not known)",
    "wait_lo": "smallest days from placement to admission (date difference)",
    "wait_hi": "largest days from placement to admission (inf for an open range)",
    "los_lo": "smallest days from admission to discharge (date difference); for an open stay, days to the end "
              "of the records",
    "los_hi": "largest days from admission to discharge; inf for an open stay or an open range",
    "reason": "discharge code in the model's words (vocabulary.DISCHARGE_CODES), '' while in care",
    "sessions": "group sessions attended, NaN if unknown",
}


@dataclass
class Records:
    """Episodes read from a file: the table, what kind of file it was, the warnings, and the end date."""

    episodes: pd.DataFrame
    kind: str  # "program" or "teds"
    source: str
    warnings: list[Problem] = field(default_factory=list)
    end: pd.Timestamp | None = None  # the last date in the records (program records)

    @property
    def dated(self) -> bool:
        return self.kind == "program"

    def __len__(self) -> int:
        return len(self.episodes)

    def until(self, date: pd.Timestamp) -> "Records":
        """The records as they stood on ``date``: episodes referred before it, later events not yet known."""
        if not self.dated:
            raise ValueError("a TEDS-D extract has no dates, so it cannot be cut at a date")
        date = pd.Timestamp(date)
        e = self.episodes[self.episodes["referral_date"] < date].copy()
        return Records(_as_of(e, date), self.kind, self.source, list(self.warnings), date)

    def after(self, date: pd.Timestamp) -> "Records":
        """Episodes referred on or after ``date``: what happened next."""
        e = self.episodes[self.episodes["referral_date"] >= pd.Timestamp(date)]
        return Records(e.copy(), self.kind, self.source, list(self.warnings), self.end)


def empty(n: int) -> pd.DataFrame:
    """A table of ``n`` episodes with every column unknown, for a reader to fill."""
    nat = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    nan = np.full(n, np.nan)
    return pd.DataFrame({
        "referral_date": nat, "returning": nan, "prior": nan, "source": "", "severity": "",
        "booking_delay": nan, "showed": nan, "placement": "", "waitlist_start": nat.copy(),
        "waitlist_left": nat.copy(), "admitted": np.zeros(n, bool), "admission_date": nat.copy(),
        "wait_lo": nan, "wait_hi": nan, "los_lo": nan, "los_hi": nan, "reason": "", "sessions": nan,
    }, index=range(n))


def days(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    """Whole days between two date columns (NaN where either is missing)."""
    return ((later - earlier).dt.days).to_numpy(dtype=float)


def close_open_stays(e: pd.DataFrame, end: pd.Timestamp) -> None:
    """Open stays (admitted, not discharged) run at least to ``end``: right-censored there."""
    open_ = e["admitted"].to_numpy() & (e["reason"].to_numpy() == "")
    e.loc[open_, "los_lo"] = np.maximum(days(pd.Series(end, index=e.index), e["admission_date"])[open_], 0)
    e.loc[open_, "los_hi"] = np.inf


def _as_of(e: pd.DataFrame, date: pd.Timestamp) -> pd.DataFrame:
    """Forget what happened on or after ``date``: later admissions, discharges and departures."""
    appointment = e["referral_date"] + pd.to_timedelta(e["booking_delay"], unit="D")
    e.loc[appointment >= date, "showed"] = np.nan
    late_admission = e["admission_date"] >= date
    e.loc[late_admission, ["admitted"]] = False
    e.loc[late_admission, ["admission_date"]] = pd.NaT
    e.loc[late_admission, ["wait_lo", "wait_hi"]] = np.nan
    e.loc[e["waitlist_left"] >= date, "waitlist_left"] = pd.NaT
    discharge = e["admission_date"] + pd.to_timedelta(e["los_lo"], unit="D")
    late = e["admitted"] & (e["reason"] != "") & (discharge >= date)
    e.loc[late, "reason"] = ""
    e.loc[~e["admitted"], ["los_lo", "los_hi", "sessions"]] = np.nan
    e.loc[~e["admitted"], "reason"] = ""
    close_open_stays(e, date)
    return e
