"""The boundary between the engine and a region: each policy hook's answer is checked against its
type before the engine uses it, so a wrong answer is one line naming the region, the hook and the
field (``region moumou: jiuzhu_referral returned ReferralVerdict with kind 'ok'; expected one of
covered, …``) instead of an AttributeError three calls later.

:func:`ask` calls a hook of one region and checks the answer; hooks that raise are already
turned into :class:`jiuzhu.plugins.RegionFault` by the host.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

from jiuzhu.model.case import ROLES
from jiuzhu.model.outcome import VERDICTS, Citation, Deadline, DocumentNeed, Duty, Eligibility, Reason, ReferralVerdict, \
    UnknownDue, SignaturePlan, OutcomeWarning
from jiuzhu.model.vocab import OTHER_PAYER_KINDS
from jiuzhu.plugins import Region, RegionFault
from jiuzhu.rules.settle import BILL_COLUMNS, Layer, Plan, SlipPayer

_SEQ = (tuple, list)


def _seq(value, kind, field: str, what: str) -> list[str]:
    if not isinstance(value, _SEQ + (frozenset,)):
        return [f"field {field}: expected a tuple of {what}, got {type(value).__name__}"]
    return [f"field {field}[{i}]: expected {what}, got {type(x).__name__}" for i, x in enumerate(value)
            if not isinstance(x, kind)]


def _cite(value, field: str) -> list[str]:
    return [] if value is None or isinstance(value, Citation) else \
        [f"field {field}: expected a Citation (ctx.cite(...)) or None, got {type(value).__name__}"]


def _reasons(value, field: str) -> list[str]:
    out = _seq(value, Reason, field, "Reason (ctx.reason(zh, en, article, rule))")
    if not out:
        for i, r in enumerate(value):
            out += _cite(r.cite, f"{field}[{i}].cite")
    return out


def _deadlines(value, field: str) -> list[str]:
    out = _seq(value, Deadline, field, "Deadline")
    if not out:
        for i, d in enumerate(value):
            if d.due is not None and not isinstance(d.due, (dt.date, UnknownDue)):  # datetime is a date
                out.append(f"field {field}[{i}].due: expected a date, a date-time, UnknownDue or None, got "
                           f"{type(d.due).__name__}")
    return out


def eligibility(v) -> list[str]:
    if not isinstance(v, Eligibility):
        return [f"expected Eligibility, got {type(v).__name__}"]
    out = [] if isinstance(v.eligible, bool) else [f"field eligible: expected True or False, got {v.eligible!r}"]
    return out + _seq(v.groups, str, "groups", "a category (str)") + _reasons(v.reasons, "reasons")


def referral(v) -> list[str]:
    if not isinstance(v, ReferralVerdict):
        return [f"expected ReferralVerdict, got {type(v).__name__}"]
    out = [] if v.kind in VERDICTS else [f"field kind: expected one of {', '.join(VERDICTS)}, got {v.kind!r}"]
    return out + _reasons(v.reasons, "reasons") + _deadlines(v.deadlines, "deadlines")


def signature(v) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, SignaturePlan):
        return [f"expected SignaturePlan or None, got {type(v).__name__}"]
    out = [] if v.signer_role in ROLES else [f"field signer_role: expected one of {', '.join(ROLES)}, got {v.signer_role!r}"]
    if v.rank is not None and not isinstance(v.rank, int):
        out.append(f"field rank: expected an integer or None, got {v.rank!r}")
    return out + _reasons(v.reasons, "reasons") + _deadlines(v.deadlines, "deadlines")


def _money(value, field: str, optional: bool = True) -> list[str]:
    if value is None and optional:
        return []
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return [f"field {field}: expected integer fen{' ≥ 0' if isinstance(value, int) else ''}"
                f"{' or None' if optional else ''}, got {value!r}"]
    return []


# What a layer's base may read (jiuzhu.rules.settle, jiuzhu.rules.engine.bill_columns): an unknown name
# would read as 0 and pay nothing, silently.
_COLUMNS = {*BILL_COLUMNS, "out_of_scope", "paid", "burden", "others_paid", "items.all"}
_PREFIXES = ("items.approval.", "items.tag.", "layer.", "other.")
_COLUMNS_HINT = ("a bill column (in_scope, …), paid, burden, others_paid, out_of_scope, items.all, "
                 "items.approval.STATE, items.tag.TAG, items.line.N, other.KIND or layer.ID")


def _known(col: str) -> bool:
    if col in _COLUMNS or col.startswith(_PREFIXES):
        return True
    # one item of the bill, from 0 (engine.bill_columns), for rules that decide item by item
    return re.fullmatch(r"items\.line\.[0-9]+", col) is not None


def _rate(r) -> bool:
    return isinstance(r, Fraction) and 0 <= r <= 1


def _layer(l: Layer, w: str) -> list[str]:
    out = []
    if not l.segments and not _rate(l.rate):  # a rate above 1 pays more than the base, below 0 takes money
        out.append(f"field {w}.rate: expected a rate from 0 to 1, got {l.rate}")
    for j, seg in enumerate(l.segments):
        ok = isinstance(seg, tuple) and len(seg) == 3 and not _money(seg[0], "", False) \
            and not _money(seg[1], "") and _rate(seg[2])
        if not ok:
            out.append(f"field {w}.segments[{j}]: expected (from fen, to fen or None, rate from 0 to 1), got {seg!r}")
    out += _money(l.deductible, f"{w}.deductible", optional=False)
    out += _money(l.claim_cap, f"{w}.claim_cap") + _money(l.annual_cap, f"{w}.annual_cap")
    for name, terms in (("base", l.base), ("base_limit", l.base_limit or ())):
        for col, _k in terms:
            if not _known(col):
                out.append(f"field {w}.{name}: unknown column {col!r}; expected {_COLUMNS_HINT}")
    if isinstance(l.round_to, bool) or not isinstance(l.round_to, int) or l.round_to < 1:
        out.append(f"field {w}.round_to: expected a whole number of fen of at least 1 (1 fen, 100 yuan), got {l.round_to!r}")
    if not isinstance(l.payer, str) or not isinstance(l.program, str):
        out.append(f"field {w}.payer/program: expected strings, got {l.payer!r}, {l.program!r}")
    return out + _cite(l.cite, f"{w}.cite")


def plan(v) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, Plan):
        return [f"expected Plan or None, got {type(v).__name__}"]
    out = _seq(v.layers, Layer, "layers", "Layer")
    if out:
        return out
    seen = set()
    for i, l in enumerate(v.layers):
        if not isinstance(l.id, str) or not l.id:
            out.append(f"field layers[{i}].id: expected a layer id (str), got {l.id!r}")
            continue
        if l.id in seen:  # the second would settle on what the first left, under the same name
            out.append(f"field layers[{i}].id: {l.id!r} is the id of an earlier layer; expected one id per layer")
        seen.add(l.id)
        out += _layer(l, f"layers[{i}] ({l.id})")
    return out + payer_order(v.payers, "payers")


def payer_order(v, field: str = "") -> list[str]:
    """``jiuzhu_payer_order``'s answer, or (``field`` = "payers") a plan's own placements."""
    if v is None or v == ():
        return []
    if not isinstance(v, _SEQ):
        return [f"field {field}: expected a tuple of SlipPayer, got {type(v).__name__}" if field
                else f"expected a tuple of SlipPayer or None, got {type(v).__name__}"]
    out = [f"{'field ' + field if field else 'item '}[{i}]: expected SlipPayer, got {type(x).__name__}"
           for i, x in enumerate(v) if not isinstance(x, SlipPayer)]
    if out:
        return out
    for i, sp in enumerate(v):
        if sp.kind not in OTHER_PAYER_KINDS:
            out.append(f"field {field}[{i}].kind: expected one of {', '.join(OTHER_PAYER_KINDS)}, got {sp.kind!r}")
        if not isinstance(sp.after, tuple) or not isinstance(sp.before, tuple):
            out.append(f"field {field}[{i}].after/before: expected tuples of layer ids")
        out += _cite(sp.cite, f"{field}[{i}].cite")
    return out


def duties(v) -> list[str]:
    if v is None:
        return []
    out = _seq(v, Duty, "", "Duty")
    if out:
        return [o.replace("field : ", "").replace("field [", "item [") for o in out]
    for i, d in enumerate(v):
        if not isinstance(d.what_zh, str) or not isinstance(d.what_en, str):
            out.append(f"field [{i}].what_zh/what_en: expected strings")
        if d.next_due is not None and not isinstance(d.next_due, dt.date):
            out.append(f"field [{i}].next_due: expected a date or None, got {type(d.next_due).__name__}")
        out += _cite(d.cite, f"[{i}].cite")
    return out


def warnings(v) -> list[str]:
    if v is None:
        return []
    out = _seq(v, OutcomeWarning, "", "OutcomeWarning")
    if out:
        return [o.replace("field : ", "").replace("field [", "item [") for o in out]
    for i, w in enumerate(v):
        if not all(isinstance(x, str) and x for x in (w.kind, w.zh, w.en)):
            out.append(f"field [{i}].kind/zh/en: expected non-empty strings")
        out += _cite(w.cite, f"[{i}].cite")
    return out


def documents(v) -> list[str]:
    if v is None:
        return []
    out = _seq(v, DocumentNeed, "", "DocumentNeed")
    if out:
        return [o.replace("field : ", "").replace("field [", "item [") for o in out]
    for i, d in enumerate(v):
        if not isinstance(d.form_id, str) or not d.form_id:
            out.append(f"field [{i}].form_id: expected a form id (str), got {d.form_id!r}")
        if not isinstance(d.data, dict):
            out.append(f"field [{i}].data: expected a table (dict), got {type(d.data).__name__}")
        out += _cite(d.cite, f"[{i}].cite")
    return out


CHECKS = {"jiuzhu_eligibility": eligibility, "jiuzhu_referral": referral, "jiuzhu_signature": signature,
          "jiuzhu_reimbursement": plan, "jiuzhu_documents": documents, "jiuzhu_duties": duties,
          "jiuzhu_warnings": warnings,
          "jiuzhu_payer_order": payer_order}


def problems(hook: str, answer) -> list[str]:
    """What is wrong with ``answer`` as the answer of ``hook`` (empty when nothing)."""
    check = CHECKS.get(hook)
    return check(answer) if check else []


def ask(region: Region, hook: str, **kwargs):
    """Call one region's hook and check its answer; a wrong answer is a :class:`RegionFault`."""
    answer = region.call(hook, **kwargs)
    bad = problems(hook, answer)
    if bad:
        what = type(answer).__name__
        detail = (f"{'None' if answer is None else what}, {bad[0].split(', got ')[0]}" if bad[0].startswith("expected")
                  else f"{what} with {bad[0]}")
        if answer is None:
            detail += " (is the hook implemented? see jiuzhu.hookspecs)"
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise RegionFault(f"region {region.label}: {hook} returned {detail}{more}")
    return answer
