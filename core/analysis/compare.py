"""Comparing one case across regions (跨地区比较): a table with one column per region.

By default the case is *re-homed* (迁户) into each region before it is evaluated: the person's
hukou and residence and the facility's location take the region's division code (the 9/12-digit
township and village suffix is kept), because the same person usually has a hukou in one region
only and every region's eligibility starts from the hukou. ``as_is=True`` evaluates the case as given.

A region that cannot evaluate the case (a required deployment parameter is missing, the policy
is not in force …) gets an error cell instead of aborting the whole table; so does a broken region
plugin (it does not import, a hook raises or answers the wrong type), marked as a fault.
"""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

import attrs

from jiuzhu.rules.engine import Engine
from jiuzhu.model.errors import JiuzhuError
from jiuzhu.model.case import ROLES, Case
from jiuzhu.model.money import pct, yuan_grouped
from jiuzhu.model.outcome import VERDICTS, Outcome
from jiuzhu.plugins import BrokenRegion, RegionFault


def rehome_code(code: str, division: str) -> str:
    """``code`` moved into ``division``: the first six digits replaced, the suffix kept.

    A city-level division (``210400``) stands for its seat; a suffix is kept only when the
    original code had one, so a 6-digit code stays 6 digits.
    """
    if not code:
        return division[:6]
    return division[:6] + code[6:]


def rehome(case: Case, division: str) -> Case:
    """The same facts, with the person and facility moved into ``division``."""
    p, f = case.person, case.facility
    same_place = f.location[:6] == p.hukou[:6]
    person = attrs.evolve(p, hukou=rehome_code(p.hukou, division),
                          residence=rehome_code(p.residence, division) if p.residence else "")
    # A facility in the home county stays in the new home county; one elsewhere keeps its
    # distance from home (same city, province or outside), so the referral scope is unchanged.
    if same_place:
        loc = rehome_code(f.location, division)
    else:
        loc = f.location
    return attrs.evolve(case, person=person, facility=attrs.evolve(f, location=loc), region=None)


@attrs.frozen
class Cell:
    """One table cell: the shown value, a sortable raw value and the cited reason behind it."""

    text: str
    raw: object = None
    why: str = ""


@attrs.frozen
class Column:
    region: str
    name: str
    outcome: Outcome | None = None
    error: str = ""
    fault: bool = False  # the region's plugin is broken or failed, not the case


@attrs.frozen
class Comparison:
    case_id: str
    rehomed: bool
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, str, tuple[Cell, ...]], ...]  # (key, label, cells)

    def differs(self, key: str) -> bool:
        """Do the regions that could evaluate the case disagree on this row?"""
        cells = next(c for k, _, c in self.rows if k == key)
        return len({c.raw for c, col in zip(cells, self.columns) if not col.error}) > 1


ROW_LABELS = {
    "eligibility": "救助对象资格 eligibility",
    "referral": "就医路径审核 referral verdict",
    "total": "医疗费总额 total cost",
    "assistance": "救助合计 total assistance",
    "burden": "个人负担 personal burden",
    "burden_share": "负担比例 burden share",
    "signer": "签字人 required signer",
    "forms": "表格数 forms",
    "deadline": "最早时限 earliest deadline",
}


def _cite(c) -> str:
    return f"[{c}]" if c else ""


def _reasons(rs) -> str:
    return "; ".join(f"{r.zh} {_cite(r.cite)}".strip() for r in rs)


