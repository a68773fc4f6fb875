"""Appointment books for assessors and prescribers.

A booking takes the earliest time any staff member is free and the appointment fits the
opening hours, first come first served.  Computing the slot when the appointment is made
(rather than queueing a process per request) is what lets the intake call tell the client the
delay, on which showing up depends, and it makes the assessment stage exactly an M/M/c queue
when the clinic is always open and durations are exponential.
"""

from __future__ import annotations

import heapq

from .calendar import OpeningHours


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
        free_at, who = heapq.heappop(self._free_at)
        start = self.hours.earliest_start(max(t, free_at), duration)
        heapq.heappush(self._free_at, (start + duration, who))
        return start, who
