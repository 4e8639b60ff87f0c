"""A claims file with no claims (a header only), or whose every row is invalid and skipped, gives totals
of 0 claims per region and an empty results file, not an internal error."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from click.testing import CliRunner

from jiuzhu.analysis.synth import synth_claims
from jiuzhu.cli import cli


def _header_only(tmp_path, ext):
    t = pa.table(synth_claims(3, seed=1)).slice(0, 0)
    path = tmp_path / f"empty.{ext}"
    pq.write_table(t, path) if ext == "parquet" else pacsv.write_csv(t, path)
    return path


def _batch(src, out, *more):
    return CliRunner().invoke(cli, ["compare", "--batch", str(src), "--out", str(out), "--regions", "fushun,guangan",
                                    "--format", "json", *more])


def test_a_file_without_claims(tmp_path):
    for ext in ("parquet", "csv"):
        res = _batch(_header_only(tmp_path, ext), tmp_path / f"out-{ext}.parquet")
        assert res.exit_code == 0, res.output
        tots = json.loads(res.output[res.output.index("["):])
        assert [(t["region"], t["claims"], t["assistance"]) for t in tots] == [("fushun", 0, 0), ("guangan", 0, 0)]
        assert pq.read_table(tmp_path / f"out-{ext}.parquet").num_rows == 0


def test_every_row_invalid_and_skipped(tmp_path):
    t = pa.table(synth_claims(4, seed=1))
    t = t.set_column(t.column_names.index("facility.level"), "facility.level", pa.array(["galactic"] * 4))
    src = tmp_path / "bad.parquet"
    pq.write_table(t, src)
    res = _batch(src, tmp_path / "out.parquet", "--skip-invalid", "--errors", str(tmp_path / "errors.csv"))
    assert res.exit_code == 0, res.output
    tots = json.loads(res.output[res.output.index("["):])
    assert [(t["region"], t["claims"], t["invalid_rows"]) for t in tots] == [("fushun", 0, 4), ("guangan", 0, 4)]
    assert len((tmp_path / "errors.csv").read_text().splitlines()) == 1 + 4  # header and the four rows
