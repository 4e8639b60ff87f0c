"""Supervision indicators with the seeds' thresholds, worked by hand, and the report files.

Jingjiang 靖政办发〔2018〕107号 第十条: premiums 400 元/人/年, 市财政 60 %, 镇财政 40 %; 第十一条: at least 90 %
of the premiums paid out; below 80 % or above 110 % the next year's scheme is adjusted.
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
    (44_000_000, "超过110%"),      # exactly 110 %: 「达到…110%以上」 includes it (JJ-AMB-9 A)
    (44_000_001, "超过110%"),      # above 110 %: adjust next year
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
