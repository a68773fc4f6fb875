"""The codes of the records, in one place: TEDS-D's numbers and labels and the model's words.

TEDS codes are those of the 2015-2019 codebooks (``shared/TEDS_D.md``); -9 is missing.  Each
map takes a normalised cell (lower case, words separated by single spaces) to the model's word.
"""

from __future__ import annotations

import math
import re

import pandas as pd

MISSING = {"", "-9", "na", "n/a", "missing", "unknown", "not collected"}

# TEDS REASON -> the model's discharge code (vocabulary.DISCHARGE_CODES); incarcerated and death
# are the model's "other" exit
REASON_CODES = {"1": "completed", "2": "dropped_out", "3": "terminated", "4": "transferred", "5": "other",
                "6": "other", "7": "other"}
REASON_WORDS = {
    "completed": "completed", "treatment completed": "completed", "complete": "completed",
    "dropped out": "dropped_out", "dropped_out": "dropped_out", "dropout": "dropped_out",
    "left against professional advice": "dropped_out",
    "terminated": "terminated", "terminated by facility": "terminated", "terminated (absences)": "terminated",
    "transferred": "transferred", "transferred to another treatment program or facility": "transferred",
    "transferred to another program or facility": "transferred", "transfer": "transferred",
    "incarcerated": "other", "death": "other", "died": "other", "other": "other",
}
REASON_ALLOWED = ("a TEDS code 1-7 (1 completed, 2 dropped out, 3 terminated by facility, 4 transferred, "
                  "5 incarcerated, 6 death, 7 other) or one of those words")

# TEDS LOS: 1-30 are days, then ranges (inclusive, in days); 37 is more than 365
LOS_RANGES = {31: (31, 45), 32: (46, 60), 33: (61, 90), 34: (91, 120), 35: (121, 180), 36: (181, 365),
              37: (366, math.inf)}
LOS_ALLOWED = "a TEDS LOS code 1-37 (1-30 days, 31 = 31-45 ... 37 = more than 365) or a label such as '31 to 45 days'"

# TEDS DAYWAIT: days waiting to enter treatment, grouped (inclusive)
DAYWAIT_RANGES = {0: (0, 0), 1: (1, 7), 2: (8, 14), 3: (15, 30), 4: (31, math.inf)}
DAYWAIT_ALLOWED = "a TEDS DAYWAIT code 0-4 (0 = same day, 1 = 1-7 days, 2 = 8-14, 3 = 15-30, 4 = 31 or more) or -9"

NOPRIOR_WORDS = {"0": 0, "none": 0, "no prior treatment episodes": 0, "no prior treatment episode": 0,
                 "1": 1, "one or more": 1, "one or more prior treatment episodes": 1}
NOPRIOR_ALLOWED = "0 (none) or 1 (one or more prior treatment episodes), or -9"

PSOURCE_CODES = {"1": "individual", "2": "alcohol/drug care provider", "3": "other health care provider",
                 "4": "school", "5": "employer/EAP", "6": "other community referral", "7": "court/criminal justice"}
PSOURCE_ALLOWED = "a TEDS PSOURCE code 1-7 or its label, or -9"

# TEDS SERVICES_D = 6 is ambulatory intensive outpatient
IOP_SERVICE = "6"
SERVICE_WORDS = {"ambulatory, intensive outpatient": "6", "ambulatory intensive outpatient": "6",
                 "intensive outpatient": "6"}

# the program-records columns that name one of the model's words
SOURCES = ("community", "step_down", "step_up", "justice", "readmission")
PLACEMENTS = {"iop": "iop", "intensive outpatient": "iop", "higher level": "higher", "higher": "higher",
              "php": "higher", "residential": "higher", "outpatient": "op", "op": "op",
              "standard outpatient": "op"}
OUTCOMES = {"assessed": "assessed", "attended": "assessed", "showed": "assessed", "yes": "assessed",
            "no show": "no_show", "no_show": "no_show", "did not attend": "no_show", "dna": "no_show", "no": "no_show"}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def cell(value: str) -> str:
    """A cell as the maps read it: lower case, inner spaces single, underscores and hyphens as spaces."""
    return re.sub(r"[\s_-]+", " ", value.strip().lower())


def cells(column: pd.Series) -> pd.Series:
    """``cell`` for a whole column at once (what the readers use: a file may hold a million cells)."""
    return column.astype(str).str.strip().str.lower().str.replace(r"[\s_-]+", " ", regex=True)


def whole(value: str) -> int | None:
    """'7', '7.0' -> 7; anything else None."""
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def los_code(value: str) -> tuple[float, float] | None:
    """A TEDS LOS cell (code or label) -> the inclusive range of (discharge date - admission date + 1) days."""
    text = cell(value)
    code = whole(text)
    if code is not None:
        if 1 <= code <= 30:
            return float(code), float(code)
        return LOS_RANGES.get(code)
    if "more than 365" in text or "over 365" in text:
        return LOS_RANGES[37]
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if len(numbers) == 1 and 1 <= numbers[0] <= 30 and "day" in text:
        return float(numbers[0]), float(numbers[0])
    if len(numbers) == 2 and tuple(numbers) in LOS_RANGES.values():
        return float(numbers[0]), float(numbers[1])
    return None


def daywait_code(value: str) -> tuple[float, float] | None:
    """A TEDS DAYWAIT cell -> the inclusive range of days waited; None if unknown."""
    text = cell(value)
    code = whole(text)
    if code is not None:
        return DAYWAIT_RANGES.get(code)
    if text in ("same day", "0 days"):
        return DAYWAIT_RANGES[0]
    if "31" in text and ("more" in text or "over" in text):
        return DAYWAIT_RANGES[4]
    numbers = tuple(int(n) for n in re.findall(r"\d+", text))
    return next((r for r in DAYWAIT_RANGES.values() if numbers == r), None)
