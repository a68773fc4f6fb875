"""Synthetic records the project makes itself: a program's records and a TEDS-D style extract,
written from the event log of a simulated program whose parameters are known (``EXAMPLE``).

No real client is behind any row.  The shipped examples (``iopsim/records/examples``) are
regenerated with ``python -m iopsim.records.synthetic``; the tests fit them and check that the
known parameters come back.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from iopsim.analysis.run import SimulationRun, simulate
from iopsim.core.files import write_atomic
from iopsim.core.scenario import Scenario
from iopsim.records import codes
from iopsim.records.episodes import Records
from iopsim.records.problems import Findings
from iopsim.records.program import program_records
from iopsim.records.table import normal_name
from iopsim.records.teds import teds_records

EXAMPLES = Path(__file__).parent / "examples"
PROGRAM_FILE = EXAMPLES / "example_program_records.csv"
TEDS_FILE = EXAMPLES / "example_teds_d_extract.csv"
DAY0 = pd.Timestamp("2021-01-04")  # a Monday, as the model's day 0 is


def model_date(day: float) -> pd.Timestamp:
    """The date the synthetic records give to the model's day ``day``."""
    return DAY0 + pd.Timedelta(days=int(day))
EXAMPLE_SEED = 2026

# the known program behind the examples: away from the built-in defaults, so a fit that only
# returned its base could not pass for a recovery
EXAMPLE = Scenario().replace(**{
    "name": "Synthetic example program (not real clients)",
    "referrals.per_week": 4.2, "referrals.prior_episode_share": 0.35, "referrals.trend_per_year": 0.0,
    "intake.show_curve": [[1, 0.8], [3, 0.55], [7, 0.45]],
    "placement.iop_share": {"low": 0.6, "moderate": 0.85, "high": 0.55},
    "placement.higher_level_share": {"low": 0.0, "moderate": 0.05, "high": 0.3},
    "tracks.patience_mean_days": 25.0,
    "treatment.planned_weeks": {"low": 10, "moderate": 14, "high": 18}, "treatment.plan_spread": 0.5,
    "treatment.dropout_weekly_hazard": 0.02, "treatment.other_weekly_hazard": 0.01,
    "run.horizon_days": 730.0,
})
REASON_CODE = {"completed": 1, "dropped_out": 2, "terminated": 3, "transferred": 4, "other": 7}
PSOURCE = {"community": 1, "step_down": 2, "step_up": 2, "justice": 7, "readmission": 1}


def program_records_frame(run: SimulationRun, since: float | None = None) -> pd.DataFrame:
    """One row per episode referred from day ``since`` (the end of the warm-up if None), in the
    program-records columns (dates from DAY0)."""
    ev = run.events
    start, end = run.scenario.run.warm_up_days if since is None else since, run.end
    key = ev["client"].to_numpy() * 65536 + ev["episode"].to_numpy()
    ev = ev.assign(key=key, event=ev["event"].astype(str), detail=ev["detail"].astype(str),
                   resource=ev["resource"].astype(str), stage=ev["stage"].astype(str))

    def first(event: str, where=None) -> pd.DataFrame:
        rows = ev[ev["event"] == event] if where is None else ev[(ev["event"] == event) & where]
        return rows.drop_duplicates("key").set_index("key")

    ref = first("referral")
    ref = ref[(ref["time"] >= start) & (ref["time"] < end)]
    out = pd.DataFrame(index=ref.index)
    out["referral_date"] = _dates(ref["time"])
    out["prior_episodes"] = ref["value"].astype(int).astype(str)
    booked = first("assessment_booked", ev["detail"] == "attempt 1")
    appointment = (booked["time"] + booked["value"]).reindex(out.index)
    came = first("assessed", ev["detail"] == "attempt 1").reindex(out.index)["time"].notna()
    missed = first("no_show", ev["detail"] == "attempt 1").reindex(out.index)["time"].notna()
    known = came | missed
    out["assessment_date"] = np.where(known, _dates(appointment), "")
    out["assessment"] = np.select([came, missed], ["assessed", "no-show"], "")
    placed = first("placed").reindex(out.index)["detail"]
    out["placement"] = placed.map({"iop": "iop", "higher": "higher level", "op": "outpatient"}).fillna("")
    admitted = first("admitted").reindex(out.index)
    out["admission_date"] = _dates(admitted["time"])
    out["track"] = admitted["resource"].str.replace(r" group \d+$", "", regex=True).fillna("")
    discharge = first("iop_discharge").reindex(out.index)
    out["discharge_date"] = _dates(discharge["time"])
    out["discharge_reason"] = discharge["detail"].map(lambda r: codes.cell(r) if isinstance(r, str) else "")
    out["discharge_reason"] = out["discharge_reason"].str.replace("dropped out", "dropped out")
    out["returning"] = np.where(ref["episode"] > 1, "yes", "no")
    out["referral_source"] = ref["resource"].str.replace("_", " ")
    out["severity"] = ref["detail"]
    left = first("exit", ev["stage"] == "waitlist").reindex(out.index)["time"]
    out["left_waitlist_date"] = _dates(left)
    attended = ev[ev["event"] == "group_attended"].groupby("key").size().reindex(out.index)
    out["sessions_attended"] = np.where(out["admission_date"] != "", attended.fillna(0).astype(int).astype(str), "")
    return out.sort_values("referral_date", kind="stable").reset_index(drop=True)


