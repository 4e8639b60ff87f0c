"""Reforms: baseline against a reform over the same claims.

The issue's acceptance: raising Fushun's inpatient annual cap from 5,000 to 8,000 yuan
(抚政办发〔2014〕67号 四（二）, FS-BASIC-4: "住院救助比例为 60%，每人每年最高救助上限为 5000 元") over a
synthetic year. What it can change is bounded by hand: a person's assistance rises by at most the
difference of the caps, 8,000 − 5,000 = 3,000 yuan a year, and never falls; a person is better off
only if a year's inpatient assistance at 60 % would have exceeded 5,000 yuan. The per-claim figures
are then checked against Engine.evaluate claim by claim, in date order, each claim carrying what
the person's earlier claims paid (as an integrator's ledger would).
"""

from __future__ import annotations

import json

import attrs
import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from jiuzhu.analysis.claims import ClaimTable, read_claims
from jiuzhu.analysis.compare import rehome
from jiuzhu.analysis.reform import deciles, load_reform, reform_from_sets, render, run_reform
from jiuzhu.analysis.synth import synth_claims
from jiuzhu.cli import cli
from jiuzhu.model.errors import InputError
from jiuzhu.rules.engine import Engine

CAP = ["fushun.inpatient_annual_cap=8000"]


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    from jiuzhu.analysis.claims import write_claims
    p = tmp_path_factory.mktemp("reform") / "claims.parquet"
    write_claims(synth_claims(800, seed=7, year=2025), p)
    return p


@pytest.fixture(scope="module")
def result(year):
    eng = Engine()
    table, errors = read_claims(year, sorted(eng.host.regions))
    assert not errors
    return table, run_reform(eng, table, "fushun", reform_from_sets(CAP))


def one_by_one(engine, cases, region):
    """Each case evaluated alone, in (person, day) order, with the person's earlier payments as history."""
    info = engine.host.region(region).info
    order = sorted(range(len(cases)), key=lambda i: (cases[i].person.id_number, cases[i].episode.admitted, i))
    used: dict = {}
    out = [None] * len(cases)
    for i in order:
        case = rehome(cases[i], info.division)
        key = case.person.id_number
        ytd = dict(case.history.ytd)
        for k, v in used.get(key, {}).items():
            ytd[k] = ytd.get(k, 0) + v
        o = engine.evaluate(attrs.evolve(case, history=attrs.evolve(case.history, ytd=ytd)), region, documents=False)
        for l in o.settlement.layers:
            if l.program:
                used.setdefault(key, {})[l.program] = used.get(key, {}).get(l.program, 0) + l.amount
        out[i] = o
    return out


def test_totals_tell_one_story(result):
    _, r = result
    s, c = r.summary, r.claims
    change = c.column("assistance_change_fen").to_numpy()
    assert s["assistance"]["change"] == int(change.sum()) == sum(f["change"] for f in s["funds"]) \
        == sum(g["change"] for g in s["programs"])
    # the cap is 住院救助's: it pays more; 重特大疾病救助 (四（三）, on what is left after 住院救助) can only pay
    # less or the same; no other programme changes
    prog = {g["program"]: g["change"] for g in s["programs"]}
    assert prog["inpatient_assistance"] > 0 and prog.get("major_disease_assistance", 0) <= 0
    assert all(v == 0 for k, v in prog.items() if k not in ("inpatient_assistance", "major_disease_assistance"))
    assert s["assistance"]["change"] == -s["burden"]["change"]  # what assistance adds, the person no longer bears
    assert s["assistance"]["change"] > 0 and s["persons_better_off"] > 0
    assert s["persons_worse_off"] == 0  # a higher cap never pays less
    assert (change >= 0).all()
    assert s["persons_better_off"] + s["persons_unchanged"] == s["persons"]
    # at most 3,000 yuan (the difference of the caps) more per person and year
    assert s["assistance"]["change"] <= s["persons_better_off"] * 300_000
    for key in ("by_category", "by_facility_level", "by_burden_decile"):
        assert sum(g["change_fen"] for g in s[key]) == s["assistance"]["change"]
        assert sum(g["claims"] for g in s[key]) == s["claims"] == 800
    # only Fushun's assisted groups gain (low-income and the others are not its target groups: FS-ELIG)
    gained = {g["group"] for g in s["by_category"] if g["change_fen"]}
    assert gained <= {"dibao", "extreme_poverty", "near_dibao"}


