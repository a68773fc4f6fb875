"""The event log: one row per thing that happened to a client, the single source of truth.

Its events, their types and stages are named in ``iopsim.core.vocabulary``.

Rows are kept flat while the model runs (cheap) and become numpy columns for the KPIs, or a
pandas DataFrame, only when asked for (``iopsim.analysis.run.events_frame``).  Column names overlap vidigi's (`time`,
`event`, `event_type`, `run`) so its animations can read the log once `client` is renamed
`patient`.
"""

from __future__ import annotations

import numpy as np

from iopsim.core.vocabulary import EVENT_TYPES

COLUMNS = ("client", "episode", "time", "event", "stage", "resource", "detail", "value")
EPISODES = 1 << 16  # episodes per client that an integer episode key can tell apart


class EventLog:
    """Append-only rows in COLUMNS order; `value` is a number (hours, days) or NaN.

    The rows are kept as one flat list of values, len(COLUMNS) per row: a list of plain values is
    nothing for the garbage collector to walk, where a tuple per row cost it a pass over every
    row after each run (a twentieth of the run's time).  `write(row)` adds one row.
    """

    def __init__(self) -> None:
        self.values: list = []
        self.write = self.values.extend

    def __len__(self) -> int:
        return len(self.values) // len(COLUMNS)

    @property
    def rows(self) -> list[tuple]:
        """The rows as tuples, made anew on each call (for reading a log row by row)."""
        values = iter(self.values)
        return list(zip(*[values] * len(COLUMNS)))

    def column(self, name: str) -> list:
        """One column's values, in the order the rows were written."""
        return self.values[COLUMNS.index(name)::len(COLUMNS)]

    def columns(self) -> list[list]:
        """Every column, in COLUMNS order."""
        return [self.values[k::len(COLUMNS)] for k in range(len(COLUMNS))]


class Lookup:
    """Numbers kept by episode (client and episode in one integer key), for vectorised look-ups."""

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        self.keys, self.values = keys, values  # keys sorted and unique

    @classmethod
    def first(cls, keys: np.ndarray, values: np.ndarray) -> "Lookup":
        """The first value of each key, for values given in time order."""
        uniq, position = np.unique(keys, return_index=True)
        return cls(uniq, values[position])

    @classmethod
    def last(cls, keys: np.ndarray, values: np.ndarray) -> "Lookup":
        uniq, position = np.unique(keys[::-1], return_index=True)
        return cls(uniq, values[::-1][position])

    @classmethod
    def sum_by_key(cls, keys: np.ndarray, values: np.ndarray) -> "Lookup":
        uniq, which = np.unique(keys, return_inverse=True)
        return cls(uniq, np.bincount(which, weights=values, minlength=uniq.size))

    def at(self, keys: np.ndarray) -> np.ndarray:
        """The value for each key asked for, NaN where there is none."""
        keys = np.asarray(keys, dtype=np.int64)
        if self.keys.size == 0:
            return np.full(keys.shape, np.nan)
        position = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
        return np.where(self.keys[position] == keys, self.values[position].astype(float), np.nan)


class Columns:
    """The event log as numpy columns sorted by time, with the rows of each event at hand.

    KPIs are computed from this form: an order of magnitude quicker than grouping a DataFrame.
    """

    def __init__(self, client, episode, time, event, stage, resource, detail, value) -> None:
        self.client, self.episode, self.time, self.value = client, episode, time, value
        self.event, self.stage, self.resource, self.detail = event, stage, resource, detail
        self.key = client * EPISODES + episode  # one integer per client episode
        names = {name: code for code, name in enumerate(EVENT_TYPES)}
        codes = np.fromiter((names[e] for e in event.tolist()), np.int64, len(event))
        order = np.argsort(codes, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=len(names)))])
        self._rows = {name: order[bounds[c]:bounds[c + 1]] for name, c in names.items()}

    @classmethod
    def from_log(cls, log: EventLog) -> "Columns":
        return cls.from_columns(*log.columns())

    @classmethod
    def from_rows(cls, rows: list[tuple]) -> "Columns":
        return cls.from_columns(*(zip(*rows) if rows else [()] * len(COLUMNS)))

    @classmethod
    def from_columns(cls, client, episode, time, event, stage, resource, detail, value) -> "Columns":
        """From the log's columns in the order written: sorted by time, ties kept in that order."""
        time = np.array(time, dtype=float)
        order = np.argsort(time, kind="stable")
        return cls(np.array(client, dtype=np.int64)[order], np.array(episode, dtype=np.int64)[order], time[order],
                   *(np.array(col, dtype=object)[order] for col in (event, stage, resource, detail)),
                   np.array(value, dtype=float)[order])

    @classmethod
    def from_frame(cls, frame) -> "Columns":
        """From a log DataFrame already sorted by time (as EventLog.to_frame makes it)."""
        return cls(frame.client.to_numpy(np.int64), frame.episode.to_numpy(np.int64), frame.time.to_numpy(float),
                   *(frame[col].to_numpy(object) for col in ("event", "stage", "resource", "detail")),
                   frame.value.to_numpy(float))

    def rows_of(self, event: str) -> np.ndarray:
        """Row numbers of one kind of event, in time order."""
        return self._rows[event]

    def first_time(self, event: str) -> Lookup:
        idx = self._rows[event]
        return Lookup.first(self.key[idx], self.time[idx])

    def last_time(self, event: str) -> Lookup:
        idx = self._rows[event]
        return Lookup.last(self.key[idx], self.time[idx])
