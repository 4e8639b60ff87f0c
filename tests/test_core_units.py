import datetime as dt
import json
from fractions import Fraction

import pytest
from click.testing import CliRunner

from jiuzhu.model import idcard
from jiuzhu.cli import cli
from jiuzhu.model.errors import CalendarError, InputError, MissingParameter
from jiuzhu.model.money import capital_yuan, to_fen, yuan
from jiuzhu.rules.params import ParameterSet
from jiuzhu.rules.signature import resolve
from jiuzhu.kit.testing import make_case
from jiuzhu.rules.workdays import WorkCalendar


def test_id_number_facts():
    # 11010519491231002X is the standard's own example: born 1949-12-31, female (sequence 002)
    assert idcard.problem("11010519491231002X") is None
    assert idcard.sex("11010519491231002X") == "female"
    assert idcard.age_on("11010519491231002X", dt.date(2026, 12, 30)) == 76
    assert idcard.age_on("11010519491231002X", dt.date(2026, 12, 31)) == 77
    assert idcard.problem("110105194912310021") == "check digit is 1, expected X"


def test_money_exact():
    assert to_fen("1234.56") == 123456 and to_fen(0.1) == 10 and yuan(5) == "0.05"
    with pytest.raises(InputError):
        to_fen("1.234")


@pytest.mark.parametrize("fen,text", [(123450, "壹仟贰佰叁拾肆元伍角整"), (100000000, "壹佰万元整"),
                                      (1000501, "壹万零伍元零壹分"), (0, "零元整"), (7, "柒分")])
def test_capital_numerals(fen, text):
    assert capital_yuan(fen) == text


PARAMS = {
    "cap": {"unit": "yuan", "label": "封顶线", "rule": "X-1", "values": [
        {"from": "2020-01-01", "value": "5000", "article": "第一条"},
        {"from": "2026-01-01", "value": "6000", "article": "第一条（修订）"}]},
    "segments": {"unit": "segments", "required": True, "label": "大病保险分段"},
}


def test_dated_parameters_pick_value_in_force():
    ps = ParameterSet.load(PARAMS, "x", "某地", "某文件")
    assert ps.at(dt.date(2025, 12, 31))["cap"] == 500000
    assert ps.at(dt.date(2026, 1, 1))["cap"] == 600000
    assert ps.at(dt.date(2026, 1, 1)).cite("cap").article == "第一条（修订）"


def test_missing_deployment_parameter_names_itself():
    ps = ParameterSet.load(PARAMS, "x", "某地", "某文件")
    with pytest.raises(MissingParameter, match=r"parameters\.x\.segments .*required deployment parameter"):
        ps.at(dt.date(2026, 1, 1))["segments"]
    ps2 = ps.override({"segments": [{"from": "0", "to": "10000", "rate": "0.5"}, {"from": "10000", "rate": "0.6"}]}, "某地")
    assert ps2.at(dt.date(2026, 1, 1))["segments"] == ((0, 1000000, Fraction(1, 2)), (1000000, None, Fraction(3, 5)))
    assert "deployment" in ps2.at(dt.date(2026, 1, 1)).cite("segments").document


def test_working_days_follow_official_calendar():
    cal = WorkCalendar()
    # 2025-09-30 (Tue) + 3 working days: Oct 1–8 is the National Day holiday, Oct 11 (Sat) a swapped workday
    assert cal.add_working_days(dt.date(2025, 9, 30), 1) == dt.date(2025, 10, 9)
    assert cal.add_working_days(dt.date(2025, 9, 30), 3) == dt.date(2025, 10, 11)


def test_regional_holiday_and_unknown_year():
    cal = WorkCalendar().with_holidays([dt.date(2026, 4, 20)])
    assert not cal.is_workday(dt.date(2026, 4, 20))
    with pytest.raises(CalendarError, match="2031"):
        WorkCalendar().add_working_days(dt.date(2031, 3, 1), 2)
    assert WorkCalendar(known_years=[2031]).add_working_days(dt.date(2031, 3, 7), 1) == dt.date(2031, 3, 10)


def test_signature_rank_walk():
    case = make_case({"person": {"has_full_capacity": False, "support_mode": "institutional", "institution": "某敬老院",
                                 "guardian": {"name": "甲", "present": False}, "agents": [{"name": "乙", "able": False}]}})
    rank, role, name, passed = resolve(case.person)
    assert (rank, role, name) == (4, "institution_head", "某敬老院")
    assert [p.rank for p in passed] == [1, 2, 3]


def test_evaluate_json_output_schema_fields(tmp_path):
    f = tmp_path / "c.json"
    from jiuzhu.kit.testing import BASE, merge
    f.write_text(json.dumps(merge(BASE, {"person": {"hukou": "210402000000", "categories": ["dibao"]}}),
                            ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(cli, ["evaluate", str(f), "--region", "fushun", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out) >= {"schema_version", "region", "eligibility", "referral", "signature", "settlement", "documents",
                        "deadlines", "citations"}
    assert out["settlement"]["total"] == "10000.00"


def test_config_selects_region_and_parameters(tmp_path, monkeypatch):
    (tmp_path / "jiuzhu.toml").write_text('region = "wusheng"\n[parameters.wusheng]\neffective_date = 2025-10-01\n',
                                          encoding="utf-8")
    from jiuzhu.kit.testing import BASE
    (tmp_path / "c.json").write_text(json.dumps(BASE, ensure_ascii=False), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JIUZHU_CONFIG", raising=False)
    res = CliRunner().invoke(cli, ["evaluate", "c.json", "--format", "json", "--as-of", "2025-09-30"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    # Wusheng's plan is not in force on 2025-09-30 (its section says so); the outcome's own verdict is that of
    # the region that still applies, Guang'an (the parent is composed by default)
    sections = {r["region"]: r for r in out["regions"]}
    assert out["region"] == "wusheng" and sections["wusheng"]["referral"]["verdict"] == "not_applicable"
    assert out["referral"]["verdict"] == sections["guangan"]["referral"]["verdict"]


def test_rules_command_lists_every_rule():
    res = CliRunner().invoke(cli, ["rules", "fushun", "--format", "json"])
    assert res.exit_code == 0, res.output
    ids = [r["id"] for r in json.loads(res.output)]
    assert "FS-BASIC-1" in ids and len(ids) == len(set(ids))


def test_example_in_readme_runs():
    from pathlib import Path
    root = Path(__file__).resolve().parents[1] / "examples"
    res = CliRunner().invoke(cli, ["--config", str(root / "jiuzhu.toml"), "evaluate",
                                   str(root / "wusheng-in-county.toml"), "--explain"])
    assert res.exit_code == 0, res.output
    assert "困难群众救助补助资金" in res.output
