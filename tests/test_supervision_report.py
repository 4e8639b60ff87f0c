"""Supervision indicators with the seeds' thresholds, worked by hand, and the report files.

Jingjiang 靖政办发〔2018〕107号 第十条: premiums 400 元/人/年, 市财政 60 %, 镇财政 40 %; 第十一条: at least 90 %
of the premiums paid out; below 80 % or at 110 % and above (「110%以上」) the next year's scheme is adjusted.
Fushun 六（二）: city share of urban funding 7:3 (FS-FUND-1); the balance at most 15 % of the funds
raised in the year (FS-FUND-7).
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from click.testing import CliRunner

from jiuzhu.analysis.report import indicators
from jiuzhu.cli import cli
from jiuzhu.rules.engine import Engine

DAY = dt.date(2025, 6, 30)


def _ind(rows, name):
    return next(r for r in rows if r["indicator"].startswith(name))


@pytest.mark.parametrize("paid_fen, status", [
    (36_000_000, "正常"),          # 360,000 / (1,000 × 400 = 400,000) = 90 %: at the minimum, within range
    (35_999_999, "未达90%"),       # 89.99…%: below 90 % but not below 80 %
    (32_000_000, "未达90%"),       # exactly 80 %: not below the trigger
    (31_999_999, "低于80%"),       # below 80 %: adjust next year
    (43_999_999, "正常"),          # just below 110 %
    (44_000_000, "达到110%以上"),  # exactly 110 %: 「达到…110%以上」 includes it (JJ-AMB-9 A)
    (44_000_001, "达到110%以上"),  # above 110 %: adjust next year
])
def test_jingjiang_payout_ratio(paid_fen, status):
    rows = indicators(Engine(), "jingjiang", DAY, paid_fen, 1000, None)
    assert _ind(rows, "赔付率")["status"].startswith(status)
    city = _ind(rows, "市财政承担")
    assert city["value"] == "240000.00" and city["threshold"] == "60%"  # 400,000 × 60 %
    assert "镇财政 town 160000.00" in city["note"]  # × 40 %
    assert "第十一条" in _ind(rows, "赔付率")["citation"]


def test_jingjiang_without_insured_names_the_input():
    r = _ind(indicators(Engine(), "jingjiang", DAY, 1, None, None), "赔付率")
    assert r["status"].startswith("未计算") and "--insured" in r["note"]


@pytest.mark.parametrize("paid_fen, status", [
    (85_000_000, "正常"),        # (1,000,000 − 850,000) / 1,000,000 = 15 %: at the ceiling
    (84_999_999, "超过结余上限"),  # 15.000001 %: above
    (100_000_001, "超支"),        # more spent than raised
])
def test_fushun_balance_ceiling_and_city_share(paid_fen, status):
    rows = indicators(Engine(), "fushun", DAY, paid_fen, None, 100_000_000)
    assert _ind(rows, "年度结余率")["status"].startswith(status)
    assert "FS-FUND-7" in _ind(rows, "年度结余率")["citation"]
    rows = indicators(Engine(), "fushun", DAY, 10_001, None, None)  # 100.01 yuan × 70 % = 70.007 → 70.00 (floor)
    assert _ind(rows, "城市医疗救助资金市级分担")["value"] == "70.00"
    assert "--funds-raised" in _ind(rows, "年度结余率")["note"]
    # only urban assistance is split 7:3 (「城市医疗救助所需资金由市、县（区）财政按7：3比例分担」); rural is the
    # districts': of 1,000.00 paid, 400.00 urban → city 280.00, district 120.00
    rows = indicators(Engine(), "fushun", DAY, 100_000, None, None, urban_paid=40_000)
    city = _ind(rows, "城市医疗救助资金市级分担")
    assert city["value"] == "280.00" and "区县 district 120.00" in city["note"]


def test_report_files(tmp_path):
    claims = tmp_path / "jj.parquet"
    assert CliRunner().invoke(cli, ["synth", "--n", "300", "--region", "fushun", "--out", str(claims)]).exit_code == 0
    x = tmp_path / "r.xlsx"
    res = CliRunner().invoke(cli, ["report", str(claims), "--region", "fushun", "--funds-raised", "500000",
                                   "--out", str(x)])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(x)
    assert wb.sheetnames == ["总览", "按月", "机构自费", "医疗机构住院自费", "监管指标", "长住院", "高额费用"]
    assert len(wb["按月"]._charts) == 1 and len(wb["机构自费"]._charts) == 1
    assert any("FS-FUND-7" in str(c.value) for row in wb["监管指标"].iter_rows() for c in row)
    h = tmp_path / "r.html"
    res = CliRunner().invoke(cli, ["report", str(claims), "--region", "fushun", "--out", str(h)])
    assert res.exit_code == 0, res.output
    text = h.read_text(encoding="utf-8")
    assert "data:image/png;base64," in text and "监管指标" in text
    res = CliRunner().invoke(cli, ["report", str(claims), "--region", "fushun", "--out", str(tmp_path / "r.pdf")])
    assert res.exit_code == 2 and not (tmp_path / "r.pdf").exists()
    res = CliRunner().invoke(cli, ["report", str(claims), "--region", "fushun", "--funds-raised", "lots",
                                   "--out", str(x)])
    assert res.exit_code == 2 and "--funds-raised" in res.output


def test_jingjiang_strict_reading_of_110_percent_is_not_a_trigger_at_the_bound():
    """JJ-AMB-9 B (amb_high_payout_boundary = strict, 「超过」): exactly 110 % does not trigger. 1,000 insured ×
    400 = 400,000 yuan premiums; 440,000.00 paid = 110 % → within range; 440,000.01 → above, adjust."""
    from jiuzhu.analysis.reform import reform_from_sets
    eng = reform_from_sets(["jingjiang.amb_high_payout_boundary=strict"]).apply(Engine())
    at = _ind(indicators(eng, "jingjiang", DAY, 44_000_000, 1000, None), "赔付率")
    assert at["status"].startswith("正常") and at["threshold"] == "≥ 90%; < 80% 或 > 110% 调整"
    assert _ind(indicators(eng, "jingjiang", DAY, 44_000_001, 1000, None), "赔付率")["status"].startswith("超过110%")
    # the default (A, 「达到…110%以上」) says so in its threshold: at or above 110 %
    assert _ind(indicators(Engine(), "jingjiang", DAY, 44_000_000, 1000, None), "赔付率")["threshold"] == \
        "≥ 90%; < 80% 或 ≥ 110% 调整"


@pytest.mark.parametrize("paid_fen, value, status", [
    # premiums 1,000 × 400 = 400,000.00 yuan = 40,000,000 fen
    (31_999_999, "79.999998%", "低于80%"),  # 319,999.99 / 400,000 = 79.9999975 %: to one place (half up) 80.0 %,
                                            # which would contradict 「低于80%」; up to five places still 80.00000,
                                            # six places 79.999998 keeps it below
    (32_000_000, "80%", "未达90%"),
    (35_999_999, "89.999998%", "未达90%"),  # 89.9999975 %
    (36_000_000, "90%", "正常"),
    (43_999_999, "109.999998%", "正常"),    # 109.9999975 %
    (44_000_000, "110%", "达到110%以上"),
    (30_000_000, "75%", "低于80%"),
    (30_123_456, "75.3%", "低于80%"),       # 75.308640 %: one place is enough
])
def test_jingjiang_payout_value_never_contradicts_its_status(paid_fen, value, status):
    row = _ind(indicators(Engine(), "jingjiang", DAY, paid_fen, 1000, None), "赔付率")
    assert (row["value"], row["status"][:len(status)]) == (value, status)


@pytest.mark.parametrize("paid_fen, raised_fen, value, status", [
    # (1,176,471.00 − 1,000,000.00) / 1,176,471.00; 1,176,471 × 0.15 = 176,470.65, so the
    # ratio is 15 % + 0.35 / 1,176,471 = 15.00002975 %: 15.0 % to one place, 15.00003 % at five
    (100_000_000, 117_647_100, "15.00003%", "超过结余上限"),
    (85_000_000, 100_000_000, "15%", "正常"),                  # exactly 15 %: 「不超过」 includes it
    (84_999_999, 100_000_000, "15.000001%", "超过结余上限"),   # 150,000.01 / 1,000,000 = 15.000001 %
    (100_000_001, 100_000_000, "-0.000001%", "超支"),        # −0.01 / 1,000,000.00 = −0.000001 %: not "-0%"
])
def test_fushun_balance_value_never_contradicts_its_status(paid_fen, raised_fen, value, status):
    row = _ind(indicators(Engine(), "fushun", DAY, paid_fen, None, raised_fen), "年度结余率")
    assert (row["value"], row["status"][:len(status)]) == (value, status)


def test_fushun_balance_is_cumulative_with_the_balance_carried_over():
    """「每年资金累计结余一般应不超过当年筹集资金总额的15%」 (FS-FUND-7; FS-AMB-22 A, the default: the cumulative
    balance at year end — carried over + raised − spent — over the funds raised that year, a warning).
    Carried 100,000.00, raised 1,000,000.00:
      spent 950,000.00 → (100,000 + 1,000,000 − 950,000) / 1,000,000 = 15 %: within;
      spent 949,999.99 → 150,000.01 / 1,000,000 = 15.000001 %: above, a warning (一般应).
    Without the balance carried over only the year's surplus is known: spent 950,000.00 → 5 %, and the note
    names --balance-carried. Reading B (annual_hard): the year's surplus whatever was carried over."""
    raised = 100_000_000
    row = _ind(indicators(Engine(), "fushun", DAY, 95_000_000, None, raised, carried=10_000_000), "年度结余率")
    assert (row["value"], row["status"][:2]) == ("15%", "正常")
    row = _ind(indicators(Engine(), "fushun", DAY, 94_999_999, None, raised, carried=10_000_000), "年度结余率")
    assert row["value"] == "15.000001%" and row["status"].startswith("超过结余上限") and "一般应" in row["status"]
    assert "100000.00" in row["note"]
    row = _ind(indicators(Engine(), "fushun", DAY, 95_000_000, None, raised), "年度结余率")
    assert row["value"] == "5%" and "--balance-carried" in row["note"]
    from jiuzhu.analysis.reform import reform_from_sets
    hard = reform_from_sets(["fushun.balance_reading=annual_hard"]).apply(Engine())
    row = _ind(indicators(hard, "fushun", DAY, 95_000_000, None, raised, carried=10_000_000), "年度结余率")
    assert row["value"] == "5%" and row["status"].startswith("正常")
    row = _ind(indicators(hard, "fushun", DAY, 84_999_999, None, raised, carried=10_000_000), "年度结余率")
    assert row["value"] == "15.000001%" and row["status"].startswith("超过结余上限") and "一般应" not in row["status"]


def test_cli_balance_carried(tmp_path):
    from pathlib import Path
    cases = Path(__file__).resolve().parent / "data" / "reform_fushun"
    claims = tmp_path / "c.parquet"
    assert CliRunner().invoke(cli, ["claims", str(cases), "--out", str(claims)]).exit_code == 0
    # 13,800.00 assisted (tests/test_analysis_round.py); carried 1,000.00, raised 15,000.00:
    # (1,000 + 15,000 − 13,800) / 15,000 = 2,200 / 15,000 = 14.666…% → 14.7 %, within
    res = CliRunner().invoke(cli, ["report", str(claims), "--region", "fushun", "--funds-raised", "15000",
                                   "--balance-carried", "1000", "--out", str(tmp_path / "r.xlsx")])
    assert res.exit_code == 0, res.output
    assert "年度结余率 balance ratio: 14.7%（≤ 15%）正常" in res.output
    res = CliRunner().invoke(cli, ["report", str(claims), "--region", "fushun", "--funds-raised", "15000",
                                   "--balance-carried", "-1", "--out", str(tmp_path / "s.xlsx")])
    assert res.exit_code == 2 and "--balance-carried" in res.output and not (tmp_path / "s.xlsx").exists()
