"""Hostile claims files: wrong Parquet types, amounts at and beyond the bound, misspelt programme
columns, and the decisive reason the totals give for claims not covered."""

from __future__ import annotations

import csv
import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.claims import InvalidRows, run_batch, write_claims
from jiuzhu.kit.testing import make_case, make_engine
from jiuzhu.model.errors import InputError
from jiuzhu.model.idcard import make
from jiuzhu.model.money import MAX_FEN


def _rows(n=3, **bill):
    rows = []
    for i in range(n):
        c = make_case({"id": f"R{i}", "person": {"id_number": make("110101", dt.date(1950, 1, 1), i), "hukou": "110101"},
                       "facility": {"location": "110101"},
                       "episode": {"admitted": "2026-03-02", "discharged": "2026-03-10"}, "bill": bill})
        rows.append(flatten(c))
    return rows


def _table(rows):
    return pa.table({k: pa.array(v) for k, v in rows_to_columns(rows).items()})


def _set(table, name, array):
    return table.set_column(table.column_names.index(name), name, array)


@pytest.mark.parametrize("value", ["yes", 1])
def test_a_bad_boolean_in_the_first_invalid_row_is_a_row_error(tmp_path, value):
    """``"yes"`` (text) or ``1`` (an integer column) for a boolean: the row is reported, no fault."""
    t = _table(_rows())
    t = _set(t, "episode.emergency", pa.array([value] * 3))
    src = tmp_path / "c.parquet"
    pq.write_table(t, src)
    with pytest.raises(InvalidRows, match=r"row 1 \(claim R0\): episode.emergency"):
        run_batch(make_engine(), str(src), ["fushun"], str(tmp_path / "r.parquet"), progress=False)


def test_a_fractional_admission_count_is_a_row_error(tmp_path):
    t = _set(_table(_rows()), "history.admissions", pa.array([1.5, 0.0, 0.0]))
    src = tmp_path / "c.parquet"
    pq.write_table(t, src)
    with pytest.raises(InvalidRows, match="history.admissions"):
        run_batch(make_engine(), str(src), ["fushun"], str(tmp_path / "r.parquet"), progress=False)


def test_first_invalid_row_is_the_lowest_row_number():
    """Row 3 has an unknown category, row 1 an unknown facility level: row 1 comes first."""
    rows = _rows()
    rows[2]["person.categories"] = "rich"
    rows[0]["facility.level"] = "national"
    _, ok, errors = normalise(_table(rows))
    assert [e.row for e in errors] == [1, 3] and ok.tolist() == [False, True, False]


@pytest.mark.parametrize("fen", [2 ** 53 + 1, 2 ** 63 - 1, -2 ** 63])
def test_int64_amounts_far_beyond_the_bound_are_row_errors(fen):
    """int64 Parquet money beyond MAX_FEN (10^12 fen) — also where float64 cannot hold it exactly."""
    t = _table(_rows(2))
    t = _set(t, "bill.total_fen", pa.array([fen, 1_000_000], pa.int64()))
    _, ok, errors = normalise(t)
    assert ok.tolist() == [False, True] and errors[0].field == "bill.total_fen"


def test_uint64_amounts_beyond_the_bound_are_row_errors():
    t = _set(_table(_rows(2)), "bill.total_fen", pa.array([2 ** 64 - 1, 1_000_000], pa.uint64()))
    _, ok, errors = normalise(t)
    assert ok.tolist() == [False, True] and errors[0].field == "bill.total_fen"


def test_the_documented_maximum_reads_alike_from_csv_and_parquet(tmp_path):
    """MAX_FEN = 10^12 fen (13 digits) is accepted in both; one fen more is refused in both."""
    rows = _rows(2, total=str(MAX_FEN // 100), in_scope=str(MAX_FEN // 100))
    rows[1]["bill.total_fen"] = rows[1]["bill.in_scope_fen"] = MAX_FEN + 1
    for suffix in ("csv", "parquet"):
        src = tmp_path / f"c.{suffix}"
        write_claims(rows_to_columns(rows), src)
        from jiuzhu.analysis.claims import read_claims
        table, errors = read_claims(src)
        assert table.column("bill.total_fen").to_pylist() == [MAX_FEN], suffix
        assert [(e.row, e.field) for e in errors] == [(2, "bill.total_fen")], suffix


def test_a_list_typed_parquet_column_is_one_error_line(tmp_path):
    t = _set(_table(_rows()), "person.categories", pa.array([["dibao"]] * 3))
    with pytest.raises(InputError, match="person.categories"):
        normalise(t)


def test_a_misspelt_programme_column_stops_the_file(tmp_path):
    """``history.ytd.inpatient_asistance_fen``: no installed region has that programme, so caps would
    forget what was paid; the file stops with the column named (exit 2), nothing is written."""
    t = _table(_rows()).append_column("history.ytd.inpatient_asistance_fen", pa.array([100_000] * 3, pa.int64()))
    src = tmp_path / "c.parquet"
    pq.write_table(t, src)
    out = tmp_path / "r.parquet"
    with pytest.raises(InputError, match="inpatient_asistance"):
        run_batch(make_engine(), str(src), ["fushun"], str(out), progress=False)
    assert not out.exists()


def test_why_not_covered_names_the_failing_rule(tmp_path):
    """Fushun (抚政办发〔2014〕67号 三): 「医疗救助对象主要包括低保对象、特困供养人员、低保边缘对象」. A low-income
    person with a Fushun hukou is not a target: the decisive reason is FS-ELIG-1 (not a target), not
    FS-GEN-4 (hukou in Fushun, which holds). A near-dibao outpatient visit (四（二）「低保边缘对象享受住院
    医疗救助」) is eligible but not covered: the decisive reason is FS-BASIC-9, not FS-REF-2
    (treated at a designated facility, which holds)."""
    def case(cid, cat, kind):
        return flatten(make_case({"id": cid, "region": "fushun",
                                  "person": {"id_number": make("210402", dt.date(1960, 1, 1), 3), "hukou": "210402004000",
                                             "categories": [cat], "scheme": "residents"},
                                  "facility": {"location": "210402", "level": "primary", "designations": ["insurance"]},
                                  "episode": {"kind": kind, "admitted": "2025-05-06", "discharged": "2025-05-06"}}))
    rows = [case("LOW", "low_income", "inpatient"), case("NEAR", "near_dibao", "outpatient")]
    src = tmp_path / "c.csv"
    write_claims(rows_to_columns(rows), src)
    out = tmp_path / "r.csv"
    tots = run_batch(make_engine(), str(src), ["fushun"], str(out), as_is=True, progress=False,
                     console=Console(file=open(tmp_path / "log", "w")))
    res = {r["claim_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert res["LOW"]["eligible"] == "false" and res["LOW"]["reason_rule"] == "FS-ELIG-1"
    assert res["NEAR"]["verdict"] == "not_covered" and res["NEAR"]["reason_rule"] == "FS-BASIC-9"
    assert set(tots[0]["by_reason"]) == {"FS-ELIG-1", "FS-BASIC-9"}
