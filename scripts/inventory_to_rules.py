"""Draft a region's rules.toml from its rule inventory (../shared/rules/REGION.md).

Each rule heading becomes an entry with status "todo"; the region's maintainers then set the
status (implemented / duty / info) and add the reason or tests. Existing entries are kept.

    python scripts/inventory_to_rules.py wusheng plugins/wusheng/rules.toml
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HEAD = re.compile(
    r"^(?:#{2,5}\s+|\*\*|\|\s*)(?P<id>(?:WS|LJ|GA|FS|JJ)-[A-Z]+-\d+[a-z]?)\b[:\s·—–-]*(?P<rest>.*)$")


def extract(md: str) -> list[tuple[str, str]]:
    out, seen = [], set()
    for line in md.splitlines():
        m = HEAD.match(line.strip())
        if not m or m["id"] in seen:
            continue
        rest = m["rest"].split("|")[1] if line.strip().startswith("|") else m["rest"]
        title = re.sub(r"`[^`]*`", "", rest).replace("**", "").strip(" .:—-·")
        seen.add(m["id"])
        out.append((m["id"], title))
    return out


def main(region: str, dest: str) -> None:
    src = Path(__file__).resolve().parents[1].parent / "shared" / "rules" / f"{region}.md"
    rules = extract(src.read_text(encoding="utf-8"))
    lines = [f"# Rule register of {region}: every inventory rule ID, its status and, for duties, why nothing is computed.",
             "# status: implemented (tested by a test marked with the ID) / duty / info / todo", ""]
    for rid, title in rules:
        lines += ["[[rule]]", f'id = "{rid}"', f"statement = {json.dumps(title, ensure_ascii=False)}",
                  'status = "todo"', ""]
    Path(dest).write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(rules)} rules -> {dest}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
