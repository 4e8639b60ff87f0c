"""Per-region totals of a batch, for people: text (rich), JSON, CSV or Markdown.

Each region's line says how many claims were covered and, for the others, *why not*: the
decisive rule IDs with their counts, so that a region covering few claims explains itself.
Money is shown in yuan with two decimals (plain in CSV and JSON, grouped in text and Markdown).
"""

from __future__ import annotations

import csv
import io
import json

from jiuzhu.io.safe import csv_field
from jiuzhu.model.money import yuan, yuan_grouped

FORMATS = ("text", "json", "csv", "markdown")
HEAD = [("region", "地区 region"), ("claims", "理赔数 claims"), ("eligible", "救助对象 eligible"),
        ("covered", "救助 covered"), ("refused", "未救助 not covered"), ("pay_first_claim", "先垫付后报销 pay first"),
        ("assistance", "救助合计 assistance (元)"), ("burden_total", "个人负担合计 burden (元)"),
        ("burden_mean", "均值 mean"), ("burden_median", "中位数 median"), ("burden_p90", "P90")]
MONEY = {"assistance", "burden_total", "burden_mean", "burden_median", "burden_p90"}


def why_not(tot: dict, top: int = 3) -> list[tuple[str, int, str]]:
    """The decisive rules behind the claims not covered, most frequent first: (rule, count, 中文)."""
    rows = [(r, v["not_covered"], v["zh"]) for r, v in tot.get("by_reason", {}).items() if v["not_covered"]]
    return sorted(rows, key=lambda x: (-x[1], x[0]))[:top]


def _name(engine, code: str) -> str:
    r = engine.host.regions.get(code)  # a broken region is not installed: its code alone
    return f"{r.info.name_zh} {code}" if r else code


def render_totals(engine, tots: list[dict], n: int, rehomed: bool, fmt: str, console, invalid: int = 0,
                  errors_file=None) -> None:
    if fmt not in FORMATS:
        from jiuzhu.model.errors import InputError
        raise InputError("--format", fmt, f"one of {', '.join(FORMATS)}")
    if fmt == "json":
        console.print_json(json.dumps(tots, ensure_ascii=False))
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow([k for k, _ in HEAD] + ["error", "why_not_covered"])
        for t in tots:
            if "error" in t:
                w.writerow([t["region"]] + [""] * (len(HEAD) - 1) + [csv_field(t["error"]), ""])
                continue
            w.writerow([yuan(t[k]) if k in MONEY else t[k] for k, _ in HEAD] + [""] +
                       ["; ".join(f"{r} {c}" for r, c, _ in why_not(t, 10))])
        console.file.write(buf.getvalue())
        return
    title = (f"各地区合计 totals per region — {n:,} claims" + ("，已迁入各地区 re-homed into each region" if rehomed
                                                           else "，按原样 as given")
             + (f"；{invalid:,} 行无效未计算 invalid rows not computed ({errors_file})" if invalid else ""))
    if fmt == "markdown":
        lines = [f"**{title}**", "", "| " + " | ".join(h for _, h in HEAD) + " | 未救助原因 why not covered |",
                 "|" + " --- |" * (len(HEAD) + 1)]
        for t in tots:
            if "error" in t:
                lines.append(f"| {_name(engine, t['region'])} | " + " | ".join(["—"] * (len(HEAD) - 1))
                             + f" | 错误 error: {t['error']} |")
                continue
            cells = [_name(engine, t["region"])] + [yuan_grouped(t[k]) if k in MONEY else f"{t[k]:,}"
                                                    for k, _ in HEAD[1:]]
            why = "; ".join(f"{r} ×{c:,} {zh}" for r, c, zh in why_not(t))
            lines.append("| " + " | ".join(cells) + f" | {why or '—'} |")
        console.file.write("\n".join(lines) + "\n")
        return
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text
    tb = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left")
    for k, h in HEAD:
        tb.add_column(h, justify="left" if k == "region" else "right", overflow="fold")
    tb.add_column("各基金 by fund (元)", overflow="fold")
    tb.add_column("未救助主要原因 why not covered (rule ×claims)", overflow="fold")
    notes = []
    for t in tots:
        if "error" in t:
            tb.add_row(_name(engine, t["region"]), *["—"] * (len(HEAD) - 1), "错误 error ¹", "")
            notes.append(Text(f"¹ {t['region']}: {t['error']}"))
            continue
        labels = t.get("fund_labels", {})
        funds = "\n".join(f"{labels.get(k, (k, k))[0]} {k}: {yuan_grouped(v)}" for k, v in t["funds"].items()) or "—"
        why = "\n".join(f"{r} ×{c:,} {zh}" for r, c, zh in why_not(t)) or "—"
        tb.add_row(_name(engine, t["region"]), *[yuan_grouped(t[k]) if k in MONEY else f"{t[k]:,}" for k, _ in HEAD[1:]],
                   funds, why)
    console.print(Group(tb, *notes))
