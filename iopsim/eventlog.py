"""The event log: one row per thing that happened to a client, the single source of truth.

Rows are kept as tuples while the model runs (cheap) and become a pandas DataFrame only when
asked for.  Column names overlap vidigi's (`time`, `event`, `event_type`, `run`) so its
animations can read the log once `client` is renamed `patient`.
"""

from __future__ import annotations

COLUMNS = ("client", "episode", "time", "event", "stage", "resource", "detail", "value")

# event -> vidigi event_type
EVENT_TYPES = {
    "referral": "arrival_departure",
    "assessment_booked": "queue",
    "assessed": "resource_use",
    "no_show": "resource_use",
    "placed": "queue",
    "waitlist_join": "queue",
    "reneged": "arrival_departure",
    "admitted": "resource_use",
    "group_attended": "resource_use",
    "group_missed": "queue",
    "individual_session": "resource_use",
    "medication_review": "resource_use",
    "relapse_in_treatment": "queue",
    "iop_discharge": "resource_use_end",
    "op_waitlist_join": "queue",
    "op_start": "resource_use",
    "op_session": "resource_use",
    "op_no_show": "queue",
    "op_end": "resource_use_end",
    "aftercare_start": "resource_use",
    "aftercare_end": "resource_use_end",
    "exit": "arrival_departure",
    "relapse": "arrival_departure",
}


class EventLog:
    """Append-only rows in COLUMNS order; `value` is a number (hours, days) or NaN."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def __len__(self) -> int:
        return len(self.rows)

    def to_frame(self, run: int = 0):
        """The log as a DataFrame sorted by time (ties keep the order things happened in)."""
        import pandas as pd

        frame = pd.DataFrame.from_records(self.rows, columns=COLUMNS).astype(
            {"client": "int64", "episode": "int64", "time": "float64", "value": "float64"})
        frame = frame.sort_values("time", kind="stable", ignore_index=True)
        frame.insert(4, "event_type", frame["event"].map(EVENT_TYPES))
        for col in ("event", "event_type", "stage", "resource", "detail"):
            frame[col] = frame[col].astype("category")
        frame["run"] = run
        return frame
