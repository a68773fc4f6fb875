"""IOP seats: tracks of capped groups, counsellor caseloads, and the waitlist in front of them.

Clients join the waitlist and are admitted only at a session of a track they can attend, when
a group has a free seat and a counsellor has room on their caseload: a full group or caseload
makes people wait (visibly, in the log), it never overfills.  The timetable (timetable.py)
calls `admit` at each admitting session.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Callable

import simpy

from iopsim.core.calendar import Calendar


@dataclass
class TrackState:
    """One track's weekly slots and how many clients sit in each of its groups.

    `slots` holds every weekly slot, holidays included (a client's week ends there even when
    the group does not meet); `held` says which slots have a session, `admits` which of those
    take new clients.
    """

    name: str
    evening: bool
    hours: float
    cap: int
    slots: list[float]
    held: list[bool]
    admits: list[bool]
    members: list[int] = field(default_factory=list)
    group_names: list[str] = field(default_factory=list)


@dataclass(eq=False)  # each waiter is one client: compare by identity
class Waiter:
    """A client on the waitlist; `decided` is called with their Stay, or None if they gave up."""

    client: object
    evening_only: bool
    priority: int
    since: float
    decided: Callable
    waiting: bool = True


class Doorbell:
    """An event to sleep on until something happens (someone joins, someone is admitted)."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._event: simpy.Event | None = None

    def wait(self) -> simpy.Event:
        if self._event is None or self._event.triggered:
            self._event = self.env.event()
        return self._event

    def ring(self) -> None:
        if self._event is not None and not self._event.triggered:
            self._event.succeed()


def track_slots(calendar: Calendar, track, admission: str, cohort_weeks: int, until: float) -> TrackState:
    """A track's weekly slots up to `until`: which are held, and which admit (rolling: every
    session; closed cohorts: the first session of every N-th week)."""
    slots = calendar.weekly_slots(track.days, track.start_hour, until)
    held = [not calendar.is_holiday(int(s)) for s in slots]
    if admission == "rolling":
        admits = list(held)
    else:
        admits, last_cohort = [False] * len(slots), -1
        for i, s in enumerate(slots):
            cohort = int(s // (7 * cohort_weeks))
            if held[i] and cohort != last_cohort:
                admits[i], last_cohort = True, cohort
    return TrackState(track.name, track.evening, track.hours, track.group_cap, slots, held, admits,
                      [0] * track.groups, [f"{track.name} group {g + 1}" for g in range(track.groups)])


class Seats:
    """Tracks, caseloads and the waitlist."""

    def __init__(self, env: simpy.Environment, scenario, calendar: Calendar, until: float) -> None:
        self.env = env
        self.end = until
        tracks = scenario.tracks
        self.caseload = [0] * scenario.staff.iop_counsellors
        self.caseload_cap = scenario.staff.iop_caseload_cap
        self.priority_step_down = tracks.step_down_priority
        self.waiting: list[Waiter] = []
        self.joined = Doorbell(env)
        self.tracks = [track_slots(calendar, t, tracks.admission, tracks.cohort_interval_weeks, until)
                       for t in tracks.tracks]
        self.day_tracks_exist = any(not t.evening for t in tracks.tracks)

    def join(self, client, evening_only: bool, step_down: bool, patience: float, decided: Callable) -> None:
        """Put a client on the waitlist until admitted or until their patience (days) runs out;
        `decided(stay)` is called then (with None if they gave up)."""
        priority = 0 if (step_down and self.priority_step_down) else 1
        waiter = Waiter(client, evening_only, priority, self.env.now, decided)
        bisect.insort(self.waiting, waiter, key=lambda w: (w.priority, w.since))
        self.joined.ring()
        if self.env.now + patience < self.end:
            self.env.timeout(patience).callbacks.append(lambda _: self._give_up(waiter))

    def _give_up(self, waiter: Waiter) -> None:
        if waiter.waiting:
            self.waiting.remove(waiter)
            waiter.waiting = False
            waiter.decided(None)

    def release(self, track: TrackState, group: int, counsellor: int) -> None:
        track.members[group] -= 1
        self.caseload[counsellor] -= 1

    def admit(self, track: TrackState) -> list[tuple[Waiter, int, int]]:
        """Take clients from the front of the waitlist into free seats: (waiter, group, counsellor) each.

        The caller tells each waiter (calls `decided`): the admission happens at its session.
        """
        admitted = []
        for waiter in list(self.waiting):
            if waiter.evening_only != track.evening and self.day_tracks_exist:
                continue  # evening tracks are for clients who work or study by day
            group = min(range(len(track.members)), key=track.members.__getitem__, default=None)
            if group is None or track.members[group] >= track.cap:
                break
            counsellor = min(range(len(self.caseload)), key=self.caseload.__getitem__, default=None)
            if counsellor is None or self.caseload[counsellor] >= self.caseload_cap:
                break
            track.members[group] += 1
            self.caseload[counsellor] += 1
            self.waiting.remove(waiter)
            waiter.waiting = False
            admitted.append((waiter, group, counsellor))
        return admitted
