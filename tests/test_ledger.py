"""Monthly ledgers and itemised claim sheets from many cases: rows, totals, grouping."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st
from openpyxl import load_workbook

from jiuzhu.cli import cli
from jiuzhu.model.errors import InputError
from jiuzhu.model.idcard import make
from jiuzhu.paperwork.ledger import build_ledger, parse_month
from jiuzhu.kit.testing import make_case, make_engine

PARAMS = {"wusheng": {"effective_date": "2025-10-01"}}
HOSPITALS = [("武胜县人民医院", "511622"), ("武胜县中医医院", "511622"), ("广安市人民医院", "511602")]
# even case numbers live in 中心镇, odd ones in 乐善镇 (code and address text agree)
TOWNSHIPS = [("511622101000", "中心镇桂花村3组"), ("511622104000", "乐善镇某村")]


def case(i: int, total_fen: int, hospital: int, day: dt.date, kind: str = "inpatient"):
    name, loc = HOSPITALS[hospital]
    total = Decimal(total_fen) / 100
    basic = (total * Decimal("0.6")).quantize(Decimal("0.01"))
    hukou, address = TOWNSHIPS[i % 2]
    return make_case({
        "id": f"L-{i:03d}",
        "person": {"name": f"对象{i}", "id_number": make("511622", dt.date(1940 + i % 30, 1 + i % 12, 1 + i % 27), i),
                   "hukou": hukou, "hukou_address": address},
        "facility": {"name": name, "location": loc},
        "episode": {"kind": kind, "admitted": (day - dt.timedelta(days=0 if kind != "inpatient" else 5)).isoformat(),
                    "discharged": day.isoformat()},
        "bill": {"total": str(total), "in_scope": str(total), "basic_paid": str(basic)},
    })


@pytest.fixture(scope="module")
def month_cases():
    cases = [case(i, 100_00 * (i + 3) + i * 37, i % 3, dt.date(2026, 3, 1 + i)) for i in range(24)]
    # other months must stay out
    cases += [case(100 + i, 5000_00, i % 3, d) for i, d in enumerate([dt.date(2026, 2, 28), dt.date(2026, 4, 1)])]
    return cases


def sheet_rows(ws):
    """(first, last) rows of the data block: from row 4 to the row before 合计."""
    last = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "合计") - 1
    return 4, last


def column_total(ws, col, first, last) -> int:
    return sum(int(round(Decimal(str(ws[f"{col}{r}"].value)) * 100)) for r in range(first, last + 1))


def test_ledger_of_a_month(month_cases, tmp_path):
    eng = make_engine(parameters=PARAMS)
    out = tmp_path / "ledger.xlsx"
    sums = build_ledger(eng, month_cases, "wusheng", "2026-03", out, today=dt.date(2026, 4, 3))
    wb = load_workbook(out)
    in_march = [c for c in month_cases if c.episode.discharged.month == 3]
    assert len(in_march) == 24
    inside = [c for c in in_march if c.facility.location == "511622"]
    outside = [c for c in in_march if c.facility.location != "511622"]
    assert len(inside) == 16 and len(outside) == 8
    titles = wb.sheetnames
    # attachment 3: one claim sheet per hospital; 4 (out-of-county sheet), 5 and 6 (ledgers): one per township
    assert titles == ["附件3-武胜县人民医院", "附件3-武胜县中医医院", "附件4-中心镇", "附件4-乐善镇",
                      "附件5-中心镇", "附件5-乐善镇", "附件6-中心镇", "附件6-乐善镇"]
    for title, hospital in (("附件3-武胜县人民医院", "武胜县人民医院"), ("附件3-武胜县中医医院", "武胜县中医医院")):
        ws = wb[title]
        mine = [c for c in inside if c.facility.name == hospital]
        first, last = sheet_rows(ws)
        assert last - first + 1 == len(mine) == 8
        assert [ws[f"B{r}"].value for r in range(first, last + 1)] == [c.person.name for c in mine]
        assert [ws[f"A{r}"].value for r in range(first, last + 1)] == list(range(1, 9))
        assert ws[f"H{last + 1}"].value == f"=SUM(H{first}:H{last})"
        assert ws[f"K{last + 1}"].value == f"=SUM(K{first}:K{last})"
        assert column_total(ws, "H", first, last) == sum(c.bill.total for c in mine)
        assert hospital in ws["A2"].value and "2026年4月3日" in ws["A2"].value
        assert "医疗机构负责人签字（盖章）" in ws.cell(last + 3, 1).value
        s = next(x for x in sums if x.title == title)
        assert s.totals["H"] == sum(c.bill.total for c in mine)
        assert s.totals["J"] == sum(c.bill.total - c.bill.basic_paid for c in mine)
    # out of county: cases 2, 5, 8 … 23 (i % 3 == 2); even ones 2, 8, 14, 20 in 中心镇, odd ones in 乐善镇
    for town, parity in (("中心镇", 0), ("乐善镇", 1)):
        ws = wb[f"附件4-{town}"]
        mine = [c for c in outside if int(c.id[2:]) % 2 == parity]
        first, last = sheet_rows(ws)
        assert last - first + 1 == len(mine) == 4
        assert f"填报乡镇：{town}" in ws["A2"].value
        assert column_total(ws, "J", first, last) == sum(c.bill.total for c in mine)
        assert column_total(ws, "L", first, last) == sum(c.bill.total - c.bill.basic_paid for c in mine)
        assert ws[f"L{last + 1}"].value == f"=SUM(L{first}:L{last})"
        assert all(ws[f"E{r}"].value.startswith(f"四川省广安市武胜县{town}") for r in range(first, last + 1))
    # in county: 16 cases, 8 per township (0, 4, 6, 10, 12, 16, 18, 22 are even)
    ws = wb["附件5-中心镇"]
    first, last = sheet_rows(ws)
    assert last - first + 1 == 8 and ws[f"B{last + 1}"].value == f"=COUNTA(B{first}:B{last})"
    assert "填报乡镇：中心镇" in ws["A2"].value
    assert "此表数据为累计数据" in ws.cell(last + 3, 1).value
    # merged title and footer survive the row insertion
    assert any(str(m) == f"A{last + 3}:L{last + 3}" for m in ws.merged_cells.ranges)
    assert any(str(m) == "A1:L1" for m in ws.merged_cells.ranges)


def test_empty_month_keeps_blank_sheets(month_cases, tmp_path):
    eng = make_engine(parameters=PARAMS)
    sums = build_ledger(eng, month_cases, "wusheng", "2025-11", tmp_path / "l.xlsx")
    assert all(s.rows == 0 for s in sums)
    ws = load_workbook(tmp_path / "l.xlsx")["附件4"]
    assert ws["B4"].value is None and ws["A5"].value == "合计"


def test_in_county_ledger_lists_inpatient_stays_only(tmp_path):
    """附件5 is 「县域内住院就医及转诊台账」: an outpatient visit at the county hospital is not on it."""
    eng = make_engine(parameters=PARAMS)
    stay = case(0, 3000_00, 0, dt.date(2026, 3, 10))
    visit = case(2, 200_00, 0, dt.date(2026, 3, 12), kind="outpatient")  # also in 中心镇
    sums = build_ledger(eng, [stay, visit], "wusheng", "2026-03", tmp_path / "l.xlsx")
    five = next(s for s in sums if s.form_id == "attachment_5")
    assert (five.title, five.rows) == ("附件5-中心镇", 1)
    ws = load_workbook(tmp_path / "l.xlsx")["附件5-中心镇"]
    assert ws["B4"].value == "对象0" and ws["A5"].value == "合计"


def test_hospital_claim_sheet_lists_stays_and_special_outpatient_treatment_not_ordinary_visits(tmp_path):
    """附件3 is 「医院申报结算特困人员住院就医个人自付费用救助明细表」: inpatient stays, and 三（三）2.'s
    「门诊放化疗、血液透析…参照县域内住院费用结算办理」 special outpatient treatment; an ordinary outpatient
    visit is 「医保报销后剩余部分自理」 and is not declared. By hand at 武胜县人民医院: the stay 3 000.00 and the
    dialysis 800.00 are listed, total 3 800.00; the 200.00 visit is not."""
    eng = make_engine(parameters=PARAMS)
    stay = case(0, 3000_00, 0, dt.date(2026, 3, 10))
    dialysis = case(4, 800_00, 0, dt.date(2026, 3, 20), kind="special_outpatient")
    visit = case(2, 200_00, 0, dt.date(2026, 3, 12), kind="outpatient")
    sums = build_ledger(eng, [stay, dialysis, visit], "wusheng", "2026-03", tmp_path / "l.xlsx")
    three = next(s for s in sums if s.form_id == "attachment_3")
    assert (three.title, three.rows) == ("附件3-武胜县人民医院", 2)
    ws = load_workbook(tmp_path / "l.xlsx")["附件3-武胜县人民医院"]
    assert [ws["B4"].value, ws["B5"].value, ws["A6"].value] == ["对象0", "对象4", "合计"]
    assert column_total(ws, "H", 4, 5) == 3800_00


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10_000_000), min_size=1, max_size=6))
def test_totals_equal_sum_of_rows(amounts):
    import tempfile
    from pathlib import Path
    eng = make_engine(parameters=PARAMS)
    cases = [case(i, a, 0, dt.date(2026, 5, 10)) for i, a in enumerate(amounts)]
    with tempfile.TemporaryDirectory() as d:
        sums = build_ledger(eng, cases, "wusheng", "2026-05", Path(d) / "l.xlsx")
        ws = load_workbook(Path(d) / "l.xlsx")["附件3-武胜县人民医院"]
        first, last = sheet_rows(ws)
        assert column_total(ws, "H", first, last) == sum(amounts)
    assert next(s for s in sums if s.form_id == "attachment_3").totals["H"] == sum(amounts)


@pytest.mark.parametrize("bad", ["2026-13", "2026/03", "26-03", "march"])
def test_bad_month(bad):
    with pytest.raises(InputError, match="month: expected a month YYYY-MM"):
        parse_month(bad)


def test_cli_ledger(tmp_path):
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    cfg = tmp_path / "jiuzhu.toml"
    cfg.write_text('[parameters.wusheng]\neffective_date = 2025-10-01\n', encoding="utf-8")
    out = tmp_path / "l.xlsx"
    res = CliRunner().invoke(cli, ["--config", str(cfg), "ledger", str(root / "examples/wusheng-in-county.toml"),
                                   "--region", "wusheng", "--month", "2026-03", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert re.search(r"附件3-武胜县人民医院\t1 人 rows\tH=12000.00", res.output)
    assert load_workbook(out)["附件3-武胜县人民医院"]["B4"].value == "李德明"
    res = CliRunner().invoke(cli, ["--config", str(cfg), "ledger", str(root / "examples/wusheng-in-county.toml"),
                                   "--region", "wusheng", "--month", "2026-3x", "--out", str(out)])
    assert res.exit_code == 2 and "month: expected a month YYYY-MM" in res.output