def test_sample_agrees_with_one_by_one(result):
    table, r = result
    ct = ClaimTable(table)
    ids = table.column("person.id_number").to_pylist()
    changed = set(np.flatnonzero(r.claims.column("assistance_change_fen").to_numpy()).tolist())
    persons = sorted({ids[i] for i in changed})[:8] + sorted(set(ids) - {ids[i] for i in changed})[:8]
    rows = np.array([i for i, p in enumerate(ids) if p in set(persons)])
    cases = ct.cases(rows)
    base = one_by_one(Engine(), cases, "fushun")
    new = one_by_one(reform_from_sets(CAP).apply(Engine()), cases, "fushun")
    ba = r.claims.column("baseline_assistance_fen").to_numpy()
    ra = r.claims.column("reform_assistance_fen").to_numpy()
    for k, i in enumerate(rows):
        assert base[k].settlement.assistance == ba[i]
        assert new[k].settlement.assistance == ra[i]
    gain = {}
    for k, i in enumerate(rows):
        gain[ids[i]] = gain.get(ids[i], 0) + new[k].settlement.assistance - base[k].settlement.assistance
    assert sum(1 for v in gain.values() if v > 0) == 8  # the eight persons picked for a change
    assert all(0 < v <= 300_000 for p, v in gain.items() if p in persons[:8])


def test_cli_prints_cost_change_and_better_off(year, result, tmp_path):
    _, r = result
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["reform", str(year), "--region", "fushun", "--set", CAP[0], "--out", str(out)])
    assert res.exit_code == 0, res.output
    from jiuzhu.model.money import yuan_grouped
    assert f"变化 cost change +{yuan_grouped(r.summary['assistance']['change'])} 元" in res.output
    assert f"受益 better off: {r.summary['persons_better_off']:,} 人" in res.output
    for name in ("reform_claims.parquet", "reform_claims.csv", "summary.json", "reform.png"):
        assert (out / name).stat().st_size > 0
    assert pq.read_table(out / "reform_claims.parquet").num_rows == 800
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["persons_better_off"] == \
        r.summary["persons_better_off"]
    for fmt in ("json", "csv", "markdown"):
        res = CliRunner().invoke(cli, ["reform", str(year), "--region", "fushun", "--set", CAP[0], "--out", str(out),
                                       "--format", fmt])
        assert res.exit_code == 0, res.output
    assert render(r.summary, "csv").splitlines()[1].startswith("total,assistance,800,")


