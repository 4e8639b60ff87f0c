"""Ledgers (台账) and monthly itemised claim sheets (明细表) built from many cases.

Every Excel form whose manifest entry has ``ledger = "in_county" | "out_of_county" | "any"`` is
a ledger: the cases of the month that fit it fill one row each, with ``SUM`` formulas for the
totals. ``group = "facility.name"`` gives one sheet per reporting hospital (Wusheng's
attachment 3 is declared by each hospital), ``group = "township"`` one per township with its
name as 填报乡镇 (attachments 4–6 are kept by each township); ``episodes = ["inpatient"]`` lists
only those episode kinds (attachment 5 is a ledger of inpatient stays). All sheets go into one
workbook.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import attrs

from jiuzhu.io.atomic import save_document
from jiuzhu.io.safe import set_text_cell
from jiuzhu.model.errors import InputError, JiuzhuError
from jiuzhu.paperwork.forms import _load_xlsx, _scope, context_for, fill_sheet, region_forms, sheet_context

SCOPE_FILTERS = {
    "any": lambda scope: True,
    "in_county": lambda scope: scope == "in_county",
    "out_of_county": lambda scope: scope != "in_county",
}


@attrs.frozen
class SheetSummary:
    title: str
    form_id: str
    rows: int
    span: tuple[int, int] | None
    totals: dict = attrs.field(factory=dict, hash=False)  # column letter → fen


def parse_month(value: str) -> tuple[int, int]:
    try:
        y, m = value.split("-")
        y, m = int(y), int(m)
        dt.date(y, m, 1)
        if len(value) != 7:
            raise ValueError
    except ValueError:
        raise InputError("month", value, "expected a month YYYY-MM, e.g. 2026-03") from None
    return y, m


def in_month(case, ym: tuple[int, int]) -> bool:
    """A case belongs to the month it is settled in: discharge, else admission."""
    d = case.episode.day
    return (d.year, d.month) == ym


def build_ledger(engine, cases, region: str, month: str, out: Path, today: dt.date | None = None) -> list[SheetSummary]:
    """Write the region's ledgers for ``month`` to ``out`` (.xlsx); return what each sheet holds."""

    ym = parse_month(month)
    chosen = []
    for case in cases:
        if not in_month(case, ym):
            continue
        outcome = engine.evaluate(case, region)
        chosen.append((case, outcome, False))
    return build_ledger_entries(engine, chosen, region, month, out, today)


REVERSAL_MARK = "（冲正）"