def compare_case(engine: Engine, case: Case, regions: list[str], as_is: bool = False, as_of=None) -> Comparison:
    """Evaluate ``case`` under each region (re-homed unless ``as_is``) and lay the outcomes side by side."""
    cols = []
    for code in regions:
        name = code
        try:
            info = engine.host.region(code).info
            name = f"{info.name_zh} {info.name_en}"
            c = case if as_is else rehome(case, info.division)
            cols.append(Column(code, name, engine.evaluate(c, code, as_of)))
        except (BrokenRegion, RegionFault) as exc:
            cols.append(Column(code, name, None, str(exc), fault=True))
        except JiuzhuError as exc:
            cols.append(Column(code, name, None, str(exc)))
    layer_ids: list[tuple[str, str]] = []
    for col in cols:
        if col.outcome:
            for l in col.outcome.settlement.layers:
                if l.id not in [i for i, _ in layer_ids]:
                    layer_ids.append((l.id, f"{l.name_zh} {l.name_en}"))

    out_err = [False]

    def cells(fn):
        out = []
        for col in cols:
            if col.outcome is None:
                out.append(Cell("错误 error ¹" if not out_err[0] else "—", ("error",), ""))
            else:
                out.append(fn(col.outcome))
        return tuple(out)

    def layer_cell(lid):
        def f(o: Outcome):
            l = next((x for x in o.settlement.layers if x.id == lid), None)
            if l is None:
                return Cell("—", 0, "本地区无此项 not a layer here")
            from jiuzhu.io.report import explain_layer
            return Cell(yuan_grouped(l.amount), l.amount, f"{explain_layer(l)} {_cite(l.cite)}")
        return f

    def elig(o):
        e = o.eligibility
        return Cell(("是 yes" if e.eligible else "否 no") + (f" ({', '.join(e.groups)})" if e.groups else ""),
                    e.eligible, _reasons(e.reasons))

    def verdict(o):
        zh, en = VERDICTS[o.referral.kind]
        return Cell(f"{zh} {en}", o.referral.kind, _reasons(o.referral.reasons))

    def share(o):
        s = o.settlement
        return Cell(pct(Fraction(s.burden, s.total), 2) if s.total else "—",
                    Fraction(s.burden, s.total) if s.total else None, "个人负担 ÷ 医疗费总额 burden ÷ total")

    def signer(o):
        s = o.signature
        if s is None:
            return Cell("—", None, "本地区未规定 the region says nothing")
        who = ROLES.get(s.signer_role, s.signer_role)
        return Cell(f"{who} ({s.signer_role})", s.signer_role,
                    "; ".join([f"#{p.rank} {p.why_zh}" for p in s.passed_over] + [_reasons(s.reasons)]).strip("; "))

    def deadline(o):
        ds = [d for d in o.deadlines if d.due]
        if not ds:
            return Cell("—", None, "")
        d = ds[0]
        return Cell(f"{d.due.isoformat()} {d.what_zh}", d.due.isoformat(), f"{d.rule_zh} {_cite(d.cite)}".strip())

    rows = [
        ("eligibility", ROW_LABELS["eligibility"], cells(elig)),
        *_flag(out_err),
        ("referral", ROW_LABELS["referral"], cells(verdict)),
        ("total", ROW_LABELS["total"], cells(lambda o: Cell(yuan_grouped(o.settlement.total), o.settlement.total,
                                                               "医保结算单 settlement slip"))),
    ]
    for lid, label in layer_ids:
        rows.append((f"layer.{lid}", label, cells(layer_cell(lid))))
    rows += [
        ("assistance", ROW_LABELS["assistance"], cells(lambda o: Cell(yuan_grouped(o.settlement.assistance),
                                                                         o.settlement.assistance,
                                                                         "本地区各救助层合计 sum of the region's layers"))),
        ("burden", ROW_LABELS["burden"], cells(lambda o: Cell(yuan_grouped(o.settlement.burden), o.settlement.burden,
                                                               "总额 − 各项支付 total − all payers"))),
        ("burden_share", ROW_LABELS["burden_share"], cells(share)),
        ("signer", ROW_LABELS["signer"], cells(signer)),
        ("forms", ROW_LABELS["forms"], cells(lambda o: Cell(str(len(o.documents)), len(o.documents),
                                                             "、".join(d.title_zh for d in o.documents)))),
        ("deadline", ROW_LABELS["deadline"], cells(deadline)),
    ]
    return Comparison(case.id, not as_is, tuple(cols), tuple(rows))


def _flag(box: list) -> tuple:
    """Error cells say "error" in the first row only; the message is printed once below the table."""
    box[0] = True
    return ()


def errors(cmp: Comparison) -> list[str]:
    return [f"¹ {c.name}: {c.error}" for c in cmp.columns if c.error]


