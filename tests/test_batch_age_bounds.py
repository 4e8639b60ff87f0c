"""The decision key's age bucket separates every age a region's thresholds tell apart, in both readings
of a threshold: Fushun's 「14周岁以下」 includes 14 (FS-AMB-11 reading A, ``age_14_reading = "inclusive"``),
so a child of 14 and one of 15 at admission are different decisions (FS-AMB-10, FS-MAJOR-1)."""

from __future__ import annotations

from pathlib import Path

import attrs
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console

from jiuzhu.analysis import claims as C
from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.io.loader import load_case
from jiuzhu.kit.testing import make_engine, layer
from jiuzhu.model.idcard import make

ROOT = Path(__file__).resolve().parent.parent


def _child(age: int, seq: int):
    """Fushun's leukaemia example (admitted 2025-06-10, dibao) for a child of ``age`` on the day of admission."""
    ex = load_case(ROOT / "plugins" / "fushun" / "examples" / "child-leukaemia.toml")
    born = ex.episode.admitted.replace(year=ex.episode.admitted.year - age)  # birthday on the admission day
    cid = f"age-{age}"
    return attrs.evolve(ex, id=cid, person=attrs.evolve(ex.person, id_number=make("210403", born, 10 + seq)),
                        bill=attrs.evolve(ex.bill, setl_id=cid))


# Slip: in scope 78,000 − basic insurance 42,000 − critical illness 12,000 = 24,000 yuan borne.
# Basic inpatient assistance (§四(二)): 60% × 24,000 = 14,400, capped at 5,000 a year → 5,000.
# Major disease (§四(三), 儿童白血病, a child ≤ 14 under FS-AMB-10 A / FS-AMB-11 A): 50% × (24,000 − 5,000)
# = 9,500 (≤ the 10,000 cap). At 15 the leukaemia is not a child's: no major-disease assistance.
MAJOR = {13: 950_000, 14: 950_000, 15: 0, 16: 0, 17: 0, 18: 0}


def test_a_child_of_14_and_one_of_15_are_decided_apart(tmp_path):
    eng = make_engine()
    cases = [_child(age, i) for i, age in enumerate(MAJOR)]
    for c in cases:  # one case at a time, as the seed says
        o = eng.evaluate(c, "fushun")
        assert layer(o, "inpatient_assistance") == 500_000, c.id
        assert layer(o, "major_disease_assistance") == MAJOR[int(c.id[4:])], c.id
    src = tmp_path / "claims.parquet"
    pq.write_table(pa.table(rows_to_columns([flatten(c) for c in cases])), src)
    for rows in (1, 7, C.PARTITION_ROWS):
        out = tmp_path / f"out-{rows}.parquet"
        C.run_batch(eng, str(src), ["fushun"], out=str(out), progress=False, fmt="json",
                    console=Console(file=open("/dev/null", "w")), partition_rows=rows)
        got = {r["claim_id"]: r["layer.major_disease_assistance_fen"] for r in pq.read_table(out).to_pylist()}
        assert got == {f"age-{a}": v for a, v in MAJOR.items()}, rows
