"""Every form of the five regions is filled from a case, reopened and checked."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from jiuzhu.cli import cli
from jiuzhu.model.errors import JiuzhuError
from jiuzhu.paperwork.forms import (Day, Money, TemplateError, convert, need_for, region_forms, render_docx, render_need,
                          render_xlsx, standard_context)
from jiuzhu.model.outcome import DocumentNeed
from jiuzhu.kit.testing import make_case, make_engine

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 4, 3)
PARAMS = {"wusheng": {"effective_date": "2025-10-01"}, "liujiang": {"effective_date": "2025-10-01", "high_value_threshold": "1000"}}

CASE = {
    "id": "T-001",
    "person": {"name": "王秀英", "id_number": "511622195203120315", "hukou": "511622104000",
               "residence": "511622104000", "village_committee": "某村民委员会",
               "caregiver": {"name": "王小红", "relation": "侄女"}},
    "facility": {"name": "武胜县人民医院", "location": "511622"},
    "episode": {"admitted": "2026-03-02", "discharged": "2026-03-12", "diagnoses": ["J44.1"],
                "path": [{"kind": "first_contact", "to": "武胜县人民医院", "on": "2026-03-02",
                          "actions": [{"kind": "approval", "by": "township", "on": "2026-03-01"}]}]},
    "bill": {"total": "12000.00", "in_scope": "10500.00", "first_self_paid": "600.00", "over_limit": "100.00",
             "fully_self_paid": "800.00", "deductible": "400.00", "basic_paid": "7875.00", "assistance_paid": "1800.00",
             "items": [{"name": "进口止血材料", "amount": "800.00", "proposer": "主治医生"}]},
}

# What each form must show once filled: filled values and its signature/seal blocks.
SIGN = ["经办人", "盖章", "年", "月", "日"]
EXPECT = {
    "wusheng": {
        "attachment_1": ["武胜县特困人员县域内住院就医救助", "申请审批表", "申请书", "乡镇审核意见", "审核意见",
                         "王秀英", "511622195203120315", "武胜县人民医院", "年龄73岁", "性别男", "审批人", "申请人", "代办人",
                         "注：1.本表一式一份"] + SIGN,
        "attachment_2": ["武胜县特困人员县域外住院就医救助申请审批表", "王秀英", "511622195203120315", "1952年3月12日",
                         "武胜县人民医院", "2026年3月2日", "2026年3月12日", "12000.00元", "9675.00元", "2325.00元",
                         "申请（承诺）人签字", "审核人签字", "乡镇盖章", "县民政局", "审批意见", "注：1.本表一式一份"] + SIGN,
    },
    "liujiang": {
        "attachment_1": ["柳江区特困人员外出就医备案表", "王秀英", "511622195203120315", "分散供养",
                                   "某村民委员会", "武胜县人民医院", "王小红", "侄女", "民政局备案意见", "审批人",
                                   "24小时内"] + SIGN,
        "attachment_3": ["柳江区特困人员自费项目使用知情同意书", "王秀英", "进口止血材料", "800.00", "捌佰元整",
                             "主治医生", "签字人", "初审", "民政备案", "60000", "审核人"] + SIGN,
        "attachment_4": ["柳江区特困人员重大治疗评估备案表", "王秀英", "第三方专家", "主治医生",
                                       "民政局备案意见", "审批人", "第十条"] + SIGN,
    },
    "jingjiang": {
        "claim_materials": ["靖江市医疗救助转诊报销材料清单", "王秀英", "身份证正反两面复印件", "银行卡正反两面复印件",
                                     "出院小结", "基本医疗保险结算单", "精准医疗结算单", "审核人", "第二十四条"] + SIGN,
        "settlement_slip": ["靖江市精准医疗救助结算单", "王秀英", "12000.00", "7875.00", "支付方", "救助比例",
                            "本次救助金额合计", "大写", "审核人"] + SIGN,
    },
    "guangan": {
        "tfpl_agreement": ["先诊疗后付费", "协议书", "甲方", "乙方", "王秀英", "511622195203120315",
                                  "武胜县人民医院", "无需交纳住院押金", "结清个人承担的费用", "乙方签字"] + SIGN[2:],
    },
    "fushun": {
        "assistance_settlement": ["抚顺市医疗救助申请审批表", "王秀英", "511622195203120315", "12000.00元",
                                   "7875.00元", "基本医疗救助", "大病医疗救助", "大写", "审批人", "县（区）民政局"] + SIGN,
    },
}


def docx_text(path: Path) -> str:
    d = Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            for c in row.cells:
                parts += [p.text for p in c.paragraphs]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def engine():
    return make_engine(parameters=PARAMS)


@pytest.fixture(scope="module")
def case():
    return make_case(CASE)


@pytest.mark.parametrize("region,form_id", [(r, f) for r, fs in EXPECT.items() for f in fs])
def test_word_form_is_filled_and_signable(engine, case, tmp_path, region, form_id):
    outcome = engine.evaluate(case, region)
    spec = region_forms(engine, region)[form_id]
    path = render_need(engine, case, outcome, need_for(spec), tmp_path, today=TODAY)
    text = docx_text(path)
    assert "{{" not in text and "{%" not in text
    missing = [s for s in EXPECT[region][form_id] if s not in text]
    assert not missing, f"{form_id} lacks {missing}"


def test_every_manifest_form_is_tested_or_a_sheet(engine):
    for region in ("wusheng", "liujiang", "jingjiang", "guangan", "fushun"):
        for fid, spec in region_forms(engine, region).items():
            assert fid in EXPECT.get(region, {}) or spec.kind == "xlsx", f"{region}/{fid} has no check"


def test_wusheng_has_its_six_attachments(engine):
    forms = region_forms(engine, "wusheng")
    assert [forms[f"attachment_{i}"].source for i in range(1, 7)] == [f"附件{i}" for i in range(1, 7)]
    assert {forms[f"attachment_{i}"].kind for i in (3, 4, 5, 6)} == {"xlsx"}


SHEET_ROW = {
    # form: (column heads that must appear, {column letter: expected value in the case's row})
    "attachment_3": (["序号", "姓名", "身份证号码", "住院总费用（元）", "医院申请结算费用（元）", "备注"],
                     {"A": 1, "B": "王秀英", "C": "男", "D": "511622195203120315", "F": "2026-03-02", "G": "2026-03-12",
                      "H": 12000, "I": 9675, "J": 2325}, "医疗机构负责人签字（盖章）"),
    "attachment_4": (["县域外住院原因", "治疗医院", "个人自付费用（元）"],
                     {"B": "王秀英", "G": "武胜县人民医院", "J": 12000, "K": 9675, "L": 2325}, "乡镇负责人签字（盖章）"),
    "attachment_5": (["散居/集中", "首诊签署\n医院", "转诊\n医院", "联系人及电话"],
                     {"B": "王秀英", "F": "散居", "G": "武胜县人民医院", "H": "2026-03-02"}, "乡镇负责人签字（盖章）"),
    "attachment_6": (["转诊县域内医院", "转至县域外医院报备时间", "联系人及电话"],
                     {"B": "王秀英", "F": "散居", "G": "武胜县人民医院", "M": "王小红 "}, "乡镇负责人签字（盖章）"),
}


@pytest.mark.parametrize("form_id", sorted(SHEET_ROW))
def test_wusheng_sheets_filled_from_one_case(engine, case, tmp_path, form_id):
    outcome = engine.evaluate(case, "wusheng")
    spec = region_forms(engine, "wusheng")[form_id]
    path = render_need(engine, case, outcome, need_for(spec), tmp_path, today=TODAY)
    ws = load_workbook(path).active
    heads, row, sign = SHEET_ROW[form_id]
    assert [h for h in heads if h not in [c.value for c in ws[3]]] == []
    for col, want in row.items():
        got = ws[f"{col}4"].value
        assert (float(got) == want) if isinstance(want, int) else got == want, (col, got, want)
    text = " ".join(str(c.value) for r in ws.iter_rows() for c in r if c.value is not None)
    assert sign in text and "2026年4月3日" in text and "{{" not in text
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.orientation == "landscape"
    if form_id in ("attachment_3", "attachment_4"):
        col = "H" if form_id == "attachment_3" else "J"
        assert ws["A5"].value == "合计" and ws[f"{col}5"].value == f"=SUM({col}4:{col}4)"
    if form_id == "attachment_3":
        assert ws["A1"].value.startswith("武胜县人民医院申报结算")  # no doubled county name


def test_region_data_extras_reach_the_form(engine, case, tmp_path):
    outcome = engine.evaluate(case, "wusheng")
    need = DocumentNeed("attachment_2", "县域外", data={"reason": "县内无法开展介入手术", "household_size": 1,
                                                      "phone": "13800000000", "hukou_address": "武胜县沿口镇某村"})
    text = docx_text(render_need(engine, case, outcome, need, tmp_path))
    for s in ("县内无法开展介入手术", "13800000000", "武胜县沿口镇某村"):
        assert s in text


def test_standard_context_amounts_and_dates(engine, case):
    outcome = engine.evaluate(case, "wusheng")
    ctx = standard_context(case, outcome, today=TODAY)
    assert str(ctx["bill"]["total"]) == "12000.00" and ctx["bill"]["total"].capital == "壹万贰仟元整"
    assert ctx["self_pay"] == Money(12000_00 - 7875_00 - 1800_00)
    assert ctx["person"]["sex"] == "男" and ctx["person"]["age"] == 73
    assert Day(dt.date(2026, 3, 2)).zh == "2026年3月2日"
    assert ctx["episode"]["scope"] == "in_county"


def _doc_with(tmp_path, text) -> Path:
    d = Document()
    d.add_paragraph(text)
    p = tmp_path / "custom.docx"
    d.save(p)
    return p


def test_unknown_placeholders_are_listed(engine, case, tmp_path):
    outcome = engine.evaluate(case, "wusheng")
    tpl = _doc_with(tmp_path, "{{ person.nam }} {{ persn.name }} {{ data.reason }} {{ data.ok | default('') }} {{ person.name }}")
    ctx = standard_context(case, outcome)
    with pytest.raises(TemplateError) as e:
        render_docx(tpl, ctx, tmp_path / "out.docx")
    msg = str(e.value)
    assert "person.nam" in msg and "persn" in msg and "data.reason" in msg and "data.ok" not in msg
    assert "\n" not in msg and not (tmp_path / "out.docx").exists()


def test_unknown_placeholders_in_excel(engine, case, tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    wb.active["A1"] = "{{ sheet.facility }}"
    wb.active["A2"] = "{{ row.person.nmae }}"
    p = tmp_path / "t.xlsx"
    wb.save(p)
    outcome = engine.evaluate(case, "wusheng")
    ctx = standard_context(case, outcome)
    with pytest.raises(TemplateError, match=r"row\.person\.nmae"):
        render_xlsx(p, {"sheet": {"facility": "x"}}, [ctx], tmp_path / "o.xlsx")


def test_county_template_override(case, tmp_path):
    tpl = _doc_with(tmp_path, "某县自定义申请表 {{ person.name }} {{ bill.total.capital }}")
    eng = make_engine({"templates": {"wusheng": {"attachment_1": str(tpl)}}}, parameters=PARAMS)
    outcome = eng.evaluate(case, "wusheng")
    spec = region_forms(eng, "wusheng")["attachment_1"]
    assert spec.overridden
    text = docx_text(render_need(eng, case, outcome, need_for(spec), tmp_path / "o"))
    assert "某县自定义申请表 王秀英 壹万贰仟元整" in text


def test_override_file_missing_is_a_clear_error(case, tmp_path):
    eng = make_engine({"templates": {"wusheng": {"attachment_1": str(tmp_path / "nope.docx")}}}, parameters=PARAMS)
    with pytest.raises(TemplateError, match=r"templates\.wusheng\.attachment_1: template file not found"):
        region_forms(eng, "wusheng")


def test_cli_forms_writes_every_form_of_the_chain(tmp_path):
    cfg = tmp_path / "jiuzhu.toml"
    cfg.write_text('region = "wusheng"\n[parameters.wusheng]\neffective_date = 2025-10-01\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["--config", str(cfg), "forms", str(ROOT / "examples/wusheng-in-county.toml"),
                                   "--out", str(tmp_path / "out"), "--all"])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted([f"WS-EX-001-attachment_{i}.{'docx' if i < 3 else 'xlsx'}" for i in range(1, 7)]
                           + ["WS-EX-001-tfpl_agreement.docx"])  # Guang'an is Wusheng's parent
    assert "李德明" in docx_text(tmp_path / "out" / "WS-EX-001-attachment_1.docx")


def test_cli_forms_unknown_form(tmp_path):
    res = CliRunner().invoke(cli, ["forms", str(ROOT / "examples/wusheng-in-county.toml"), "--region", "fushun",
                                   "--out", str(tmp_path), "--form", "nope"])
    assert res.exit_code == 2 and "unknown form 'nope'" in res.output


def test_pdf_without_libreoffice_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(JiuzhuError, match="fonts-noto-cjk") as e:
        convert(tmp_path / "x.docx")
    assert "LibreOffice" in str(e.value)


# -- names, not codes ----------------------------------------------------------------------------


def test_divisions_table_names_the_seed_counties():
    from jiuzhu.model.divisions import county_name, full_name, source
    # GB/T 2260: 511622 武胜县 (广安市, 四川省), 450206 柳江区, 210400 抚顺市, 321282 靖江市
    assert full_name("511622104000") == "四川省广安市武胜县"
    assert county_name("450206") == "柳江区" and full_name("210400") == "辽宁省抚顺市"
    assert full_name("321282") == "江苏省泰州市靖江市"
    assert full_name("999999") == "" and "source:" in source() and "generated:" in source()


@pytest.mark.parametrize("code,address,printed", [
    ("511622104000", "乐善镇某村3组", "四川省广安市武胜县乐善镇某村3组"),
    ("511622104000", "武胜县乐善镇某村", "四川省广安市武胜县乐善镇某村"),  # the county is not repeated
    ("511622104000", "四川省广安市武胜县乐善镇", "四川省广安市武胜县乐善镇"),
    ("511622104000", "", "四川省广安市武胜县（511622104000）"),  # no township name known: the code stays
    ("511622", "", "四川省广安市武胜县"),
    ("999999104000", "某镇", "某镇"),  # a code the table lacks: the case's own text, never the code instead
])
def test_place_prints_names_and_keeps_what_the_case_gave(code, address, printed):
    from jiuzhu.model.divisions import place
    assert place(code, address) == printed


@pytest.mark.parametrize("address,township,village", [
    ("中心镇某村", "中心镇", "某村"),
    ("四川省广安市武胜县中心镇某村", "中心镇", "某村"),
    # 市 and 区 inside names below the county are not a county: 新市村, 市场村, 工业园区, 新市镇
    ("中心镇新市村", "中心镇", "新市村"),
    ("烈面镇市场村3组", "烈面镇", "市场村"),
    ("沿口镇工业园区3组", "沿口镇", ""),
    ("武胜县新市镇某村", "新市镇", "某村"),
    ("广安市武胜县城区街道某社区", "城区街道", "某社区"),
    ("重庆市渝中区解放碑街道某社区", "解放碑街道", "某社区"),
    ("武胜县", "", ""),
])
def test_township_and_village_from_the_address_text(address, township, village):
    from jiuzhu.model.divisions import township_of, village_of
    assert (township_of(address), village_of(address)) == (township, village)


def test_context_prints_names_for_places_diagnoses_and_payers(engine):
    c = make_case({**CASE, "person": {**CASE["person"], "hukou_address": "乐善镇某村3组", "residence_address": "乐善镇某村3组"},
                   "episode": {**CASE["episode"], "diagnoses": [{"code": "J44.1", "name": "慢性阻塞性肺疾病急性加重"},
                                                               "N18.5", "X99"]}})
    ctx = standard_context(c, engine.evaluate(c, "jingjiang"))
    p = ctx["person"]
    assert p["hukou_address"] == p["residence_address"] == "四川省广安市武胜县乐善镇某村3组"
    assert p["hukou_township"] == "乐善镇" and ctx["township"] == "乐善镇"
    # the hospital's name; else the seed's condition name (N18.5 → 尿毒症; X99, an assault by a sharp object,
    # is in the external-cause block X85-Y09)
    assert ctx["episode"]["diagnoses"] == "慢性阻塞性肺疾病急性加重、尿毒症、他人加害（外因 X85-Y09）"
    payers = {l["payer_id"]: l["payer"] for l in ctx["layers_list"]}
    assert payers["basic_insurance"] == "基本医疗保险统筹基金"
    assert all(re.search("[\u4e00-\u9fff]", zh) for zh in payers.values()), payers


def test_slip_payers_print_no_computed_base_or_rate(engine):
    """Payers taken from the settlement slip were not computed here: their 计算基数 and 救助比例 cells
    stay blank (a base of 0.00 beside 22 000.00 paid reads as a contradiction). Jingjiang's own layer keeps
    its base. JJ-EX-003 by hand: burden 40 000 − 22 000 − 3 000 − 2 000 − 1 000 = 12 000.00, less the
    fully self-paid 3 500.00 (第二十一条 exclusions read by the region) = 8 500.00 at 70 % = 5 950.00."""
    from jiuzhu.io.loader import load_case
    case = load_case(ROOT / "plugins/jingjiang/examples/city-referral-registered-poor.toml")
    rows = {l["payer_id"]: l for l in standard_context(case, engine.evaluate(case, "jingjiang"))["layers_list"]}
    slip = [l for l in rows.values() if l["given"]]
    assert len(slip) == 4 and all(str(l["base"]) == "" and l["rate"] == "" for l in slip), slip
    own = next(l for l in rows.values() if not l["given"])
    assert (str(own["base"]), own["rate"], str(own["amount"])) == ("8500.00", "70%", "5950.00")


@pytest.mark.parametrize("bad,field", [
    ([{"code": "J44.1", "nam": "x"}], "episode.diagnoses[0].nam"),
    ([{"name": "肺炎"}], "episode.diagnoses[0].code"),
    ([{"code": "J44.1", "name": 3}], "episode.diagnoses[0].name"),
])
def test_diagnosis_tables_are_checked(bad, field):
    from jiuzhu.model.errors import InputError
    with pytest.raises(InputError) as e:
        make_case({"episode": {"diagnoses": bad}})
    assert str(e.value).startswith(field)
    assert "肺炎" not in str(e.value)  # a diagnosis name is personal data


def test_proxy_is_the_signer_unless_the_person_signs(engine):
    from jiuzhu.paperwork.forms import _signer
    from jiuzhu.model.outcome import SignaturePlan
    c = make_case({**CASE, "person": {**CASE["person"], "guardian": {"name": "王大力", "relation": "儿子"}}})
    own = _signer(c.person, SignaturePlan("patient", "王秀英", 1))
    assert (own["name"], own["proxy"], own["proxy_relation"]) == ("王秀英", "", "")
    son = _signer(c.person, SignaturePlan("guardian", "王大力", 2))
    assert (son["proxy"], son["proxy_relation"], son["who"]) == ("王大力", "儿子", "王大力（监护人）")
    assert _signer(c.person, None) == {"role": "", "name": "", "who": "", "proxy": "", "proxy_relation": ""}


def test_wusheng_attachment_2_has_no_python_reprs(engine, tmp_path):
    """证明材料张数 is a count written by hand, not the list of materials; an outpatient has no discharge."""
    from jiuzhu.io.loader import load_case
    c = load_case(ROOT / "plugins/wusheng/examples/ws-04-out-of-county-referral.toml")
    outcome = engine.evaluate(c, "wusheng")
    need = next(n for n in outcome.documents if n.form_id == "attachment_2")
    assert isinstance(need.data["attachments"], list)  # what used to print as "['入院证', …]"
    text = docx_text(render_need(engine, c, outcome, need, tmp_path))
    assert not re.search(r"\[|\]|'|None|True|False", text)
    visit = make_case({**CASE, "episode": {**CASE["episode"], "kind": "outpatient", "discharged": None}})
    visit_need = DocumentNeed("attachment_2", "县域外")
    text = docx_text(render_need(engine, visit, engine.evaluate(visit, "wusheng"), visit_need, tmp_path))
    assert "出院时间" in text and "None" not in text


def test_residence_with_the_hukou_code_reuses_the_hukou_address(engine):
    c = make_case({**CASE, "person": {**CASE["person"], "hukou_address": "乐善镇某村"}})  # residence = hukou code
    p = standard_context(c, engine.evaluate(c, "wusheng"))["person"]
    assert p["residence_address"] == "四川省广安市武胜县乐善镇某村"
    moved = make_case({**CASE, "person": {**CASE["person"], "hukou_address": "乐善镇某村", "residence": "511622101000"}})
    p = standard_context(moved, engine.evaluate(moved, "wusheng"))["person"]
    assert p["residence_address"] == "四川省广安市武胜县（511622101000）"  # another township, no name given


def test_more_diagnosis_names_than_diagnoses_is_an_error():
    from jiuzhu.model.errors import InputError
    with pytest.raises(InputError, match="episode.diagnosis_names: expected at most one name per diagnosis"):
        make_case({"episode": {"diagnoses": ["J44.1"], "diagnosis_names": ["甲", "乙"]}})


def test_dates_print_in_chinese_on_word_forms_even_with_a_time_of_day(tmp_path):
    """Liujiang 外出就医备案表 for an institutional resident admitted 2026-03-02 10:30 (China time):
    the region's deadline (外出就医前或入院24小时内, as its outcome states) makes the due moment 2026-03-03 10:30, printed 2026年3月3日10时30分 (not
    2026-03-03T10:30:00+08:00); 首诊日期 2026年3月2日 (not 2026-03-02)."""
    from jiuzhu.io.config import load_config
    from jiuzhu.io.loader import load_case
    from jiuzhu.rules.engine import Engine
    src = (ROOT / "plugins/liujiang/examples/institution-no-guardian.toml").read_text(encoding="utf-8")
    assert "\nadmitted = 2026-03-02\n" in src
    path = tmp_path / "case.toml"
    path.write_text(src.replace("\nadmitted = 2026-03-02\n", "\nadmitted = 2026-03-02T10:30:00+08:00\n"), encoding="utf-8")
    eng = Engine(deployment=load_config(ROOT / "examples" / "jiuzhu.toml"))
    c = load_case(path)
    outcome = eng.evaluate(c, "liujiang")
    need = next(n for n in outcome.documents if n.form_id == "attachment_1")
    text = docx_text(render_need(eng, c, outcome, need, tmp_path))
    assert "2026年3月3日10时30分" in text and "T10:30" not in text
    assert "2026年3月2日" in text and not re.search(r"\d{4}-\d{2}-\d{2}", text)


def test_every_word_template_prints_dates_in_chinese():
    """Dates on a Word form print as 2026年3月2日 (``.zh``); ISO dates stay for the Excel ledgers' cells."""
    bare = []
    for path in sorted(ROOT.glob("plugins/*/templates/*.docx")):
        text = docx_text(path)
        for ph in re.findall(r"\{\{\s*([^}|]+?)\s*(?:\|[^}]*)?\}\}", text):
            last = ph.split(".")[-1]
            if last in ("on", "admitted", "discharged", "due", "birth", "date") or ph in ("today",):
                bare.append(f"{path.parent.parent.name}/{path.name}: {ph}")
    assert not bare, bare


def test_an_unknown_due_date_is_a_blank_not_english():
    from jiuzhu.model.outcome import UnknownDue
    from jiuzhu.paperwork.forms import wrap
    v = wrap("doc.due", UnknownDue(2031, "无日历", "no calendar"))
    assert str(v) == "" and v.zh == ""
    moment = wrap("doc.due", dt.datetime(2026, 3, 3, 2, 30, tzinfo=dt.timezone.utc))  # 10:30 in China
    assert (str(moment), moment.zh) == ("2026-03-03 10:30", "2026年3月3日10时30分")
    assert (str(wrap("x", dt.date(2026, 3, 2))), wrap("x", dt.date(2026, 3, 2)).zh) == ("2026-03-02", "2026年3月2日")
