"""The IOP week as the clinic keeps it: group sessions, individual and family sessions, drug tests,
prescriber visits and crisis sessions.

One process per track walks through its weekly slots: at each, the weeks of treatment that end
there are reviewed, new clients are admitted from the waitlist, and each group meets, the
members present decided then, if its facilitator(s) have the hours (counsellors.py); if not,
the session is cancelled and its members lose that dose.  One process holds the individual and
family sessions and the drug tests on weekday afternoons, with each client's counsellor, from
hours the rest of the week's groups do not need; prescriber visits (psychiatric medication, and
medication for an opioid or alcohol use disorder) are booked ahead and held at their time.
Dropout, relapse, crises and other exits strike between sessions, at the time their weekly
hazards (treatment.py) say.  With drug tests, the program learns of a relapse at the next test
that shows it, and its response (plan extended, step-up) waits for that.  Every draw is the
client's own; everything is logged as it happens.
"""

from __future__ import annotations

import bisect
import math
from functools import partial

import simpy

from iopsim.core.clinic import AppointmentBook
from iopsim.core.counsellors import Counsellors
from iopsim.core.eventlog import EventLog
from iopsim.core.seats import Doorbell, Seats, TrackState
from iopsim.core.streams import cumulative, exp1, pick
from iopsim.core.treatment import (CRISIS, DROPPED_OUT, EPS, RELAPSE, RISKS, TERMINATED, TRANSFERRED, WEEK,
                                   Stay, first_strike, review_interval_weeks)

# the events of an individual or family session, by kind: cancelled, held, missed by the client
SESSION_EVENTS = {kind: (f"{kind}_cancelled", f"{kind}_session", f"{kind}_missed") for kind in ("individual", "family")}


