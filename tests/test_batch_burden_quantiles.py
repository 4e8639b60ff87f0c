"""The burden median and 90th percentile of a batch are exact (NumPy's inverted_cdf: the value of rank
⌈n·q/100⌉ in ascending order) and held in bounded memory: beyond ``keep`` values the burdens go to a
scratch file and the order statistics are selected by radix passes over it, never by holding every
claim's burden."""

from __future__ import annotations

import os

import numpy as np
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from jiuzhu.analysis import claims as C
from jiuzhu.analysis.synth import synth_claims
from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, make_engine


@pytest.mark.parametrize("keep", [0, 2, 1 << 20])  # on file from the first value, after two, in memory
def test_quantiles_by_hand(keep):
    b = C.Burdens(keep=keep)
    b.CHUNK = 2  # several chunks per pass
    b.add([50_000, 10_000])
    b.add(np.array([30_000, 20_000, 40_000]))
    # sorted 100.00, 200.00, 300.00, 400.00, 500.00: median rank ⌈5 × 50 %⌉ = 3 → 300.00;
    # P90 rank ⌈5 × 90 %⌉ = ⌈4.5⌉ = 5 → 500.00
    assert b.quantiles((50, 90)) == {50: 30_000, 90: 50_000}
    assert (b.file is None) == (keep > 5) and (keep > 5 or b.held == [])
    # ten values 1 … 10 fen: P90 rank ⌈10 × 90 %⌉ = 9 exactly (not 10 from 10 × 0.9 in floating point)
    t = C.Burdens(keep=keep)
    t.add(np.arange(10, 0, -1))
    assert t.quantiles((50, 90)) == {50: 5, 90: 9}


def test_extremes_and_ties():
    b = C.Burdens(keep=0)
    b.add([-3, 2 ** 62, -(2 ** 62), 0, 0, 0, 7])
    # sorted −2⁶², −3, 0, 0, 0, 7, 2⁶²: rank ⌈3.5⌉ = 4 → 0; rank ⌈6.3⌉ = 7 → 2⁶²; rank 1 (q = 0) → −2⁶²
    assert b.quantiles((0, 50, 90, 100)) == {0: -(2 ** 62), 50: 0, 90: 2 ** 62, 100: 2 ** 62}
    assert C.Burdens().quantiles((50, 90)) == {50: 0, 90: 0}  # no claims


def test_the_file_holds_8_bytes_a_claim_and_agrees_with_sorting():
    rng = np.random.default_rng(4)
    v = rng.integers(0, 5_000_000, 30_001)
    b = C.Burdens(keep=1000)
    for part in np.array_split(v, 7):
        b.add(part)
    assert b.held == [] and os.fstat(b.file.fileno()).st_size == 8 * len(v)
    s = np.sort(v)
    assert b.quantiles((50, 90)) == {50: int(s[15_000]), 90: int(s[27_000])}  # ranks 15,001 and 27,001


def test_a_batch_whose_burdens_are_on_file_gives_the_quantiles_of_its_results(tmp_path, monkeypatch):
    monkeypatch.setattr(C.Burdens.__init__, "__defaults__", (0,))  # every burden to the scratch file
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS)
    src = tmp_path / "c.parquet"
    C.write_claims(synth_claims(1500, seed=9), src)
    out = tmp_path / "r.parquet"
    tots = C.run_batch(eng, str(src), ["fushun", "guangan", "liujiang"], str(out), progress=False, fmt="json",
                       console=Console(file=open(os.devnull, "w")), skip_invalid=True, partition_rows=200)
    res = pq.read_table(out).to_pydict()
    ran = [t for t in tots if "error" not in t]
    assert ran
    for t in ran:
        mine = np.sort([b for r, b in zip(res["region"], res["burden_fen"]) if r == t["region"]])
        n = len(mine)
        assert n == t["claims"] > 0
        assert t["burden_median"] == int(mine[-(-n * 50 // 100) - 1])
        assert t["burden_p90"] == int(mine[-(-n * 90 // 100) - 1])
