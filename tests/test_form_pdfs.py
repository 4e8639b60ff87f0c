"""Every form of every region's examples, rendered to PDF the way a clerk receives it.

Needs LibreOffice and the Noto CJK fonts (``.ci/run`` installs them from Debian packages when
missing): one ``soffice`` process converts all forms; each PDF is then read back page by page.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from PIL import Image, ImageDraw, ImageFont

from jiuzhu.io.config import load_config
from jiuzhu.io.loader import load_case
from jiuzhu.model import vocab
from jiuzhu.paperwork.forms import convert_many, need_for, region_forms, render_need
from jiuzhu.rules.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(ROOT.glob("plugins/*/examples/*.toml"))
TEMPLATES = sorted(ROOT.glob("plugins/*/templates/*.docx")) + sorted(ROOT.glob("plugins/*/templates/*.xlsx"))
# Characters whose Simplified Chinese and Japanese glyphs differ in the Noto CJK faces.
SC_PROBES = "直真具骨角次令今写边说"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """(case, outcome, form id, filled file, pdf) for every form of every example's region chain."""
    out = tmp_path_factory.mktemp("forms")
    eng = Engine(deployment=load_config(ROOT / "examples" / "jiuzhu.toml"))
    filled = []
    for path in EXAMPLES:
        case = load_case(path)
        outcome = eng.evaluate(case, path.parent.parent.name)
        specs = {}
        for code in outcome.chain:
            specs.update(region_forms(eng, code))
        for fid, spec in specs.items():
            need = next((n for n in outcome.documents if n.form_id == fid), None) or need_for(spec)
            filled.append((case, outcome, fid, render_need(eng, case, outcome, need, out / outcome.region)))
    pdfs = convert_many([f for *_, f in filled], "pdf", out / "pdf")  # one LibreOffice process
    return [(*row, pdf) for row, pdf in zip(filled, pdfs)]


def _text(doc) -> str:
    return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def test_every_example_form_is_one_a4_page(rendered):
    assert len(rendered) > 100  # 43 examples × their chain's forms
    wrong = []
    for case, outcome, fid, filled, pdf in rendered:
        doc = pdfium.PdfDocument(str(pdf))
        w, h = (round(x / 72 * 25.4) for x in doc[0].get_size())
        # Word forms are portrait A4; the Excel sheets and ledgers landscape A4 (as in the seed)
        size = (210, 297) if filled.suffix == ".docx" else (297, 210)
        if len(doc) != 1 or (w, h) != size:
            wrong.append(f"{pdf.name}: {len(doc)} pages, {w}x{h} mm")
        doc.close()
    assert not wrong, wrong


def test_no_codes_or_reprs_in_the_text_layer(rendered):
    """Names, not codes: no division code, ICD code, internal id or Python repr reaches the page."""
    internal = set(vocab.PAYERS) | {"relief_fund", "tfpl_agreement", "claim_materials", "settlement_slip",
                                    "assistance_settlement", "attachment_"}
    found = []
    for case, outcome, fid, filled, pdf in rendered:
        doc = pdfium.PdfDocument(str(pdf))
        # lines wrap inside cells: compare without line breaks
        text = re.sub(r"\s+", "", _text(doc))
        doc.close()
        p = case.person
        codes = {c for c in (p.hukou, p.residence, p.hukou[:9], (p.residence or p.hukou)[:9]) if c}
        bad = [c for c in codes if c in text.replace(p.id_number, "")]
        bad += [d for d, n in zip(case.episode.diagnoses, case.episode.diagnosis_names) if n and d in text]
        bad += [w for w in internal if w in text]
        bad += re.findall(r"\[|\]|'|\bNone\b|\bTrue\b|\bFalse\b|Ns\(|Money\(|Day\(", text)
        if bad:
            found.append(f"{pdf.name}: {sorted(set(bad))}")
    assert not found, found


def test_names_where_the_seed_form_asks_for_names(rendered):
    """Wusheng 附件1 of ws-01: hukou as 四川省广安市武胜县中心镇…, the diagnosis by its name."""
    row = next(r for r in rendered if r[0].id == "WS-EX-01" and r[2] == "attachment_1")
    doc = pdfium.PdfDocument(str(row[4]))
    text = re.sub(r"\s+", "", _text(doc))
    doc.close()
    assert "户籍地四川省广安市武胜县中心镇某村" in text
    assert "因患肺炎病需到武胜县中心镇卫生院" in text


def test_guangan_agreement_leaves_proxy_blank_when_the_patient_signs(rendered):
    for case, outcome, fid, filled, pdf in rendered:
        if fid != "tfpl_agreement" or not outcome.signature or outcome.signature.signer_role != "patient":
            continue
        doc = pdfium.PdfDocument(str(pdf))
        text = _text(doc)
        doc.close()
        line = next(ln for ln in text.splitlines() if "代签人签字" in ln)
        assert case.person.name not in line, pdf.name


def _face(family: str) -> tuple[str, int]:
    out = subprocess.run(["fc-match", "-f", "%{file}\t%{index}", family], capture_output=True, text=True).stdout
    file, index = out.split("\t")
    return file, int(index)