def test_reform_file_and_compare_case(tmp_path, year):
    f = tmp_path / "cap.toml"
    f.write_text('name = "抚顺住院封顶线 8000 元"\ncitations = ["提案 第 1 条"]\n'
                 '[parameters.fushun]\ninpatient_annual_cap = [{from = 2025-01-01, value = "8000"}]\n',
                 encoding="utf-8")
    r = load_reform(f)
    assert r.name == "抚顺住院封顶线 8000 元" and r.overrides[0][1:] == ("inpatient_annual_cap",
                                                                   __import__("datetime").date(2025, 1, 1), "8000")
    import pathlib
    src = pathlib.Path(__file__).with_name("test_overrides.py").read_text(encoding="utf-8")
    case = tmp_path / "case.toml"
    case.write_text(src.split('CASE = """', 1)[1].split('"""', 1)[0], encoding="utf-8")
    # 12,700 yuan left in scope: 60 % = 7,620; baseline capped at 5,000, reform pays 7,620 (+2,620)
    res = CliRunner().invoke(cli, ["compare", str(case), "--as-is", "--regions", "fushun", "--reform", str(f),
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.output)["rows"][0]
    assert (row["baseline_assistance"], row["reform_assistance"], row["change"]) == ("5000.00", "7620.00", "2620.00")
    res = CliRunner().invoke(cli, ["compare", str(case), "--as-is", "--regions", "fushun", "--reform", str(f)])
    assert res.exit_code == 0 and "+2,620.00" in res.output, res.output


def test_reform_file_errors(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('name = "x"\nparameter = {}\n', encoding="utf-8")
    with pytest.raises(InputError, match="unknown key; valid: citations, description, name, parameters"):
        load_reform(f)
    f.write_text('name = "x"\n[parameters.fushun]\ninpatient_cap = "8000"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"reform bad.toml: fushun.inpatient_cap: unknown parameter"):
        load_reform(f).apply(Engine())

def test_cli_reform_errors(tmp_path, year):
    f = tmp_path / "bad.toml"
    f.write_text('name = "x"\n[parameters.fushun]\ninpatient_cap = "8000"\n', encoding="utf-8")
    for args, expected in ((["--reform", str(f)], "reform bad.toml: fushun.inpatient_cap: unknown parameter"),
                           ([], "give --reform FILE or at least one --set"),
                           (["--set", "fushun.inpatient_rate=2"], "expected a rate between 0 and 1"),
                           (["--set", CAP[0], "--region", "atlantis"], "--region: an installed region")):
        res = CliRunner().invoke(cli, ["reform", str(year), "--region", "fushun", "--out", str(tmp_path / "o"), *args])
        assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1 and expected in res.output, res.output
    assert not (tmp_path / "o").exists()  # nothing written before the reform is known good


def test_deciles_by_hand():
    # ten values, one per decile; ties keep input order: [5, 5] → first in the lower decile
    assert deciles(np.array([90, 10, 20, 30, 40, 50, 60, 70, 80, 0])).tolist() == [10, 2, 3, 4, 5, 6, 7, 8, 9, 1]
    assert deciles(np.array([5, 5, 1, 9])).tolist() == [3, 6, 1, 8]  # sorted 1, 5, 5, 9 → ranks 0..3 → 0·10//4+1 = 1, 3, 6, 8


def test_a_reform_of_another_region_is_refused_not_reported_as_no_change():
    import pyarrow as pa
    from jiuzhu.analysis.reform import reform_from_sets, run_reform
    from jiuzhu.model.errors import InputError
    from jiuzhu.rules.engine import Engine
    with pytest.raises(InputError, match="expected overrides of fushun"):
        run_reform(Engine(), pa.table({"claim_id": pa.array([], pa.string())}), "fushun",
                   reform_from_sets(["jingjiang.min_compensation_ratio=0.5"]))


def test_sets_on_top_of_a_reform_file_are_in_its_name(tmp_path):
    """examples/reforms/fushun-cap-8000.toml raises the cap to 8,000; a --set of 4,000 on top of it wins (the
    later override), so the run is a cut: its heading must not call it 「提高到 8000 元」 alone."""
    from pathlib import Path
    from jiuzhu.analysis.claims import write_claims
    p = tmp_path / "c.parquet"
    write_claims(synth_claims(50, seed=3, year=2025), p)
    f = Path(__file__).resolve().parents[1] / "examples" / "reforms" / "fushun-cap-8000.toml"
    res = CliRunner().invoke(cli, ["reform", str(p), "--region", "fushun", "--reform", str(f), "--set",
                                   "fushun.inpatient_annual_cap=4000", "--out", str(tmp_path / "o"), "--format", "json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output)
    assert s["reform"] == "抚顺住院救助封顶线提高到 8000 元 + fushun.inpatient_annual_cap=4000"
    assert s["overrides"] == ["fushun.inpatient_annual_cap=8000", "fushun.inpatient_annual_cap=4000"]
    assert s["persons_better_off"] == 0  # a cap of 4,000 pays no one more than 5,000 did
