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

    def weekly_slots(self, days, start_hour: float, until: float) -> list[float]:
        """Start times (in days) of a weekly timetable's slots up to `until`, holidays included:
        a client's treatment week ends at its slot even when the group does not meet."""
        weekdays = weekday_numbers(days)
        offset = start_hour * HOUR
        return [d + offset for d in range(int(math.ceil(until)) + 1) if d % 7 in weekdays and d + offset < until]


class OpeningHours:
    """A daily window from the opening hour on chosen weekdays, closed on holidays.

    Each weekday's window may have its own length (`hours_per_day` a number, or a mapping of
    weekday number to hours).  When open around the clock every day with no holidays, time is
    continuous: this is how the model becomes a plain M/M/c queue.
    """

    def __init__(self, calendar: Calendar, days, open_hour: float, hours_per_day, until: float) -> None:
        self.calendar = calendar
        self.weekdays = weekday_numbers(days)
        self.open = open_hour * HOUR
        hours = hours_per_day if isinstance(hours_per_day, dict) else dict.fromkeys(self.weekdays, hours_per_day)
        self.length = max(hours.values(), default=0.0) * HOUR  # the longest window
        self.always_open = (len(self.weekdays) == 7 and not calendar.holidays
                            and open_hour == 0 and min(hours.values()) >= 24)
        # every window to a few weeks past the run's end (nothing later is ever seen), for bisection
        weekdays, holidays = self.weekdays, calendar.holidays
        days_open = [d for d in range(int(math.ceil(until)) + 35)
                     if d % 7 in weekdays and d % 365 not in holidays and hours.get(d % 7, 0) > 0]
        self.openings = [d + self.open for d in days_open]
        self.closings = [d + self.open + hours[d % 7] * HOUR for d in days_open]

    def earliest_start(self, t: float, duration: float) -> float:
        """The first time >= t at which an appointment of `duration` days fits in a window.

        An appointment longer than a whole window starts at the window's opening and runs over.
        """
        if self.always_open:
            return t
        openings, closings = self.openings, self.closings
        k = bisect.bisect_right(closings, t)  # first window that closes after t
        while k < len(openings):
            opens, closes = openings[k], closings[k]
            start = t if t > opens else opens
            if start + duration <= closes + _EPS or (duration > closes - opens and start <= opens + _EPS):
                return start
            k += 1
        return math.inf


def share_whole_slots(days, hours_per_week: float, slot_hours: float) -> dict[int, float]:
    """Hours open on each weekday so that the week holds hours_per_week / slot_hours whole slots.

    Slots are shared out as evenly as possible, the earlier weekdays taking any remainder.
    """
    slots = int(hours_per_week / slot_hours + 1e-9)
    weekdays = sorted(weekday_numbers(days))
    if not weekdays:
        return {}
    each, extra = divmod(slots, len(weekdays))
    return {d: (each + (i < extra)) * slot_hours for i, d in enumerate(weekdays)}
