"""`iopsim fit` on 100,000 records: how long reading, fitting and the bias correction take.

The records are the shipped synthetic example (two years) repeated until there are 100,000
episodes: copies moved back two years at a time over 32 years, and side by side (a program about
nine times the example's size, over 32 years); the figures are printed with the machine's CPU
count.  Target: the whole fit within 60 s.

    python benchmarks/bench_fit.py [episodes]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from iopsim.fitting.fit import fit
from iopsim.records.reading import read_records
from iopsim.records.synthetic import PROGRAM_FILE

DATES = ("referral_date", "assessment_date", "admission_date", "discharge_date", "left_waitlist_date")


def big_file(episodes: int, folder: Path) -> Path:
    example = pd.read_csv(PROGRAM_FILE, dtype=str, keep_default_na=False)
    copies, k = [], 0
    while sum(map(len, copies)) < episodes:
        copy = example.copy()
        if k % 16:  # an earlier copy has no stay still open (it would run on to the end of the file)
            copy = copy[(copy["admission_date"] == "") | (copy["discharge_date"] != "")]
        for column in DATES:
            moved = pd.to_datetime(copy[column], errors="coerce") - pd.DateOffset(years=2 * (k % 16))
            copy[column] = moved.dt.strftime("%Y-%m-%d").fillna("")
        copies.append(copy)
        k += 1
    path = folder / "records.csv"
    pd.concat(copies).head(episodes).to_csv(path, index=False)
    return path


def main(episodes: int = 100_000) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = big_file(episodes, Path(folder))
        size = path.stat().st_size
        started = time.perf_counter()
        records = read_records(path)
        read = time.perf_counter() - started
        fitted = fit(records, correction_years=0)
        plain = time.perf_counter() - started - read
        start = time.perf_counter()
        fit(records)
        corrected = time.perf_counter() - start
    print(f"{len(records):,} episodes ({size:,} bytes), {os.cpu_count()} CPUs")
    print(f"  read and checked: {read:.1f} s")
    print(f"  fit without the bias correction: {plain:.1f} s ({len(fitted.estimates)} estimates)")
    print(f"  fit with the bias correction (4 simulated years of the fitted program): {corrected:.1f} s")
    print(f"  iopsim fit (read + corrected fit): {read + corrected:.1f} s; target 60 s")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
