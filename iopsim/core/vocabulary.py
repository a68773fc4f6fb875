"""The words of the event log, defined once: what each event is, where it leaves a client, and
what each IOP discharge code means in plain words.

The model writes these events; KPIs, the time-lapse, a client's story, the teaching charts and
the handouts read them.  Adding an event means adding it here, to both maps.
"""

from __future__ import annotations

from typing import NamedTuple

EVENT_TYPES = {
    "referral": "arrival_departure",
    "assessment_booked": "queue",
    "assessed": "resource_use",
    "no_show": "resource_use",
    "placed": "queue",
    "waitlist_join": "queue",
    "reneged": "arrival_departure",
    "admitted": "resource_use",
    "group_attended": "resource_use",
    "group_missed": "queue",
    "individual_session": "resource_use",
    "group_cancelled": "queue",
    "individual_cancelled": "queue",
    "individual_missed": "queue",
    "medication_review": "resource_use",
    "relapse_in_treatment": "queue",
    "iop_discharge": "resource_use_end",
    "op_waitlist_join": "queue",
    "op_start": "resource_use",
    "op_session": "resource_use",
    "op_no_show": "queue",
    "op_end": "resource_use_end",
    "aftercare_start": "resource_use",
    "aftercare_end": "resource_use_end",
    "exit": "arrival_departure",
    "relapse": "arrival_departure",
    "family_session": "resource_use",
    "family_missed": "queue",
    "family_cancelled": "queue",
    "drug_test": "resource_use",
    "relapse_detected": "queue",
    "crisis": "resource_use",
}
"""Each event and its vidigi ``event_type`` (arrival_departure, queue, resource_use, resource_use_end)."""

IOP = "iop"  # the IOP stage (the time-lapse splits it by track: "iop:<track>")
OUT = ""  # out of care: left, referred elsewhere, or back in the community
STAGE_AFTER = {
    "referral": "assessment", "assessment_booked": "assessment", "assessed": "assessment", "no_show": "assessment",
    "placed": "assessment", "waitlist_join": "waitlist", "reneged": OUT, "admitted": IOP, "group_attended": IOP,
    "group_missed": IOP, "individual_session": IOP, "group_cancelled": IOP, "individual_cancelled": IOP,
    "individual_missed": IOP, "medication_review": IOP, "relapse_in_treatment": IOP,
    "iop_discharge": "op", "op_waitlist_join": "op", "op_start": "op", "op_session": "op", "op_no_show": "op",
    "op_end": "aftercare", "aftercare_start": "aftercare", "aftercare_end": "aftercare", "exit": OUT,
    "relapse": None,  # the stage it happened in (the row's ``stage``); out of care when at home ("community")
    "family_session": IOP, "family_missed": IOP, "family_cancelled": IOP, "drug_test": IOP, "relapse_detected": IOP,
    "crisis": IOP,  # a crisis that ends in a step-up is followed, at the same moment, by the discharge
}
"""The stage each event leaves the client in.  A discharge, the end of outpatient care and the end
of aftercare are always followed, at the same moment, by the next step or by the exit."""


class DischargeCode(NamedTuple):
    """An IOP discharge code (as TEDS records it) in words: a short name and a sentence of a story."""

    name: str  # in a legend or a table: "dropped out"
    told: str  # after the client's name in a story: "dropped out", "completed the treatment plan"


DISCHARGE_CODES = {
    "completed": DischargeCode("completed", "completed the treatment plan"),
    "transferred": DischargeCode("transferred", "transferred to another level of care"),
    "dropped_out": DischargeCode("dropped out", "dropped out"),
    "terminated": DischargeCode("terminated (absences)", "was discharged by the program (absences)"),
    "other": DischargeCode("other", "left for another reason"),
}
"""The ``detail`` of an ``iop_discharge`` event, in the order TEDS lists them."""


def stage_after(event: str, stage: str) -> str:
    """Where ``event`` (logged in ``stage``) leaves the client; OUT for out of care."""
    place = STAGE_AFTER[event]
    if place is None:
        return OUT if stage == "community" else stage
    return place
