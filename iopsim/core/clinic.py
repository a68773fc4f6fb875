"""Appointment books for assessors and prescribers.

A booking takes the earliest time any staff member is free and the appointment fits the
opening hours, first come first served.  Computing the slot when the appointment is made
(rather than queueing a process per request) is what lets the intake call tell the client the
delay, on which showing up depends, and it makes the assessment stage exactly an M/M/c queue
when the clinic is always open and durations are exponential.
"""

from __future__ import annotations

import bisect
import heapq
import math

from iopsim.core.calendar import OpeningHours


class Clinic:
    """A pool of `staff` people sharing one set of opening hours."""

    def __init__(self, staff: int, hours: OpeningHours) -> None:
        self.hours = hours
        self._free_at = [(0.0, i) for i in range(staff)]
        heapq.heapify(self._free_at)

    def book(self, t: float, duration: float) -> tuple[float, int]:
        """Reserve the earliest slot from time t: returns (start time, staff index).

        With nobody on staff the start is infinite: the client waits past the end of the run.
        """
        if not self._free_at:
            return float("inf"), -1
        free_at, who = self._free_at[0]
        start = t if t > free_at else free_at
        if not self.hours.always_open:
            start = self.hours.earliest_start(start, duration)
        heapq.heapreplace(self._free_at, (start + duration, who))
        return start, who


class AppointmentBook:
    """Fixed-length slots in each day's opening hours, booked in any order, weeks ahead.

    Used for prescriber visits, which are planned along a client's course of treatment; a
    full day pushes the visit to the next day with a free slot.
    """

    def __init__(self, hours: OpeningHours, staff: int, length: float) -> None:
        self.hours = hours
        self.staff = staff
        self.length = length
        self.rows = int(hours.length / length + 1e-9) if staff else 0  # slot times per day
        self._booked: dict[int, list[int]] = {}  # day -> people booked at each slot time

    @property
    def per_day(self) -> int:
        """Appointments one open day can hold."""
        return self.staff * self.rows

    def book(self, t: float) -> float:
        """Start time of the first free slot on a day whose opening is at or after t."""
        openings = self.hours.openings
        k = bisect.bisect_left(openings, t)
        while k < len(openings) and self.rows:
            booked = self._booked.setdefault(math.floor(openings[k]), [0] * self.rows)
            for row, n in enumerate(booked):
                if n < self.staff:
                    booked[row] += 1
                    return openings[k] + row * self.length
            k += 1
        return math.inf

    def cancel(self, start: float) -> None:
        """Give back a slot booked with `book` that will not be used."""
        if start != math.inf:
            day = math.floor(start)
            row = round((start - self.hours.openings[bisect.bisect_right(self.hours.openings, start) - 1])
                        / self.length)
            self._booked[day][row] -= 1
