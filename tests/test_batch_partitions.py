"""Bounded memory without more hook calls: a file cut into person partitions gives the same results as one
partition, and a group decided in one partition is not decided again in the next (DecisionCache). And the
decision key holds the person's sex only for a chain that reads it (RegionInfo.reads_sex)."""

from __future__ import annotations

import attrs
import pyarrow as pa
import pytest
import pyarrow.parquet as pq
from rich.console import Console

from jiuzhu.analysis import claims as C
from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.synth import synth_claims
from jiuzhu.io.loader import load_case
from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, make_engine
from jiuzhu.model.idcard import check_char

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ["fushun", "guangan", "jingjiang", "liujiang", "wusheng"]


def _run(eng, src, out, **kw):
    return C.run_batch(eng, str(src), REGIONS, out=str(out), progress=False, fmt="json",
                       console=Console(file=open("/dev/null", "w")), skip_invalid=True, **kw)


def _sorted(path):
    t = pq.read_table(path)
    t = t.cast(pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in t.schema]))
    return t.sort_by([("claim_id", "ascending"), ("region", "ascending")])


def assert_same_results(path_a, path_b, totals_a, totals_b) -> None:
    """Two runs' results files hold the same rows, column by column, and the same totals (but the
    diagnostic count of groups, which depends on the partitioning)."""
    a, b = _sorted(path_a), _sorted(path_b)
    assert sorted(a.column_names) == sorted(b.column_names)
    for name in a.column_names:
        assert a.column(name).to_pylist() == b.column(name).to_pylist(), name
    drop = lambda ts: [{k: v for k, v in t.items() if k != "groups"} for t in ts]
    assert drop(totals_a) == drop(totals_b)


@pytest.mark.parametrize("workers", [1, 2])
def test_person_partitions_give_one_partitions_results_and_ask_each_group_once(tmp_path, monkeypatch, workers):
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS)  # every region runs
    src = tmp_path / "claims.parquet"
    C.write_claims(synth_claims(3000, seed=7), src)
    log = tmp_path / "asked.txt"  # one line per hook decision, from this process or a forked worker
    real = C._decide_one

    def counted(engine, case, region, *a, **k):
        with open(log, "a") as f:
            f.write(region + "\n")
        return real(engine, case, region, *a, **k)

    def asked():
        lines = log.read_text().split() if log.exists() else []
        log.unlink(missing_ok=True)
        return {r: lines.count(r) for r in set(lines)}

    monkeypatch.setattr(C, "_decide_one", counted)
    monkeypatch.setattr(C, "PARALLEL_MIN_CLAIMS", 1)  # the small partitions below in workers too
    one = _run(eng, src, tmp_path / "one.parquet", workers=1)
    asked_one = asked()
    many = _run(eng, src, tmp_path / "many.parquet", partition_rows=100, workers=workers)  # 16 person partitions
    asked_many = asked()
    assert_same_results(tmp_path / "one.parquet", tmp_path / "many.parquet", one, many)
    # every group of the whole file decided once: as many hook calls as one partition, for each region
    # that ran (a region stopped by a missing parameter stops again in each partition)
    ran = [t["region"] for t in one if "error" not in t]
    assert len(ran) >= 3
    assert {r: asked_many[r] for r in ran} == {r: asked_one[r] for r in ran}
    # and the partitions did hold more groups than that between them (the cache answered the rest)
    assert sum(t["groups"] for t in many if "error" not in t) > sum(t["groups"] for t in one if "error" not in t)


def _fushun_case(id17: str, diagnosis: str):
    case = load_case(ROOT / "plugins" / "fushun" / "examples" / "dibao-inpatient.toml")
    return attrs.evolve(case, id=f"fs-{id17[-3:]}-{diagnosis}",
                        person=attrs.evolve(case.person, id_number=id17 + check_char(id17)),
                        episode=attrs.evolve(case.episode, diagnoses=(diagnosis,)),
                        bill=attrs.evolve(case.bill, setl_id=f"fs-{id17[-3:]}-{diagnosis}"))


def test_the_sex_enters_the_key_only_where_a_region_reads_it():
    eng = make_engine()
    # 17th digit 2: a woman; 1: a man (GB 11643); same birth date, same facts otherwise
    woman, man = _fushun_case("21040219560412062", "C50.9"), _fushun_case("21040219560412061", "C50.9")
    single = [eng.evaluate(c, "fushun").settlement for c in (woman, man)]
    # Fushun: breast cancer is a major disease for a woman only (FS-MAJOR-1, 「妇女乳腺癌」)
    assert single[0].assistance != single[1].assistance
    table, ok, errors = normalise(pa.table(rows_to_columns([flatten(c) for c in (woman, man)])), 0, REGIONS)
    assert not errors
    ct = C.ClaimTable(table)
    run = C.evaluate_region(eng, ct, "fushun", rehome_to=False)
    assert run.groups == 2 and [int(x) for x in run.assistance] == [s.assistance for s in single]
    # Wusheng's chain (Wusheng, Guang'an) reads no sex: the two claims are one group there
    assert C._groups(eng, ct, "wusheng", None)[1].size == 1
    assert C._groups(eng, ct, "fushun", None)[1].size == 2
