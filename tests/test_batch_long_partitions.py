"""``--long`` gives each claim the rows of its own settlement, whatever other claims share its partition:
a file cut into person partitions writes the same rows as one partition."""

from __future__ import annotations

from pathlib import Path

import attrs
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console

from jiuzhu.analysis import claims as C
from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.io.loader import load_case
from jiuzhu.kit.testing import make_engine
from jiuzhu.model.idcard import birth_date, make

ROOT = Path(__file__).resolve().parent.parent


def _case(example: str, seq: int, **episode):
    ex = load_case(ROOT / "plugins" / "fushun" / "examples" / example)
    cid = f"{example[:-5]}-{seq}"
    return attrs.evolve(ex, id=cid, person=attrs.evolve(ex.person, id_number=make("210402", birth_date(ex.person.id_number), seq)),
                        bill=attrs.evolve(ex.bill, setl_id=cid))


def _long(eng, src, out, rows):
    C.run_batch(eng, str(src), ["fushun"], out=str(out), progress=False, fmt="json", long=True,
                console=Console(file=open("/dev/null", "w")), partition_rows=rows)
    t = pq.read_table(out)
    t = t.cast(pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in t.schema]))
    return sorted((r["claim_id"], r["layer"], r["amount_fen"]) for r in t.to_pylist())


def test_long_rows_do_not_depend_on_the_partitions(tmp_path):
    eng = make_engine()
    # an inpatient stay (basic inpatient assistance, §四(二)) and a child's leukaemia stay (and major-disease
    # assistance, §四(三)), different persons: in one partition together, apart when cut into partitions
    cases = [_case("dibao-inpatient.toml", 11), _case("child-leukaemia.toml", 12)]
    src = tmp_path / "claims.parquet"
    pq.write_table(pa.table(rows_to_columns([flatten(c) for c in cases])), src)
    one = _long(eng, src, tmp_path / "one.parquet", C.PARTITION_ROWS)
    for rows in (1, 7):
        assert _long(eng, src, tmp_path / f"cut-{rows}.parquet", rows) == one, rows
    # the rows are the claim's own settlement's layers, as one case at a time gives them (the slip's layers
    # included); the stay without a major disease has no major-disease row
    for c in cases:
        o = eng.evaluate(c, "fushun")
        own = {l.id for l in o.settlement.layers}
        assert {l for cid, l, _ in one if cid == c.id} == own, c.id
    assert not any(cid.startswith("dibao") and l == "major_disease_assistance" for cid, l, _ in one)


def test_wide_columns_in_one_order_whatever_the_partitions(tmp_path):
    """The layer columns stand in one order (the slip's layers as the slip lists them, then the regions'
    by name), not in the order a partition first met them: a CSV read by position reads the same columns."""
    from jiuzhu.analysis.synth import synth_claims
    from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS)
    src = tmp_path / "claims.parquet"
    C.write_claims(synth_claims(600, seed=11), src)
    heads = []
    for rows in (C.PARTITION_ROWS, 100):
        out = tmp_path / f"out-{rows}.csv"
        C.run_batch(eng, str(src), ["fushun", "guangan", "jingjiang", "liujiang", "wusheng"], out=str(out),
                    progress=False, fmt="json", console=Console(file=open("/dev/null", "w")), partition_rows=rows,
                    skip_invalid=True)
        heads.append(out.read_text(encoding="utf-8").splitlines()[0].replace('"', "").split(","))
    assert heads[0] == heads[1]
    layers = [h for h in heads[0] if h.startswith("layer.")]
    assert layers[:3] == ["layer.basic_insurance_yuan", "layer.critical_illness_yuan", "layer.other_payers_yuan"]
    rest = [h for h in layers if h not in ("layer.basic_insurance_yuan", "layer.critical_illness_yuan",
                                           "layer.other_payers_yuan", "layer.medical_assistance_slip_yuan")]
    assert rest == sorted(rest)
