"""A client's journey told in plain words, from the event log alone.

Trainees read these to connect the numbers to a person: "Day 3 (Wed): referred by the
community, moderate severity."  Group sessions are summarised per episode rather than listed.
"""

from __future__ import annotations

import math

from iopsim.core.calendar import WEEKDAYS
from iopsim.core.vocabulary import DISCHARGE_CODES

_SOURCES = {
    "community": "the community (self or family)",
    "step_down": "a higher level of care (step-down)",
    "step_up": "standard outpatient (step-up)",
    "justice": "the justice system",
    "readmission": "themselves again, after a spell of use (readmission)",
}
_PLACEMENT = {"iop": "the IOP", "op": "standard outpatient", "higher": "a higher level of care (high-intensity outpatient or residential)"}
_EXITS = {
    "no_show": "left before assessment: did not show up",
    "higher_level": "referred out to a higher level of care",
    "reneged": "left the waitlist before a seat came free",
    "stepped_up": "stepped up to a higher level of care",
    "discharged": "discharged from care",
    "relapsed": "relapsed while in care and left",
}
_WAITLIST_EXITS = {"relapsed": "relapsed and left the waitlist", "reneged": _EXITS["reneged"]}
_STAGES = {"op": "standard outpatient", "aftercare": "aftercare"}
_AFTER_RELAPSE = {"stay": "stayed, with the plan extended", "step_up": "stepped up to a higher level of care",
                  "drop_out": "dropped out"}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def story(events, client_id: int) -> str:
    """The journey of one client as dated lines, episode by episode."""
    rows = events[events.client == client_id]
    if rows.empty:
        raise KeyError(f"client {client_id} is not in this run's event log")
    lines: list[str] = []
    for episode, ep in rows.groupby("episode", sort=True):
        lines.append(f"Episode {episode}:")
        attended = ep[ep.event == "group_attended"]
        missed = ep[ep.event == "group_missed"]
        individual = ep[ep.event == "individual_session"]
        cancelled = ep[ep.event.isin(("group_cancelled", "individual_cancelled"))]
        op_sessions, op_missed = ep[ep.event == "op_session"], ep[ep.event == "op_no_show"]
        for row in ep.itertuples(index=False):
            text = _describe(row, attended, missed, individual, cancelled, op_sessions, op_missed)
            if text:
                lines.append(f"  {_day(row.time)}: {text}")
    return "\n".join(lines)


def _days(value: float) -> str:
    """A delay in words: 'less than a day' rather than '0 days'."""
    return "less than a day" if value < 1 else _count(int(round(value)), "day")


def _day(t: float) -> str:
    day = int(math.floor(t))
    return f"Day {day} ({WEEKDAYS[day % 7]})"


_PLAIN = {  # events told the same way every time
    "no_show": "did not show up for the assessment.",
    "reneged": "gave up waiting.",
    "op_waitlist_join": "referred to standard outpatient.",
    "op_start": "started standard outpatient.",
    "aftercare_start": "joined aftercare (alumni group and check-ins).",
}


def _describe(row, attended, missed, individual, cancelled, op_sessions, op_missed) -> str | None:
    e, detail, value, resource, stage = row.event, str(row.detail), row.value, str(row.resource), str(row.stage)
    if e in _PLAIN:
        return _PLAIN[e]
    if e == "referral":
        return f"referred by {_SOURCES.get(resource, resource)}; severity {detail}."
    if e == "assessment_booked":
        return f"assessment booked {value:.1f} days ahead ({detail})."
    if e == "assessed":
        return f"assessed by {resource}."
    if e == "placed":
        return f"placed in {_PLACEMENT.get(detail, detail)}."
    if e == "waitlist_join":
        return f"joined the waitlist for {'an evening' if resource == 'evening' else 'a day'} track."
    if e == "admitted":
        lost = f"; {_count(len(cancelled), 'session')} cancelled for want of staff" if len(cancelled) else ""
        return (f"started IOP in the {resource} with {detail}; attended {len(attended)} of the "
                f"{len(attended) + len(missed)} group sessions held while enrolled and "
                f"{_count(len(individual), 'individual session')}{lost}.")
    if e == "relapse_in_treatment":
        return f"relapsed during treatment and {_AFTER_RELAPSE.get(detail, detail)}."
    if e == "iop_discharge":
        told = DISCHARGE_CODES[detail].told if detail in DISCHARGE_CODES else detail
        return f"{told} after {value:.0f} days in IOP."
    if e == "op_end":
        return (f"standard outpatient ended after {value:.0f} days; attended {len(op_sessions)} of "
                f"{len(op_sessions) + len(op_missed)} sessions.")
    if e == "aftercare_end":
        return f"aftercare ended after {value:.0f} days."
    if e == "relapse":
        if stage == "community":
            return f"relapsed, {_days(value)} after last leaving care."
        if stage == "waitlist":
            return f"relapsed while waiting for a seat, {_days(value)} after joining the waitlist."
        return f"relapsed during {_STAGES.get(stage, stage)}."
    if e == "exit" and stage == "waitlist":
        return f"{_WAITLIST_EXITS.get(detail, detail)}."
    if e == "exit" and detail not in DISCHARGE_CODES:  # an IOP discharge has been told already
        return f"{_EXITS.get(detail, detail)}."
    return None
