"""The errors file describes the run that wrote it: a clean run leaves no stale list of an earlier run's
invalid rows at the errors path (docs/batch.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pyarrow.parquet as pq
from rich.console import Console

from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.analysis.claims import run_batch, write_claims
from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, make_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))


def test_a_clean_run_empties_an_earlier_runs_errors_file(tmp_path):
    # one dibao stay, B = 10,000 yuan: (10,000 − 5,000) × 5 % = 250.00 (GA-PAY-5, ILLUSTRATIVE table from 5,000)
    from test_batch_running_total import claim
    eng = make_engine({"compose_parents": False}, parameters={k: dict(v) for k, v in ILLUSTRATIVE_PARAMETERS.items()})
    src = tmp_path / "c.parquet"
    write_claims(rows_to_columns([flatten(claim("A1", "2026-03-01", 10000))]), src)
    errors = tmp_path / "c.errors.csv"
    errors.write_text("row,claim_id,field,expected\n1,A1,person.id_number,a valid resident ID number\n", encoding="utf-8")
    out = tmp_path / "r.parquet"
    run_batch(eng, str(src), ["guangan"], str(out), progress=False, errors=str(errors),
              console=Console(file=open(os.devnull, "w")))
    assert pq.read_table(out).column("layer.critical_illness_tilt_fen").to_pylist() == [25_000]
    assert errors.read_text(encoding="utf-8").splitlines() == ["row,claim_id,field,expected"]
