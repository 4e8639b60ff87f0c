"""``compare --batch --set``: the results say which overrides produced them, in the labels sidecar and,
for Parquet, in the schema metadata — whichever way the results were written (in memory or streamed
from spilled partitions), and [] for a run without overrides.

Fushun (抚政办发〔2014〕67号 四（二）, FS-BASIC-4), the example FS-EX-001: base = in scope 11,500 − basic 7,630
= 3,870 yuan; at the policy's 60 % that is 2,322.00, with --set fushun.inpatient_rate=0.7 it is
3,870 × 70 % = 2,709.00 (under the 5,000 cap)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import attrs
import pyarrow.parquet as pq
from click.testing import CliRunner
from rich.console import Console

from jiuzhu.analysis import claims as C
from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.cli import cli
from jiuzhu.io.config import with_overrides
from jiuzhu.io.loader import load_case
from jiuzhu.kit.testing import make_engine
from jiuzhu.model.idcard import check_char

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "plugins" / "fushun" / "examples" / "dibao-inpatient.toml"
SETS = ["fushun.inpatient_rate=0.7", "fushun.inpatient_annual_cap@2026-01-01=8000"]
RECORD = [{"set": "fushun.inpatient_rate=0.7", "region": "fushun", "parameter": "inpatient_rate", "from": None,
           "value": "0.7"},
          {"set": "fushun.inpatient_annual_cap@2026-01-01=8000", "region": "fushun",
           "parameter": "inpatient_annual_cap", "from": "2026-01-01", "value": "8000"}]


def _claims(tmp_path, n=1):
    a = load_case(CASE)
    rows = [flatten(a)]
    for i in range(1, n):  # other persons, the same facts
        id17 = f"210402196001010{i:02d}"
        rows.append(flatten(attrs.evolve(a, id=f"FS-{i}", person=attrs.evolve(a.person, id_number=id17 + check_char(id17)),
                                         bill=attrs.evolve(a.bill, setl_id=f"FS-{i}"))))
    src = tmp_path / "claims.parquet"
    C.write_claims(rows_to_columns(rows), src)
    return src


def _sidecar(out: Path):
    return json.loads((out.parent / f"{out.name}.labels.json").read_text(encoding="utf-8"))


def test_the_cli_records_its_overrides(tmp_path):
    src = _claims(tmp_path)
    out = tmp_path / "r.parquet"
    args = ["compare", "--batch", str(src), "--regions", "fushun", "--out", str(out), "--no-progress"]
    res = CliRunner().invoke(cli, args + [x for s in SETS for x in ("--set", s)])
    assert res.exit_code == 0, res.output
    t = pq.read_table(out)
    assert t.column("assistance_fen").to_pylist() == [270_900]  # 3,870 × 70 %
    assert _sidecar(out)["overrides"] == RECORD
    assert json.loads(t.schema.metadata[C.OVERRIDES_KEY]) == RECORD
    assert json.loads(pq.read_schema(out).metadata[b"jiuzhu.overrides"]) == RECORD
    # a CSV results file has no schema metadata: its sidecar says it
    csv_out = tmp_path / "r.csv"
    res = CliRunner().invoke(cli, ["compare", "--batch", str(src), "--regions", "fushun", "--out", str(csv_out),
                                   "--no-progress", "--set", SETS[0]])
    assert res.exit_code == 0, res.output
    assert _sidecar(csv_out)["overrides"] == RECORD[:1]
    assert "2709.00" in csv_out.read_text(encoding="utf-8")
    # without --set: the record says none, and the policy's 60 % is applied (2,322.00)
    plain = tmp_path / "p.parquet"
    res = CliRunner().invoke(cli, args[:-3] + ["--out", str(plain), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert pq.read_table(plain).column("assistance_fen").to_pylist() == [232_200]
    assert _sidecar(plain)["overrides"] == [] and json.loads(pq.read_schema(plain).metadata[C.OVERRIDES_KEY]) == []


def test_streamed_results_carry_the_record_too(tmp_path):
    src = _claims(tmp_path, n=3)
    eng = with_overrides(make_engine(), SETS)
    out = tmp_path / "s.parquet"
    C.run_batch(eng, str(src), ["fushun"], str(out), progress=False, fmt="json", partition_rows=1,
                console=Console(file=open(os.devnull, "w")), overrides=SETS)  # spilled: one claim per partition
    assert sorted(pq.read_table(out).column("assistance_fen").to_pylist()) == [270_900] * 3
    assert json.loads(pq.read_schema(out).metadata[C.OVERRIDES_KEY]) == RECORD == _sidecar(out)["overrides"]
