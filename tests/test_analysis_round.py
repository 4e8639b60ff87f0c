"""Reforms, fund and programme totals and the supervision report, worked by hand.

Fushun 抚政办发〔2014〕67号 四（二）(FS-BASIC-4): inpatient assistance is 60 % of the self-paid
compliant cost (in scope − basic insurance paid), at most 5,000 yuan a person a year. Five claims of
four dibao persons (tests/data/reform_fushun), the cap raised to 8,000:

    claim  in scope − basic     60 %    year so far   cap 5,000   cap 8,000   change
    A      8,500 − 4,500 = 4,000  2,400   3,600 paid    1,400       2,400       +1,000
    B      8,500 − 4,500 = 4,000  2,400   —             2,400       2,400            0
    C      20,000 − 5,000 = 15,000 9,000  —             5,000       8,000       +3,000
    E1     10,000 − 4,000 = 6,000 3,600   —             3,600       3,600            0
    E2     8,500 − 4,500 = 4,000  2,400   E1's 3,600    1,400       2,400       +1,000

Baseline 13,800, reform 18,800, cost change +5,000 yuan; better off A, C, E (3), worse off 0,
unchanged B (1). All of it from 医疗救助基金 (六（三）: 「财政部门负责医疗救助基金的筹集、核拨和支付工作」)
and the programme 住院救助.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from jiuzhu.analysis.claims import evaluate_partition, read_claims
from jiuzhu.analysis.reform import reform_from_sets, render, run_reform
from jiuzhu.analysis.report import from_results, indicators, supervision
from jiuzhu.cli import cli
from jiuzhu.rules.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "data" / "reform_fushun"


@pytest.fixture(scope="module")
def claims(tmp_path_factory):
    p = tmp_path_factory.mktemp("hand") / "claims.parquet"
    res = CliRunner().invoke(cli, ["claims", str(CASES), "--out", str(p)])
    assert res.exit_code == 0, res.output
    return p


def test_cap_5000_to_8000_by_hand(claims):
    eng = Engine()
    table, errors = read_claims(claims, sorted(eng.host.regions))
    assert not errors
    reform = reform_from_sets(["fushun.inpatient_annual_cap=8000"])
    res = run_reform(eng, table, "fushun", reform)
    s = res.summary
    hand = {"A": (140_000, 240_000), "B": (240_000, 240_000), "C": (500_000, 800_000), "E1": (360_000, 360_000),
            "E2": (140_000, 240_000)}
    got = dict(zip(res.claims.column("claim_id").to_pylist(),
                   zip(res.claims.column("baseline_assistance_fen").to_pylist(),
                       res.claims.column("reform_assistance_fen").to_pylist())))
    assert got == hand
    # and one by one, as `jiuzhu evaluate` would (E2 carrying E1's 3,600 as the year so far)
    from jiuzhu.io.loader import load_case
    new = reform.apply(Engine())
    for cid, (before, after) in hand.items():
        case = load_case(CASES / f"{cid}.toml")
        if cid == "E2":
            import attrs
            case = attrs.evolve(case, history=attrs.evolve(case.history, ytd={"inpatient_assistance": 360_000}))
        assert (eng.evaluate(case, "fushun").settlement.assistance,
                new.evaluate(case, "fushun").settlement.assistance) == (before, after), cid
    assert s["assistance"] == {"baseline": 1_380_000, "reform": 1_880_000, "change": 500_000}
    assert (s["persons_better_off"], s["persons_worse_off"], s["persons_unchanged"]) == (3, 0, 1)
    assert s["claims_changed"] == 3
    assert s["funds"] == [{"fund": "medical_assistance", "zh": "医疗救助基金", "en": "medical assistance fund",
                           "citation": "抚顺市 · 抚政办发〔2014〕67号 · 六（三） · FS-ADMIN-3",
                           "baseline": 1_380_000, "reform": 1_880_000, "change": 500_000}]
    assert s["programs"] == [{"program": "inpatient_assistance", "zh": "住院救助", "en": "inpatient assistance",
                              "fund": "medical_assistance", "baseline": 1_380_000, "reform": 1_880_000,
                              "change": 500_000}]
    text = render(s)
    assert "变化 cost change +5,000.00 元" in text and "受益 better off: 3 人" in text
    assert "按救助项目 by programme" in text and "住院救助 inpatient_assistance" in text
    assert "program,inpatient_assistance,,,13800.00,18800.00,5000.00" in render(s, "csv")
    # a lower cap (4,000) makes A, C and E worse off: A 400 (4,000 − 3,600), C 4,000, E 3,600 + 400
    s = run_reform(eng, table, "fushun", reform_from_sets(["fushun.inpatient_annual_cap=4000"])).summary
    assert s["assistance"]["change"] == (400 - 1_400) * 100 + (4_000 - 5_000) * 100 + (400 - 1_400) * 100
    assert (s["persons_better_off"], s["persons_worse_off"], s["persons_unchanged"]) == (0, 3, 1)


def test_a_fund_is_labelled_by_itself_not_by_its_last_layer(claims):
    """Fushun's layers 门诊救助, 住院救助 and 重特大疾病救助 all pay from 医疗救助基金: the totals name the fund."""
    eng = Engine()
    table, _ = read_claims(claims, sorted(eng.host.regions))
    _, tots, _ = evaluate_partition(eng, table, ["fushun"])
    assert tots["fushun"]["fund_labels"]["medical_assistance"][:2] == ("医疗救助基金", "medical assistance fund")
    assert tots["fushun"]["layer_labels"]["inpatient_assistance"] == ("住院救助", "inpatient assistance",
                                                                     "medical_assistance")
    # one payer id, two regions, two funds: each region's own name (Wusheng 三（四）, Liujiang 第六条第一款)
    from jiuzhu.analysis.funds import fund_label
    assert fund_label(eng, "wusheng", "relief_fund")[0] == "困难群众救助补助资金"
    assert "WS-PAY-11" in fund_label(eng, "wusheng", "relief_fund")[2]
    assert fund_label(eng, "liujiang", "relief_fund")[0] == "救助供养经费"
    assert fund_label(eng, "wusheng", "guangan_tilt")[0] == "倾斜支付"  # a parent's (Guang'an's) declaration
    assert fund_label(eng, "guangan", "guangan_tilt")[0] == "倾斜支付"  # not 倾斜支付（大病保险…）
    assert fund_label(eng, "jingjiang", "insurer")[0] == "精准医疗救助扶贫保险资金"
    assert fund_label(eng, "fushun", "no_such_fund") == ("no_such_fund", "no_such_fund", "")


