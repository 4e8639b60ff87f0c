"""Generate every region's form templates (Word and Excel) and their manifests.

    python scripts/make_templates.py            # writes plugins/REGION/templates/*

The templates are committed; this script makes them reproducible. Counties edit the generated
files (or copies of them) in Word or Excel; placeholders are Jinja ``{{ … }}`` names of the
standard context (see ``jiuzhu.paperwork.forms``). Layouts follow the seeds: Wusheng's attachments 1–6
are transcribed from its tables; the other regions' forms are designed in Wusheng's style
from the articles that use them (see each region's templates/README.md).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.page import PageMargins

ROOT = Path(__file__).resolve().parent.parent
# Simplified Chinese faces, named so that LibreOffice and Word pick SC glyphs (a bare 宋体 missing
# on Linux falls back by language, and python-docx's template says ja-JP). Body text is Song
# (serif) as on the seed's forms, titles Hei (sans). Each font's table entry names the classic
# Windows face as its alternate (宋体/黑体, GB2312 charset) for a machine without Noto CJK.
BODY_FONT = "Noto Serif CJK SC"
TITLE_FONT = "Noto Sans CJK SC"
FALLBACK = {BODY_FONT: "宋体", TITLE_FONT: "黑体"}
LANG = "zh-CN"
XLSX_CHARSET = 134  # GB2312, what Excel writes for Chinese fonts

# -- Word helpers --------------------------------------------------------------------------------


def _font(run, name=BODY_FONT, size=None, bold=False, underline=False):
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)
    _lang(rpr)
    if size:
        run.font.size = Pt(size)
    run.bold = bold
    run.underline = underline


def new_doc(landscape=False):
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Cm(29.7), Cm(21)
    sec.top_margin = sec.bottom_margin = Cm(2.2)
    sec.left_margin = sec.right_margin = Cm(2.2)
    st = doc.styles["Normal"]
    st.font.name = BODY_FONT
    st.font.size = Pt(12)
    st.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _lang(st.element.get_or_add_rPr())
    st.paragraph_format.space_after = Pt(0)
    st.paragraph_format.space_before = Pt(0)
    chinese_defaults(doc)
    return doc


def _lang(rpr):
    """Mark text as Simplified Chinese (w:lang), replacing python-docx's en-US/ja-JP tags."""
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    for k in ("w:val", "w:eastAsia"):
        lang.set(qn(k), LANG)


def chinese_defaults(doc):
    """Document defaults, theme language and font table for zh-CN with SC faces and fallbacks."""
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for k in list(fonts.attrib):
        del fonts.attrib[k]
    for k in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(k), BODY_FONT)
    _lang(rpr)
    settings = doc.settings.element
    tfl = settings.find(qn("w:themeFontLang"))
    if tfl is None:
        tfl = OxmlElement("w:themeFontLang")
        settings.append(tfl)
    tfl.set(qn("w:val"), LANG)
    tfl.set(qn("w:eastAsia"), LANG)
    # the font table: each SC face with its alternate name and the GB2312 charset
    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    from lxml import etree
    root = etree.fromstring(part.blob)
    for name, alt in FALLBACK.items():
        f = etree.SubElement(root, qn("w:font"))
        f.set(qn("w:name"), name)
        a = etree.SubElement(f, qn("w:altName"))
        a.set(qn("w:val"), alt)
        cs = etree.SubElement(f, qn("w:charset"))
        cs.set(qn("w:val"), "86")
        fam = etree.SubElement(f, qn("w:family"))
        fam.set(qn("w:val"), "roman" if name == BODY_FONT else "swiss")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


_TOKEN = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})")


def para(container, text="", align=None, bold=False, size=None, indent=False, font=BODY_FONT, space=0):
    """A paragraph; placeholders get their own underlined run (a blank filled in on the line)."""
    p = container.add_paragraph()
    if align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if indent:
        p.paragraph_format.first_line_indent = Pt(24)
    if space:
        p.paragraph_format.space_before = Pt(space)
    # Exact line pitch as the seed's forms have in 宋体 (1.3 × the size): Noto CJK's own line
    # height is about 1.45 em and would push a one-page form onto a second page.
    p.paragraph_format.line_spacing = Pt(round((size or 12) * 1.3, 1))
    for part in _TOKEN.split(text):
        if not part:
            continue
        r = p.add_run(part)
        _font(r, font, size, bold, underline=part.startswith("{{"))
    return p


def title(doc, *lines, size=18):
    for ln in lines:
        para(doc, ln, align="center", bold=True, size=size, font=TITLE_FONT)
    para(doc, "")


def cell(c, *lines, align=None, bold=False, size=None, valign="center"):
    """Replace a cell's text with paragraphs (python-docx gives each new cell one empty paragraph)."""
    first = c.paragraphs[0]
    first._element.getparent().remove(first._element)
    for ln in lines or ("",):
        para(c, ln, align=align, bold=bold, size=size)
    c.vertical_alignment = {"center": WD_CELL_VERTICAL_ALIGNMENT.CENTER, "top": WD_CELL_VERTICAL_ALIGNMENT.TOP}[valign]
    return c


def grid(doc, rows, cols, widths):
    t = doc.add_table(rows=rows, cols=cols)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for i, w in enumerate(widths):  # the grid widths are what LibreOffice and WPS lay out by
        t.columns[i].width = Cm(w)
    for row in t.rows:
        for i, w in enumerate(widths):
            row.cells[i].width = Cm(w)
    return t


def row_height(t, i, cm):
    t.rows[i].height = Cm(cm)


SIGN_BLOCK = ["经办人：                审批人：", "盖章：", "年    月    日"]


def sign_block(kind=("经办人", "审批人")):
    return [f"{kind[0]}：                    {kind[1]}：", "", "盖章：                          年    月    日"]


def footnote(doc, text, size=10.5):
    para(doc, "")
    para(doc, text, size=size)


