"""PDF conversion: one LibreOffice process per form against one process for all of them.

    python benchmarks/pdf.py            # needs LibreOffice and fonts-noto-cjk

Fills the seven forms of Wusheng's first example (attachments 1–6 and Guang'an's agreement)
and every form of every region's examples, then times ``convert`` per file against one
``convert_many`` call. A measurement, not a timed test.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from jiuzhu.io.config import load_config
from jiuzhu.io.loader import load_case
from jiuzhu.paperwork.forms import convert, convert_many, need_for, region_forms, render_need
from jiuzhu.rules.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def fill(eng, paths, out):
    files = []
    for p in paths:
        case = load_case(p)
        outcome = eng.evaluate(case, p.parent.parent.name)
        specs = {}
        for c in outcome.chain:
            specs.update(region_forms(eng, c))
        for fid, spec in specs.items():
            need = next((n for n in outcome.documents if n.form_id == fid), None) or need_for(spec)
            files.append(render_need(eng, case, outcome, need, out))
    return files


def main():
    eng = Engine(deployment=load_config(ROOT / "examples" / "jiuzhu.toml"))
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        seven = fill(eng, [ROOT / "plugins/wusheng/examples/ws-01-in-county-township.toml"], d / "one")
        t = time.perf_counter()
        for f in seven:
            convert(f, "pdf", d / "each")
        each = time.perf_counter() - t
        t = time.perf_counter()
        convert_many(seven, "pdf", d / "many")
        many = time.perf_counter() - t
        print(f"{len(seven)} Wusheng forms: one process per form {each:.1f} s, one process {many:.1f} s")
        every = fill(eng, sorted(ROOT.glob("plugins/*/examples/*.toml")), d / "all")
        t = time.perf_counter()
        convert_many(every, "pdf", d / "all-pdf")
        print(f"{len(every)} forms of every example: one process {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
