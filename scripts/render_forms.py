"""Render every form of the regions' example cases to PDF and page 1 to PNG, for a person to look at.

    python scripts/render_forms.py [--region wusheng] [--case FILE] [--config examples/jiuzhu.toml] --out build/forms

Each form of each example case (``plugins/REGION/examples/*.toml``; or only ``--case``) is
filled under the example deployment (``examples/jiuzhu.toml``: it sets the numbers the seeds
leave to the county), converted to PDF with one LibreOffice process per region folder, and page 1 of each is
drawn to PNG with pypdfium2 (``pip install -e '.[render]'``). Prints one line per form: the PNG,
the PDF's page count and page size in millimetres, so a form that spills onto a second page or
off A4 stands out. Exit status 2 if anything could not be rendered.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
    from jiuzhu.io.config import load_config
    from jiuzhu.io.loader import load_case
    from jiuzhu.model.errors import JiuzhuError
    from jiuzhu.paperwork.forms import convert_many, need_for, region_forms, render_need
    from jiuzhu.rules.engine import Engine

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", action="append", help="region code (repeatable; default: all)")
    ap.add_argument("--case", help="one case file to fill the forms from (default: the regions' examples)")
    ap.add_argument("--config", default=str(ROOT / "examples" / "jiuzhu.toml"), help="deployment (jiuzhu.toml)")
    ap.add_argument("--out", default="build/forms", help="output folder")
    a = ap.parse_args(argv)
    out = Path(a.out)
    try:
        eng = Engine(deployment=load_config(a.config))
        regions = a.region or sorted(eng.host.regions)
        if a.case:
            jobs = [(load_case(a.case), code) for code in regions]
        else:
            jobs = [(load_case(p), code) for code in regions
                    for p in sorted((ROOT / "plugins" / code / "examples").glob("*.toml"))]
    except JiuzhuError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    status = 0
    filled = []
    for case, code in jobs:
        try:
            outcome = eng.evaluate(case, code)
            specs = {}
            for c in outcome.chain:
                specs.update(region_forms(eng, c))
            for fid, spec in specs.items():
                need = next((n for n in outcome.documents if n.form_id == fid), None) or need_for(spec)
                filled.append(render_need(eng, case, outcome, need, out / code))
        except JiuzhuError as exc:
            print(f"{code}/{case.id}: {exc}", file=sys.stderr)
            status = 2
    try:
        pdfs = convert_many(filled, "pdf")  # one LibreOffice process per output folder
    except JiuzhuError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    for pdf in sorted(pdfs):
        png = pdf.with_suffix(".png")
        pages, size = page1_png(pdf, png)
        print(f"{png}\tpages={pages}\tsize={size[0]}x{size[1]}mm")
    return status


if __name__ == "__main__":
    sys.exit(main())
