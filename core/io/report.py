"""Presenting an outcome: JSON (the stable schema in docs/outcome.schema.json) and terminal text."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from fractions import Fraction

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich import box

from jiuzhu.model.case import ROLES
from jiuzhu.model.vocab import CATEGORIES
from jiuzhu.model.money import pct, yuan, yuan_grouped
from jiuzhu.model.outcome import VERDICTS, Citation, Outcome, SIGNER_RANKS, UnknownDue

SCHEMA_VERSION = "1.1"  # 1.1: regions, warnings, duties, headline; deadlines due as date, date-time or unknown

LABELS = {
    "title": ("救助评估结果", "Assistance evaluation"),
    "region": ("地区", "Region"),
    "chain": ("适用层级", "Rule chain"),
    "as_of": ("适用政策日期", "Rules in force on"),
    "eligibility": ("救助对象资格", "Eligibility"),
    "referral": ("就医路径审核", "Referral verdict"),
    "signature": ("签字决策", "Signature plan"),
    "signer": ("签字人", "Signer"),
    "passed": ("未由上位签字的原因", "Higher ranks passed over"),
    "settlement": ("费用结算", "Settlement"),
    "layer": ("支付项目", "Payer layer"),
    "amount": ("金额（元）", "Amount (yuan)"),
    "cite": ("依据", "Citation"),
    "total": ("医疗费总额", "Total cost"),
    "paid": ("各项支付合计", "Paid by all payers"),
    "assistance": ("各地区救助合计", "Assistance by the regions' layers"),
    "burden": ("个人负担", "Personal burden"),
    "documents": ("需填报的表格", "Forms required"),
    "deadlines": ("办理时限", "Deadlines"),
    "notes": ("说明", "Notes"),
    "explain": ("计算过程", "How each amount was computed"),
    "decision": ("决策类型", "Decision kind"),
    "headline": ("结论", "Summary"),
    "regions": ("各地区审核", "Each region of the chain"),
    "layers_effect": ("对本地区支付项目的影响", "Effect on this region's layers"),
    "duties": ("定期义务", "Recurring duties"),
    "warnings": ("提示", "Warnings"),
    "also_sign": ("另需签字/盖章", "Also signs or seals"),
}


def label(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


def pick(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en if lang == "en" else f"{zh}（{en}）"


def rate_str(r: Fraction | None) -> str | None:
    if r is None:
        return None
    d = Decimal(r.numerator) / Decimal(r.denominator)
    if d * r.denominator != r.numerator:  # not a terminating decimal
        return f"{r.numerator}/{r.denominator}"
    return format(d.normalize(), "f")


def cite_json(c: Citation | None):
    return None if c is None else {"region": c.region, "document": c.document, "article": c.article, "rule": c.rule}


def reasons_json(rs):
    return [{"zh": r.zh, "en": r.en, "cite": cite_json(r.cite)} for r in rs]


def due_str(due) -> str | None:
    """A date, a date-time to the minute (zone kept), ``unknown``, or None."""
    if due is None:
        return None
    if isinstance(due, UnknownDue):
        return "unknown"
    if isinstance(due, dt.datetime):
        return due.isoformat(timespec="minutes")
    return due.isoformat()


def deadline_json(d):
    out = {"what_zh": d.what_zh, "what_en": d.what_en, "who": d.who, "to": d.to,
           "due": due_str(d.due), "basis": d.basis, "rule_zh": d.rule_zh, "cite": cite_json(d.cite)}
    if isinstance(d.due, UnknownDue):
        out["unknown_reason"] = {"zh": d.due.reason_zh, "en": d.due.reason_en}
    return out


EFFECT_ZH = {"paid": "已支付", "nil": "计算为0", "not_paid": "未支付", "replaced": "由下级地区同名项目取代"}


def region_json(r):
    return {"region": r.code, "name_zh": r.name_zh, "name_en": r.name_en,
            "eligibility": {"eligible": r.eligibility.eligible, "groups": list(r.eligibility.groups),
                            "reasons": reasons_json(r.eligibility.reasons)},
            "referral": {"verdict": r.referral.kind, "label_zh": VERDICTS[r.referral.kind][0],
                         "label_en": VERDICTS[r.referral.kind][1], "reasons": reasons_json(r.referral.reasons)},
            "layers": [{"id": e.id, "name_zh": e.name_zh, "name_en": e.name_en, "status": e.status,
                        "amount": yuan(e.amount), "given": e.given, "replaced_by": e.by or None,
                        **({"would_pay": yuan(e.would_pay), "burden_change": yuan(e.burden_change)}
                           if e.would_pay is not None else {})}
                       for e in r.effects]}


def warning_json(w):
    return {"kind": w.kind, "zh": w.zh, "en": w.en, "field": w.field or None, "cite": cite_json(w.cite)}


def duty_json(d):
    return {"what_zh": d.what_zh, "what_en": d.what_en, "who": d.who, "period_zh": d.period_zh,
            "period_en": d.period_en, "next_due": d.next_due.isoformat() if d.next_due else None,
            "cite": cite_json(d.cite)}


def _plain(v):
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, UnknownDue):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, Fraction):
        return rate_str(v)
    return v


def to_json(o: Outcome) -> dict:
    s = o.settlement
    sig = o.signature
    return {
        "schema_version": SCHEMA_VERSION,
        "case_id": o.case_id,
        "region": o.region,
        "chain": list(o.chain),
        "as_of": o.as_of.isoformat(),
        "headline": {"zh": o.headline[0], "en": o.headline[1]},
        "regions": [region_json(r) for r in o.regions],
        "eligibility": {"eligible": o.eligibility.eligible, "groups": list(o.eligibility.groups),
                        "reasons": reasons_json(o.eligibility.reasons)},
        "referral": {"verdict": o.referral.kind, "label_zh": VERDICTS[o.referral.kind][0],
                     "label_en": VERDICTS[o.referral.kind][1], "reasons": reasons_json(o.referral.reasons),
                     "deadlines": [deadline_json(d) for d in o.referral.deadlines]},
        "signature": None if sig is None else {
            "signer_role": sig.signer_role, "signer_name": sig.signer_name, "rank": sig.rank,
            "decision": sig.decision,
            "passed_over": [{"rank": p.rank, "who": p.who, "why_zh": p.why_zh, "why_en": p.why_en}
                            for p in sig.passed_over],
            "approvals": list(sig.approvals), "reasons": reasons_json(sig.reasons),
            "deadlines": [deadline_json(d) for d in sig.deadlines]},
        "settlement": {
            "total": yuan(s.total), "paid": yuan(s.paid), "assistance": yuan(s.assistance),
            "burden": yuan(s.burden),
            "burden_share": rate_str(Fraction(s.burden, s.total)) if s.total else None,
            "layers": [{
                "id": l.id, "name_zh": l.name_zh, "name_en": l.name_en, "payer": l.payer, "amount": yuan(l.amount),
                "given": l.given, "base": yuan(l.base),
                "base_terms": [{"column": c, "coefficient": k, "value": yuan(v)} for c, k, v in l.base_terms],
                "deductible": yuan(l.deductible), "rate": rate_str(l.rate),
                "segments": [{"from": yuan(lo), "to": None if hi is None else yuan(hi), "rate": rate_str(r)}
                             for lo, hi, r in l.segments],
                "computed": yuan(l.computed),
                "claim_cap": None if l.claim_cap is None else yuan(l.claim_cap),
                "annual_cap": None if l.annual_cap is None else yuan(l.annual_cap),
                "program": l.program, "used_before": yuan(l.used_before), "shared_before": yuan(l.shared_before),
                "less": {"column": l.less, "amount": yuan(l.less_amount), "before": yuan(l.before_less)} if l.less else None,
                "burden_before": yuan(l.burden_before),
                "binding": l.binding, "note_zh": l.note_zh, "cite": cite_json(l.cite)} for l in s.layers],
            "notes": reasons_json(s.notes)},
        "documents": [{"form_id": d.form_id, "title_zh": d.title_zh, "title_en": d.title_en, "who": d.who,
                       "due": due_str(d.due), "cite": cite_json(d.cite),
                       "data": _plain(d.data)} for d in o.documents],
        "deadlines": [deadline_json(d) for d in o.deadlines],
        "duties": [duty_json(d) for d in o.duties],
        "warnings": [warning_json(w) for w in o.warnings],
        "notes": reasons_json(o.notes),
        "citations": [cite_json(c) for c in o.citations],
    }


def _cite(c: Citation | None) -> str:
    return f"[{c}]" if c else ""


def render_text(o: Outcome, lang: str = "zh", explain: bool = False, region_name: str = "", width: int = 110) -> str:
    buf = io.StringIO()
    con = Console(file=buf, width=width, force_terminal=False, color_system=None, highlight=False)
    p = con.print
    p(f"[bold]{label('title', lang)}[/bold]  {label('region', lang)}: {region_name or o.region}  "
      f"{label('chain', lang)}: {' → '.join(o.chain)}  {label('as_of', lang)}: {o.as_of.isoformat()}"
      + (f"  #{o.case_id}" if o.case_id else ""))
    p(f"\n[bold]{label('headline', lang)}[/bold]: {pick(*o.headline, lang)}")
    sections = o.regions or ()
    for sec in sections:
        if len(sections) > 1:
            p(f"\n[bold]── {pick(sec.name_zh, sec.name_en, lang)} ({sec.code}) ──[/bold]")
        _verdict_text(p, sec.eligibility, sec.referral, lang)
        if len(sections) > 1 and sec.effects:
            p(f"  {label('layers_effect', lang)}:")
            for e in sec.effects:
                p(f"  - {_effect_text(e, sec, lang)}")
    if not sections:
        _verdict_text(p, o.eligibility, o.referral, lang)
    if o.signature:
        s = o.signature
        rank = SIGNER_RANKS.get(s.rank or 0)
        who = ROLES.get(s.signer_role, s.signer_role)
        p(f"\n[bold]{label('signature', lang)}[/bold]: {label('signer', lang)} = {who}"
          + (f" {s.signer_name}" if s.signer_name else "")
          + (f"（第{s.rank}顺位 {pick(rank[0], rank[1], lang)}）" if rank else "")
          + f"  {label('decision', lang)}: {s.decision}")
        for po in s.passed_over:
            p(f"  - {label('passed', lang)} #{po.rank}: {pick(po.why_zh, po.why_en, lang)}")
        if s.approvals:
            p(f"  - {label('also_sign', lang)}: {'、'.join(ROLES.get(a, a) for a in s.approvals)}")
        for r in s.reasons:
            p(f"  - {pick(r.zh, r.en, lang)} {_cite(r.cite)}")
    st = o.settlement
    t = Table(title=label("settlement", lang), box=box.SIMPLE_HEAVY, title_justify="left")
    t.add_column(label("layer", lang))
    t.add_column(label("amount", lang), justify="right")
    t.add_column(label("cite", lang), overflow="fold")
    t.add_row(label("total", lang), yuan_grouped(st.total), "")
    for l in st.layers:
        t.add_row(pick(l.name_zh, l.name_en, lang), yuan_grouped(l.amount), str(l.cite or ("医保结算单" if l.given else "")))
    t.add_row(label("assistance", lang), yuan_grouped(st.assistance), "")
    share = f" ({pct(Fraction(st.burden, st.total), 2)})" if st.total else ""
    t.add_row(f"[bold]{label('burden', lang)}[/bold]", f"[bold]{yuan_grouped(st.burden)}[/bold]{share}", "")
    p()
    p(t)
    if explain:
        p(f"[bold]{label('explain', lang)}[/bold]")
        for l in st.layers:
            p(f"  {pick(l.name_zh, l.name_en, lang)} = {yuan(l.amount)}")
            p("    " + explain_layer(l))
    if o.deadlines:
        p(f"\n[bold]{label('deadlines', lang)}[/bold]")
        for d in o.deadlines:
            due = due_str(d.due) or "—"
            if d.basis == "day" and "小时" in d.rule_zh:
                due += pick("（按日计，未载明时刻）", " (by the day: no time of day given)", lang)
            p(f"  - {due}  {pick(d.what_zh, d.what_en, lang)}" + (f"（{d.who}→{d.to}）" if d.who or d.to else "")
              + (f" {d.rule_zh}" if d.rule_zh else "") + f" {_cite(d.cite)}")
    if o.documents:
        p(f"\n[bold]{label('documents', lang)}[/bold]")
        for d in o.documents:
            p(f"  - {d.form_id}: {pick(d.title_zh, d.title_en, lang) if d.title_en else d.title_zh}"
              + (f"  {due_str(d.due)}" if d.due else "") + f" {_cite(d.cite)}")
    if o.duties:
        p(f"\n[bold]{label('duties', lang)}[/bold]")
        for d in o.duties:
            p(f"  - {pick(d.what_zh, d.what_en, lang)}" + (f"（{d.who}）" if d.who else "")
              + (f" {pick(d.period_zh, d.period_en, lang)}" if d.period_zh else "")
              + (f"  下次 next: {d.next_due.isoformat()}" if d.next_due else "") + f" {_cite(d.cite)}")
    if o.warnings:
        p(f"\n[bold]{label('warnings', lang)}[/bold]")
        for w in o.warnings:
            p(escape(f"  - {pick(w.zh, w.en, lang)}" + (f" [{w.field}]" if w.field else "") + f" {_cite(w.cite)}"))
    notes = [*st.notes, *o.notes]
    if notes:
        p(f"\n[bold]{label('notes', lang)}[/bold]")
        for r in notes:
            p(f"  - {pick(r.zh, r.en, lang)} {_cite(r.cite)}")
    return buf.getvalue()


def _verdict_text(p, el, referral, lang) -> None:
    yes = pick("是", "yes", lang) if el.eligible else pick("否", "no", lang)
    p(f"\n[bold]{label('eligibility', lang)}[/bold]: {yes}" + (f"  ({'、'.join(CATEGORIES.get(g, g) + ' ' + g for g in el.groups)})" if el.groups else ""))
    for r in el.reasons:
        p(f"  - {pick(r.zh, r.en, lang)} {_cite(r.cite)}")
    v = VERDICTS[referral.kind]
    p(f"\n[bold]{label('referral', lang)}[/bold]: {pick(v[0], v[1], lang)}")
    for r in referral.reasons:
        p(f"  - {pick(r.zh, r.en, lang)} {_cite(r.cite)}")


def _effect_text(e, sec, lang) -> str:
    name = pick(e.name_zh, e.name_en, lang)
    if e.status == "paid":
        slip = pick("（取自结算单）", " (from the slip)", lang) if e.given else ""
        return f"{name}: {pick('已支付', 'paid', lang)} {yuan_grouped(e.amount)}{slip}"
    if e.status == "nil":
        return f"{name}: {pick('计算为0', 'computed as 0', lang)}"
    if e.status == "replaced":
        return f"{name}: {pick('由下级地区同名项目取代', 'replaced by the lower region', lang)} ({e.by})"
    why = next(iter(sec.referral.reasons), None)
    v = VERDICTS[sec.referral.kind]
    return (f"{name}: {pick('未支付', 'not paid', lang)} — {pick(v[0], v[1], lang)}"
            + (f"：{pick(why.zh, why.en, lang)} {_cite(why.cite)}" if why else "") + _would_text(e, lang))


def _would_text(e, lang) -> str:
    """Whether the region's verdict changes the result: a note that cannot change it says so."""
    if e.would_pay is None:
        return ""
    if not e.would_pay:
        return pick("（即使按规定救助，本项亦为0，不影响结果）", " (it would be 0 even if covered: no effect on the result)", lang)
    if not e.burden_change:
        return pick(f"（按规定救助时本项应付{yuan_grouped(e.would_pay)}元；个人负担不变，由其他支付项目承担）",
                    f" (if covered it would pay {yuan_grouped(e.would_pay)}; the personal burden is the same, "
                    "another payer takes it)", lang)
    return pick(f"（按规定救助时本项应付{yuan_grouped(e.would_pay)}元，个人负担因此多{yuan_grouped(e.burden_change)}元）",
                f" (if covered it would pay {yuan_grouped(e.would_pay)}; the personal burden is "
                f"{yuan_grouped(e.burden_change)} higher for it)", lang)