class Timetable:
    """Holds every session of the program at its time, for the clients in IOP."""

    def __init__(self, env: simpy.Environment, scenario, seats: Seats, log: EventLog,
                 prescribers: AppointmentBook, counselling_slots: list[float]) -> None:
        self.env, self.t, self.seats, self.log = env, scenario.treatment, seats, log.write
        self.services = scenario.services
        self.counsellors: Counsellors = seats.counsellors
        self.counsellor_names = [f"counsellor {k + 1}" for k in range(len(self.counsellors.caseload))]
        self.co_facilitation_above = scenario.tracks.co_facilitation_above
        self.prescribers, self.counselling_slots = prescribers, counselling_slots
        self.after_relapse = cumulative(self.t.relapse_outcome_shares)
        self.review_weeks = review_interval_weeks(self.t)
        self.members: dict[str, list[Stay]] = {track.name: [] for track in seats.tracks}  # in admission order
        self.groups: dict[str, list[list[Stay]]] = {track.name: [[] for _ in track.members] for track in seats.tracks}
        self.in_iop: list[Stay] = []
        self.admitted = Doorbell(env)
        for track in seats.tracks:
            env.process(self.track_week(track))
        family, testing = self.services.family, self.services.testing
        if self.t.individual_sessions_per_week or family.share or testing.tests_per_week:
            env.process(self.afternoons())

    # ------------------------------------------------------------------ group sessions
    def track_week(self, track: TrackState):
        """Each slot of the track: weeks that end here, then admissions to the seats free now,
        then the group sessions (the new clients' first).

        With nobody in the track and nobody waiting the process sleeps until someone joins the
        waitlist, rather than waking at every session for nothing.
        """
        env, slots, members, seats = self.env, track.slots, self.members[track.name], self.seats
        i = 0
        while i < len(slots):
            if not members and not seats.waiting:
                yield seats.joined.wait()
                i = bisect.bisect_left(slots, env.now, lo=i)
                continue
            yield env.timeout(slots[i] - env.now)
            until = env.now + EPS
            for stay in [s for s in members if s.week_end <= until]:
                self.end_week(stay)
            if track.admits[i] and seats.waiting:
                self.admit(track)
            if track.held[i] and members:
                self.hold_sessions(track)
            i += 1

    def admit(self, track: TrackState) -> list[Stay]:
        """Seat clients from the waitlist: their treatment starts with this session."""
        now, t, stays = self.env.now, self.t, []
        for waiter, group, counsellor in self.seats.admit(track):
            c = waiter.client
            stay = Stay(c, track, group, counsellor, now, t, now - waiter.since)
            stay.enrol(self.services, tests_start=now + 1.0)  # afternoons, from the day after admission
            if not t.individual_sessions_per_week:
                stay.next_individual = math.inf
            self.log((c.id, c.episode, now, "admitted", "iop", track.group_names[group],
                      self.counsellor_names[counsellor], math.nan))
            self.members[track.name].append(stay)
            self.groups[track.name][group].append(stay)
            self.in_iop.append(stay)
            waiter.decided(stay)
            stay.begin_week(t)
            self.begin_week(stay)
            stays.append(stay)
        self.admitted.ring()
        return stays

    def hold_sessions(self, track: TrackState) -> None:
        """Each group of the track meets if it has its facilitator(s): one, or two when more come
        than co_facilitation_above; otherwise the session is cancelled for all its members."""
        now, hours, log = self.env.now, track.hours, self.log
        for group, stays in enumerate(self.groups[track.name]):
            if not stays:
                continue
            stays = list(stays)  # as they are now: a discharge during the session removes from the group
            came = [stay.client.draws.random() < stay.client.attendance for stay in stays]
            attendees = sum(came)
            needed = 2 if attendees > self.co_facilitation_above else 1
            if attendees and self.counsellors.facilitators(now, hours, needed) is None:
                name = track.group_names[group]
                for stay in stays:
                    c = stay.client
                    log((c.id, c.episode, now, "group_cancelled", "iop", name, "", hours))
                continue
            self.take_attendance(hours, track.group_names[group], stays, came)

    def take_attendance(self, hours: float, group_name: str, members: list[Stay], came: list[bool]) -> None:
        """The group meets: who came is logged; a run of absences ends in termination."""
        now, log = self.env.now, self.log
        absences = self.t.terminate_after_absences
        for stay, present in zip(members, came):
            c = stay.client
            stay.held += 1
            if present:
                stay.attended, stay.in_a_row, stay.last_attended = stay.attended + 1, 0, now
                stay.hours += hours
                log((c.id, c.episode, now, "group_attended", "iop", group_name, "", hours))
            else:
                stay.in_a_row, stay.missed = stay.in_a_row + 1, stay.missed + 1
                log((c.id, c.episode, now, "group_missed", "iop", group_name, "", math.nan))
                if stay.in_a_row >= absences:
                    self.discharge(stay, TERMINATED)

    # ------------------------------------------------------------------ weeks, risks, discharge
    def begin_week(self, stay: Stay) -> None:
        """A new week of treatment: the risk that may strike in it, a prescriber visit if due."""
        self.watch_risks(stay)
        if stay.next_meds < stay.week_end:
            self.book_medication_review(stay)

    def end_week(self, stay: Stay) -> None:
        draws, p = stay.client.draws, self.t.early_step_down_probability
        outcome = stay.end_week(self.t, self.review_weeks, lambda: draws.random() < p)
        if outcome is None:
            self.begin_week(stay)
        else:
            self.discharge(stay, outcome)

    def watch_risks(self, stay: Stay) -> None:
        """Set a timer for the first risk to strike before the week ends, if one does."""
        when, which = first_strike(stay.since, stay.week_end, stay.left, stay.weekly)
        if which < 0:
            stay.strike = None
            return
        timer = stay.strike = self.env.timeout(when - self.env.now)
        timer.callbacks.append(partial(self.strike, stay, timer, RISKS[which]))  # called with the timer again

    def strike(self, stay: Stay, timer: simpy.Event, risk: str, _timer=None) -> None:
        """A risk strikes: dropout and other exits end the stay; after a relapse the client may stay
        (the plan extended, the rest of the week going on), step up, or drop out; a crisis brings
        a crisis session or a step-up."""
        if stay.strike is not timer:  # the stay ended before its time
            return
        stay.use_hazards(self.env.now)
        if risk == CRISIS:
            self.crisis(stay)
            return
        if risk != RELAPSE:
            self.discharge(stay, risk)
            return
        c = stay.client
        stay.left[RISKS.index(RELAPSE)] = exp1(c.draws.random())  # the clock restarts for the next one
        after = pick(*self.after_relapse, c.draws.random())
        self.log((c.id, c.episode, self.env.now, "relapse_in_treatment", "iop", "", after, math.nan))
        if after == "drop_out":  # the client's own doing: no test needed
            stay.left_using = True
            self.discharge(stay, DROPPED_OUT)
            return
        if self.services.testing.tests_per_week:
            stay.unseen = (self.env.now, after)  # the program responds when a test shows it
        else:
            self.respond_to_relapse(stay, after)
        if stay.outcome is None:
            self.watch_risks(stay)

    def respond_to_relapse(self, stay: Stay, response: str) -> None:
        """The program's response to a relapse it knows of: a step-up, or the plan extended."""
        if response == "step_up":
            self.discharge(stay, TRANSFERRED)
        else:
            stay.plan_end = min(stay.plan_end + WEEK * self.t.relapse_extension_weeks, stay.max_end)

    def crisis(self, stay: Stay) -> None:
        """A crisis: a same-day crisis session with a counsellor free now (the client's own if they
        can), or a step-up to a higher level of care, by the share, or when no counsellor is free."""
        c, crisis, now = stay.client, self.services.crisis, self.env.now
        step_up = c.draws.service("crisis") < crisis.step_up_share
        stay.left[RISKS.index(CRISIS)] = exp1(c.draws.service("crisis"))  # the clock restarts for the next one
        who = None if step_up else self.counsellors.crisis(stay.counsellor, now, crisis.session_hours)
        if who is None:
            self.log((c.id, c.episode, now, "crisis", "iop", "", "step_up", math.nan))
            self.discharge(stay, TRANSFERRED)
            return
        self.log((c.id, c.episode, now, "crisis", "iop", self.counsellor_names[who], "session", crisis.session_hours))
        self.watch_risks(stay)

    def discharge(self, stay: Stay, outcome: str) -> None:
        """The client leaves IOP now: seat and counsellor free, the booked prescriber slot given back."""
        stay.outcome, stay.strike = outcome, None
        self.members[stay.track.name].remove(stay)
        self.groups[stay.track.name][stay.group].remove(stay)
        self.in_iop.remove(stay)
        self.seats.release(stay.track, stay.group, stay.counsellor)
        if stay.review_booked != math.inf:
            self.prescribers.cancel(stay.review_booked)
            stay.review_booked = math.inf
        c = stay.client
        self.log((c.id, c.episode, self.env.now, "iop_discharge", "iop", stay.track.name, outcome,
                  stay.last_attended - stay.admitted))
        stay.on_discharge(outcome)

    # ------------------------------------------------------------------ individual sessions, prescriber
    def afternoons(self):
        """Weekday afternoons: the individual sessions due, then the family sessions, then the drug
        tests, each with the client's counsellor if they have the hours (counsellors.individual);
        if not, it is cancelled and the client loses it."""
        env, slots, in_iop = self.env, self.counselling_slots, self.in_iop
        i = 0
        while i < len(slots):
            if not in_iop:
                yield self.admitted.wait()
                i = bisect.bisect_left(slots, env.now, lo=i)
                continue
            yield env.timeout(slots[i] - env.now)
            now = env.now
            due = [stay for stay in in_iop
                   if stay.next_individual <= now or stay.next_family <= now or stay.next_test <= now]
            reserved = self.group_hours_to_come(now) if due else 0.0
            for stay in due:
                if stay.next_individual <= now:
                    self.individual_session(stay, now, reserved)
            for stay in due:
                if stay.next_family <= now:
                    self.family_session(stay, now, reserved)
            for stay in due:
                if stay.next_test <= now and stay.outcome is None:
                    self.drug_test(stay, now, reserved)
            i += 1

    def individual_session(self, stay: Stay, now: float, reserved: float) -> None:
        t, c = self.t, stay.client
        comes = c.draws.random() < c.attendance
        event = self.held_if_staffed(stay, now, t.individual_session_hours, reserved, comes, "individual")
        if event == "individual_session":
            stay.hours += t.individual_session_hours
        stay.next_individual = now + WEEK / t.individual_sessions_per_week

    def family_session(self, stay: Stay, now: float, reserved: float) -> None:
        """A session with the client and their family (scenario.services.family); it adds no group
        or individual hours to the client's dose."""
        family, c = self.services.family, stay.client
        comes = c.draws.service("family") < c.attendance
        self.held_if_staffed(stay, now, family.hours, reserved, comes, "family")
        stay.next_family = now + WEEK * family.interval_weeks

    def held_if_staffed(self, stay: Stay, now: float, hours: float, reserved: float, comes: bool, kind: str) -> str:
        """Log an individual or family session: held, missed by the client, or cancelled for want of hours."""
        c = stay.client
        cancelled, held, missed = SESSION_EVENTS[kind]
        if not self.counsellors.individual(stay.counsellor, now, hours, reserved):
            event = cancelled
        else:
            event = held if comes else missed
        self.log((c.id, c.episode, now, event, "iop", self.counsellor_names[stay.counsellor], "", hours))
        return event

    def drug_test(self, stay: Stay, now: float, reserved: float) -> None:
        """A drug and alcohol test: positive if a relapse no test has shown yet happened within the
        detection window, and then the program responds to it (respond_to_relapse)."""
        testing, c = self.services.testing, stay.client
        stay.next_test = now + WEEK / testing.tests_per_week
        comes = c.draws.service("testing") < c.attendance
        unseen = stay.unseen
        if unseen is not None and now - unseen[0] > testing.detection_days:
            stay.unseen = unseen = None  # too late for any test to show it
        if not self.counsellors.individual(stay.counsellor, now, testing.hours, reserved):
            result = "cancelled"
        elif not comes:
            result = "missed"
        else:
            result = "negative" if unseen is None else "positive"
        self.log((c.id, c.episode, now, "drug_test", "iop", self.counsellor_names[stay.counsellor], result,
                  testing.hours))
        if result == "positive":
            stay.unseen = None
            self.log((c.id, c.episode, now, "relapse_detected", "iop", "", unseen[1], now - unseen[0]))
            self.respond_to_relapse(stay, unseen[1])

    def group_hours_to_come(self, now: float) -> float:
        """Facilitator hours the groups that have members still need this week: two facilitators
        for a group with more members than the co-facilitation threshold, one otherwise."""
        week_end, above = (now // WEEK + 1) * WEEK, self.co_facilitation_above
        total = 0.0
        for track in self.seats.tracks:
            facilitators = 0
            for n in track.members:  # a plain loop: quicker than a comprehension for a few groups
                if n:
                    facilitators += 2 if n > above else 1
            if facilitators:
                first, last = bisect.bisect_right(track.slots, now), bisect.bisect_left(track.slots, week_end)
                total += facilitators * track.hours * sum(track.held[first:last])
        return total

    def book_medication_review(self, stay: Stay) -> None:
        """Book the prescriber's first free slot from the due date; held if it falls in this week."""
        when = self.prescribers.book(stay.next_meds)
        stay.next_meds += WEEK * stay.meds_interval
        if when >= stay.week_end:
            self.prescribers.cancel(when)
            return
        stay.review_booked = when
        self.env.timeout(when - self.env.now).callbacks.append(lambda _: self.hold_medication_review(stay, when))

    def hold_medication_review(self, stay: Stay, when: float) -> None:
        if stay.review_booked == when:  # still in IOP, still booked
            stay.review_booked = math.inf
            stay.on_medication = bool(stay.medication)  # medication for a use disorder starts at the first visit
            c = stay.client
            self.log((c.id, c.episode, self.env.now, "medication_review", "iop", "prescriber", stay.medication,
                      self.t.medication_visit_hours))
