"""A region stopped in one person partition (its hook fails on a claim there) is stopped for the file:
its totals carry the error, the results file holds none of its rows nor the layer columns only it has,
and every other region's rows are those of a run without the fault (``drop_regions``)."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jiuzhu.analysis import claims as C
from jiuzhu.analysis.synth import synth_claims
from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, make_engine
from jiuzhu.plugins import RegionFault

from test_batch_partitions import REGIONS, _run, _sorted


def _without(table: pa.Table, region: str) -> pa.Table:
    return table.filter(pa.compute.not_equal(table.column("region"), region))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_region_failing_in_one_partition_is_left_out_of_every_partition(tmp_path, monkeypatch, workers):
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS)
    src = tmp_path / "claims.parquet"
    C.write_claims(synth_claims(1200, seed=3), src)
    good = _run(eng, src, tmp_path / "good.parquet", partition_rows=100, workers=workers)
    assert "error" not in {k for t in good for k in t if t["region"] == "liujiang"}
    # the person of the file's last row: one partition among several holds their claims
    victim = pq.read_table(src).column("person.id_number")[-1].as_py()
    real = C._decide_one

    def failing(engine, case, region, *a, **k):
        if region == "liujiang" and not isinstance(case, Exception) and case.person.id_number == victim:
            raise RegionFault("region liujiang: jiuzhu_referral raised ValueError")
        return real(engine, case, region, *a, **k)

    monkeypatch.setattr(C, "_decide_one", failing)
    monkeypatch.setattr(C, "PARALLEL_MIN_CLAIMS", 1)  # the small partitions in workers too
    bad = _run(eng, src, tmp_path / "bad.parquet", partition_rows=100, workers=workers)
    tots = {t["region"]: t for t in bad}
    assert tots["liujiang"]["error"] == "region liujiang: jiuzhu_referral raised ValueError"
    assert all("error" not in tots[r] for r in REGIONS if r != "liujiang")
    got, want = _sorted(tmp_path / "bad.parquet"), _sorted(tmp_path / "good.parquet")
    assert "liujiang" not in set(got.column("region").to_pylist())
    want = _without(want, "liujiang")
    # a layer only Liujiang pays is gone with its rows; the others' columns are as in the good run
    layers = {t["region"]: set(t["layers"]) for t in good}
    only_lj = [f"layer.{lid}_fen" for lid in layers["liujiang"] - set().union(*(layers[r] for r in REGIONS if r != "liujiang"))]
    assert "layer.medical_assistance_fen" in only_lj  # Liujiang's own inpatient assistance (LJ-PAY)
    assert set(only_lj) <= set(want.column_names) and not set(only_lj) & set(got.column_names)
    want = want.drop_columns(only_lj)
    assert sorted(got.column_names) == sorted(want.column_names)
    for name in want.column_names:
        assert got.column(name).to_pylist() == want.column(name).to_pylist(), name
    assert json.dumps({r: t for r, t in tots.items() if r != "liujiang"}, sort_keys=True, default=str) == json.dumps(
        {t["region"]: t for t in good if t["region"] != "liujiang"}, sort_keys=True, default=str)


def test_drop_regions_keeps_what_another_region_shares():
    t = pa.table({"region": pa.array(["a", "b", "a", "b"]).dictionary_encode(),
                  "layer.x_fen": pa.array([1, 0, 2, 0], pa.int64()),
                  "layer.y_fen": pa.array([0, 5, 0, 6], pa.int64()),
                  "layer.z_fen": pa.array([7, 8, 9, 10], pa.int64())})
    out = C.drop_regions(t, {"b"}, C.ran_layers({"a": {"layers": ["x", "z"]}, "b": {"error": "stopped"}}))
    assert out.column_names == ["region", "layer.x_fen", "layer.z_fen"]
    assert out.column("layer.z_fen").to_pylist() == [7, 9] and out.num_rows == 2
    assert C.drop_regions(t, set(), set()) is t
