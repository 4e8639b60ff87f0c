"""Settlement: ordered payer layers, evaluated for one case or for columns of many claims.

A region's reimbursement hook returns a :class:`Plan`: the layers that act after the slip's
insurance payments, each with a *base* (a linear expression over bill columns and earlier
layers), a deductible, a rate or rate segments, a per-claim cap and an annual cap. The same
plan is evaluated by :func:`settle` (one case, every step kept for the explanation) and by
:func:`settle_columns` (numpy arrays, annual caps accumulated per person in date order). Both
use the same integer arithmetic, so they agree to the fen.

Columns a base may use: the bill fields (``total``, ``in_scope``, ``first_self_paid``,
``over_limit``, ``fully_self_paid``, ``out_of_scope``, ``deductible``, ``basic_paid``,
``critical_paid``, ``assistance_paid``, ``other_paid``), other payers by kind (``other.KIND``),
item aggregates (``items.approval.refused``, ``items.tag.pet_ct`` …), one item's amount
(``items.line.N``, the N-th item of the bill, from 0; :func:`item_lines` picks them by tag and slip
column, each item once), ``paid`` and ``burden``
(what the layers so far paid and left), ``others_paid`` (what the slip's other payers settled so
far paid) and ``layer.ID`` (an earlier layer's amount; 0 before that layer is settled).

Payer order is data. Basic insurance and critical-illness insurance come first. Each other payer on
the slip (``bill.other_payers``, by kind; ``other_paid`` is kind ``other``) stands before the region's
layers unless the plan places it, with its citation, after a named layer (:class:`SlipPayer`): then
it only reduces the burden left after that layer, never that layer's base.

Every layer is finally limited by the burden still left, so the payers together never pay
more than the bill; a slip payer's figure beyond the burden left is not counted (its excess is
reported, for that payer to recover).
"""

from __future__ import annotations

import re
from fractions import Fraction
from math import lcm
from typing import TYPE_CHECKING, Iterable, Mapping

import attrs

if TYPE_CHECKING:  # only the columnar path needs numpy; one case never imports it
    import numpy as np

from jiuzhu.model.money import round_half_up
from jiuzhu.model.outcome import Citation, LayerResult, Settlement
from jiuzhu.model.vocab import OTHER_PAYER_KINDS

BILL_COLUMNS = ("total", "in_scope", "first_self_paid", "over_limit", "fully_self_paid", "deductible",
                "basic_paid", "critical_paid", "assistance_paid", "other_paid")
SLIP_LAYERS = {
    # column: (id, 中文, English)
    "basic_paid": ("basic_insurance", "基本医疗保险统筹基金", "basic medical insurance"),
    "critical_paid": ("critical_illness", "大病保险", "critical illness insurance"),
    "other_paid": ("other_payers", "其他支付（第三方、补充保险等）", "other payers on the slip"),
    "assistance_paid": ("medical_assistance_slip", "医疗救助（一站式结算）", "medical assistance on the slip"),
}
_TERM = re.compile(r"\s*([+-])?\s*(?:(\d+(?:\.\d+)?)\s*\*\s*)?([a-z_][a-z0-9_.:=]*)\s*")


