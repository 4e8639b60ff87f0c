"""A year-to-date column of one region's programme (Guang'an's running critical-illness total) on some
claims of a file compared across regions: for a region without that programme (Fushun), one case with the
entry is refused (Engine.check_history, ``jiuzhu evaluate`` exits 2), so in a batch exactly those claims are
refused by that region — listed in the errors file as one case words it — and its other claims are computed;
the region is not stopped for the whole file."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import attrs
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.analysis.claims import InvalidRows, run_batch, write_claims
from jiuzhu.io.loader import load_case
from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, make_engine
from jiuzhu.model.errors import InputError
from jiuzhu.model.idcard import check_char
from jiuzhu.model.money import to_fen

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "plugins" / "fushun" / "examples" / "dibao-inpatient.toml"


def _cases():
    a = load_case(CASE)  # FS-EX-001: worked out in plugins/fushun/tests/examples.case.toml
    id17 = "21040219600101003"  # another person, the same facts
    b = attrs.evolve(a, id="FS-B", person=attrs.evolve(a.person, id_number=id17 + check_char(id17)),
                     bill=attrs.evolve(a.bill, setl_id="FS-B"),
                     history=attrs.evolve(a.history, ytd={"critical_illness_counted": to_fen("1234.00")}))
    return a, b


def _run(tmp_path, **kw):
    eng = make_engine(parameters={k: dict(v) for k, v in ILLUSTRATIVE_PARAMETERS.items()})
    src = tmp_path / "c.parquet"
    write_claims(rows_to_columns([flatten(c) for c in _cases()]), src)
    assert "history.ytd.critical_illness_counted_fen" in pq.read_schema(src).names
    out = tmp_path / "r.parquet"
    tots = run_batch(eng, str(src), ["fushun", "guangan"], str(out), progress=False, fmt="json",
                     console=Console(file=open(os.devnull, "w")), errors=str(tmp_path / "e.csv"), **kw)
    return eng, {t["region"]: t for t in tots}, out


def test_one_case_with_the_entry_is_refused_by_fushun():
    eng = make_engine()
    _, b = _cases()
    with pytest.raises(InputError) as exc:
        eng.evaluate(b, "fushun")
    assert exc.value.field == "history.ytd.critical_illness_counted"
    assert "unknown programme for fushun" in exc.value.expected


def test_a_stray_ytd_column_refuses_its_claims_only(tmp_path):
    eng, tots, out = _run(tmp_path, skip_invalid=True)
    fs = tots["fushun"]
    assert "error" not in fs  # not stopped for the whole file
    # claim A: base = 11,500 − 7,630 = 3,870 → 60 % = 2,322.00 (FS-BASIC-4; examples.case.toml)
    assert fs["claims"] == 1 and fs["invalid_claims"] == 1 and fs["assistance"] == 232_200
    rows = pq.read_table(out).to_pylist()
    fushun = [r for r in rows if r["region"] == "fushun"]
    assert [(r["claim_id"], r["assistance_fen"]) for r in fushun] == [("FS-EX-001", 232_200)]
    # Guang'an has the programme: it computes both claims
    assert "error" not in tots["guangan"] and tots["guangan"]["claims"] == 2
    assert sorted(r["claim_id"] for r in rows if r["region"] == "guangan") == ["FS-B", "FS-EX-001"]
    # the errors file lists claim B (row 2) for Fushun, in one case's words
    with open(tmp_path / "e.csv", encoding="utf-8") as fh:
        listed = list(csv.DictReader(fh))
    assert [(e["row"], e["claim_id"], e["field"]) for e in listed] == \
        [("2", "FS-B", "history.ytd.critical_illness_counted")]
    with pytest.raises(InputError) as one:
        eng.evaluate(_cases()[1], "fushun")
    assert one.value.expected in listed[0]["expected"]


def test_without_skip_invalid_the_run_stops_naming_the_claim(tmp_path):
    with pytest.raises(InvalidRows) as exc:
        _run(tmp_path)
    assert "row 2 (claim FS-B): history.ytd.critical_illness_counted" in str(exc.value)
    assert not (tmp_path / "r.parquet").exists()


def test_zero_amounts_in_the_column_are_absent_entries(tmp_path):
    # a column of 0 on every row (as a file exported for all regions would carry) refuses nothing
    eng = make_engine()
    a, _ = _cases()
    cols = rows_to_columns([flatten(a)])
    cols["history.ytd.critical_illness_counted_fen"] = [0]
    src = tmp_path / "z.parquet"
    pq.write_table(pa.table(cols), src)
    tots = run_batch(eng, str(src), ["fushun"], str(tmp_path / "z.out.parquet"), progress=False, fmt="json",
                     console=Console(file=open(os.devnull, "w")))
    assert tots[0]["claims"] == 1 and tots[0]["invalid_claims"] == 0 and tots[0]["assistance"] == 232_200
