"""The weekly calendar: time in days from day 0 (a Monday), weekends and holidays closed.

Sessions happen only at scheduled clock times on open days; appointments (assessments,
prescriber visits) are fitted into each day's opening window.
"""

from __future__ import annotations

import bisect
import math

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOUR = 1 / 24
_EPS = 1e-9


def weekday_numbers(days) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(d) for d in days)


class Calendar:
    """Which days are open, given weekdays and yearly holidays (days of the year)."""

    def __init__(self, holidays=()) -> None:
        self.holidays = frozenset(holidays)

    def is_holiday(self, day: int) -> bool:
        return day % 365 in self.holidays

    def session_times(self, days, start_hour: float, until: float) -> list[float]:
        """Start times (in days) of every session of a weekly timetable up to `until`."""
        weekdays = weekday_numbers(days)
        offset = start_hour * HOUR
        return [d + offset for d in range(int(math.ceil(until)) + 1)
                if d % 7 in weekdays and not self.is_holiday(d) and d + offset < until]


class OpeningHours:
    """A daily window [open, open + hours) on chosen weekdays, closed on holidays.

    When open around the clock every day with no holidays, time is continuous: this is how the
    model becomes a plain M/M/c queue.
    """

    def __init__(self, calendar: Calendar, days, open_hour: float, hours_per_day: float, until: float) -> None:
        self.calendar = calendar
        self.weekdays = weekday_numbers(days)
        self.open = open_hour * HOUR
        self.length = hours_per_day * HOUR
        self.always_open = (len(self.weekdays) == 7 and not calendar.holidays
                            and open_hour == 0 and hours_per_day >= 24)
        # opening times of every open day, well past the run's end, for look-ups by bisection
        weekdays, holidays = self.weekdays, calendar.holidays
        self.openings = [] if self.length <= 0 else [
            d + self.open for d in range(int(math.ceil(until)) + 400) if d % 7 in weekdays and d % 365 not in holidays]

    def is_open_day(self, day: int) -> bool:
        return day % 7 in self.weekdays and not self.calendar.is_holiday(day)

    def earliest_start(self, t: float, duration: float) -> float:
        """The first time >= t at which an appointment of `duration` days fits in a window.

        An appointment longer than a whole window starts at the window's opening and runs over.
        """
        if self.always_open:
            return t
        openings = self.openings
        k = bisect.bisect_right(openings, t - self.length)  # first window that closes after t
        while k < len(openings):
            opens = openings[k]
            start = t if t > opens else opens
            if start + duration <= opens + self.length + _EPS or (duration > self.length and start <= opens + _EPS):
                return start
            k += 1
        return math.inf
