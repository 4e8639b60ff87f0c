"""A claims batch as an analyst runs it: every row checked, invalid rows reported and never computed,
readable results and totals (decisive rule IDs, plain decimals in CSV), case files to claims."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.claims import InvalidRows, run_batch, write_claims
from jiuzhu.kit.strategies import claim_batches
from jiuzhu.kit.testing import make_case
from jiuzhu.model.errors import InputError
from jiuzhu.model.idcard import make
from jiuzhu.model.money import MAX_FEN

import datetime as dt
import importlib.util

_spec = importlib.util.spec_from_file_location("_compare_toys", Path(__file__).with_name("test_compare.py"))
_toys = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_toys)
toy_engine = _toys.toy_engine  # the toy regions rich / poor / needy

# One corruption per kind; each must be caught on its own row, whatever the other rows hold.
BAD_ID = make("110101", dt.date(1950, 1, 1), 31)[:-1] + ("0" if make("110101", dt.date(1950, 1, 1), 31)[-1] != "0" else "1")
CORRUPT = {
    "check digit": ("person.id_number", BAD_ID),
    "discharge before admission": ("episode.discharged", "2026-01-01"),
    "negative amount": ("bill.other_paid_fen", -1),
    "not a boolean": ("episode.emergency", "yes"),
    "unknown category": ("person.categories", "dibao;poorish"),
    "no such date": ("episode.admitted", "2026-02-30"),
    "beyond the upper bound": ("bill.fully_self_paid_fen", MAX_FEN + 1),
    "unknown level": ("facility.level", "national"),
    "bad path json": ("episode.path", "[{\"to\": 1}]"),
}


def _rows(n=6):
    rows = []
    for i in range(n):
        c = make_case({"id": f"R{i}", "person": {"id_number": make("110101", dt.date(1950, 1, 1), i), "hukou": "110101"},
                       "facility": {"location": "110101"},
                       "episode": {"admitted": "2026-03-02", "discharged": "2026-03-10"}})
        rows.append(flatten(c))
    return rows


def _table(rows):
    cols = rows_to_columns(rows)
    return pa.table({k: pa.array(v) for k, v in cols.items()})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=claim_batches(max_claims=8), data=st.data())
def test_every_invalid_row_is_reported_and_none_computed(rows, data):
    rows = [dict(r) for r in rows]
    bad = data.draw(st.sets(st.integers(0, len(rows) - 1)))
    kinds = {}
    for i in bad:
        kind = data.draw(st.sampled_from(sorted(CORRUPT)))
        col, val = CORRUPT[kind]
        if kind == "beyond the upper bound":  # keep the slip identity, so only the bound is at fault
            rows[i]["bill.total_fen"] += val - rows[i][col]
        if kind == "discharge before admission":
            rows[i]["episode.admitted"] = "2026-06-30"
        rows[i][col] = val
        kinds[i] = col
    cols = rows_to_columns(rows)
    table = pa.table({k: pa.array([str(x).lower() if isinstance(x, bool) else x for x in v]) if k in (
        "episode.emergency",) else pa.array(v) for k, v in cols.items()})
    out, ok, errors = normalise(table)
    assert {e.row - 1 for e in errors} == bad  # every corrupted row, and only those
    for e in errors:  # the field at fault (an amount beyond the bound also makes the total exceed it)
        assert e.field in (kinds[e.row - 1], "bill.total_fen")
    assert list(ok) == [i not in bad for i in range(len(rows))]
    for e in errors:  # no personal data: the claim id and the field, never the value
        assert e.claim_id == rows[e.row - 1]["claim_id"] and "1101" not in e.expected


def test_invalid_rows_go_to_an_errors_file_and_exit_2(tmp_path):
    rows = _rows()
    rows[2]["person.id_number"] = BAD_ID
    rows[4]["episode.discharged"] = "2026-03-01"  # before admission 2026-03-02
    src = tmp_path / "c.parquet"
    pq.write_table(_table(rows), src)
    out = tmp_path / "r.parquet"
    with pytest.raises(InvalidRows):
        run_batch(toy_engine(), str(src), ["rich"], str(out), progress=False)
    assert not out.exists()  # nothing computed, no partial file
    errs = list(csv.DictReader((tmp_path / "c.errors.csv").open(encoding="utf-8")))
    assert [(e["row"], e["claim_id"], e["field"]) for e in errs] == [
        ("3", "R2", "person.id_number"), ("5", "R4", "episode.discharged")]
    assert all(BAD_ID not in json.dumps(e) for e in errs)
    # --skip-invalid: the four valid claims are computed, the two others still reported
    from rich.console import Console
    tots = run_batch(toy_engine(), str(src), ["rich"], str(out), progress=False, skip_invalid=True,
                     console=Console(file=open(tmp_path / "log.txt", "w")))
    res = pq.read_table(out).to_pylist()
    assert sorted(r["claim_id"] for r in res) == ["R0", "R1", "R3", "R5"]
    assert tots[0]["claims"] == 4 and tots[0]["invalid_rows"] == 2


def test_unknown_column_is_an_error_listing_it():
    t = _table(_rows(1)).append_column("history.ytd.inpatient_asistance", pa.array([100]))
    with pytest.raises(InputError, match="inpatient_asistance"):
        normalise(t)


def test_amount_beyond_the_bound_is_rejected_per_case_too():
    with pytest.raises(InputError, match="bill.total"):
        # MAX_FEN = 10^12 fen: one fen above 10,000,000,000.00 yuan
        make_case({"bill": {"total": "10000000000.01", "in_scope": "10000000000.01"}})


def test_totals_say_why_not_covered_and_csv_money_is_plain(tmp_path):
    """Toy regions (tests/test_compare.py): 'rich' assists persons with a hukou in 110101 at 90 % of the
    burden (rule T-2), others are refused under T-1. Two claims of 110101 persons, one of 220102.
    Each bill: 10000.00 total, 6000.00 basic insurance → burden 4000.00; rich pays 90 % = 3600.00."""
    rows = _rows(3)
    rows[2]["person.id_number"] = make("220102", dt.date(1960, 5, 5), 7)
    rows[2]["person.hukou"] = rows[2]["person.residence"] = "220102"
    for r in rows:
        r["bill.basic_paid_fen"] = 600_000
    src = tmp_path / "c.csv"
    write_claims(rows_to_columns(rows), src)
    out = tmp_path / "r.csv"
    from rich.console import Console
    log = tmp_path / "log.txt"
    tots = run_batch(toy_engine(), str(src), ["rich"], str(out), as_is=True, progress=False, fmt="csv",
                     console=Console(file=log.open("w"), width=300))
    t = tots[0]
    assert t["covered"] == 2 and t["refused"] == 1 and t["assistance"] == 2 * 360_000
    assert t["by_reason"]["T-1"]["not_covered"] == 1 and t["by_verdict"] == {"covered": 2, "not_covered": 1}
    res = list(csv.DictReader(out.open(encoding="utf-8")))
    assert res[0]["layer.assist_yuan"] == "3600.00" and res[0]["burden_yuan"] == "400.00"
    assert res[2]["reason_rule"] == "T-1" and res[2]["verdict"] == "not_covered" and res[2]["assistance_yuan"] == "0.00"
    summary = list(csv.DictReader(log.open(encoding="utf-8")))
    assert summary[0]["assistance"] == "7200.00" and "T-1 1" in summary[0]["why_not_covered"]
    labels = json.loads((tmp_path / "r.csv.labels.json").read_text(encoding="utf-8"))
    assert labels["funds"]["assist"] == ["救助", "assistance"]


def test_long_results_one_row_per_layer(tmp_path):
    src = tmp_path / "c.parquet"
    pq.write_table(_table(_rows(2)), src)
    out = tmp_path / "r.parquet"
    from rich.console import Console
    run_batch(toy_engine(), str(src), ["rich"], str(out), as_is=True, progress=False, long=True,
              console=Console(file=open(tmp_path / "log.txt", "w")))
    res = pq.read_table(out).to_pylist()
    # four layers per claim: the slip's three (basic, critical, other) and the region's assist
    assert len(res) == 2 * 4 and {r["layer"] for r in res} == {"basic_insurance", "critical_illness", "other_payers",
                                                               "assist"}
    assist = [r for r in res if r["layer"] == "assist"]
    assert [r["amount_fen"] for r in assist] == [900_000, 900_000]  # 90 % of 10000.00 (nothing on the slip)


def test_partitions_spilled_by_person_give_the_same_results(tmp_path):
    """A small partition limit forces the spill to person partitions; annual caps and totals agree."""
    from rich.console import Console
    rows = _rows(6) * 1
    for i, r in enumerate(rows):
        r["claim_id"] = f"P{i}"
    src = tmp_path / "c.parquet"
    pq.write_table(_table(rows), src)
    a = run_batch(toy_engine(), str(src), ["rich"], str(tmp_path / "a.parquet"), as_is=True, progress=False,
                  console=Console(file=open(tmp_path / "l1", "w")))
    b = run_batch(toy_engine(), str(src), ["rich"], str(tmp_path / "b.parquet"), as_is=True, progress=False,
                  partition_rows=2, console=Console(file=open(tmp_path / "l2", "w")))
    drop = lambda ts: [{k: v for k, v in t.items() if k != "groups"} for t in ts]  # groups are per partition
    assert drop(a) == drop(b)
    ra = sorted(pq.read_table(tmp_path / "a.parquet").to_pylist(), key=lambda r: r["claim_id"])
    rb = sorted(pq.read_table(tmp_path / "b.parquet").to_pylist(), key=lambda r: r["claim_id"])
    assert ra == rb


def test_claims_command_turns_case_files_into_a_claims_file(tmp_path):
    from jiuzhu.cli import cli
    from jiuzhu.analysis.claims import read_claims
    examples = Path(__file__).resolve().parent.parent / "plugins" / "fushun" / "examples"
    out = tmp_path / "claims.parquet"
    res = CliRunner().invoke(cli, ["claims", str(examples), "--out", str(out)])
    assert res.exit_code == 0, res.output
    table, errors = read_claims(out)
    assert not errors and table.num_rows == len(list(examples.glob("*.toml")))
    bad = CliRunner().invoke(cli, ["compare", "--batch", str(out), "--format", "yaml", "--no-progress"])
    assert bad.exit_code == 2 and "yaml" in bad.output


def test_every_column_is_documented():
    from jiuzhu.analysis.batch import COLUMNS
    doc = (Path(__file__).resolve().parents[1] / "docs" / "batch.md").read_text(encoding="utf-8")
    assert [c.name for c in COLUMNS if f"`{c.name}`" not in doc] == []