def _negated(v):
    """A reversal row (红字冲正): every amount of the original row with the opposite sign."""
    from jiuzhu.paperwork.forms import Money
    if isinstance(v, Money):
        return Money(-v.fen)
    if isinstance(v, dict):
        return {k: _negated(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_negated(x) for x in v]
    return v


def build_ledger_entries(engine, entries, region: str, month: str, out: Path,
                         today: dt.date | None = None) -> list[SheetSummary]:
    """Write the ledgers from ``(case, outcome, reversed)`` entries already chosen for ``month`` (the
    settlement ledger's records). A reversed settlement keeps its row and is followed by a reversal
    row with the opposite amounts (红字冲正), so the totals count what stands."""
    from openpyxl import Workbook
    limits = getattr(engine.deployment, "limits", None)
    specs = [s for s in region_forms(engine, region).values() if s.ledger and s.kind == "xlsx"]
    if not specs:
        raise JiuzhuError(f"region {region}: has no ledger templates (forms.toml entries with ledger = ...)")
    for s in specs:
        if s.ledger not in SCOPE_FILTERS:
            raise InputError(f"templates.{region}.{s.form_id}.ledger", s.ledger, f"expected one of {', '.join(SCOPE_FILTERS)}")
    chosen = sorted(entries, key=lambda co: (co[0].episode.day, co[0].id))
    wb = Workbook()
    wb.remove(wb.active)
    summaries = []
    for spec in specs:
        groups: dict[str, list[dict]] = {}
        for case, outcome, reversed_ in chosen:
            if not SCOPE_FILTERS[spec.ledger](_scope(case)):
                continue
            if spec.episodes and case.episode.kind not in spec.episodes:  # 附件4–6: stays only; 附件3: stays and special outpatient
                continue
            need = next((d for d in outcome.documents if d.form_id == spec.form_id), None)
            ctx = context_for(engine, case, outcome, need, today)
            key = _lookup(ctx, spec.group) if spec.group else ""
            groups.setdefault(key, []).append(ctx)
            if reversed_:
                red = _negated(ctx)
                red["person"] = {**red["person"], "name": f"{REVERSAL_MARK}{red['person'].get('name', '')}"}
                groups[key].append(red)
        if not groups:
            groups[""] = []
        for key, rows in groups.items():
            src = _load_xlsx(spec.path, limits)
            ws = src.worksheets[0]
            sctx = sheet_context(rows[0] if rows else None, spec, month, today, key)
            span = fill_sheet(ws, sctx, rows, spec.path, limits)
            title = _title(f"{spec.source or spec.form_id}{'-' + key if key else ''}", wb)
            copy_sheet(ws, wb, title)
            summaries.append(SheetSummary(title, spec.form_id, len(rows), span if rows else None,
                                          _totals(ws, span) if rows else {}))
    save_document(Path(out), wb.save)
    return summaries


def _lookup(ctx: dict, path: str):
    v = ctx
    for part in path.split("."):
        v = v.get(part, "") if isinstance(v, dict) else ""
    return str(v)


def _title(name: str, wb) -> str:
    bad = '[]:*?/\\'
    name = "".join("_" if ch in bad else ch for ch in name)[:31]
    base, i = name, 2
    while name in wb.sheetnames:
        suffix = f"({i})"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    return name


def _totals(ws, span) -> dict:
    """Column letter → total in fen of every amount column of the repeated rows."""
    from decimal import Decimal

    out = {}
    if not span:
        return out
    for col in ws.iter_cols(min_row=span[0], max_row=span[1]):
        vals = [c.value for c in col]
        if vals and all(isinstance(v, Decimal) for v in vals):  # amounts only, not 序号
            out[col[0].column_letter] = int(sum(Decimal(v) * 100 for v in vals))
    return out


def copy_sheet(src, wb, title: str):
    """Copy a worksheet into another workbook: values, styles, merges, sizes and print setup."""
    ws = wb.create_sheet(title)
    for row in src.iter_rows():
        for c in row:
            if c.__class__.__name__ == "MergedCell":
                continue
            n = ws.cell(row=c.row, column=c.column)
            if c.data_type == "s":
                set_text_cell(n, c.value)  # text stays text: a copied "=…" must not become a formula
            else:
                n.value = c.value
            if c.has_style:
                n.font = copy.copy(c.font)
                n.border = copy.copy(c.border)
                n.fill = copy.copy(c.fill)
                n.number_format = c.number_format
                n.protection = copy.copy(c.protection)
                n.alignment = copy.copy(c.alignment)
                n.quotePrefix = c.quotePrefix
    for mr in src.merged_cells.ranges:
        ws.merge_cells(mr.coord)
        # borders of the covered cells are what Excel draws around a merged block
        for row in src.iter_rows(min_row=mr.min_row, max_row=mr.max_row, min_col=mr.min_col, max_col=mr.max_col):
            for c in row:
                if c.has_style:
                    ws.cell(c.row, c.column).border = copy.copy(c.border)
    for k, d in src.column_dimensions.items():
        ws.column_dimensions[k].width = d.width
    for k, d in src.row_dimensions.items():
        if d.height:
            ws.row_dimensions[k].height = d.height
    ws.page_setup.orientation = src.page_setup.orientation
    ws.page_setup.paperSize = src.page_setup.paperSize
    ws.page_setup.fitToWidth = src.page_setup.fitToWidth
    ws.page_setup.fitToHeight = src.page_setup.fitToHeight
    ws.sheet_properties.pageSetUpPr = copy.copy(src.sheet_properties.pageSetUpPr)
    ws.page_margins = copy.copy(src.page_margins)
    ws.print_options.horizontalCentered = src.print_options.horizontalCentered
    if src.print_title_rows:
        ws.print_title_rows = src.print_title_rows
    ws.freeze_panes = src.freeze_panes
    return ws