def teds_extract_frame(records: pd.DataFrame, since: pd.Timestamp) -> pd.DataFrame:
    """The IOP episodes of ``records`` discharged from ``since`` on, in TEDS-D columns and numeric codes.

    TEDS-D is a file of the discharges of a period, whenever the episodes began: ``records`` should
    hold the episodes referred before ``since`` too, or long stays would be missing."""
    done = records[(records["discharge_date"] != "") & (pd.to_datetime(records["discharge_date"]) >= since)]
    admitted = pd.to_datetime(done["admission_date"])
    discharged = pd.to_datetime(done["discharge_date"])
    los = (discharged - admitted).dt.days + 1  # TEDS: outpatient stays count the first day
    wait = (admitted - pd.to_datetime(done["referral_date"])).dt.days
    reason = done["discharge_reason"].map(lambda r: REASON_CODE[codes.REASON_WORDS[r]])
    return pd.DataFrame({
        "CASEID": np.arange(1, len(done) + 1),
        "DISYR": discharged.dt.year.to_numpy(),
        "SERVICES_D": 6,
        "LOS": [_los_code(d) for d in los],
        "REASON": reason.to_numpy(),
        "DAYWAIT": [next(c for c, (a, b) in codes.DAYWAIT_RANGES.items() if a <= w <= b) for w in wait],
        "NOPRIOR": (done["prior_episodes"].astype(int) > 0).astype(int).to_numpy(),
        "PSOURCE": done["referral_source"].str.replace(" ", "_").map(PSOURCE).to_numpy(),
    })


def simulated_records(scenario: Scenario, kind: str, seed: int = 0, years: float | None = None,
                      since: float | None = None) -> Records:
    """Records of ``kind`` ("program" or "teds") from one replication of ``scenario``, of ``years`` after
    the warm-up (the scenario's horizon if None): the same reading and checks a program's own file
    goes through.  ``since``: see program_records_frame."""
    if years is not None:
        scenario = scenario.replace(**{"run.horizon_days": 365.0 * years})
    run = simulate(scenario, seed=seed)
    if kind == "teds":
        every = program_records_frame(run, 0.0)
        frame = teds_extract_frame(every, model_date(scenario.run.warm_up_days)).astype(str)
        frame.columns = [normal_name(c) for c in frame.columns]
        return teds_records(frame, Findings("simulated TEDS-D extract"))
    frame = program_records_frame(run, since)
    return program_records(frame.astype(str), Findings("simulated records"), today=pd.Timestamp.max)


def make_examples(folder: Path = EXAMPLES, seed: int = EXAMPLE_SEED) -> tuple[Path, Path]:
    """Simulate EXAMPLE and write both example files (program records and TEDS-D extract) to ``folder``."""
    run = simulate(EXAMPLE, seed=seed)
    records = program_records_frame(run)
    every = program_records_frame(run, 0.0)
    folder.mkdir(parents=True, exist_ok=True)
    program, teds = folder / PROGRAM_FILE.name, folder / TEDS_FILE.name
    write_atomic(program, records.to_csv(index=False))
    extract = teds_extract_frame(every, model_date(EXAMPLE.run.warm_up_days))
    write_atomic(teds, lambda tmp: extract.to_csv(tmp, index=False, encoding="latin-1"))
    return program, teds


def _dates(days: pd.Series) -> pd.Series:
    stamp = DAY0 + pd.to_timedelta(np.floor(days.to_numpy(dtype=float)), unit="D")
    return pd.Series(pd.DatetimeIndex(stamp).strftime("%Y-%m-%d"), index=days.index).fillna("")


def _los_code(days: int) -> int:
    if days <= 30:
        return int(days)
    return next(c for c, (a, b) in codes.LOS_RANGES.items() if a <= days <= b)


if __name__ == "__main__":
    for written in make_examples(Path(sys.argv[1]) if len(sys.argv) > 1 else EXAMPLES):
        print(f"wrote {written} ({written.stat().st_size:,} bytes)")
