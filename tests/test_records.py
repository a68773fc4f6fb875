"""Records files: the shipped examples read cleanly, and every kind of bad file gives a clear
error or warning naming its row and column (never a traceback, never an identifier's value)."""

from __future__ import annotations

import pandas as pd
import pytest

from iopsim.records.problems import RecordsError
from iopsim.records.program import COLUMNS, EXAMPLE
from iopsim.records.reading import read_records
from iopsim.records.synthetic import PROGRAM_FILE, TEDS_FILE
from iopsim.records.template import write_template

GOOD = dict(EXAMPLE)
HEADER = ",".join(COLUMNS)


def line(**changes) -> str:
    row = {**GOOD, **changes}
    return ",".join(str(row[c]) for c in COLUMNS)


def program(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode() + b"\n"


TEDS_HEADER = "CASEID,DISYR,SERVICES_D,LOS,REASON,DAYWAIT,NOPRIOR,PSOURCE"


def teds(*rows: str) -> bytes:
    return "\n".join([TEDS_HEADER, *rows]).encode("latin-1") + b"\n"


# (name, file content, file suffix, what the message must contain: row/column and the rule)
BAD = [
    ("empty file", b"", ".csv", ["empty file"]),
    ("header only", program(), ".csv", ["no rows"]),
    ("missing column", program("2024-01-01", header="referral_date"), ".csv", ["column discharge_date", "missing"]),
    ("misspelt column", program(line(), header=HEADER.replace("discharge_date", "discharge_dat")), ".csv",
     ["column discharge_date", "did you mean 'discharge_dat'"]),
    ("column twice", program(line() + ",x", header=HEADER + ",track"), ".csv", ["column track", "each column once"]),
    ("bad date", program(line(referral_date="2024-13-01")), ".csv", ["row 2, column referral_date", "YYYY-MM-DD"]),
    ("text for a date", program(line(), line(admission_date="soon")), ".csv", ["row 3, column admission_date"]),
    ("date in the future", program(line(discharge_date="2999-01-01")), ".csv", ["row 2, column discharge_date"]),
    ("date too early", program(line(referral_date="1900-01-01")), ".csv", ["row 2, column referral_date"]),
    ("missing referral date", program(line(referral_date="")), ".csv", ["row 2, column referral_date",
                                                                       "a value in every row"]),
    ("discharge before admission", program(line(discharge_date="2024-03-01")), ".csv",
     ["row 2, column discharge_date", "on or after the admission_date"]),
    ("admission before referral", program(line(admission_date="2024-01-02")), ".csv",
     ["row 2, column admission_date", "on or after the referral_date"]),
    ("assessment before referral", program(line(assessment_date="2024-02-01")), ".csv",
     ["row 2, column assessment_date", "on or after the referral_date"]),
    ("discharge without admission", program(line(admission_date="")), ".csv",
     ["row 2, column discharge_date", "blank when there is no admission_date"]),
    ("reason without discharge", program(line(discharge_date="")), ".csv",
     ["row 2, column discharge_reason", "blank when there is no discharge_date"]),
    ("discharge without reason", program(line(discharge_reason="")), ".csv",
     ["row 2, column discharge_reason", "a reason when there is a discharge_date"]),
    ("unknown discharge code", program(line(discharge_reason="9")), ".csv",
     ["row 2, column discharge_reason", "TEDS code 1-7"]),
    ("unknown discharge word", program(line(), line(), line(discharge_reason="graduated")), ".csv",
     ["row 4, column discharge_reason"]),
    ("unknown placement", program(line(placement="moon")), ".csv", ["row 2, column placement"]),
    ("admitted but placed elsewhere", program(line(placement="outpatient")), ".csv",
     ["row 2, column placement", "iop (or blank)"]),
    ("unknown assessment outcome", program(line(assessment="maybe")), ".csv", ["row 2, column assessment"]),
    ("appointment without outcome", program(line(assessment="")), ".csv",
     ["row 2, column assessment", "assessed or no-show"]),
    ("negative prior episodes", program(line(prior_episodes="-1")), ".csv", ["row 2, column prior_episodes"]),
    ("fractional sessions", program(line(sessions_attended="2.5")), ".csv", ["row 2, column sessions_attended"]),
    ("unknown severity", program(line(severity="extreme")), ".csv", ["row 2, column severity"]),
    ("unknown referral source", program(line(referral_source="aliens")), ".csv", ["row 2, column referral_source"]),
    ("left the list though admitted", program(line(left_waitlist_date="2024-03-10")), ".csv",
     ["row 2, column left_waitlist_date", "blank when the client was admitted"]),
    ("names present", program(line() + ",Jane", header=HEADER + ",first_name"), ".csv",
     ["column first_name", "no direct identifiers"]),
    ("date of birth present", program(line() + ",1980-02-02", header=HEADER + ",date_of_birth"), ".csv",
     ["column date_of_birth", "no direct identifiers"]),
    ("phone number in a column", program(line() + ",555-123-4567", header=HEADER + ",notes"), ".csv",
     ["row 2, column notes", "phone number"]),
    ("e-mail in a column", program(line() + ",a.b@example.org", header=HEADER + ",contact"), ".csv",
     ["row 2, column contact", "e-mail"]),
    ("address present", program(line() + ",1 Main St", header=HEADER + ",street_address"), ".csv",
     ["column street_address", "no direct identifiers"]),
    ("medical record number", program(line() + ",123", header=HEADER + ",mrn"), ".csv", ["column mrn"]),
    ("binary file", b"\x89PNG\r\n\x1a\n\x00\x00\x00", ".csv", ["a text CSV file"]),
    ("ragged rows", program(line() + ",1,2,3,4"), ".csv", ["malformed table"]),
    ("unknown suffix", program(line()), ".pdf", [".csv file"]),
    ("broken workbook", b"not a zip", ".xlsx", ["Excel workbook"]),
    ("TEDS without IOP rows", teds("1,2019,7,12,1,1,0,1"), ".csv", ["column services_d", "SERVICES_D = 6"]),
    ("TEDS bad LOS", teds("1,2019,6,99,1,1,0,1"), ".csv", ["row 2, column los", "TEDS LOS code"]),
    ("TEDS bad REASON", teds("1,2019,6,12,8,1,0,1"), ".csv", ["row 2, column reason", "TEDS code 1-7"]),
    ("TEDS bad DAYWAIT", teds("1,2019,6,12,1,7,0,1", "2,2019,6,12,1,1,0,1"), ".csv", ["row 2, column daywait"]),
    ("TEDS bad NOPRIOR", teds("1,2019,6,12,1,1,5,1"), ".csv", ["row 2, column noprior"]),
    ("TEDS bad PSOURCE", teds("1,2019,6,12,1,1,0,12"), ".csv", ["row 2, column psource"]),
]


@pytest.mark.parametrize("name, content, suffix, expected", BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_names_row_column_and_rule(tmp_path, name, content, suffix, expected):
    path = tmp_path / f"records{suffix}"
    path.write_bytes(content)
    with pytest.raises(RecordsError) as caught:
        read_records(path, today=pd.Timestamp("2026-12-01"))
    message = str(caught.value)
    assert str(path) in message
    for words in expected:
        assert words in message, message
    for secret in ("Jane", "1980-02-02", "555-123-4567", "a.b@example.org", "1 Main St"):
        assert secret not in message  # an identifier's value is never quoted back


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "records.csv"
    path.write_bytes(program(*[line()] * 50))
    with pytest.raises(RecordsError, match="at most 1,000 bytes"):
        read_records(path, max_bytes=1000)


WARNED = [
    ("latin-1 file", program(line(track="caf\xe9").encode("latin-1").decode("latin-1")).decode().encode("latin-1"),
     "read as latin-1"),
    ("unknown column", program(line() + ",3", header=HEADER + ",colour"), "column colour"),
    ("record number in TEDS", teds("1,2019,6,12,1,1,0,1"), "column caseid"),
    ("other settings in TEDS", teds("1,2019,6,12,1,1,0,1", "2,2019,7,12,1,1,0,1"), "left out"),
]


@pytest.mark.parametrize("name, content, expected", WARNED, ids=[w[0] for w in WARNED])
def test_a_doubtful_file_is_read_with_a_warning(tmp_path, name, content, expected):
    path = tmp_path / "records.csv"
    path.write_bytes(content)
    records = read_records(path, today=pd.Timestamp("2026-12-01"))
    assert any(expected in f"{w.path}: {w.allowed}" for w in records.warnings), records.warnings


def test_every_problem_is_listed_at_once(tmp_path):
    path = tmp_path / "records.csv"
    path.write_bytes(program(line(referral_date="x"), line(discharge_reason="9"), line(placement="?")))
    with pytest.raises(RecordsError) as caught:
        read_records(path, today=pd.Timestamp("2026-12-01"))
    assert len(caught.value.problems) == 3


def test_the_template_reads_back_as_one_episode(tmp_path):
    write_template(tmp_path / "template.csv")
    records = read_records(tmp_path / "template.csv")
    assert len(records) == 1 and not records.warnings
    e = records.episodes.iloc[0]
    assert e["reason"] == "completed" and e["los_lo"] == 95 and e["booking_delay"] == 4


def test_an_excel_template_reads_back_the_same(tmp_path):
    pytest.importorskip("openpyxl")
    write_template(tmp_path / "template.xlsx")
    write_template(tmp_path / "template.csv")
    a, b = read_records(tmp_path / "template.xlsx").episodes, read_records(tmp_path / "template.csv").episodes
    pd.testing.assert_frame_equal(a, b)


def test_teds_labels_read_as_the_codes(tmp_path):
    codes = tmp_path / "codes.csv"
    codes.write_bytes(teds("1,2019,6,33,2,2,1,7", "2,2019,6,12,1,0,0,1"))
    labels = tmp_path / "labels.csv"
    labels.write_bytes(("SERVICES_D,LOS,REASON,DAYWAIT,NOPRIOR,PSOURCE\n"
                        "\"Ambulatory, intensive outpatient\",61 to 90 days,Dropped out,8-14 days,"
                        "One or more prior treatment episodes,Court/criminal justice\n"
                        "\"Ambulatory, intensive outpatient\",12 days,Treatment completed,0 days,"
                        "No prior treatment episodes,Individual\n").encode("latin-1"))
    a, b = read_records(codes).episodes, read_records(labels).episodes
    pd.testing.assert_frame_equal(a, b)
    assert list(a["los_lo"]) == [60, 11] and list(a["los_hi"]) == [89, 11]  # TEDS counts the first day


def test_the_shipped_examples_are_small_synthetic_and_clean():
    for path, kind in ((PROGRAM_FILE, "program"), (TEDS_FILE, "teds")):
        assert path.stat().st_size <= 1_000_000
        records = read_records(path)
        assert records.kind == kind and len(records) > 100
        assert all("caseid" in w.path for w in records.warnings)


def test_records_cut_at_a_date_forget_what_came_later():
    records = read_records(PROGRAM_FILE)
    cut = pd.Timestamp("2024-01-01")
    before = records.until(cut).episodes
    assert (before["referral_date"] < cut).all()
    assert (before.loc[before["admitted"], "admission_date"] < cut).all()
    closed = before[before["reason"] != ""]
    assert (closed["admission_date"] + pd.to_timedelta(closed["los_lo"], unit="D") < cut).all()
    assert ((before["reason"] == "") & before["admitted"]).sum() > 0  # open stays at the cut