def _norm(img) -> np.ndarray:
    a = np.asarray(img.convert("L"), dtype=float)
    ys, xs = np.where(a < 128)
    a = a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    return np.asarray(Image.fromarray(a.astype("uint8")).resize((48, 48)), dtype=float) / 255


def _glyph(ch: str, family: str) -> np.ndarray:
    file, index = _face(family)
    font = ImageFont.truetype(file, 200, index=index)
    im = Image.new("L", (300, 300), 255)
    ImageDraw.Draw(im).text((20, 20), ch, font=font, fill=0)
    return _norm(im)


def _page_glyph(pdf: Path) -> tuple[str, np.ndarray]:
    doc = pdfium.PdfDocument(str(pdf))
    page = doc[0]
    tp = page.get_textpage()
    text = tp.get_text_range()
    ch = next(c for c in SC_PROBES if c in text)
    left, bottom, right, top = tp.get_charbox(text.index(ch))
    scale, (_, height) = 8, page.get_size()
    img = page.render(scale=scale).to_pil().crop((int(left * scale) - 2, int((height - top) * scale) - 2,
                                                   int(right * scale) + 2, int((height - bottom) * scale) + 2))
    doc.close()
    return ch, _norm(img)


@pytest.mark.parametrize("form", [("WS-EX-01", "attachment_1"), ("GA-EX-001", "tfpl_agreement")])
def test_rendered_page_uses_the_simplified_chinese_face(rendered, form):
    """The glyph drawn on the page matches Noto Serif CJK SC, not the JP face of the same font
    (which is what python-docx's ja-JP tag used to select)."""
    pdf = next(r[4] for r in rendered if (r[0].id, r[2]) == form)
    ch, drawn = _page_glyph(pdf)
    sc = np.abs(drawn - _glyph(ch, "Noto Serif CJK SC")).mean()
    jp = np.abs(drawn - _glyph(ch, "Noto Serif CJK JP")).mean()
    assert sc < jp / 2, (ch, sc, jp)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_templates_declare_zh_cn_and_sc_fonts(path):
    if path.suffix == ".docx":
        z = zipfile.ZipFile(path)
        styles, settings, doc = (z.read(f"word/{n}.xml").decode() for n in ("styles", "settings", "document"))
        fonts = z.read("word/fontTable.xml").decode()
        langs = set(re.findall(r'<w:lang [^>]*w:eastAsia="([^"]+)"', styles + doc))
        assert langs == {"zh-CN"}
        assert 'w:themeFontLang w:val="zh-CN" w:eastAsia="zh-CN"' in settings
        assert "ja-JP" not in styles + settings + doc
        east = set(re.findall(r'w:eastAsia="([^"]+)"', re.sub(r"<w:lang [^>]*>|<w:themeFontLang [^>]*>", "", styles + doc)))
        assert east == {"Noto Serif CJK SC", "Noto Sans CJK SC"} or east == {"Noto Serif CJK SC"}
        # the fallback a machine without Noto uses: 宋体 / 黑体 in the GB2312 charset
        assert re.search(r'w:name="Noto Serif CJK SC"><w:altName w:val="宋体"/><w:charset w:val="86"/>', fonts)
    else:
        ws = load_workbook(path).active
        fonts = {(c.font.name, c.font.charset) for row in ws.iter_rows() for c in row if c.value is not None}
        assert fonts <= {("Noto Serif CJK SC", 134), ("Noto Sans CJK SC", 134)} and fonts


def test_cli_forms_pdf_converts_all_forms_in_one_libreoffice_process(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from jiuzhu.cli import cli
    from jiuzhu.paperwork import forms

    calls = []
    real = forms.subprocess.run

    def counting(cmd, *a, **kw):
        if cmd and "--convert-to" in cmd:
            calls.append(cmd)
        return real(cmd, *a, **kw)

    monkeypatch.setattr(forms.subprocess, "run", counting)
    res = CliRunner().invoke(cli, ["--config", str(ROOT / "examples" / "jiuzhu.toml"), "forms",
                                   str(ROOT / "plugins/wusheng/examples/ws-01-in-county-township.toml"),
                                   "--out", str(tmp_path), "--all", "--format", "pdf"])
    assert res.exit_code == 0, res.output
    pdfs = sorted(p.name for p in tmp_path.glob("*.pdf"))
    # Wusheng's six attachments and Guang'an's agreement (the parent's form)
    assert len(pdfs) == 7 and "WS-EX-01-tfpl_agreement.pdf" in pdfs
    assert len(calls) == 1
    assert not list(tmp_path.glob("*.docx")) and not list(tmp_path.glob("*.xlsx"))  # only PDF was asked for


def test_readme_render_script_runs_on_the_example_deployment(tmp_path):
    import sys
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "render_forms.py"), "--region", "guangan",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    lines = res.stdout.splitlines()
    assert len(lines) == len(list((ROOT / "plugins/guangan/examples").glob("*.toml")))
    assert all("pages=1\tsize=210.0x297.0mm" in ln for ln in lines), lines
    assert "Traceback" not in res.stderr