def parse_base(expr: str) -> tuple[tuple[str, Fraction], ...]:
    """'burden - 0.1*total' -> (('burden', 1), ('total', -1/10))."""
    terms, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TERM.match(expr, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read base expression {expr!r} at {expr[pos:]!r}")
        sign, coef, col = m.groups()
        c = Fraction(coef) if coef else Fraction(1)
        terms.append((col, -c if sign == "-" else c))
        pos = m.end()
    return tuple(terms)


def item_lines(items, tags: Iterable[str], columns: Iterable[str] | None = None) -> tuple[str, ...]:
    """The base columns ``items.line.N`` of the bill items that carry any of ``tags`` and sit in one of
    the slip ``columns`` (every column when None). Each item comes once however many of the tags it
    carries, and an item in a column the base already removes is left out by not naming that column:
    so a line excluded on two grounds, or a line that is itself the removed column, is removed once.
    ``items`` is ``case.bill.items``; the answer depends on the items' facts (tags, column), never on
    their amounts."""
    wanted, cols = set(tags), None if columns is None else set(columns)
    return tuple(f"items.line.{i}" for i, it in enumerate(items)
                 if wanted & set(it.tags) and (cols is None or it.column in cols))


def _base(value) -> tuple[tuple[str, Fraction], ...]:
    if isinstance(value, str):
        return parse_base(value)
    return tuple((c, Fraction(k)) for c, k in value)


@attrs.frozen
class Layer:
    """One payer layer. Either ``given`` (a slip column taken as it is) or computed."""

    id: str
    name_zh: str
    name_en: str
    payer: str = ""
    base: tuple[tuple[str, Fraction], ...] = attrs.field(default=(("burden", Fraction(1)),), converter=_base)
    rate: Fraction = attrs.field(default=Fraction(1), converter=Fraction)
    segments: tuple[tuple[int, int | None, Fraction], ...] = ()
    deductible: int = 0
    claim_cap: int | None = None
    annual_cap: int | None = None
    program: str = ""  # the history key the annual cap is counted in; defaults to the id
    given: str | None = None
    cite: Citation | None = None
    note_zh: str = ""
    # False for a layer that moves cost off the person without being assistance (e.g. a proposer who must
    # absorb an unapproved item, Liujiang 第十四条): it lowers the burden but is not summed as assistance.
    assistance: bool = True

    @property
    def cap_program(self) -> str:
        return self.program or self.id

    @classmethod
    def from_slip(cls, column: str, cite: Citation | None = None) -> "Layer":
        lid, zh, en = SLIP_LAYERS[column]
        return cls(lid, zh, en, payer=lid, given=column, cite=cite)


@attrs.frozen
class SlipPayer:
    """Where one kind of other payer on the slip stands relative to a region's layers.

    ``after``: the layer ids it follows, the first the plan has counting (e.g. ``("medical_assistance",
    "medical_assistance_slip")``); if the plan has none of them, the payer stands before the region's
    layers, as does every kind not placed (one rule for every plan keeps the columnar merge of many
    plans' orders consistent).
    """

    kind: str  # a key of jiuzhu.model.vocab.OTHER_PAYER_KINDS
    after: tuple[str, ...] = ()
    cite: Citation | None = None
    before: tuple[str, ...] = ()  # or: right before the first of these layer ids the plan has


def payer_layer_id(kind: str) -> str:
    return "other_payers" if kind == "other" else f"other_payers.{kind}"


def payer_column(kind: str) -> str:
    return "other_paid" if kind == "other" else f"other.{kind}"


def payer_layer(kind: str, cite: Citation | None = None) -> Layer:
    zh = "其他支付（第三方、补充保险等）" if kind == "other" else f"其他支付：{OTHER_PAYER_KINDS[kind]}"
    en = "other payers on the slip" if kind == "other" else f"other payer on the slip: {kind}"
    lid = payer_layer_id(kind)
    return Layer(lid, zh, en, payer=lid, given=payer_column(kind), cite=cite)


@attrs.frozen
class Plan:
    """The layers a region applies to a case, after the slip's insurance layers, and where the
    slip's other payers stand among them (``payers``; kinds not named stand before the layers)."""

    layers: tuple[Layer, ...] = ()
    payers: tuple[SlipPayer, ...] = ()

    def __add__(self, other: "Plan") -> "Plan":
        """Compose a parent's plan with a child's: a child layer with the same id replaces the
        parent's in place; the others follow in order. A child's placement of a payer kind
        replaces the parent's."""
        mine = list(self.layers)
        ids = [l.id for l in mine]
        for l in other.layers:
            if l.id in ids:
                mine[ids.index(l.id)] = l
            else:
                mine.append(l)
                ids.append(l.id)
        theirs = {p.kind for p in other.payers}
        payers = tuple(p for p in self.payers if p.kind not in theirs) + other.payers
        return Plan(tuple(mine), payers)

    def placement(self, kind: str) -> SlipPayer | None:
        """The kind's placement after a layer this plan has, else None (before the region's layers)."""
        ids = {l.id for l in self.layers}
        return next((p for p in self.payers if p.kind == kind and any(a in ids for a in (*p.after, *p.before))), None)


def slip_prefix(plan: Plan | None = None, kinds: Iterable[str] = ("other",)) -> Plan:
    """Basic insurance, critical illness insurance and the other payers the plan does not place later
    are settled before any region layer (DOMAIN: layers, in order); they are the slip's figures."""
    plan = plan or Plan()
    layers = [Layer.from_slip(c) for c in ("basic_paid", "critical_paid")]
    layers += [payer_layer(k) for k in kinds if plan.placement(k) is None]
    return Plan(tuple(layers))


def payer_kinds(cols: Mapping) -> tuple[str, ...]:
    """``other`` and every kind with a column ``other.KIND``, in vocabulary order."""
    return ("other", *(k for k in OTHER_PAYER_KINDS if k != "other" and f"other.{k}" in cols))


def full_plan(plan: Plan, kinds: Iterable[str] = ("other",)) -> Plan:
    """The slip prefix, the plan's layers, and each later payer right after the layer it follows."""
    kinds = tuple(kinds)
    body = list(plan.layers)
    for k in kinds:
        place = plan.placement(k)
        if place is None:
            continue
        ids = [l.id for l in body]
        after = next((a for a in place.after if a in ids), None)
        pos = ids.index(after) + 1 if after else ids.index(next(b for b in place.before if b in ids))
        while pos < len(body) and body[pos].given and body[pos].id.startswith("other_payers"):
            pos += 1  # several payers after one layer keep the vocabulary's order
        body.insert(pos, payer_layer(k, place.cite))
    return Plan(slip_prefix(plan, kinds).layers + tuple(body))


def _lin(terms, get) -> int:
    """Σ coef × column, rounded half up to the fen, never below 0. Same formula as the columnar path."""
    d = lcm(*(k.denominator for _, k in terms)) if terms else 1
    num = sum(int(k * d) * int(get(c)) for c, k in terms)
    return max(0, (2 * num + d) // (2 * d))


def _seg_amount(x: int, segments) -> int:
    total = Fraction(0)
    for lo, hi, r in segments:
        part = max(0, (x if hi is None else min(x, hi)) - lo)
        total += r * part
    return round_half_up(total) if total else 0


def settle(bill_columns: Mapping[str, int], plan: Plan, used: Mapping[str, int] | None = None) -> Settlement:
    """Evaluate a plan on one bill. ``used`` is what each annual-cap programme already paid this year."""
    used = used or {}
    cols = dict(bill_columns)
    total = int(cols["total"])
    paid = others = 0
    results = []
    for layer in full_plan(plan, payer_kinds(cols)).layers:
        burden = total - paid

        def get(c):
            if c == "paid":
                return paid
            if c == "burden":
                return burden
            if c == "others_paid":
                return others
            return cols.get(c, 0)

        if layer.given:
            slip = int(cols.get(layer.given, 0))
            amount = min(slip, burden)
            res = LayerResult(layer.id, layer.name_zh, layer.name_en, layer.payer, amount, computed=slip,
                              burden_before=burden, binding="given" if amount == slip else "burden", given=True,
                              cite=layer.cite, note_zh=layer.note_zh)
        else:
            base = _lin(layer.base, get)
            net = max(0, base - layer.deductible)
            computed = _seg_amount(net, layer.segments) if layer.segments else (
                (2 * net * layer.rate.numerator + layer.rate.denominator) // (2 * layer.rate.denominator))
            limits = [("rate", computed)]
            if layer.claim_cap is not None:
                limits.append(("claim_cap", layer.claim_cap))
            u = int(used.get(layer.cap_program, 0))
            if layer.annual_cap is not None:
                limits.append(("annual_cap", max(0, layer.annual_cap - u)))
            limits.append(("burden", burden))
            binding, amount = min(limits, key=lambda kv: kv[1])
            if amount == computed:
                binding = "rate"
            terms = tuple((c, str(k), int(get(c))) for c, k in layer.base)
            res = LayerResult(layer.id, layer.name_zh, layer.name_en, layer.payer, amount, base=base,
                              base_terms=terms, deductible=layer.deductible,
                              rate=None if layer.segments else layer.rate, segments=layer.segments,
                              computed=computed, claim_cap=layer.claim_cap, annual_cap=layer.annual_cap,
                              program=layer.cap_program if layer.annual_cap is not None else "", used_before=u,
                              burden_before=burden, binding=binding, cite=layer.cite, note_zh=layer.note_zh,
                              assistance=layer.assistance)
        results.append(res)
        cols[f"layer.{layer.id}"] = res.amount
        paid += res.amount
        if layer.given and layer.id.startswith("other_payers"):
            others += res.amount
    return Settlement(total=total, layers=tuple(results))


# ---------------------------------------------------------------------------------------------
# Columns


def merged_order(plans: Iterable[Plan], kinds: Iterable[str] = ("other",)) -> list[str]:
    """One order of layer ids consistent with every plan (a topological merge)."""
    succ: dict[str, set[str]] = {}
    indeg: dict[str, int] = {}
    first_seen: list[str] = []
    kinds = tuple(kinds)
    for plan in plans:
        ids = [l.id for l in full_plan(plan, kinds).layers]
        for i in ids:
            if i not in indeg:
                indeg[i] = 0
                succ[i] = set()
                first_seen.append(i)
        for a, b in zip(ids, ids[1:]):
            if b not in succ[a]:
                succ[a].add(b)
                indeg[b] += 1
    order, ready = [], [i for i in first_seen if indeg[i] == 0]
    while ready:
        n = ready.pop(0)
        order.append(n)
        for m in sorted(succ[n], key=first_seen.index):
            indeg[m] -= 1
            if indeg[m] == 0:
                ready.append(m)
    if len(order) != len(indeg):
        raise ValueError("plans order their layers inconsistently; an annual cap could not be honoured in date order")
    return order


def _lin_cols(terms, get, idx):
    import numpy as np  # only the columnar path needs numpy; one case never imports it
    d = lcm(*(k.denominator for _, k in terms)) if terms else 1
    num = np.zeros(len(idx), dtype=np.int64)
    for c, k in terms:
        num += int(k * d) * get(c)[idx]
    return np.maximum(0, (2 * num + d) // (2 * d))


def _seg_cols(x, segments):
    import numpy as np  # only the columnar path needs numpy; one case never imports it
    d = lcm(*(r.denominator for _, _, r in segments))
    num = np.zeros(len(x), dtype=np.int64)
    for lo, hi, r in segments:
        part = np.maximum(0, (x if hi is None else np.minimum(x, hi)) - lo)
        num += int(r * d) * part
    return (2 * num + d) // (2 * d)


def _seg_cols_from(x, start, segments):
    """:func:`_seg_cols` on the stretch ``[start, start + x]`` of a running total: each segment pays its
    rate on the part of the stretch inside it (``start`` per claim, what the year counted before)."""
    import numpy as np  # only the columnar path needs numpy; one case never imports it
    d = lcm(*(r.denominator for _, _, r in segments))
    num = np.zeros(len(x), dtype=np.int64)
    end = start + x
    for lo, hi, r in segments:
        top = end if hi is None else np.minimum(end, hi)
        num += int(r * d) * np.maximum(0, top - np.maximum(start, lo))
    return (2 * num + d) // (2 * d)


def settle_columns(cols: Mapping[str, "np.ndarray"], plans: list[Plan], plan_of, person, year, day,
                   used: Mapping[str, "np.ndarray"] | None = None,
                   running: Mapping[str, tuple[str, ...]] | None = None,
                   runs_on: Mapping[str, str] | None = None,
                   counts: Mapping[str, tuple[str, ...]] | None = None) -> dict:
    """Evaluate many claims at once.

    ``cols`` maps bill columns to int64 fen arrays; ``plan_of[i]`` indexes ``plans`` for claim i;
    ``person``/``year``/``day`` are integer arrays that order claims for annual caps; ``used`` gives,
    per programme, what was already used this year before the person's first claim in the batch.
    ``running`` names the running totals of costs (programmes of ``measure = "base"``: id → the layer
    ids whose bases they count) and ``runs_on`` the segmented layers whose segments are measured on
    one of them (layer id → programme id): such a layer's segments are given from 0 of the year and
    each claim's stretch starts where the person's earlier claims of the year (and ``used``) left
    the total, as settling them one by one through a ledger would. ``counts`` gives the layers whose
    amounts an annual-cap programme counts (``Program.layers``): beside the capped layer's own, the
    person's earlier claims' amounts of the others (e.g. the slip's critical-illness insurance, when
    Guang'an's tilt shares its cap, GA-AMB-6 B) use up the cap, as in the ledger. Returns ``layer.ID``
    arrays, ``paid`` and ``burden``.
    """
    import numpy as np  # only the columnar path needs numpy; one case never imports it
    n = len(plan_of)
    used = used or {}
    order = np.lexsort((np.arange(n), day, year, person))
    # work in sorted order; undo at the end
    c = {k: np.asarray(v, dtype=np.int64)[order] for k, v in cols.items()}
    plan_of = np.asarray(plan_of)[order]
    person, year = np.asarray(person)[order], np.asarray(year)[order]
    used_s = {k: np.asarray(v, dtype=np.int64)[order] for k, v in used.items()}
    total = c["total"]
    paid = np.zeros(n, dtype=np.int64)
    others = np.zeros(n, dtype=np.int64)
    zeros = np.zeros(n, dtype=np.int64)
    kinds = payer_kinds(c)
    full = [full_plan(p, kinds) for p in plans]
    rows_of = [np.nonzero(plan_of == i)[0] for i in range(len(plans))]
    # person-year group boundaries for annual caps
    new_group = np.ones(n, dtype=bool)
    if n:
        new_group[1:] = (person[1:] != person[:-1]) | (year[1:] != year[:-1])
    group_id = np.cumsum(new_group) - 1
    group_start = np.nonzero(new_group)[0]

    def get(name):
        if name == "paid":
            return paid
        if name == "burden":
            return total - paid
        if name == "others_paid":
            return others
        return c.get(name, zeros)

    out = {}
    running, runs_on = dict(running or {}), dict(runs_on or {})
    counted = {p: np.zeros(n, dtype=np.int64) for p in running}  # each claim's base counted so far, per total
    order_ids = merged_order(plans, kinds)
    for lid, prog in runs_on.items():
        if lid in order_ids and any(l in order_ids and order_ids.index(l) > order_ids.index(lid)
                                    for l in running.get(prog, ())):
            raise ValueError(f"layer {lid} runs on {prog}, which counts a later layer; it cannot be known in time")
    for lid in order_ids:
        want = np.zeros(n, dtype=np.int64)
        track = any(lid in ids for ids in running.values())
        bases = np.zeros(n, dtype=np.int64) if track else None
        pending = []  # (rows, net, segments) of layers whose segments run on a yearly total
        cap = np.full(n, -1, dtype=np.int64)  # -1: no annual cap
        program = None
        for pi, plan in enumerate(full):
            layer = next((l for l in plan.layers if l.id == lid), None)
            idx = rows_of[pi]
            if layer is None or not len(idx):
                continue
            burden = total[idx] - paid[idx]
            if layer.given:
                want[idx] = np.minimum(c.get(layer.given, zeros)[idx], burden)
                continue
            base = _lin_cols(layer.base, get, idx)
            if track:  # a running total counts this layer's base (Program.counted: computed layers only)
                bases[idx] = base
            net = np.maximum(0, base - layer.deductible)
            if layer.segments and lid in runs_on:
                pending.append((idx, net, layer))
                continue
            if layer.segments:
                amt = _seg_cols(net, layer.segments)
            else:
                r = layer.rate
                amt = (2 * net * r.numerator + r.denominator) // (2 * r.denominator)
            if layer.claim_cap is not None:
                amt = np.minimum(amt, layer.claim_cap)
            want[idx] = np.minimum(amt, burden)
            if layer.annual_cap is not None:
                if program not in (None, layer.cap_program):
                    raise ValueError(f"layer {lid} counts its cap in more than one programme across plans")
                program = layer.cap_program
                cap[idx] = layer.annual_cap
        for prog, layer_ids in running.items():
            if lid in layer_ids:
                counted[prog] += bases
        if pending:
            # where the person's year stood before each claim: the history, then the earlier claims' bases
            prog = runs_on[lid]
            tot = counted[prog]
            cum = np.cumsum(tot)
            before = cum - tot - (cum - tot)[group_start][group_id]
            u0 = used_s.get(prog)
            start = before + (0 if u0 is None else u0[group_start][group_id])
            for idx, net, layer in pending:
                amt = _seg_cols_from(net, start[idx], layer.segments)
                if layer.claim_cap is not None:
                    amt = np.minimum(amt, layer.claim_cap)
                want[idx] = np.minimum(amt, total[idx] - paid[idx])
                if layer.annual_cap is not None:
                    if program not in (None, layer.cap_program):
                        raise ValueError(f"layer {lid} counts its cap in more than one programme across plans")
                    program = layer.cap_program
                    cap[idx] = layer.annual_cap
        if program is not None:
            # the programme's other layers settled before this one (the slip's critical-illness insurance for
            # Guang'an's tilt); one standing after it in the order is not known yet and is not counted
            sharing = [l for l in (counts or {}).get(program, ()) if l != lid and f"layer.{l}" in c]
            extra = sum((c[f"layer.{l}"] for l in sharing), np.zeros(n, dtype=np.int64)) if sharing else None
            want = _apply_annual_cap(want, cap, used_s.get(program), group_id, group_start, extra)
        c[f"layer.{lid}"] = want
        out[f"layer.{lid}"] = want
        paid = paid + want
        if lid.startswith("other_payers"):
            others = others + want
    out["paid"], out["burden"] = paid, total - paid
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    return {k: v[inverse] for k, v in out.items()}


def _apply_annual_cap(want, cap, used0, group_id, group_start, extra=None):
    """amount_i = min(want_i, cap − used before i), with used accumulating in order within a person-year.

    With one cap per person-year the running total paid is min(used0 + cumsum(want), max(cap, used0)),
    which numpy computes at once; groups whose rows disagree on the cap fall back to a loop. ``extra``:
    what other layers of the programme paid on each claim, counted from the next claim on; then, with
    V_i = used0 + Σ_{j<i} (want_j + extra_j), amount_i = clip(cap − V_i, 0, want_i) (until the cap binds
    V_i is the used total; from the first claim it binds on, V_i ≥ cap and nothing more is paid).
    """
    import numpy as np  # only the columnar path needs numpy; one case never imports it
    n = len(want)
    capped = cap >= 0
    w = np.where(capped, want, 0)
    u0 = np.zeros(n, dtype=np.int64) if used0 is None else used0[group_start][group_id]
    cum = np.cumsum(w)
    before_group = (cum - w)[group_start][group_id]
    running = cum - before_group  # cumulative want within the group, inclusive
    cap_g = np.where(capped, cap, -1)
    gmax = np.maximum.reduceat(cap_g, group_start) if n else cap_g
    gmin = np.minimum.reduceat(np.where(capped, cap, np.iinfo(np.int64).max), group_start) if n else cap_g
    g_cap = gmax[group_id]
    after = np.minimum(u0 + running, np.maximum(g_cap, u0))
    prev = np.minimum(u0 + running - w, np.maximum(g_cap, u0))
    amount = np.where(capped, after - prev, want)
    if extra is not None and n:
        we = w + extra
        cum_e = np.cumsum(we)
        v = u0 + (cum_e - we) - (cum_e - we)[group_start][group_id]  # used before each claim, uncapped
        amount = np.where(capped, np.clip(g_cap - v, 0, want), want)
    loop = (gmax != gmin) & (gmax >= 0)
    for g in np.nonzero(loop)[0]:  # rare: caps that change within one person-year, or shared with other layers
        start = group_start[g]
        end = group_start[g + 1] if g + 1 < len(group_start) else n
        usedv = int(u0[start])
        for i in range(start, end):
            if cap[i] >= 0:
                a = min(int(want[i]), max(0, int(cap[i]) - usedv))
                amount[i] = a
                usedv += a
            if extra is not None:
                usedv += int(extra[i])
    return amount
