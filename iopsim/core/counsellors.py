"""IOP counsellors: caseloads, and the week's hours that groups, individual and family sessions,
tests, crisis sessions and notes share.

Staff time is a real limit here, not a report.  Each counsellor has clinical hours each week
(Monday to Sunday).  Notes come first (documentation for every client on the caseload); a crisis
session takes a counsellor free at the time with the hours, before anything else; each group
session needs its facilitator(s) free at that time and with the hours left; individual and
family sessions and drug tests are held only from hours that are not needed for the rest of the
week's groups.  So when hours run short, individual and family sessions and tests give first,
then groups are cancelled, and either way the lost dose shows in the event log.
"""

from __future__ import annotations

from iopsim.core.calendar import HOUR
from iopsim.core.treatment import WEEK


class Counsellors:
    """The IOP counsellors of one replication: who is whose counsellor, and the hours left this week."""

    def __init__(self, staff) -> None:
        n = staff.iop_counsellors
        self.cap, self.hours = staff.iop_caseload_cap, staff.counsellor_hours_per_week
        self.notes = staff.documentation_hours_per_client
        self.caseload = [0] * n
        self.left = [self.hours] * n
        self.busy_until = [0.0] * n
        self.week = 0

    def roll_week(self, now: float) -> None:
        """A new week's hours, less the notes for the clients each counsellor holds."""
        week = int(now // WEEK)
        if week != self.week:
            self.week = week
            self.left = [max(self.hours - self.notes * n, 0.0) for n in self.caseload]

    def assign(self) -> int | None:
        """The counsellor with the smallest caseload if any has room (None if every caseload is full)."""
        if not self.caseload:
            return None
        who = min(range(len(self.caseload)), key=self.caseload.__getitem__)
        return who if self.caseload[who] < self.cap else None

    def take_on(self, who: int, now: float) -> None:
        """A new client on `who`'s caseload: their notes this week come out of the hours left."""
        self.roll_week(now)
        self.caseload[who] += 1
        self.left[who] = max(self.left[who] - self.notes, 0.0)

    def release(self, who: int) -> None:
        self.caseload[who] -= 1

    def facilitators(self, now: float, hours: float, needed: int) -> list[int] | None:
        """Book `needed` counsellors free now with `hours` left (most hours left first), or None."""
        free = self._free(now, hours)
        if len(free) < needed:
            return None
        chosen = sorted(free, key=self.left.__getitem__, reverse=True)[:needed]  # stable: ties by number
        self._book(chosen, now, hours)
        return chosen

    def crisis(self, who: int, now: float, hours: float) -> int | None:
        """Book a same-day crisis session: the client's own counsellor `who` if free now with the
        hours, else whoever has the most hours left; None if nobody is free."""
        free = self._free(now, hours)
        if not free:
            return None
        chosen = who if who in free else max(free, key=self.left.__getitem__)
        self._book([chosen], now, hours)
        return chosen

    def _free(self, now: float, hours: float) -> list[int]:
        """Counsellors not in a session now who have `hours` left this week."""
        self.roll_week(now)
        until, enough, free = now + 1e-9, hours - 1e-9, []
        for k, left in enumerate(self.left):  # a plain loop: quicker than a comprehension for a few counsellors
            if left >= enough and self.busy_until[k] <= until:
                free.append(k)
        return free

    def _book(self, chosen: list[int], now: float, hours: float) -> None:
        """Take `hours` from each chosen counsellor, who is in session until it ends."""
        left, busy_until, until = self.left, self.busy_until, now + hours * HOUR
        for k in chosen:
            left[k] -= hours
            busy_until[k] = until

    def individual(self, who: int, now: float, hours: float, reserved: float) -> bool:
        """Hold an individual or family session or a test if `who` has the hours and the team keeps
        `reserved` hours for the rest of the week's groups; the hours are spent whether or not the
        client comes."""
        self.roll_week(now)
        left = self.left
        if left[who] < hours - 1e-9 or sum(left) - hours < reserved - 1e-9:
            return False
        left[who] -= hours
        return True
