"""IOP seats: tracks of capped groups, counsellor caseloads, and the waitlist in front of them.

Clients join the waitlist and are admitted only at a session of a track they can attend, when
a group has a free seat and a counsellor has room on their caseload: a full group or caseload
makes people wait (visibly, in the log), it never overfills.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import simpy

from iopsim.core.calendar import Calendar


@dataclass
class TrackState:
    """One track's timetable and how many clients sit in each of its groups."""

    name: str
    evening: bool
    hours: float
    cap: int
    session_times: list[float]
    admits_at: list[int]
    members: list[int] = field(default_factory=list)


@dataclass
class Admission:
    """What a client gets when admitted: where, with whom, and from which session on."""

    track: TrackState
    group: int
    counsellor: int
    session: int


@dataclass(eq=False)  # each waiter is one client: compare by identity
class Waiter:
    """A client on the waitlist; `decided` fires with their Admission, or None if they gave up."""

    client: object
    evening_only: bool
    priority: int
    since: float
    decided: simpy.Event


class Seats:
    """Tracks, caseloads and the waitlist, with one admission process per track."""

    def __init__(self, env: simpy.Environment, scenario, calendar: Calendar, until: float) -> None:
        self.env = env
        self.end = until
        tracks = scenario.tracks
        self.caseload = [0] * scenario.staff.iop_counsellors
        self.caseload_cap = scenario.staff.iop_caseload_cap
        self.priority_step_down = tracks.step_down_priority
        self.waiting: list[Waiter] = []
        self._joined: simpy.Event | None = None  # wakes sleeping admission processes
        self.tracks: list[TrackState] = []
        self.day_tracks_exist = any(not t.evening for t in tracks.tracks)
        for t in tracks.tracks:
            times = calendar.session_times(t.days, t.start_hour, until)
            if tracks.admission == "rolling":
                admits = list(range(len(times)))
            else:  # closed cohorts: only the first session of every N-th week
                interval = 7 * tracks.cohort_interval_weeks
                admits, last_cohort = [], -1
                for i, s in enumerate(times):
                    cohort = int(s // interval)
                    if cohort != last_cohort:
                        admits.append(i)
                        last_cohort = cohort
            state = TrackState(t.name, t.evening, t.hours, t.group_cap, times, admits, [0] * t.groups)
            self.tracks.append(state)
            env.process(self._admissions(state))

    def join(self, client, evening_only: bool, step_down: bool, patience: float) -> Waiter:
        """Put a client on the waitlist until admitted or until their patience (days) runs out."""
        priority = 0 if (step_down and self.priority_step_down) else 1
        waiter = Waiter(client, evening_only, priority, self.env.now, self.env.event())
        bisect.insort(self.waiting, waiter, key=lambda w: (w.priority, w.since))
        if self._joined is not None and not self._joined.triggered:
            self._joined.succeed()
        if self.env.now + patience < self.end:
            self.env.timeout(patience).callbacks.append(lambda _: self._give_up(waiter))
        return waiter

    def _give_up(self, waiter: Waiter) -> None:
        if not waiter.decided.triggered:
            self.waiting.remove(waiter)
            waiter.decided.succeed(None)

    def release(self, admission: Admission) -> None:
        admission.track.members[admission.group] -= 1
        self.caseload[admission.counsellor] -= 1

    def _admissions(self, track: TrackState):
        """At each admitting session, fill free seats from the front of the waitlist.

        While nobody waits the process sleeps until someone joins, rather than waking at
        every session for nothing.
        """
        env = self.env
        starts = [track.session_times[i] for i in track.admits_at]
        k = 0
        while k < len(starts):
            if not self.waiting:
                yield self._someone_joins()
                k = bisect.bisect_left(starts, env.now, lo=k)
                continue
            yield env.timeout(starts[k] - env.now)
            if self.waiting:
                self._admit(track, track.admits_at[k])
            k += 1

    def _someone_joins(self) -> simpy.Event:
        if self._joined is None or self._joined.triggered:
            self._joined = self.env.event()
        return self._joined

    def _admit(self, track: TrackState, session: int) -> None:
        for waiter in list(self.waiting):
            if waiter.evening_only != track.evening and self.day_tracks_exist:
                continue  # evening tracks are for clients who work or study by day
            group = min(range(len(track.members)), key=track.members.__getitem__, default=None)
            if group is None or track.members[group] >= track.cap:
                return
            counsellor = min(range(len(self.caseload)), key=self.caseload.__getitem__, default=None)
            if counsellor is None or self.caseload[counsellor] >= self.caseload_cap:
                return
            track.members[group] += 1
            self.caseload[counsellor] += 1
            self.waiting.remove(waiter)
            waiter.decided.succeed(Admission(track, group, counsellor, session))
