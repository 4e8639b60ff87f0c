"""--set REGION.PARAM[@DATE]=VALUE: parameter overrides for one run, checked like jiuzhu.toml.

Fushun (抚顺, 抚政办发〔2014〕67号 四（二）, FS-BASIC-4): "低保对象、特困供养人员住院救助比例为 60%，
每人每年最高救助上限为 5000 元". The case below leaves 12,700 yuan of in-scope cost to the person after
basic insurance (in scope 20,000 − basic 7,300), so 60 % is 7,620 yuan: the 5,000 cap binds.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from jiuzhu.cli import cli
from jiuzhu.io.config import parse_set, with_overrides
from jiuzhu.model.errors import InputError
from jiuzhu.rules.engine import Engine

CASE = """
region = "fushun"
[person]
id_number = "210402195604120625"
hukou = "210402004000"
residence = "210402004000"
categories = ["dibao"]
area = "urban"
scheme = "residents"
[facility]
name = "抚顺市中心医院"
level = "city"
ownership = "public"
designations = ["insurance"]
location = "210402"
[episode]
kind = "inpatient"
admitted = 2025-05-06
discharged = 2025-05-15
[bill]
total = "21000.00"
in_scope = "20000.00"
fully_self_paid = "1000.00"
deductible = "700.00"
basic_paid = "7300.00"
"""


@pytest.fixture
def case_file(tmp_path):
    p = tmp_path / "case.toml"
    p.write_text(CASE, encoding="utf-8")
    return p


def test_parse_set_forms():
    assert parse_set("fushun.inpatient_annual_cap=8000") == ("fushun", "inpatient_annual_cap", None, 8000)
    region, name, day, value = parse_set("fushun.inpatient_rate@2026-07-01=0.7")
    assert (region, name, day.isoformat(), value) == ("fushun", "inpatient_rate", "2026-07-01", "0.7")  # exact text
    for bad in ("fushun=8000", "inpatient_annual_cap=8000", "fushun.inpatient_annual_cap", "fushun.x="):
        with pytest.raises(InputError, match="--set"):
            parse_set(bad)
    with pytest.raises(InputError, match="expected a date YYYY-MM-DD"):
        parse_set("fushun.inpatient_rate@2026-13-01=0.7")


def test_cap_binds_then_moves(case_file):
    from jiuzhu.io.loader import load_case
    case = load_case(case_file)
    base = Engine()
    assert base.evaluate(case).settlement.assistance == 500_000  # min(60 % × 12,700, 5,000) = 5,000 yuan
    eng = with_overrides(base, ["fushun.inpatient_annual_cap=8000"])
    assert eng.evaluate(case).settlement.assistance == 762_000  # 60 % × 12,700 = 7,620 < 8,000
    eng = with_overrides(base, ["fushun.inpatient_annual_cap=6000"])
    assert eng.evaluate(case).settlement.assistance == 600_000  # the 6,000 cap binds
    eng = with_overrides(base, ["fushun.inpatient_rate=0.5", "fushun.inpatient_annual_cap=8000"])
    assert eng.evaluate(case).settlement.assistance == 635_000  # 50 % × 12,700 = 6,350
    assert base.evaluate(case).settlement.assistance == 500_000  # the baseline engine is untouched


def test_dated_override_keeps_earlier_values(case_file):
    from jiuzhu.io.loader import load_case
    case = load_case(case_file)  # admitted 2025-05-06
    base = Engine()
    later = with_overrides(base, ["fushun.inpatient_annual_cap@2025-06-01=8000"])
    assert later.evaluate(case).settlement.assistance == 500_000  # before 2025-06-01 the seed's 5,000 still holds
    earlier = with_overrides(base, ["fushun.inpatient_annual_cap@2025-01-01=8000"])
    assert earlier.evaluate(case).settlement.assistance == 762_000
    p = earlier.parameter_set("fushun").params["inpatient_annual_cap"]
    assert [(d.start.isoformat(), d.value) for d in p.values] == [("2014-11-27", 500_000), ("2025-01-01", 800_000)]


def test_cli_evaluate_with_set(case_file):
    res = CliRunner().invoke(cli, ["evaluate", str(case_file), "--format", "json",
                                   "--set", "fushun.inpatient_annual_cap=8000"])
    assert res.exit_code == 0, res.output
    assert "7620.00" in res.output and "5000.00" not in res.output.split('"assistance"')[1][:40]


def test_cli_compare_with_set(case_file):
    res = CliRunner().invoke(cli, ["compare", str(case_file), "--as-is", "--regions", "fushun", "--format", "json",
                                   "--set", "fushun.inpatient_annual_cap=8000"])
    assert res.exit_code == 0, res.output
    assert "7,620.00" in res.output and "5,000.00" not in res.output


@pytest.mark.parametrize("spec, field, expected", [
    ("fushun.inpatient_cap=8000", "--set fushun.inpatient_cap", "inpatient_annual_cap"),
    ("atlantis.cap=8000", "--set atlantis.cap", "unknown region; installed regions: fushun"),
    ("fushun.inpatient_annual_cap=lots", "--set fushun.inpatient_annual_cap", "expected an amount in yuan"),
    ("fushun.inpatient_rate=1.5", "--set fushun.inpatient_rate", "expected a rate between 0 and 1"),
    ("fushun.inpatient_annual_cap", "--set", "expected REGION.PARAM=VALUE"),
])
def test_cli_bad_set_is_one_line(case_file, spec, field, expected):
    res = CliRunner().invoke(cli, ["evaluate", str(case_file), "--set", spec])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and field in lines[0] and expected in lines[0], res.output
    if "cap=8000" in spec and "fushun" in spec:
        assert "did you mean" in lines[0] and "valid: adult_autism_reading" in lines[0]  # the valid names are listed
    assert "Traceback" not in res.output


def test_cli_compare_batch_with_set(tmp_path):
    from jiuzhu.analysis.claims import write_claims
    from jiuzhu.analysis.synth import region_profile, synth_claims
    claims = tmp_path / "c.parquet"
    write_claims(synth_claims(200, 5, 2025, region_profile(Engine().host.region("fushun"))), claims)
    out = {}
    for label, extra in (("base", []), ("zero", ["--set", "fushun.inpatient_annual_cap=0",
                                                 "--set", "fushun.outpatient_annual_cap=0",
                                                 "--set", "fushun.special_outpatient_annual_cap=0"])):
        res = CliRunner().invoke(cli, ["compare", "--batch", str(claims), "--regions", "fushun", "--no-progress",
                                       "--format", "json", *extra])
        assert res.exit_code == 0, res.output
        out[label] = json.loads(res.output)[0]
    assert out["base"]["funds"].get("medical_assistance", 0) > 0
    # every basic-assistance cap at 0 yuan: the basic layers pay nothing (other programs may still pay)
    assert out["zero"]["assistance"] < out["base"]["assistance"]
