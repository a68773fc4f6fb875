"""One replication's world: the clock, the calendar, the staff, the seats and the timetable.

Built from a scenario and a seed; holds no client logic (journey.py) but the places a client
passes through, the random streams and the event log, so every part reads them from here.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import simpy
from pydantic import BaseModel

from iopsim.core.calendar import HOUR, WEEKDAYS, Calendar, OpeningHours, share_whole_slots
from iopsim.core.clinic import AppointmentBook, Clinic
from iopsim.core.counsellors import Counsellors
from iopsim.core.eventlog import EventLog
from iopsim.core.relapse import RelapseCurves
from iopsim.core.scenario import Scenario
from iopsim.core.seats import Seats
from iopsim.core.streams import AttendanceBeta, Streams
from iopsim.core.timetable import Timetable

STAGES = ("assessment", "waitlist", "iop", "op", "aftercare")
WORKDAYS = WEEKDAYS[:5]  # staff see clients Monday to Friday


class World:
    """The clinic of one replication, and the log of what happens in it."""

    def __init__(self, scenario: Scenario, seed=0) -> None:
        self.s = scenario = plain(scenario)  # read in the hot path, where a pydantic attribute costs 6x
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.log = EventLog()
        self.log_row = self.log.write
        self.end = scenario.run.warm_up_days + scenario.run.horizon_days
        self.calendar = Calendar(scenario.calendar.holidays)
        intake, staff, treat = scenario.intake, scenario.staff, scenario.treatment
        days = intake.open_days
        # fixed-length assessments: the week's hours as whole slots; otherwise equal daily hours
        daily = share_whole_slots(days, intake.assessor_hours_per_week, intake.assessment_hours) \
            if intake.assessment_duration == "fixed" else intake.assessor_hours_per_week / max(len(days), 1)
        self.assessors = Clinic(intake.assessors, OpeningHours(self.calendar, days, intake.open_hour, daily, self.end))
        self.attendance = AttendanceBeta(treat.attendance_mean, treat.attendance_spread)
        self.relapse = RelapseCurves(scenario.relapse)
        # individual and outpatient sessions: one afternoon slot on each open weekday
        self.counselling_slots = OpeningHours(self.calendar, WORKDAYS, 13.0, 4.0, self.end).openings
        self.seats = Seats(self.env, scenario, self.calendar, self.end, Counsellors(staff))
        prescribers = AppointmentBook(
            OpeningHours(self.calendar, WORKDAYS, 9.0, staff.prescriber_hours_per_week / 5, self.end),
            staff.prescribers, treat.medication_visit_hours * HOUR)
        self.timetable = Timetable(self.env, scenario, self.seats, self.log, prescribers, self.counselling_slots)
        self.op = simpy.Resource(self.env, capacity=max(staff.op_counsellors * staff.op_caseload_cap, 1)) \
            if staff.op_counsellors else None
        self.in_system = dict.fromkeys(STAGES, 0)  # clients in each stage of care right now

    def note(self, c, event: str, stage: str, resource: str = "", detail: str = "", value: float = math.nan,
             at: float | None = None) -> None:
        """Log an event of client `c`, now (or `at`, for one that has happened)."""
        self.log_row((c.id, c.episode, self.env.now if at is None else at, event, stage, resource, detail, value))


def plain(model):
    """A validated scenario as plain namespaces: the same values, quicker to read."""
    if isinstance(model, BaseModel):
        return SimpleNamespace(**{name: plain(value) for name, value in model.__dict__.items()})
    if isinstance(model, tuple):
        return tuple(plain(value) for value in model)
    return model