# -- Excel helpers -------------------------------------------------------------------------------

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def sheet_form(path: Path, title_text: str, header: str, columns: list[tuple[str, str, float]], footer: str,
               totals_from: str | None = None, count_label: bool = False, sheet_title: str = "明细表"):
    """An itemised sheet or ledger: title, reporter line, column heads, one row template, totals, footer.

    ``columns``: (heading, row placeholder, width). ``totals_from``: first heading whose column
    is summed (that column and every amount column right of it that holds money).
    """
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    n = len(columns)
    last = ws.cell(1, n).column_letter
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = title_text
    ws["A1"].font = Font(name=TITLE_FONT, charset=XLSX_CHARSET, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 36
    ws.merge_cells(f"A2:{last}2")
    ws["A2"] = header
    ws["A2"].font = Font(name=BODY_FONT, charset=XLSX_CHARSET, size=11)
    ws["A2"].alignment = Alignment(vertical="center")
    ws.row_dimensions[2].height = 24
    for i, (head, expr, width) in enumerate(columns, start=1):
        h = ws.cell(3, i, head)
        h.font = Font(name=BODY_FONT, charset=XLSX_CHARSET, size=10, bold=True)
        h.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        h.border = BOX
        ws.column_dimensions[h.column_letter].width = width
        c = ws.cell(4, i, expr)
        c.font = Font(name=BODY_FONT, charset=XLSX_CHARSET, size=10)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = BOX
    ws.row_dimensions[3].height = 42
    ws.row_dimensions[4].height = 30
    total_row = 5
    heads = [c[0] for c in columns]
    ws.cell(total_row, 1, "合计").font = Font(name=BODY_FONT, charset=XLSX_CHARSET, size=10, bold=True)
    for i in range(1, n + 1):
        c = ws.cell(total_row, i)
        c.border = BOX
        c.alignment = Alignment(horizontal="center", vertical="center")
        c.font = Font(name=BODY_FONT, charset=XLSX_CHARSET, size=10, bold=i == 1)
    if count_label:
        ws.cell(total_row, 2, "{{ count }}")
        ws.cell(total_row, 3, "人")
    if totals_from:
        start = heads.index(totals_from)
        for i in range(start, n):
            if "（元）" in heads[i]:
                ws.cell(total_row, i + 1, "{{ sum }}")
    ws.row_dimensions[total_row].height = 24
    ws.merge_cells(f"A7:{last}7")
    ws["A7"] = footer
    ws["A7"].font = Font(name=BODY_FONT, charset=XLSX_CHARSET, size=11)
    ws["A7"].alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[7].height = 36
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = "3:3"
    wb.save(path)


def manifest(folder: Path, forms: dict):
    lines = ["# Forms of this region: id → template file, titles, where the seed gives it.",
             "# Generated by scripts/make_templates.py; a deployment overrides a file with",
             "# [templates.REGION] form_id = \"path\" in jiuzhu.toml.", ""]
    for fid, f in forms.items():
        lines.append(f"[{fid}]")
        for k, v in f.items():
            if isinstance(v, list):
                lines.append(f"{k} = [{', '.join(chr(34) + x + chr(34) for x in v)}]")
            else:
                lines.append(f'{k} = "{v}"')
        lines.append("")
    (folder / "forms.toml").write_text("\n".join(lines), encoding="utf-8")


def out(region: str) -> Path:
    p = ROOT / "plugins" / region / "templates"
    p.mkdir(parents=True, exist_ok=True)
    return p


# -- Wusheng 武胜县 ----------------------------------------------------------------------------------


def wusheng():
    d = out("wusheng")
    forms = {}

    # 附件1 县域内住院就医救助申请审批表
    doc = new_doc()
    title(doc, "武胜县特困人员县域内住院就医救助", "申请审批表")
    t = grid(doc, 3, 2, [3.2, 13.4])
    cell(t.cell(0, 0), "申请书", align="center", bold=True)
    cell(t.cell(0, 1),
         "特困人员本人姓名{{ person.name }}，性别{{ person.sex }}，年龄{{ person.age }}岁，身份证号码"
         "{{ person.id_number }}，户籍地{{ person.hukou_address }}，现居住地{{ person.residence_address }}"
         "{% if person.institution %}（{{ person.institution }}）{% endif %}，因患{{ episode.diagnoses }}病需到{{ facility.name }}"
         "住院治疗，特申请住院就医及救助。",
         "",
         "申请人：{{ data.applicant | default(person.name) }}          代办人：{{ data.agent | default(signature.proxy) }}"
         "（与特困人员关系：{{ data.agent_relation | default(signature.proxy_relation) }}）",
         "",
         "联系电话：{{ person.phone }}                    年     月     日", valign="top")
    cell(t.cell(1, 0), "乡镇审核意见", align="center", bold=True)
    cell(t.cell(1, 1), "经审核，根据特困人员就医救助管理规定，同意该员到{{ episode.first_contact.to }}入院治疗。",
         "", "", *sign_block(), valign="top")
    cell(t.cell(2, 0), "诊疗机构转诊", "审核意见", align="center", bold=True)
    cell(t.cell(2, 1), "经审核，根据特困人员病情需要，同意该员转至{{ episode.in_referral.to }}入院治疗。",
         "", "", *sign_block(), valign="top")
    for i, h in enumerate((6.5, 5.2, 5.2)):
        row_height(t, i, h)
    footnote(doc, "注：1.本表一式一份。2.代办人需填写清楚与特困人员关系。3.诊疗机构评估后符合住院指征的，直接办理入院，"
                  "该审批表直接留存原件于首诊医院。若特困人员因病情治疗确需转院的，由诊疗机构填写转诊意见，诊疗机构签字盖章后"
                  "留存复印件，原件随特困人员交至被转诊医院。4.乡镇建立特困人员首诊及转诊台账，每月5日前向县民政局上报首诊台账。")
    para(doc, "编号：{{ doc.number }}", align="right", size=9)
    doc.save(d / "attachment_1.docx")
    forms["attachment_1"] = dict(file="attachment_1.docx", title_zh="武胜县特困人员县域内住院就医救助申请审批表",
                                 title_en="In-county inpatient assistance application and approval form", source="附件1")

    # 附件2 县域外住院就医救助申请审批表
    doc = new_doc()
    title(doc, "武胜县特困人员县域外住院就医救助申请审批表", size=16)
    t = grid(doc, 12, 6, [2.6, 3.6, 2.4, 2.6, 2.6, 2.8])

    def row(i, *cells):
        """cells: (text, span) pairs laid out left to right."""
        col = 0
        for text, span in cells:
            c = t.cell(i, col)
            if span > 1:
                c = c.merge(t.cell(i, col + span - 1))
            lines = text if isinstance(text, tuple) else (text,)
            cell(c, *lines, align="center" if col in (0, 2, 4) and span == 1 else None)
            col += span

    row(0, ("特困人员姓名", 1), ("{{ person.name }}", 1), ("性别", 1), ("{{ person.sex }}", 1), ("出生日期", 1),
        ("{{ person.birth.zh }}", 1))
    row(1, ("身份证号码", 1), ("{{ person.id_number }}", 3), ("家庭人口数", 1), ("{{ data.household_size | default('') }}", 1))
    row(2, ("户 籍 地", 1), ("{{ person.hukou_address }}", 5))
    row(3, ("现居住地", 1), ("{{ person.residence_address }}{% if person.institution %}（{{ person.institution }}）{% endif %}", 5))
    # 证明材料张数 is a count of sheets the applicant hands in: written by hand (the list is in 注3)
    row(4, ("联系电话", 1), ("{{ person.phone }}", 3), ("证明材料张数", 1), ("{{ data.sheets | default('') }}", 1))
    row(5, ("医疗机构名称", 1), ("{{ facility.name }}", 5))
    row(6, ("入院时间", 1), ("{{ episode.admitted.zh }}", 3), ("出院时间", 1), ("{{ episode.discharged.zh }}", 1))
    row(7, ("住院总费用", 1), ("{{ bill.total }}元", 3), ("医保报销费用", 1), ("{{ insurance_and_assistance_paid }}元", 1))
    row(8, ("个人自付费用", 1), ("{{ self_pay }}元", 3), ("申请救助金额", 1), ("{{ assistance }}元", 1))
    row(9, ("申请事项", 1), (("县外就医缘由：{{ data.reason | default(data.reason_out_of_county) | default('') }}", "",
                           "我自愿接受各级民政部门对本人及家庭收入、生活现状、患病情况等情况进行调查核实，如提供材料不实，"
                           "愿放弃接受救助的权利， 并退回领取的救助资金。", "",
                           "申请（承诺）人签字：                    年   月   日"), 5))
    row(10, (("乡镇审", "核意见"), 1), (("经审核，该员住院情况属实，建议救助{{ assistance }}元。经办人签字：                   审核人签字：",
                                     "乡镇盖章：                年   月   日"), 5))
    row(11, (("县民政局", "审批意见"), 1), (("经研究决定，同意救助                      元。",
                                        "经办人签名：                 审核人签字：",
                                        "盖    章：                           年   月   日"), 5))
    for i in range(9):
        row_height(t, i, 1.0)
    row_height(t, 9, 4.2)
    row_height(t, 10, 2.6)
    row_height(t, 11, 2.6)
    footnote(doc, "注：1.本表一式一份。2.特困人员在就医前需向乡镇电话报备，乡镇建立县域外就医人员台账并于每月5日前报县民政局。"
                  "3.随表须附入院证、出院证、转院证明、住院医疗费用发票、身份证、户口簿、特困人员救助供养证复印件，医保结算单据原件"
                  "和县外正当理由就医证明等相关佐证资料。如本人不能亲自办理，代办人需签字并写明与特困人员关系。")
    para(doc, "编号：{{ doc.number }}", align="right", size=9)
    doc.save(d / "attachment_2.docx")
    forms["attachment_2"] = dict(file="attachment_2.docx", title_zh="武胜县特困人员县域外住院就医救助申请审批表",
                                 title_en="Out-of-county inpatient assistance application and approval form", source="附件2")

    # 附件3 医院申报结算明细表 (monthly, one per hospital)
    sheet_form(d / "attachment_3.xlsx", "{{ sheet.facility if sheet.facility.startswith('武胜县') else '武胜县' ~ sheet.facility }}申报结算特困人员住院就医个人自付费用救助明细表",
               "填报医疗机构（盖章）：{{ sheet.facility }}        联系人：{{ sheet.contact }}        "
               "联系电话：{{ sheet.phone }}        填报时间：{{ sheet.filled.zh }}",
               [("序号", "{{ row.seq }}", 6), ("姓名", "{{ row.person.name }}", 10), ("性别", "{{ row.person.sex }}", 6),
                ("身份证号码", "{{ row.person.id_number }}", 22), ("户籍住址\n（居住地）", "{{ row.person.hukou_address }}", 16),
                ("入院时间", "{{ row.episode.admitted }}", 12), ("出院时间", "{{ row.episode.discharged }}", 12),
                ("住院总费用（元）", "{{ row.bill.total }}", 13), ("医保报销费用（元）", "{{ row.insurance_and_assistance_paid }}", 13),
                ("个人应付费用（元）", "{{ row.self_pay }}", 13), ("医院申请结算费用（元）", "{{ row.assistance }}", 13),
                ("备注", "{{ row.data.note | default('') }}", 12)],
               "医疗机构负责人签字（盖章）：                                   年    月    日",
               totals_from="住院总费用（元）")
    forms["attachment_3"] = dict(file="attachment_3.xlsx",
                                 title_zh="武胜县**医院申报结算特困人员住院就医个人自付费用救助明细表",
                                 title_en="Hospital itemised claim sheet of self-paid inpatient costs", source="附件3",
                                 ledger="in_county", group="facility.name",
                                 # 三（三）2.: special outpatient treatment is settled as an in-county stay;
                                 # an ordinary outpatient visit is 「剩余部分自理」 and not declared
                                 episodes=["inpatient", "special_outpatient"])

    # 附件4 县域外明细表 (monthly, by township)
    sheet_form(d / "attachment_4.xlsx", "武胜县特困人员县域外住院就医个人自付费用救助明细表",
               "填报乡镇：{{ sheet.township }}        联系人：{{ sheet.contact }}        联系电话：{{ sheet.phone }}"
               "        填报时间：{{ sheet.filled.zh }}",
               [("序号", "{{ row.seq }}", 6), ("姓名", "{{ row.person.name }}", 10), ("性别", "{{ row.person.sex }}", 6),
                ("身份证号码", "{{ row.person.id_number }}", 22), ("户籍住址（居住地）", "{{ row.person.hukou_address }}", 16),
                ("县域外住院原因", "{{ row.data.reason | default(row.data.reason_out_of_county) | default(row.episode.diagnoses) }}", 16),
                ("治疗医院", "{{ row.facility.name }}", 18),
                ("入院时间", "{{ row.episode.admitted }}", 12), ("出院时间", "{{ row.episode.discharged }}", 12),
                ("住院总费用（元）", "{{ row.bill.total }}", 13), ("医保报销费用（元）", "{{ row.insurance_and_assistance_paid }}", 13),
                ("个人自付费用（元）", "{{ row.self_pay }}", 13)],
               "乡镇负责人签字（盖章）：                                   年    月    日",
               totals_from="住院总费用（元）")
    forms["attachment_4"] = dict(file="attachment_4.xlsx", title_zh="武胜县特困人员县域外住院就医个人自付费用救助明细表",
                                 title_en="Out-of-county itemised claim sheet of self-paid inpatient costs", source="附件4",
                                 ledger="out_of_county", group="township", episodes=["inpatient"])

    # 附件5 县域内住院就医及转诊台账
    sheet_form(d / "attachment_5.xlsx", "武胜县特困人员县域内住院就医及转诊台账",
               "填报乡镇：{{ sheet.township }}        联系人：{{ sheet.contact }}        联系电话：{{ sheet.phone }}"
               "        填报时间：{{ sheet.filled.zh }}",
               [("序号", "{{ row.seq }}", 6), ("姓名", "{{ row.person.name }}", 10), ("性别", "{{ row.person.sex }}", 6),
                ("身份证号码", "{{ row.person.id_number }}", 22), ("户籍住址（居住\n地 ）", "{{ row.person.hukou_address }}", 16),
                ("散居/集中", "{{ row.person.support_short }}", 9),
                ("首诊签署\n医院", "{{ row.episode.first_contact.to }}", 16), ("首诊签署\n时间", "{{ row.episode.first_contact.on }}", 12),
                ("转诊\n医院", "{{ row.episode.in_referral.to }}", 16), ("转诊报\n备时间", "{{ row.episode.in_referral.on }}", 12),
                ("联系人及电话", "{{ row.person.contact.name }} {{ row.person.phone }}", 16),
                ("备注", "{{ row.data.note | default('') }}", 10)],
               "注：此表数据为累计数据。各乡镇于每月5日前报送县民政局。           乡镇负责人签字（盖章）：",
               count_label=True, sheet_title="台账")
    forms["attachment_5"] = dict(file="attachment_5.xlsx", title_zh="武胜县特困人员县域内住院就医及转诊台账",
                                 title_en="In-county admission and transfer ledger", source="附件5", ledger="in_county",
                                 group="township", episodes=["inpatient"])

    # 附件6 县域外住院就医报备台账
    sheet_form(d / "attachment_6.xlsx", "武胜县特困人员县域外住院就医报备台账",
               "填报乡镇：{{ sheet.township }}        联系人：{{ sheet.contact }}        联系电话：{{ sheet.phone }}"
               "        填报时间：{{ sheet.filled.zh }}",
               [("序号", "{{ row.seq }}", 6), ("姓名", "{{ row.person.name }}", 10), ("性别", "{{ row.person.sex }}", 6),
                ("身份证号码", "{{ row.person.id_number }}", 22), ("户籍住址（居住地）", "{{ row.person.hukou_address }}", 16),
                ("散居/集中", "{{ row.person.support_short }}", 9),
                ("签署首\n诊医院", "{{ row.episode.first_contact.to }}", 16), ("签署首\n诊时间", "{{ row.episode.first_contact.on }}", 12),
                ("转诊县域内医院", "{{ row.episode.in_referral.to }}", 16),
                ("转诊县域内医院报备时间", "{{ row.episode.in_referral.on }}", 12),
                ("转至县域外医院", "{{ row.episode.out_transfer.to }}", 16),
                ("转至县域外医院报备时间", "{{ row.episode.out_transfer.on }}", 12),
                ("联系人及电话", "{{ row.person.contact.name }} {{ row.person.phone }}", 16)],
               "注：此表数据为累计数据。各乡镇于每月5日前报送到县民政局和县医疗保障局。    乡镇负责人签字（盖章）：",
               count_label=True, sheet_title="台账")
    forms["attachment_6"] = dict(file="attachment_6.xlsx", title_zh="武胜县特困人员县域外住院就医报备台账",
                                 title_en="Out-of-county filing ledger", source="附件6", ledger="out_of_county",
                                 group="township", episodes=["inpatient"])
    manifest(d, forms)


# -- Liujiang 柳江区 --------------------------------------------------------------------------------

PERSON_ROWS_LJ = [
    (("姓名", "{{ person.name }}"), ("性别", "{{ person.sex }}"), ("年龄", "{{ person.age }}岁")),
    (("身份证号码", "{{ person.id_number }}"), ("供养方式", "{{ person.support_mode }}")),
]


def person_block(t, start, fields_per_row):
    """Label/value rows of a 6-column table. fields_per_row: [[(label, value, value_span)]]."""
    for i, fields in enumerate(fields_per_row):
        col = 0
        for label, value, span in fields:
            cell(t.cell(start + i, col), label, align="center")
            c = t.cell(start + i, col + 1)
            if span > 1:
                c = c.merge(t.cell(start + i, col + span))
            cell(c, value)
            col += 1 + span


def liujiang():
    d = out("liujiang")
    forms = {}
    W6 = [2.8, 3.2, 2.4, 2.6, 2.4, 3.2]

    # 外出就医备案表 (第四条第2项、第十一条、第三条)
    doc = new_doc()
    title(doc, "柳江区特困人员外出就医备案表", size=16)
    para(doc, "填报单位（盖章）：{{ data.filer | default('') }}                                编号：{{ doc.number }}", size=10.5)
    t = grid(doc, 12, 6, W6)
    person_block(t, 0, [
        [("姓名", "{{ person.name }}", 1), ("性别", "{{ person.sex }}", 1), ("年龄", "{{ person.age }}岁", 1)],
        [("身份证号码", "{{ person.id_number }}", 3), ("供养方式", "{{ person.support_mode }}", 1)],
        [("供养机构/\n村（居）委会", "{{ person.institution or person.village_committee }}", 3), ("自理能力", "{{ person.care_level }}", 1)],
        [("监护人/委托\n代理人", "{{ person.guardian.name or person.agent.name }}", 1), ("关系", "{{ person.guardian.relation or person.agent.relation }}", 1),
         ("联系电话", "{{ person.phone }}", 1)],
        [("首诊机构", "{{ episode.first_contact.to }}", 3), ("首诊日期", "{{ episode.first_contact.on.zh }}", 1)],
        [("转入医院", "{{ facility.name }}", 3), ("医院级别", "{{ facility.level }}", 1)],
        [("初步诊断", "{{ episode.diagnoses }}", 3), ("诊疗类别", "{{ episode.decision }}", 1)],
        [("外出就医\n（入院）时间", "{{ episode.admitted.zh }}", 1), ("转诊单", "首诊医生出具  □有  □无", 1),
         ("备案期限", "{{ doc.due.zh }}", 1)],
        [("陪护人", "{{ person.caregiver.name }}", 1), ("关系", "{{ person.caregiver.relation }}", 1), ("联系电话", "", 1)],
    ])
    c = t.cell(9, 0).merge(t.cell(9, 5))
    cell(c, "供养机构或村（居）民委员会意见：", "", "经办人：                负责人：                （盖章）          年    月    日", valign="top")
    c = t.cell(10, 0).merge(t.cell(10, 5))
    cell(c, "镇人民政府意见（分散供养）：", "", "经办人：                审核人：                （盖章）          年    月    日", valign="top")
    c = t.cell(11, 0).merge(t.cell(11, 5))
    cell(c, "柳江区民政局备案意见：", "", "经办人：                审批人：                （盖章）          年    月    日", valign="top")
    for i in range(9):
        row_height(t, i, 1.0)
    for i in (9, 10, 11):
        row_height(t, i, 2.6)
    footnote(doc, "注：1.集中供养人员由供养机构填写本表报柳江区民政局备案；分散供养人员由所在村（居）民委员会报镇人民政府备案后，"
                  "统一报柳江区民政局备案。2.集中供养人员应在外出就医前或入院24小时内报备；特殊情况可先电话报备，3个工作日内补表。"
                  "3.紧急抢救的，送医后24小时内补办备案。4.未经备案自行外出就医的，医疗救助资金不予支付。")
    doc.save(d / "attachment_1.docx")
    forms["attachment_1"] = dict(file="attachment_1.docx", title_zh="外出就医备案表",
                                           title_en="Out-of-facility care filing form", source="第四条第2项；附件1")

    # 自费项目使用知情同意书 (第七条、第六条、第十条、第十四条)
    doc = new_doc()
    title(doc, "柳江区特困人员自费项目使用知情同意书", size=16)
    para(doc, "编号：{{ doc.number }}", align="right", size=10.5)
    t = grid(doc, 5, 6, W6)
    person_block(t, 0, [
        [("患者姓名", "{{ person.name }}", 1), ("性别", "{{ person.sex }}", 1), ("年龄", "{{ person.age }}岁", 1)],
        [("身份证号码", "{{ person.id_number }}", 3), ("供养方式", "{{ person.support_mode }}", 1)],
        [("医疗机构", "{{ facility.name }}", 3), ("入院日期", "{{ episode.admitted.zh }}", 1)],
        [("诊断", "{{ episode.diagnoses }}", 5)],
    ])
    c = t.cell(4, 0).merge(t.cell(4, 5))
    cell(c, "治疗方案：{{ data.plan | default('') }}", valign="top")
    para(doc, "")
    para(doc, "一、拟使用的医保目录外自费项目（单次费用200元及以上）", bold=True)
    it = grid(doc, 4, 5, [1.2, 5.0, 2.6, 5.2, 2.6])
    for i, h in enumerate(("序号", "项目名称（药品/耗材/检查）", "预估费用（元）", "使用必要性", "建议方")):
        cell(it.cell(0, i), h, align="center", bold=True)
    cell(it.cell(1, 0), "{%tr for item in bill.items %}")
    cell(it.cell(2, 0), "{{ loop.index }}", align="center")
    cell(it.cell(2, 1), "{{ item.name }}")
    cell(it.cell(2, 2), "{{ item.amount }}", align="right")
    cell(it.cell(2, 3), "{{ data.necessity | default('') }}")
    cell(it.cell(2, 4), "{{ item.proposer }}")
    cell(it.cell(3, 0), "{%tr endfor %}")
    para(doc, "自费项目预估合计：{{ bill.items_total }}元（大写：{{ bill.items_total.capital }}）", space=4)
    para(doc, "二、告知事项", bold=True, space=6)
    for ln in (
        "1.特困人员住院产生的合规医疗费用（符合医保目录），经基本医疗保险、大病保险和医疗救助等医疗保障制度规定支付后，"
        "仍有不足的，由救助供养经费予以支持；住院医疗救助不设起付线，按100%给予救助，年累计救助最高限额为60000元（第六条）。",
        "2.上述项目不属于医保目录，费用不能由基本医疗保险、大病保险和医疗救助支付。主治医生已说明其必要性及费用（第七条）。",
        "3.单次自费预估超过1000元或累计超过2000元的，须报柳江区民政局社会救助股审核备案（第七条）。",
        "4.未经审批的非急救自费项目，相关费用不得从特困供养经费或救助资金中列支，原则上由建议方承担（第七条、第十四条）。",
    ):
        para(doc, ln, size=11, indent=True)
    para(doc, "三、签字确认", bold=True, space=6)
    s = grid(doc, 4, 2, [4.0, 12.6])
    cell(s.cell(0, 0), "主治医生", align="center")
    cell(s.cell(0, 1), "签字：                         年    月    日    时")
    cell(s.cell(1, 0), "签字人{% if signature.rank %}（第{{ signature.rank }}顺位：\n{{ signature.rank_zh }}）{% endif %}", align="center")
    cell(s.cell(1, 1), "本人已知晓上述项目的必要性及费用，□同意  □不同意使用。",
         "签字人：{{ signature.who }}        签字：                  年    月    日")
    cell(s.cell(2, 0), "初审意见\n（供养机构负责人/村（居）委会负责人会同监护人）", align="center")
    cell(s.cell(2, 1), "□同意  □有异议：", "", "初审人签字：                    （盖章）          年    月    日")
    cell(s.cell(3, 0), "民政备案\n（柳江区民政局社会救助股）", align="center")
    cell(s.cell(3, 1), "□已审核备案  □不予备案", "", "经办人：            审核人：            （盖章）          年    月    日")
    for i in range(4):
        row_height(s, i, 2.0)
    para(doc, "注：本表一式三份，医疗机构、供养机构或村（居）委会、民政局各留存一份。", size=10.5, space=6)
    doc.save(d / "attachment_3.docx")
    forms["attachment_3"] = dict(file="attachment_3.docx", title_zh="柳江区特困人员自费项目使用知情同意书",
                                     title_en="Informed-consent form for self-pay items", source="第七条；附件3")

    # 重大治疗评估备案表 (第十一条、第三条、第十条)
    doc = new_doc()
    title(doc, "柳江区特困人员重大治疗评估备案表", size=16)
    para(doc, "编号：{{ doc.number }}", align="right", size=10.5)
    t = grid(doc, 12, 6, W6)
    person_block(t, 0, [
        [("患者姓名", "{{ person.name }}", 1), ("性别", "{{ person.sex }}", 1), ("年龄", "{{ person.age }}岁", 1)],
        [("身份证号码", "{{ person.id_number }}", 3), ("供养方式", "{{ person.support_mode }}", 1)],
        [("供养机构/\n村（居）委会", "{{ person.institution or person.village_committee }}", 5)],
        [("医疗机构", "{{ facility.name }}", 3), ("入院日期", "{{ episode.admitted.zh }}", 1)],
        [("诊断", "{{ episode.diagnoses }}", 5)],
        [("拟开展的重大诊疗", "{{ data.treatment | default('') }}\n□手术  □高风险操作  □高额自费项目", 5)],
        [("预估费用", "{{ data.estimated_cost | default(bill.items_total) }}元", 3), ("其中自费", "{{ bill.items_total }}元", 1)],
    ])
    c = t.cell(7, 0).merge(t.cell(7, 5))
    cell(c, "主治医生评估意见（必要性、风险、替代方案）：", "", "主治医生签字：                    年    月    日", valign="top")
    c = t.cell(8, 0).merge(t.cell(8, 5))
    cell(c, "第三方专家评估意见（区卫健局从质控专家库选派）：", "", "专家签字：                    年    月    日", valign="top")
    c = t.cell(9, 0).merge(t.cell(9, 5))
    cell(c, "供养机构/村（居）委会意见：", "", "负责人签字：                    （盖章）          年    月    日", valign="top")
    c = t.cell(10, 0).merge(t.cell(10, 5))
    cell(c, "治疗决策签字（{% if signature.rank %}第{{ signature.rank }}顺位：{{ signature.rank_zh }}{% endif %}）：{{ signature.who }}",
         "□同意  □不同意开展上述重大诊疗。", "签字：                    年    月    日", valign="top")
    c = t.cell(11, 0).merge(t.cell(11, 5))
    cell(c, "柳江区民政局备案意见：", "", "经办人：            审批人：            （盖章）          年    月    日", valign="top")
    for i in range(7):
        row_height(t, i, 1.0)
    for i in range(7, 12):
        row_height(t, i, 2.4)
    footnote(doc, "注：1.重大诊疗（含手术、高风险操作、高额自费项目）经主治医生、第三方专家评估完成出具本表后方可开展（第十一条）。"
                  "2.重大治疗实行机构/村（居）委、民政、医疗三方评估机制（第三条）。3.签字主体按第十条顺位确定，有前一顺位且具备能力时，不得越位。")
    doc.save(d / "attachment_4.docx")
    forms["attachment_4"] = dict(file="attachment_4.docx", title_zh="重大治疗评估备案表",
                                               title_en="Major-treatment assessment and filing form", source="第十一条；附件4")
    manifest(d, forms)
    (d / "README.md").write_text(LIUJIANG_README, encoding="utf-8")


LIUJIANG_README = """# 柳江区 Liujiang forms

The seed lists its attachments by title only (附件1、3、4). Their fields are derived from the articles
that use them; the table says which article each field comes from. Generated by
`scripts/make_templates.py`.

## 外出就医备案表 Out-of-facility care filing form (`attachment_1.docx`)

| Field | Article |
|---|---|
| 姓名、性别、年龄、身份证号码 (who) | 第二条 (适用范围：特困人员) |
| 供养方式, 供养机构/村（居）委会 | 第二条 (集中/分散供养), 第四条第2项 (who fills and files) |
| 自理能力 | 第十六条 (全失能/半失能/自理) |
| 监护人/委托代理人 and relation | 第四条第2项 (分散供养由监护人或委托代理人协助办理转诊) |
| 首诊机构, 首诊日期 | 第四条第1项 (基层首诊) |
| 转入医院, 医院级别 | 第四条第2项 (区内转诊至区级医院) |
| 转诊单 | 第四条第2项 (首诊医生出具转诊单) |
| 初步诊断, 诊疗类别 | 第十一条 (常规/重大/紧急) |
| 外出就医（入院）时间, 备案期限 | 第四条第2项 (就医前或入院24小时内；电话报备后3个工作日内补表), 第十一条 (紧急抢救24小时内补办) |
| 陪护人 | 第十六条 (住院有人看护) |
| 供养机构或村（居）委会意见; 镇人民政府意见; 民政局备案意见 with 经办人/审核人/审批人, 盖章, 年月日 | 第四条第2项 (备案路径) |
| 注 4 | 第四条第3项 (未经备案不予支付) |

## 柳江区特困人员自费项目使用知情同意书 Informed consent for self-pay items (`attachment_3.docx`)

| Field | Article |
|---|---|
| 患者 identity, 供养方式, 医疗机构, 入院日期, 诊断, 治疗方案 | 第二条, 第七条 (结合治疗方案合理性初审) |
| 项目名称, 预估费用, 使用必要性, 建议方 (one row per item) | 第七条第1项 (说明必要性及费用), 第十四条 (建议方承担) |
| 预估合计 in yuan and 大写 | 第七条第3项 (单次超1000元或累计超2000元须备案) |
| 告知事项 1–4 | 第六条, 第七条, 第十四条 |
| 主治医生签字 | 第七条第1项 |
| 签字人 and 顺位 | 第十条 (签字主体顺位), 第十一条 (常规诊疗签字) |
| 初审意见 (供养机构负责人 / 村（居）委会负责人会同监护人) | 第七条第2项 |
| 民政备案 (社会救助股) | 第七条第3项 |

## 重大治疗评估备案表 Major-treatment assessment and filing form (`attachment_4.docx`)

| Field | Article |
|---|---|
| 患者 identity, 供养方式, 供养机构/村（居）委会, 医疗机构, 诊断 | 第二条 |
| 拟开展的重大诊疗 (手术/高风险操作/高额自费项目), 预估费用, 其中自费 | 第十一条 (重大诊疗的范围), 第七条 |
| 主治医生评估意见 | 第十一条 |
| 第三方专家评估意见 (区卫健局从质控专家库选派) | 第十一条 |
| 供养机构/村（居）委会意见 | 第三条三 (三方评估机制) |
| 治疗决策签字 and 顺位 | 第十条 |
| 民政局备案意见 | 第三条三, 第十条第4项 (报民政局备案) |
"""


# -- Jingjiang 靖江市 --------------------------------------------------------------------------------


def jingjiang():
    d = out("jingjiang")
    forms = {}
    doc = new_doc()
    title(doc, "靖江市医疗救助转诊报销材料清单", size=16)
    para(doc, "申请人：{{ person.name }}    身份证号码：{{ person.id_number }}    就诊医院：{{ facility.name }}", size=11)
    para(doc, "住院时间：{{ episode.admitted.zh }}至{{ episode.discharged.zh }}              编号：{{ doc.number }}", size=11)
    para(doc, "")
    t = grid(doc, 6, 4, [1.4, 10.0, 2.4, 2.8])
    for i, h in enumerate(("序号", "材料名称（第二十四条）", "份数", "已提供（√）")):
        cell(t.cell(0, i), h, align="center", bold=True)
    items = ["救助对象本人身份证正反两面复印件", "银行卡正反两面复印件", "特殊病种门诊病历复印件、出院小结",
             "发票或发票复印件、费用清单、基本医疗保险结算单", "转诊手续、相关基层定点医院精准医疗结算单"]
    nums = "一二三四五"
    for i, it in enumerate(items, start=1):
        cell(t.cell(i, 0), f"（{nums[i - 1]}）", align="center")
        cell(t.cell(i, 1), it)
        cell(t.cell(i, 3), "□", align="center")
        row_height(t, i, 1.2)
    para(doc, "")
    para(doc, "申请人（代办人）签字：                     联系电话：{{ person.phone }}          年    月    日")
    para(doc, "")
    para(doc, "经办人：                审核人：                （盖章）                年    月    日")
    footnote(doc, "注：依据《靖江市精准医疗救助实施办法》第二十四条，救助对象转诊报销需提供以上材料。")
    doc.save(d / "claim_materials.docx")
    forms["claim_materials"] = dict(file="claim_materials.docx", title_zh="靖江市医疗救助转诊报销材料清单",
                                             title_en="Materials checklist for a transfer claim", source="第二十四条")

    doc = new_doc()
    title(doc, "靖江市精准医疗救助结算单", size=16)
    para(doc, "结算单号：{{ doc.number }}                                       结算日期：{{ today.zh }}", size=10.5)
    t = grid(doc, 6, 6, [2.6, 3.2, 2.4, 2.6, 2.6, 3.2])
    person_block(t, 0, [
        [("姓名", "{{ person.name }}", 1), ("性别", "{{ person.sex }}", 1), ("救助类别", "{{ person.categories }}", 1)],
        [("身份证号码", "{{ person.id_number }}", 3), ("参保类型", "{{ person.scheme }}", 1)],
        [("医疗机构", "{{ facility.name }}", 3), ("就诊类别", "{{ episode.kind }}", 1)],
        [("入院日期", "{{ episode.admitted.zh }}", 1), ("出院日期", "{{ episode.discharged.zh }}", 1), ("诊断", "{{ episode.diagnoses }}", 1)],
        [("医疗总费用", "{{ bill.total }}元", 1), ("政策范围内", "{{ bill.in_scope }}元", 1), ("政策范围外", "{{ bill.out_of_scope }}元", 1)],
        [("基本医保支付", "{{ bill.basic_paid }}元", 1), ("大病保险支付", "{{ bill.critical_paid }}元", 1), ("其他支付", "{{ bill.other_paid }}元", 1)],
    ])
    para(doc, "")
    para(doc, "各支付方及救助明细", bold=True)
    p = grid(doc, 4, 5, [5.0, 3.0, 3.0, 2.2, 3.2])
    for i, h in enumerate(("支付项目", "支付方", "计算基数（元）", "救助比例", "支付金额（元）")):
        cell(p.cell(0, i), h, align="center", bold=True)
    cell(p.cell(1, 0), "{%tr for l in layers_list %}")
    cell(p.cell(2, 0), "{{ l.name_zh }}")
    cell(p.cell(2, 1), "{{ l.payer }}")
    cell(p.cell(2, 2), "{{ l.base }}", align="right")
    cell(p.cell(2, 3), "{{ l.rate }}", align="center")
    cell(p.cell(2, 4), "{{ l.amount }}", align="right")
    cell(p.cell(3, 0), "{%tr endfor %}")
    para(doc, "")
    para(doc, "本次救助金额合计：{{ assistance }}元（大写：{{ assistance.capital }}）")
    para(doc, "各项支付合计：{{ paid }}元        个人负担：{{ burden }}元（大写：{{ burden.capital }}）")
    para(doc, "")
    para(doc, "经办人：                审核人：                （盖章）                年    月    日")
    para(doc, "救助对象（代办人）签字：                                            年    月    日", space=12)
    doc.save(d / "settlement_slip.docx")
    forms["settlement_slip"] = dict(file="settlement_slip.docx", title_zh="靖江市精准医疗救助结算单",
                                    title_en="Settlement slip by payer", source="第十九条、第二十条")
    manifest(d, forms)


# -- Guang'an 广安市 ---------------------------------------------------------------------------------


def guangan():
    d = out("guangan")
    forms = {}
    doc = new_doc()
    title(doc, "广安市特殊困难群众住院“先诊疗后付费”协议书", size=16)
    para(doc, "编号：{{ doc.number }}", align="right", size=10.5)
    para(doc, "甲方（医疗机构）：{{ facility.name }}")
    para(doc, "乙方（患者）：{{ person.name }}    性别：{{ person.sex }}    年龄：{{ person.age }}岁")
    para(doc, "身份证号码：{{ person.id_number }}    户籍地：{{ person.hukou_address }}")
    para(doc, "救助身份：{{ person.categories }}    参保类型：{{ person.scheme }}")
    para(doc, "社会保障卡号：{{ person.card_number }}    入院日期：{{ episode.admitted.zh }}")
    para(doc, "")
    for ln in (
        "根据《广安市人力资源和社会保障局 广安市民政局 广安市卫生和计划生育委员会 广安市财政局关于进一步做好特殊困难群众"
        "医疗保障工作的通知》，经审核乙方所持社保卡、身份证及相关证明，乙方参保身份和救助身份符合条件，双方自愿签订本协议：",
        "一、乙方在甲方住院治疗，无需交纳住院押金。",
        "二、乙方住院医疗费用按城乡居民基本医疗保险、大病保险、倾斜支付政策、民政医疗救助等顺序报销支付，在甲方“一站式”综合"
        "服务窗口即时结算。",
        "三、乙方诊疗结束后，须在出院时结清个人承担的费用；其他医疗费用由甲方定期与相关部门按规定结算。",
        "四、甲方应合理诊疗、合理检查、合理用药，使用医保目录外项目须事先告知乙方或其家属。",
        "五、乙方或其家属提供的身份及证明材料应真实有效；如有虚假，甲方有权终止本协议，乙方应补交相关费用。",
        "六、本协议一式两份，甲乙双方各执一份，自签订之日起生效，至乙方出院结清个人承担费用时终止。",
    ):
        para(doc, ln, indent=True)
    para(doc, "")
    t = grid(doc, 1, 2, [8.3, 8.3])
    cell(t.cell(0, 0), "甲方（盖章）：", "", "经办人签字：", "", "年    月    日", valign="top")
    cell(t.cell(0, 1), "乙方签字：", "", "代签人签字：{{ signature.proxy }}", "与患者关系：{{ signature.proxy_relation }}", "",
         "年    月    日", valign="top")
    row_height(t, 0, 4.0)
    doc.save(d / "tfpl_agreement.docx")
    forms["tfpl_agreement"] = dict(file="tfpl_agreement.docx", title_zh="“先诊疗后付费”协议书",
                                          title_en="Treat-first-pay-later agreement", source="二（二）")
    manifest(d, forms)


# -- Fushun 抚顺市 ----------------------------------------------------------------------------------


def fushun():
    d = out("fushun")
    forms = {}
    doc = new_doc()
    title(doc, "抚顺市医疗救助申请审批表", size=16)
    para(doc, "申请日期：        年    月    日                                    编号：{{ doc.number }}", size=10.5)
    t = grid(doc, 15, 6, [2.8, 3.2, 2.4, 2.6, 2.4, 3.2])
    person_block(t, 0, [
        [("申请人姓名", "{{ person.name }}", 1), ("性别", "{{ person.sex }}", 1), ("年龄", "{{ person.age }}岁", 1)],
        [("身份证号码", "{{ person.id_number }}", 3), ("救助类别", "{{ person.categories }}", 1)],
        [("户籍地", "{{ person.hukou_address }}", 3), ("城乡类别", "{{ person.area }}", 1)],
        [("参保类型", "{{ person.scheme }}", 3), ("联系电话", "{{ person.phone }}", 1)],
        [("就诊医疗机构", "{{ facility.name }}", 3), ("就诊类别", "{{ episode.kind }}", 1)],
        [("入院时间", "{{ episode.admitted.zh }}", 1), ("出院时间", "{{ episode.discharged.zh }}", 1), ("疾病诊断", "{{ episode.diagnoses }}", 1)],
        [("医疗总费用", "{{ bill.total }}元", 1), ("基本医保支付", "{{ bill.basic_paid }}元", 1), ("大病保险支付", "{{ bill.critical_paid }}元", 1)],
        [("其他补充\n保险支付", "{{ bill.other_paid }}元", 1), ("起付线费用", "{{ bill.deductible }}元", 1), ("个人负担", "{{ self_pay }}元", 1)],
    ])
    c = t.cell(8, 0).merge(t.cell(8, 5))
    cell(c, "救助金额计算", align="center", bold=True)
    for i, h in enumerate(("救助项目", "", "计算基数（元）", "", "救助比例", "救助金额（元）")):
        if h:
            cell(t.cell(9, i), h, align="center", bold=True)
    t.cell(9, 0).merge(t.cell(9, 1))
    t.cell(9, 2).merge(t.cell(9, 3))
    cell(t.cell(10, 0), "{%tr for l in layers_list if not l.given %}")  # assistance only, not the slip's payers
    cell(t.cell(11, 0).merge(t.cell(11, 1)), "{{ l.name_zh }}")
    cell(t.cell(11, 2).merge(t.cell(11, 3)), "{{ l.base }}", align="right")
    cell(t.cell(11, 4), "{{ l.rate }}", align="center")
    cell(t.cell(11, 5), "{{ l.amount }}", align="right")
    cell(t.cell(12, 0), "{%tr endfor %}")
    c = t.cell(13, 0).merge(t.cell(13, 5))
    cell(c, "基本医疗救助与大病医疗救助合计：{{ assistance }}元（大写：{{ assistance.capital }}）")
    c = t.cell(14, 0).merge(t.cell(14, 5))
    cell(c, "申请人承诺：以上情况属实，如有虚假，愿退回救助资金并承担相应责任。",
         "申请人（代办人）签字：                  与申请人关系：            年    月    日", valign="top")
    for i in range(8):
        row_height(t, i, 1.0)
    t2 = grid(doc, 3, 2, [3.2, 13.4])
    for i, (who, a, b) in enumerate((("乡镇（街道）\n审核意见", "经办人", "审核人"),
                                     ("县（区）民政局\n审批意见", "经办人", "审批人"),
                                     ("救助资金\n发放情况", "经办人", "审核人"))):
        cell(t2.cell(i, 0), who, align="center")
        cell(t2.cell(i, 1), "", "", f"{a}：            {b}：            （盖章）        年    月    日", valign="top")
        row_height(t2, i, 2.4)
    footnote(doc, "注：1.基本医疗救助对个人承担的符合规定的基本医疗自负费用按比例救助，年度设救助上限；大病医疗救助对符合规定的"
                  "医疗自负费用超过救助起付线部分按比例救助。2.随表附身份证、救助证件复印件、医疗费用票据、结算单等材料。")
    doc.save(d / "assistance_settlement.docx")
    forms["assistance_settlement"] = dict(file="assistance_settlement.docx", title_zh="抚顺市医疗救助申请审批表",
                                           title_en="Medical assistance application and approval form", source="五（二）3")
    manifest(d, forms)


def main(argv=None):
    for fn in (wusheng, liujiang, jingjiang, guangan, fushun):
        fn()
    print("templates written under plugins/*/templates/")


if __name__ == "__main__":
    sys.exit(main())
