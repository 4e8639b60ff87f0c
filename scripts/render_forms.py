"""Render page 1 of every form of the regions to PNG, for a person to look at.

    python scripts/render_forms.py [--region wusheng] [--case examples/wusheng-in-county.toml] --out build/forms

Each form is filled from the case (default: the built-in test case), converted to PDF with
LibreOffice (``soffice --headless``) and its first page drawn to PNG with pypdfium2
(``pip install pypdfium2``). Prints one line per form: the PNG, the PDF's page count and
page size in millimetres, so a form that spills onto a second page or off A4 stands out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def page1_png(pdf: Path, png: Path, scale: float = 1.5) -> tuple[int, tuple[float, float]]:
    """Draw page 1 of ``pdf`` to ``png``; return (page count, (width, height) in mm)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    page = doc[0]
    w, h = page.get_size()
    page.render(scale=scale).to_pil().save(png)
    n = len(doc)
    doc.close()
    return n, (round(w / 72 * 25.4, 1), round(h / 72 * 25.4, 1))


def main(argv=None) -> int:
    from jiuzhu.model.errors import JiuzhuError
    from jiuzhu.paperwork.forms import convert, need_for, region_forms, render_need
    from jiuzhu.io.loader import load_case
    from jiuzhu.kit.testing import make_case, make_engine

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", action="append", help="region code (repeatable; default: all)")
    ap.add_argument("--case", help="a case file to fill the forms from")
    ap.add_argument("--out", default="build/forms", help="output folder")
    a = ap.parse_args(argv)
    out = Path(a.out)
    eng = make_engine(parameters={r: {"effective_date": "2020-01-01"} for r in ("wusheng", "liujiang")})
    case = load_case(a.case) if a.case else make_case({"id": "PREVIEW", "bill": {
        "total": "12000", "in_scope": "10500", "fully_self_paid": "1500", "basic_paid": "7875",
        "items": [{"name": "自费耗材", "amount": "1500"}]}})
    regions = a.region or sorted(eng.host.regions)
    status = 0
    for code in regions:
        outcome = eng.evaluate(case, code)
        for fid, spec in region_forms(eng, code).items():
            try:
                filled = render_need(eng, case, outcome, need_for(spec), out / code)
                pdf = convert(filled, "pdf", out / code)
                png = pdf.with_suffix(".png")
                pages, size = page1_png(pdf, png)
            except JiuzhuError as exc:
                print(f"{code}/{fid}: {exc}", file=sys.stderr)
                status = 2
                continue
            print(f"{png}\tpages={pages}\tsize={size[0]}x{size[1]}mm")
    return status


if __name__ == "__main__":
    sys.exit(main())
