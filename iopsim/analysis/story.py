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
_MEDICATION = {"opioid": "medication for opioid use disorder", "alcohol": "medication for alcohol use disorder"}


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
        cancelled = ep[ep.event.isin(("group_cancelled", "individual_cancelled", "family_cancelled"))]
        op_sessions, op_missed = ep[ep.event == "op_session"], ep[ep.event == "op_no_show"]
        for row in ep.itertuples(index=False):
            text = _describe(row, attended, missed, individual, cancelled, op_sessions, op_missed, ep)
            if text:
                lines.append(f"  {_day(row.time)}: {text}")
    return "\n".join(lines)


def _services(ep) -> str:
    """The services of an IOP stay beside groups and individual sessions, in a few words each."""
    told = []
    family = ep[ep.event.isin(("family_session", "family_missed"))]
    if len(family):
        told.append(f"the family came to {int((family.event == 'family_session').sum())} of {len(family)} "
                    "family sessions")
    visits = ep[ep.event == "medication_review"]
    for substance, words in _MEDICATION.items():
        n = int((visits.detail == substance).sum())
        if n:
            told.append(f"{_count(n, 'prescriber visit')} for {words}")
    tests = ep[ep.event == "drug_test"]
    if len(tests):
        done = tests[tests.detail.isin(("negative", "positive"))]
        told.append(f"{len(done)} of {len(tests)} drug tests taken ({int((done.detail == 'positive').sum())} "
                    "positive)")
    return "".join(f"; {words}" for words in told)


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


def _describe(row, attended, missed, individual, cancelled, op_sessions, op_missed, ep) -> str | None:
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
                f"{_count(len(individual), 'individual session')}{lost}{_services(ep)}.")
    if e == "relapse_in_treatment" and detail != "drop_out" and (ep.event == "drug_test").any():
        return "relapsed during treatment; the program learns of it only if a drug test shows it."
    if e == "relapse_in_treatment":
        return f"relapsed during treatment and {_AFTER_RELAPSE.get(detail, detail)}."
    if e == "relapse_detected":
        return (f"a drug test showed the relapse ({value:.1f} days after it); the program responded: "
                f"{_AFTER_RELAPSE.get(detail, detail)}.")
    if e == "crisis":
        return ("had a crisis and was stepped up to a higher level of care." if detail == "step_up" else
                f"had a crisis and was seen the same day by {resource}.")
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