BINDING_ZH = {"rate": "按比例", "claim_cap": "单次限额", "annual_cap": "年度封顶", "burden": "不超过个人剩余负担",
              "given": "取自医保结算单"}


def explain_layer(l) -> str:
    if l.given:
        return f"取自医保结算单 (from the settlement slip): {yuan(l.amount)}"
    terms = " ".join(f"{'+' if not k.startswith('-') else '-'} {k.lstrip('-') + '×' if k.lstrip('-') != '1' else ''}"
                     f"{c}({yuan(v)})" for c, k, v in l.base_terms).lstrip("+ ")
    parts = [f"基数 base = {terms} = {yuan(l.base)}"]
    if l.deductible:
        parts.append(f"起付 deductible {yuan(l.deductible)}")
    gross = l.before_less if l.less else l.computed  # base × rate, before what was paid of it elsewhere
    if l.segments:
        segs = "; ".join(f"{yuan(lo)}–{'∞' if hi is None else yuan(hi)} @ {pct(r)}" for lo, hi, r in l.segments)
        parts.append(f"分段 segments [{segs}] → {yuan(gross)}")
    elif l.rate is not None:
        parts.append(f"比例 rate {pct(l.rate)} → {yuan(gross)}")
    if l.less:
        parts.append(f"减去已付 less already paid {l.less}({yuan(l.less_amount)}) → {yuan(l.computed)}")
    if l.claim_cap is not None:
        parts.append(f"单次限额 claim cap {yuan(l.claim_cap)}")
    if l.annual_cap is not None:
        here = f", 本次结算已计 this settlement {yuan(l.shared_before)}" if l.shared_before else ""
        parts.append(f"年度封顶 annual cap {yuan(l.annual_cap)}, 本年已用 used {yuan(l.used_before)}{here}, "
                     f"剩余 left {yuan(max(0, l.annual_cap - l.used_before - l.shared_before))}")
    parts.append(f"剩余负担 burden left {yuan(l.burden_before)}")
    parts.append(f"取 {BINDING_ZH.get(l.binding, l.binding)} ({l.binding}) → {yuan(l.amount)}")
    return "; ".join(parts)
