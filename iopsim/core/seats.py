"""IOP seats: tracks of capped groups, counsellor caseloads, and the waitlist in front of them.

Clients join the waitlist and are admitted only at a session of a track they can attend (a
client who works or studies only in the evening; others by day, and in the evening too if the
scenario allows), when a group has a free seat and a counsellor has room on their caseload: a
full group or caseload makes people wait (visibly, in the log), it never overfills.  The
timetable (timetable.py) calls `admit` at each admitting session.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import simpy

from iopsim.core.calendar import Calendar
from iopsim.core.counsellors import Counsellors


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
    ready: float  # the first time a seat can be taken (after the admission lead)
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

    def __init__(self, env: simpy.Environment, scenario, calendar: Calendar, until: float,
                 counsellors: Counsellors) -> None:
        self.env = env
        self.end = until
        tracks = scenario.tracks
        self.counsellors = counsellors
        self.priority_step_down = tracks.step_down_priority
        self.day_clients_in_evening = tracks.day_clients_take_evening_seats
        self.lead = tracks.admission_lead_days
        self.waiting: list[Waiter] = []
        self.joined = Doorbell(env)
        self.tracks = [track_slots(calendar, t, tracks.admission, tracks.cohort_interval_weeks, until)
                       for t in tracks.tracks]
        self.day_tracks_exist = any(not t.evening for t in tracks.tracks)

    def join(self, client, evening_only: bool, step_down: bool, patience: float, decided: Callable) -> Waiter:
        """Put a client on the waitlist until admitted or until their patience (days) runs out;
        `decided(stay)` is called then (with None if they gave up)."""
        priority = 0 if (step_down and self.priority_step_down) else 1
        now = self.env.now
        waiter = Waiter(client, evening_only, priority, now, now + self.lead, decided)
        bisect.insort(self.waiting, waiter, key=lambda w: (w.priority, w.since))
        self.joined.ring()
        if self.env.now + patience < self.end:
            self.env.timeout(patience).callbacks.append(partial(self._give_up, waiter))
        return waiter

    def _give_up(self, waiter: Waiter, _patience=None) -> None:
        if waiter.waiting:
            self.withdraw(waiter)
            waiter.decided(None)

    def withdraw(self, waiter: Waiter) -> None:
        """Take a client off the waitlist (they gave up, or left it after a relapse)."""
        self.waiting.remove(waiter)
        waiter.waiting = False

    def can_attend(self, waiter: Waiter, track: TrackState) -> bool:
        if waiter.evening_only:
            return track.evening or not self.day_tracks_exist
        return not track.evening or self.day_clients_in_evening or not self.day_tracks_exist

    def queue_for(self, track: TrackState) -> list[Waiter]:
        """The waitlist in the order a track's seats are offered: an evening track offers its seats
        first to those who can only come in the evening, then to the others."""
        if track.evening and self.day_tracks_exist:
            return [w for w in self.waiting if w.evening_only] + [w for w in self.waiting if not w.evening_only]
        return list(self.waiting)

    def release(self, track: TrackState, group: int, counsellor: int) -> None:
        track.members[group] -= 1
        self.counsellors.release(counsellor)

    def admit(self, track: TrackState) -> list[tuple[Waiter, int, int]]:
        """Take clients from the front of the track's queue into free seats: (waiter, group, counsellor) each.

        The caller tells each waiter (calls `decided`): the admission happens at its session.
        """
        admitted, now = [], self.env.now
        for waiter in self.queue_for(track):
            if waiter.ready > now + 1e-9 or not self.can_attend(waiter, track):
                continue
            group = min(range(len(track.members)), key=track.members.__getitem__, default=None)
            if group is None or track.members[group] >= track.cap:
                break
            counsellor = self.counsellors.assign()
            if counsellor is None:
                break
            track.members[group] += 1
            self.counsellors.take_on(counsellor, now)
            self.withdraw(waiter)
            admitted.append((waiter, group, counsellor))
        return admitted