def test_zero_denominators_are_not_ratios(claims, tmp_path):
    rows = indicators(Engine(), "fushun", __import__("datetime").date(2025, 6, 30), 100, None, 0)
    bal = next(r for r in rows if r["indicator"].startswith("年度结余率"))
    assert bal["value"] == "" and bal["status"].startswith("不适用")
    rows = indicators(Engine(), "jingjiang", __import__("datetime").date(2025, 6, 30), 100, 0, None)
    pay = next(r for r in rows if r["indicator"].startswith("赔付率"))
    assert pay["value"] == "" and pay["status"].startswith("不适用")
    for opt in (["--funds-raised", "0"], ["--insured", "0"], ["--funds-raised", "0.00"]):
        res = CliRunner().invoke(cli, ["report", str(claims), "--region", "fushun", *opt,
                                       "--out", str(tmp_path / "r.xlsx")])
        assert res.exit_code == 2 and opt[0] in res.output and "%" not in res.output
        assert len(res.output.strip().splitlines()) == 1
        assert not (tmp_path / "r.xlsx").exists()


def test_report_from_results_agrees_with_report_from_claims(claims, tmp_path):
    run = CliRunner().invoke
    res = run(cli, ["compare", "--batch", str(claims), "--regions", "fushun,wusheng", "--out",
                    str(tmp_path / "res.parquet")])
    assert res.exit_code == 0, res.output
    res = run(cli, ["reform", str(claims), "--region", "fushun", "--set", "fushun.inpatient_annual_cap=8000",
                    "--out", str(tmp_path / "reform")])
    assert res.exit_code == 0, res.output
    assert run(cli, ["compare", "--batch", str(claims), "--regions", "fushun", "--out",
                     str(tmp_path / "res.csv")]).exit_code == 0
    eng = Engine()
    table, _ = read_claims(claims, sorted(eng.host.regions))
    direct = supervision(eng, table, "fushun", funds_raised=2_000_000)
    keep = ("claims", "covered", "assistance", "burden", "total", "funds", "months", "facility_levels",
            "long_stays", "high_cost", "indicators")
    from_batch = from_results(eng, table, tmp_path / "res.parquet", "fushun", funds_raised=2_000_000)
    assert {k: from_batch[k] for k in keep} == {k: direct[k] for k in keep}
    base = from_results(eng, table, tmp_path / "reform", "fushun", funds_raised=2_000_000, scenario="baseline")
    assert {k: base[k] for k in keep} == {k: direct[k] for k in keep}
    new = from_results(eng, table, tmp_path / "reform", "fushun", funds_raised=2_000_000)
    assert new["assistance"] == 1_880_000 and new["funds"][0]["amount"] == 1_880_000
    # balance (20,000 − 18,800) / 20,000 = 6 %: within the 15 % ceiling (FS-FUND-7)
    bal = next(r for r in new["indicators"] if r["indicator"].startswith("年度结余率"))
    assert bal["value"] == "6%" and bal["status"].startswith("正常")
    out = tmp_path / "r.xlsx"
    res = run(cli, ["report", str(tmp_path / "reform"), "--claims", str(claims), "--region", "fushun",
                    "--funds-raised", "20000", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "年度结余率 balance ratio: 6%" in res.output
    # results without the claims they came from, or with other claims, or for another region: one line, exit 2
    for args, field in ((["report", str(tmp_path / "res.parquet"), "--region", "fushun"], "--claims"),
                        (["report", str(tmp_path / "res.parquet"), "--claims", str(claims), "--region", "jingjiang"],
                         "--region"),
                        (["report", str(tmp_path / "reform"), "--claims", str(claims), "--region", "wusheng"],
                         "--region"),
                        (["report", str(claims), "--claims", str(claims), "--region", "fushun"], "--claims"),
                        (["report", str(tmp_path / "res.csv"), "--claims", str(claims), "--region", "fushun"],
                         "RESULTS")):
        res = run(cli, [*args, "--out", str(tmp_path / "x.xlsx")])
        assert res.exit_code == 2 and field in res.output and len(res.output.strip().splitlines()) == 1, res.output


def test_report_converts_in_libreoffice(claims, tmp_path):
    """The workbook and the HTML open in LibreOffice (headless) with their figures; the workbook's two
    charts survive LibreOffice's own save."""
    import pypdfium2 as pdfium
    from jiuzhu.paperwork.forms import convert_many
    x, h = tmp_path / "report.xlsx", tmp_path / "report.html"
    for out in (x, h):
        res = CliRunner().invoke(cli, ["report", str(claims), "--region", "fushun", "--funds-raised", "20000",
                                       "--out", str(out)])
        assert res.exit_code == 0, res.output
    pdf_x, = convert_many([x], "pdf", tmp_path / "pdf")
    pdf_h, = convert_many([h], "pdf", tmp_path / "pdfh")
    for pdf in (pdf_x, pdf_h):
        doc = pdfium.PdfDocument(str(pdf))
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        doc.close()
        # the text layer marks a hyphen where a line breaks as U+FFFE; line breaks are whitespace
        flat = re.sub(r"\s+", "", text.replace("\ufffe", "-"))
        assert ("医疗救助基金" in flat, "住院救助" in flat, "FS-FUND-7" in flat) == (True,) * 3, pdf
        # 13,800.00 assistance and a balance of (20,000 − 13,800) / 20,000 = 31 %: above the 15 % ceiling
        assert ("13800" in flat.replace(",", "")) and "31%" in flat and "超过结余上限" in flat
    again, = convert_many([x], "xlsx", tmp_path / "lo")
    wb = openpyxl.load_workbook(again)
    assert len(wb["按月"]._charts) == 1 and len(wb["机构自费"]._charts) == 1
    values = [c.value for row in wb["总览"].iter_rows() for c in row]
    assert "13800.00" in values


def _doc_commands():
    text = (ROOT / "docs" / "analysis.md").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.startswith("    jiuzhu ")]


def test_every_command_in_docs_analysis_runs_as_written(tmp_path, monkeypatch):
    """From a checkout's root (examples/ and plugins/ as shipped), in the order the page gives them."""
    cmds = _doc_commands()
    assert len(cmds) >= 10
    for d in ("examples", "plugins"):
        shutil.copytree(ROOT / d, tmp_path / d, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JIUZHU_CONFIG", raising=False)
    for c in cmds:
        argv = shlex.split(c.split("#")[0])[1:]
        res = CliRunner().invoke(cli, argv)
        assert res.exit_code == 0, f"{c}\n{res.output}"
    snippet = (ROOT / "docs" / "analysis.md").read_text(encoding="utf-8").split("```python")[1].split("```")[0]
    exec(compile(snippet, "docs/analysis.md", "exec"), {})


def test_liujiang_self_pay_by_facility_at_below_and_above_the_alert():
    """第八条 「对异常偏高的医疗机构进行重点核查」 gives no figure; with a deployment's alert of 10 %
    (LJ-SUP-2: a facility strictly above it is flagged):
    甲 two stays, 2,000 of 20,000 out of catalogue = 10 % (at: not flagged); 乙 999 / 10,000 = 9.99 %
    (below); 丙 1,001 / 10,000 = 10.01 % (above: flagged); 丁 outpatient only (not counted); 戊 a stay
    costing 0 (no ratio)."""
    import datetime as dt

    import numpy as np
    import pyarrow as pa
    from jiuzhu.analysis.report import facilities
    names = ["甲医院", "甲医院", "乙医院", "丙医院", "丁医院", "戊医院"]
    table = pa.table({"facility.name": names})
    total = np.array([1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000, 0])
    fully = np.array([150_000, 50_000, 99_900, 100_100, 900_000, 0])
    kind = np.array(["inpatient"] * 4 + ["outpatient", "inpatient"], dtype=object)
    day = dt.date(2025, 6, 30)
    eng = reform_from_sets(["liujiang.self_pay_ratio_alert=0.10"]).apply(Engine())
    rows = {r["facility"]: r for r in facilities(eng, "liujiang", day, table, total, fully, kind)}
    assert set(rows) == {"甲医院", "乙医院", "丙医院", "戊医院"}
    assert list(rows)[:3] == ["丙医院", "甲医院", "乙医院"]  # highest share first
    assert rows["甲医院"]["self_pay"] == 200_000 and rows["甲医院"]["total"] == 2_000_000
    assert rows["甲医院"]["status"].startswith("正常") and rows["乙医院"]["status"].startswith("正常")
    assert rows["丙医院"]["status"].startswith("异常偏高") and "LJ-SUP-2" in rows["丙医院"]["citation"]
    assert rows["戊医院"]["self_pay_ratio"] is None and rows["戊医院"]["status"].startswith("不适用")
    # without a value the facilities are listed, none flagged, and the parameter is named
    rows = facilities(Engine(), "liujiang", day, table, total, fully, kind)
    assert all(r["status"].startswith("未设定") and "self_pay_ratio_alert" in r["status"] for r in rows)
    # a region without such a parameter: monitoring only
    assert all(r["status"] == "" for r in facilities(Engine(), "fushun", day, table, total, fully, kind))


def test_fushun_balance_just_below_the_ceiling_is_within():
    import datetime as dt
    # (1,000,000 − 850,000.01) / 1,000,000 = 14.999999 %: below 15 %
    rows = indicators(Engine(), "fushun", dt.date(2025, 6, 30), 85_000_001, None, 100_000_000)
    assert next(r for r in rows if r["indicator"].startswith("年度结余率"))["status"].startswith("正常")


def test_liujiang_self_pay_by_facility_counts_only_its_tekun_inpatients():
    """第八条 monitors 「特困人员住院自费费用比例」 (LJ-SUP-2: "for 特困 inpatients"). With the alert at 10 %:
    甲 a 特困 stay 500 of 10,000 out of catalogue (5 %) and a dibao stay 9,000 of 10,000 (not 特困, not
    counted): 5 %, within — not (500 + 9,000) / 20,000 = 47.5 %, flagged; 乙 only a dibao stay: not listed."""
    import datetime as dt

    import numpy as np
    import pyarrow as pa
    from jiuzhu.analysis.report import facilities
    table = pa.table({"facility.name": ["甲医院", "甲医院", "乙医院"],
                      "person.categories": ["extreme_poverty", "dibao", "dibao"]})
    total = np.array([1_000_000, 1_000_000, 1_000_000])
    fully = np.array([50_000, 900_000, 900_000])
    kind = np.array(["inpatient"] * 3, dtype=object)
    eng = reform_from_sets(["liujiang.self_pay_ratio_alert=0.10"]).apply(Engine())
    rows = facilities(eng, "liujiang", dt.date(2025, 6, 30), table, total, fully, kind)
    assert [(r["facility"], r["claims"], r["self_pay"], r["total"]) for r in rows] == [("甲医院", 1, 50_000, 1_000_000)]
    assert rows[0]["status"].startswith("正常")


def test_report_refuses_claims_with_the_same_ids_but_other_amounts(claims, tmp_path):
    """Results of the five hand claims (13,800.00 assisted of a total 9,000 + 9,000 + 20,500 + 10,500 + 9,000 =
    58,000) against a claims file whose claim A costs 12,000 instead of 9,000 (in scope 11,000): the ids match, the claims do not;
    a report mixing the two would put the other file's months and facilities beside the results' amounts.
    Refused, one line, exit 2, no file."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    run = CliRunner().invoke
    assert run(cli, ["compare", "--batch", str(claims), "--regions", "fushun", "--out",
                     str(tmp_path / "res.parquet")]).exit_code == 0
    other = pq.read_table(claims)
    for c in ("bill.total_fen", "bill.in_scope_fen"):  # 3,000 more in scope, so the bill still adds up
        col = other.column(c)
        other = other.set_column(other.column_names.index(c), c,
                                 pc.if_else(pc.equal(other.column("claim_id"), "A"), pc.add(col, 300_000), col))
    pq.write_table(other, tmp_path / "other.parquet")
    assert run(cli, ["reform", str(claims), "--region", "fushun", "--set", "fushun.inpatient_annual_cap=8000",
                     "--out", str(tmp_path / "reform")]).exit_code == 0
    out = tmp_path / "r.xlsx"
    for results in (tmp_path / "res.parquet", tmp_path / "reform"):
        res = run(cli, ["report", str(results), "--claims", str(tmp_path / "other.parquet"),
                        "--region", "fushun", "--out", str(out)])
        assert res.exit_code == 2 and "--claims" in res.output and len(res.output.strip().splitlines()) == 1, \
            res.output
        assert not out.exists()
