"""Behaviour of the weekly calendar, opening hours and appointment books (iopsim.core.calendar, iopsim.core.clinic).

Expected values come from the rules themselves (day 0 is a Monday, holidays are days of the
year modulo 365, first come first served), computed here independently of the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from iopsim.core.calendar import HOUR, WEEKDAYS, Calendar, OpeningHours
from iopsim.core.clinic import AppointmentBook, Clinic

EPS = 1e-9
WEEKDAYS_MON_FRI = ("Mon", "Tue", "Wed", "Thu", "Fri")
ALL_DAYS = WEEKDAYS


def open_day(day: int, days, holidays) -> bool:
    """Reference rule: the weekday is chosen and the day of the year is not a holiday."""
    return WEEKDAYS[day % 7] in days and day % 365 not in set(holidays)


def open_days_from(first: int, days, holidays, count: int) -> list[int]:
    out, d = [], first
    while len(out) < count:
        if open_day(d, days, holidays):
            out.append(d)
        d += 1
    return out


# ------------------------------------------------------------------------------ Calendar
@pytest.mark.parametrize("days, start_hour, holidays, until", [
    (("Mon", "Wed", "Fri"), 9.0, (0, 2, 150, 359), 800.0),
    (("Tue", "Thu"), 17.5, (), 60.25),
    (("Sat",), 0.0, (5,), 400.0),
    (WEEKDAYS_MON_FRI, 18.0, (0, 146, 185, 244, 358), 14 + 18 * HOUR),  # `until` at a session start
])
def test_weekly_slots_and_the_sessions_held_in_them(days, start_hour, holidays, until):
    cal = Calendar(holidays)
    slots = cal.weekly_slots(days, start_hour, until)
    assert slots == pytest.approx([d + start_hour * HOUR for d in range(int(until) + 2)
                                   if WEEKDAYS[d % 7] in days and d + start_hour * HOUR < until])
    times = [t for t in slots if not cal.is_holiday(math.floor(t))]
    expected = [d + start_hour * HOUR for d in range(int(until) + 2)
                if open_day(d, days, holidays) and d + start_hour * HOUR < until]
    assert times == pytest.approx(expected)
    assert all(t < until for t in times)
    assert times == sorted(times)
    for t in times:
        d = math.floor(t)
        assert WEEKDAYS[d % 7] in days
        assert d % 365 not in holidays
        assert t - d == pytest.approx(start_hour * HOUR)


def test_holidays_repeat_every_365_days():
    cal = Calendar(holidays=(3,))  # day 3 is a Thursday; day 368 a Friday; day 733 a Saturday
    days = np.arange(800)
    assert days[[cal.is_holiday(d) for d in days]].tolist() == [3, 368, 733]
    assert cal.is_holiday(368) and not cal.is_holiday(367)


# -------------------------------------------------------------------------- OpeningHours
HOURS_CASES = [
    (WEEKDAYS_MON_FRI, 9.0, 8.0, (0, 5, 150, 359)),
    (("Tue", "Thu"), 13.0, 4.0, ()),
    (("Sat",), 0.0, 24.0, (12,)),
    (("Mon", "Wed", "Fri", "Sun"), 8.5, 3.25, (2, 9)),
]


def reference_earliest_start(t, duration, days, open_hour, hours, holidays):
    """The first t' >= t at which [t', t' + duration] lies inside one open day's window."""
    d = math.floor(t) - 1
    while True:
        if open_day(d, days, holidays):
            opens = d + open_hour * HOUR
            closes = opens + hours * HOUR
            start = max(t, opens)
            if start + duration <= closes + EPS:
                return start
        d += 1


@pytest.mark.parametrize("days, open_hour, hours, holidays", HOURS_CASES)
def test_earliest_start_fits_inside_one_window(days, open_hour, hours, holidays):
    oh = OpeningHours(Calendar(holidays), days, open_hour, hours, until=800.0)
    rng = np.random.default_rng(2024)
    ts = np.concatenate([rng.uniform(0, 700, 400),
                         # exactly at openings and closings, and just around them
                         [d + open_hour * HOUR + dx for d in range(14) for dx in (0, hours * HOUR, -1e-6, 1e-6)]])
    ts = ts[ts >= 0]
    for t in ts:
        duration = float(rng.uniform(0, hours * HOUR))
        start = oh.earliest_start(float(t), duration)
        assert start >= t - EPS, "never before t"
        day = math.floor(start - open_hour * HOUR + EPS)
        assert open_day(day, days, holidays), "only on an open day"
        opens = day + open_hour * HOUR
        assert start >= opens - EPS
        assert start + duration <= opens + hours * HOUR + 1e-7, "never straddles the window end"
        assert start == pytest.approx(reference_earliest_start(t, duration, days, open_hour, hours, holidays),
                                      abs=1e-7), "the earliest such time"


def test_appointment_longer_than_a_window_starts_at_an_opening():
    oh = OpeningHours(Calendar(), WEEKDAYS_MON_FRI, 9.0, 8.0, until=100.0)
    start = oh.earliest_start(0.5, 10 * HOUR)  # Monday 12:00, 10 h job
    assert start == pytest.approx(1 + 9 * HOUR)  # Tuesday's opening
    assert oh.earliest_start(1 + 9 * HOUR, 10 * HOUR) == pytest.approx(1 + 9 * HOUR)


def test_a_full_window_appointment_fits_exactly():
    oh = OpeningHours(Calendar(), WEEKDAYS_MON_FRI, 9.0, 8.0, until=100.0)
    assert oh.earliest_start(4.0, 8 * HOUR) == pytest.approx(4 + 9 * HOUR)  # Friday
    assert oh.earliest_start(4 + 9.5 * HOUR, 8 * HOUR) == pytest.approx(7 + 9 * HOUR)  # next Monday


def test_always_open_returns_t_itself():
    oh = OpeningHours(Calendar(), ALL_DAYS, 0.0, 24.0, until=100.0)
    assert oh.always_open
    rng = np.random.default_rng(1)
    for t, duration in zip(rng.uniform(0, 90, 200), rng.exponential(1.0, 200)):
        assert oh.earliest_start(float(t), float(duration)) == t


@pytest.mark.parametrize("days, open_hour, hours, holidays", [
    (ALL_DAYS, 0.0, 24.0, (10,)),        # a holiday
    (ALL_DAYS[:6], 0.0, 24.0, ()),       # closed on Sundays
    (ALL_DAYS, 1.0, 23.0, ()),           # closed an hour a night
])
def test_not_always_open_when_anything_closes(days, open_hour, hours, holidays):
    oh = OpeningHours(Calendar(holidays), days, open_hour, hours, until=100.0)
    assert not oh.always_open
    for t in np.arange(0, 30, 0.1):
        start = oh.earliest_start(float(t), 0.5 * HOUR)
        assert open_day(math.floor(start), days, holidays)


# -------------------------------------------------------------------------------- Clinic
@pytest.mark.parametrize("staff", [1, 2, 3, 5])
@pytest.mark.parametrize("duration", [0.25, 1.0, 0.3])
def test_clinic_books_first_come_first_served_when_always_open(staff, duration):
    clinic = Clinic(staff, OpeningHours(Calendar(), ALL_DAYS, 0.0, 24.0, until=1000.0))
    bookings = [clinic.book(0.0, duration) for _ in range(6 * staff + 1)]
    for k, (start, who) in enumerate(bookings):
        assert start == pytest.approx((k // staff) * duration, abs=1e-9)
        assert 0 <= who < staff
    # nobody is booked twice at once
    for k in range(0, len(bookings), staff):
        same_time = [who for _, who in bookings[k:k + staff]]
        assert len(set(same_time)) == len(same_time)


def test_clinic_booking_later_than_everyone_is_free_starts_at_once():
    clinic = Clinic(2, OpeningHours(Calendar(), ALL_DAYS, 0.0, 24.0, until=1000.0))
    clinic.book(0.0, 1.0)
    assert clinic.book(5.0, 1.0)[0] == 5.0
    assert clinic.book(5.5, 1.0)[0] == 5.5  # the other one is free
    assert clinic.book(5.5, 1.0)[0] == 6.0  # both busy: the first to finish


@pytest.mark.parametrize("length_hours", [1.0, 1.5, 3.0])
@pytest.mark.parametrize("staff", [1, 2])
def test_clinic_fills_each_open_day_then_moves_on(length_hours, staff):
    holidays = (2,)
    oh = OpeningHours(Calendar(holidays), WEEKDAYS_MON_FRI, 9.0, 8.0, until=200.0)
    clinic = Clinic(staff, oh)
    per_person = int(8.0 // length_hours)  # appointments one person fits in a day
    n = 4 * per_person * staff + 1
    starts = [clinic.book(0.0, length_hours * HOUR)[0] for _ in range(n)]
    days = open_days_from(0, WEEKDAYS_MON_FRI, holidays, n)
    for k, start in enumerate(starts):
        day = days[k // (per_person * staff)]
        slot = (k % (per_person * staff)) // staff
        assert start == pytest.approx(day + (9.0 + slot * length_hours) * HOUR, abs=1e-9)
    assert starts == sorted(starts)


def test_clinic_without_staff_never_starts():
    clinic = Clinic(0, OpeningHours(Calendar(), WEEKDAYS_MON_FRI, 9.0, 8.0, until=100.0))
    start, who = clinic.book(3.0, HOUR)
    assert start == math.inf
    assert who == -1


# ------------------------------------------------------------------------ AppointmentBook
def book_setup(staff=2, hours=7.0, length_hours=2.0, holidays=()):
    oh = OpeningHours(Calendar(holidays), WEEKDAYS_MON_FRI, 9.0, hours, until=400.0)
    return AppointmentBook(oh, staff, length_hours * HOUR)


@pytest.mark.parametrize("staff, hours, length_hours", [(1, 8.0, 1.0), (2, 7.0, 2.0), (3, 8.0, 0.5), (2, 1.0, 2.0)])
def test_slots_per_day(staff, hours, length_hours):
    book = book_setup(staff, hours, length_hours)
    per_day = staff * math.floor(hours / length_hours + 1e-12)
    assert book.per_day == per_day
    starts = [book.book(0.0) for _ in range(per_day)]
    if per_day == 0:
        return
    assert all(math.floor(s) == 0 for s in starts), "one day holds per_day appointments"
    assert math.floor(book.book(0.0)) == 1, "the next one goes to the next open day"
    # no more than `staff` appointments at any one time, each inside the window
    times, counts = np.unique(np.round(starts, 9), return_counts=True)
    assert counts.max() <= staff
    for s in starts:
        assert s >= 9 * HOUR - EPS
        assert s + length_hours * HOUR <= (9 + hours) * HOUR + EPS


def test_no_slots_and_no_staff_mean_never():
    assert book_setup(staff=0).book(0.0) == math.inf
    assert book_setup(staff=2, hours=1.0, length_hours=2.0).book(0.0) == math.inf


def test_full_day_pushes_to_the_next_open_day_past_weekends_and_holidays():
    book = book_setup(staff=1, hours=2.0, length_hours=1.0, holidays=(7,))  # Monday of week 2 is a holiday
    friday = [book.book(4.0) for _ in range(2)]
    assert [math.floor(s) for s in friday] == [4, 4]
    assert math.floor(book.book(4.0)) == 8  # not Saturday, Sunday or the Monday holiday


def test_book_is_never_before_t():
    book = book_setup()
    rng = np.random.default_rng(5)
    for t in rng.uniform(0, 300, 300):
        start = book.book(float(t))
        assert start >= t
        assert open_day(math.floor(start), WEEKDAYS_MON_FRI, ())


def test_cancel_frees_a_slot():
    book = book_setup(staff=2, hours=7.0, length_hours=2.0)
    starts = [book.book(0.0) for _ in range(book.per_day)]
    last = starts[-1]
    book.cancel(last)
    again = book.book(0.0)
    assert math.floor(again) == 0, "the freed slot is offered again"
    assert again == last
    assert math.floor(book.book(0.0)) == 1, "and then the day is full"
    book.cancel(math.inf)  # cancelling a booking that never got a slot is harmless


def test_cancel_of_an_earlier_slot_does_not_double_book():
    book = book_setup(staff=1, hours=3.0, length_hours=1.0)
    first, second, third = (book.book(0.0) for _ in range(3))
    book.cancel(first)
    again = book.book(0.0)
    kept = [second, third, again]
    assert len(set(kept)) == len(kept), f"one prescriber booked twice at {again}"
    assert again == first