def header(cmp: Comparison) -> str:
    what = ("已将本人户籍、居住地及医疗机构所在地迁入各地区（同一事实，各地区区划代码） "
            "re-homed: the person's hukou and residence and the facility are moved into each region"
            if cmp.rehomed else "按原样评估 evaluated as given (--as-is)")
    return f"跨地区比较 comparison{(' #' + cmp.case_id) if cmp.case_id else ''} — {what}"


def to_json(cmp: Comparison, explain: bool = False) -> dict:
    return {
        "case_id": cmp.case_id,
        "rehomed": cmp.rehomed,
        "regions": [{"code": c.region, "name": c.name, "error": c.error or None} for c in cmp.columns],
        "rows": [{"key": k, "label": label, "differs": cmp.differs(k),
                  "cells": {col.region: ({"text": c.text, "why": c.why} if explain else c.text)
                            for col, c in zip(cmp.columns, cells)}}
                 for k, label, cells in cmp.rows],
    }


def render(cmp: Comparison, fmt: str = "text", explain: bool = False, width: int = 200, color: bool = False) -> str:
    """The comparison as text (rich table), markdown, csv or json. Differing rows are highlighted:
    bold yellow in text, bold in markdown, a ``differs`` column in csv and json."""
    if fmt == "json":
        return json.dumps(to_json(cmp, explain), ensure_ascii=False, indent=2)
    if fmt == "csv":
        from jiuzhu.io.safe import csv_field
        buf = io.StringIO()
        out = csv.writer(buf)

        def writerow(row):  # every field neutralised against formula injection (jiuzhu.io.safe)
            out.writerow([csv_field(v) for v in row])
        writerow(["row", "label", "differs", *[c.region for c in cmp.columns]]
                   + ([f"{c.region}.why" for c in cmp.columns] if explain else []))
        for k, label, cells in cmp.rows:
            writerow([k, label, cmp.differs(k), *[c.text for c in cells]] + ([c.why for c in cells] if explain else []))
        writerow(["error", "错误 error", "", *[c.error for c in cmp.columns]] + ([""] * len(cmp.columns) if explain else []))
        return buf.getvalue()
    if fmt == "markdown":
        lines = [f"**{header(cmp)}**", "",
                 "| | " + " | ".join(c.name for c in cmp.columns) + " |",
                 "|---|" + "---|" * len(cmp.columns)]
        for k, label, cells in cmp.rows:
            d = cmp.differs(k)
            shown = []
            for c in cells:
                t = c.text.replace("|", "\\|")
                t = f"**{t}**" if d else t
                if explain and c.why:
                    t += "<br><sub>" + c.why.replace("|", "\\|") + "</sub>"
                shown.append(t)
            lines.append(f"| {'**' + label + '**' if d else label} | " + " | ".join(shown) + " |")
        lines += ["", "加粗：各地区不同 bold: differs across regions"]
        lines += [f"- {e}" for e in errors(cmp)]
        return "\n".join(lines) + "\n"
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    buf = io.StringIO()
    con = Console(file=buf, width=width, force_terminal=color, color_system="standard" if color else None,
                  highlight=False)
    t = Table(title=header(cmp), box=box.SIMPLE_HEAVY, title_justify="left", show_lines=explain)
    t.add_column("")
    for c in cmp.columns:
        t.add_column(c.name, overflow="fold")
    for k, label, cells in cmp.rows:
        d = cmp.differs(k)
        style = "bold yellow" if d else None
        vals = [c.text + (f"\n  ↳ {c.why}" if explain and c.why else "") for c in cells]
        t.add_row(("≠ " if d else "  ") + label, *[escape(v) for v in vals], style=style)
    con.print(t)
    con.print("≠ 各地区不同 differs across regions")
    for e in errors(cmp):
        con.print(escape(e))
    return buf.getvalue()


def parse_regions(engine: Engine, spec: str | None) -> list[str]:
    """``a,b`` or ``all`` (the default) to installed region codes, in the order given. Broken regions
    are kept: their columns show why they cannot be used."""
    known = sorted(engine.host.regions)
    if not spec or spec == "all":
        return sorted([*known, *engine.host.broken])
    out = [s.strip() for s in spec.split(",") if s.strip()]
    for code in out:
        if code not in engine.host.broken:
            engine.host.region(code)  # UnknownRegion names the installed ones
    return out
